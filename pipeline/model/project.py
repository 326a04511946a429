"""Where a project's sources and outputs live."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnsafePathError

CONFIG_NAME = "content/show.toml"
# The folders certquests writes, replaces and deletes files in: never reached through a symbolic link.
OWN_FOLDERS = (
    ".cache",
    ".cache/scratch",
    ".cache/episodes",
    ".cache/speech",
    ".cache/publish",
    "scripts",
    "episodes",
    "feed",
    "feed/episodes",
    "feed/assets",
    "feed/files",
)


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

    def own(self, path: Path) -> Path:
        """`path`, a folder or file of the project's own output, checked to be reached from the project root
        through real folders only: a symbolic link anywhere on the way (`.cache/scratch` pointing at a home
        folder, say) would make a build write and delete outside the project, so it is refused."""
        current = self.root
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            raise UnsafePathError(
                f"{path}: is outside the project {self.root}; certquests never writes there"
            ) from None
        for part in parts:
            current = current / part
            if part in {"", ".", ".."}:
                raise UnsafePathError(
                    f"{path}: names a folder above the project; certquests never writes there"
                )
            if current.is_symlink():
                shown = current.relative_to(self.root).as_posix()
                raise UnsafePathError(
                    f"{shown}: is a symbolic link (to {os.readlink(current)}); certquests writes and deletes "
                    "files in its own folders and never follows a link out of the project: remove the link "
                    f"(rm {shown}), and the next build makes a plain folder"
                )
        return path

    def check_own_folders(self) -> None:
        """Refuse to work in a project where one of the tool's folders is a symbolic link (see `own`)."""
        for name in OWN_FOLDERS:
            self.own(self.root / name)
