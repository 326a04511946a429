"""Where a project's sources and outputs live."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

CONFIG_NAME = "content/show.toml"


@dataclass(frozen=True)
class Project:
    """Where a project's sources and outputs live."""

    root: Path

    @functools.cached_property
    def content(self) -> Path:
        return self.root / "content"

    @functools.cached_property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @functools.cached_property
    def scripts(self) -> Path:
        return self.root / "scripts"

    @functools.cached_property
    def episodes(self) -> Path:
        return self.root / "episodes"

    @functools.cached_property
    def site(self) -> Path:
        return self.root / "feed"

    @functools.cached_property
    def cache(self) -> Path:
        return self.root / ".cache"
