"""The site's copies of the built files (feed/episodes/): each checked against what the tag stage recorded,
and copied again from episodes/ when it differs, before a publish or an upload."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..errors import PublishError
from ..fsutil import fingerprint, temporary_sibling, write_atomic
from ..model.episode import Episode
from .context import Context
from .opus import recorded
from .tag import recorded_files


def restore_copies(context: Context, released: Sequence[Episode]) -> dict[str, tuple[int, str]]:
    """The size and sha256 the tag stage recorded for each released episode's files, by their key in the
    site; a copy in feed/episodes/ that is missing or differs from that record (a damaged disk block, an edit
    in place) is copied again from episodes/, so what goes up is what the build made. The copies' own
    fingerprints are kept in .cache/publish/copies.json: an untouched copy is known without being read."""
    project = context.project
    known_path = project.cache / "publish" / "copies.json"
    try:
        known = json.loads(known_path.read_text("utf-8"))
    except (OSError, ValueError):
        known = {}
    known = known if isinstance(known, dict) else {}
    expected: dict[str, tuple[int, str]] = {}
    seen: dict[str, list[object]] = {}
    for episode in released:
        record = {**recorded_files(context, episode.id), **recorded(context, episode.id)}
        for name in episode.files:
            built = record.get(name)
            if built is None:
                raise PublishError(
                    f"episodes/{name}: the build has no record of it; run `certquests build`, then publish "
                    "again"
                )
            size, sha256 = int(built[0]), str(built[2])
            expected[f"episodes/{name}"] = (size, sha256)
            copy = project.site / "episodes" / name
            if not _matches(copy, known.get(name), size, sha256):
                _copy_again(project.episodes / name, copy, built)
            seen[name] = list(fingerprint(copy))
    if seen != known:
        write_atomic(known_path, json.dumps(seen, indent=0, sort_keys=True), durable=False)
    return expected


def _matches(copy: Path, known: object, size: int, sha256: str) -> bool:
    try:
        found = fingerprint(copy, known if isinstance(known, list) and len(known) == 3 else None)
    except OSError:
        return False
    return found[0] == size and found[2] == sha256


def _copy_again(source: Path, copy: Path, built: list[object]) -> None:
    """Copy a built file into the site again, if episodes/ still holds the bytes the build recorded (read
    whole: its time is not trusted here)."""
    try:
        size, _, sha256 = fingerprint(source)
    except OSError:
        size, sha256 = -1, ""
    if [size, sha256] != [built[0], built[2]]:
        raise PublishError(
            f"feed/episodes/{copy.name} and episodes/{source.name} both differ from what the build made; "
            f"delete episodes/{source.name} and run `certquests publish` again (the build makes it again)"
        )
    staged = temporary_sibling(copy)
    try:
        shutil.copyfile(source, staged)
        os.replace(staged, copy)
    finally:
        staged.unlink(missing_ok=True)
