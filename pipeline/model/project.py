"""Where a project's sources and outputs live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONFIG_NAME = "content/show.toml"


@dataclass(frozen=True)
class Project:
    """Where a project's sources and outputs live."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def scripts(self) -> Path:
        return self.root / "scripts"

    @property
    def episodes(self) -> Path:
        return self.root / "episodes"

    @property
    def site(self) -> Path:
        return self.root / "feed"

    @property
    def cache(self) -> Path:
        return self.root / ".cache"
