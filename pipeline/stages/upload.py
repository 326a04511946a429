"""Upload: once the site is live in feed/ and passes the gate, bring the hosting up to date with it (only what
changed, audio first and the feed last; see pipeline/publish/sync.py). Runs every time it is asked for
(`certquests publish`) and works out by itself what to send; `certquests build` never uploads."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import PublishError, ValidationError
from ..fsutil import fingerprint, temporary_sibling, write_atomic
from ..model.published import save_published
from ..model.show import PublishSettings
from .base import Context, EpisodeWork, Scope, Step
from .opus import recorded
from .tag import recorded_files

if TYPE_CHECKING:
    from ..publish.sync import Progress, UploadReport
    from ..publish.target import Target

NAME = "upload"
VERSION = 1
SCOPE: Scope = "show"
HELP = "Build everything, then upload the site to its hosting (--to, or [publish] to in show.toml)."
COMMAND: str | None = "publish"
BUILT = False
FINISHES = False
REPORT = ""


@dataclass
class Request:
    """What `certquests publish` asked for: the command hands it to the build among its orders, under NAME."""

    target: Target
    settings: PublishSettings
    dry_run: bool = False
    cors: bool = False
    progress: Callable[[Progress], None] | None = None
    reports: list[UploadReport] = field(default_factory=list)


def plan(context: Context, episode: EpisodeWork | None) -> list[Step]:
    order = context.orders.get(NAME)
    request = order if isinstance(order, Request) else None
    return [Step(NAME, None, {"stage code": str(VERSION)}, lambda: upload(context, request), when="always")]


def upload(context: Context, request: Request | None) -> None:
    # lxml, mutagen and the storage clients load only when a site is uploaded.
    from ..publish.gate import validate_feed, validate_topic_feeds
    from ..publish.sync import upload_site

    if request is None:
        raise PublishError("nothing says where to upload; run `certquests publish --to s3://BUCKET/PREFIX`")
    project, show = context.project, context.show
    expected = restore_copies(context)
    feed = project.site / "feed.xml"
    if not feed.is_file():
        raise ValidationError("feed/feed.xml does not exist; nothing was uploaded")
    problems = validate_feed(feed.read_bytes(), show.base_url, project.site)
    problems += validate_topic_feeds(show.base_url, project.site)
    if problems:
        raise ValidationError("feed/feed.xml breaks publishing rules; nothing was uploaded", problems)
    report = upload_site(
        request.target,
        project.site,
        request.settings,
        project.cache / "publish",
        dry_run=request.dry_run,
        cors=request.cors,
        progress=request.progress,
        expected=expected,
    )
    request.reports.append(report)
    if not request.dry_run:  # what listeners now have: the review page marks what changes after it
        save_published(project.cache / "publish", context.released)


def restore_copies(context: Context) -> dict[str, tuple[int, str]]:
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
    for episode in context.released:
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
