"""The local folder feed/: released audio and sidecars linked in, staged files put live, superseded files
removed once the new feed is in place."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..formats.pages import STATIC
from ..fsutil import write_staged
from ..model.episode import Episode, cover_name
from ..model.show import Show


def _publish_file(source: Path, target: Path) -> None:
    """Put a built file into the site as a copy of its own: whatever later happens to episodes/ (an edit in
    place, a damaged disk block) cannot reach what is published. Names carry a content hash, so a file
    already there under its name is the same file."""
    if target.exists() and not os.path.samefile(source, target):
        return
    tmp = target.with_name(f".{target.name}.tmp")
    if tmp.exists():
        tmp.unlink()
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def publish_files(
    site: Path, episodes_dir: Path, show: Show, episodes: Sequence[Episode]
) -> list[tuple[Path, Path]]:
    """Put the released episodes' audio and sidecars into the site (new names: nothing live changes), and
    stage
    the cover and the assets beside their places; returns the staged (temporary, final) pairs."""
    site.mkdir(parents=True, exist_ok=True)
    staged = []
    for source, target in [
        *((path, site / "assets" / path.name) for path in STATIC.iterdir()),
        (show.cover, site / cover_name(show)),
    ]:
        data = source.read_bytes()
        if not target.exists() or target.read_bytes() != data:
            staged.append((write_staged(target, data), target))

    published = site / "episodes"
    published.mkdir(parents=True, exist_ok=True)
    for episode in episodes:
        for name in episode.files:
            _publish_file(episodes_dir / name, published / name)
    return staged


def remove_stale_pages(site: Path, live: set[str], files: set[str]) -> None:
    """Pages of episodes that are no longer released go (after the new feed is in place), and so do the lesson
    files no page links any more (a file linked by mistake, or an older version of one): a publish then
    removes them from the hosting too, once the grace period has passed."""
    for path in site.glob("*.html"):
        if path.name not in live:
            path.unlink()
    folder = site / "files"
    for path in folder.iterdir() if folder.is_dir() and not folder.is_symlink() else ():
        if f"files/{path.name}" not in files and not path.name.startswith(".") and not path.is_dir():
            path.unlink()
