"""Upload: once the site is live in feed/ and passes the gate, bring the hosting up to date with it (only what
changed, audio first and the feed last; see pipeline/publish/sync.py). Runs every time it is asked for
(`certquests publish`) and works out by itself what to send; `certquests build` never uploads."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import PublishError, ValidationError
from ..model.published import save_published
from ..model.show import PublishSettings
from .base import Context, EpisodeWork, Scope, Step

if TYPE_CHECKING:
    from ..publish.sync import Progress, UploadReport
    from ..publish.target import Target

NAME = "upload"
VERSION = 1
SCOPE: Scope = "show"
HELP = "Build everything, then upload the site to its hosting (--to, or [publish] to in show.toml)."


@dataclass
class Request:
    """What `certquests publish` asked for; the build hands it no options, so the command sets it around the
    build (see `requested`)."""

    target: Target
    settings: PublishSettings
    dry_run: bool = False
    cors: bool = False
    progress: Callable[[Progress], None] | None = None
    reports: list[UploadReport] = field(default_factory=list)


_request: ContextVar[Request | None] = ContextVar("upload_request", default=None)


@contextlib.contextmanager
def requested(request: Request) -> Iterator[Request]:
    token = _request.set(request)
    try:
        yield request
    finally:
        _request.reset(token)


def plan(context: Context, episode: EpisodeWork | None) -> list[Step]:
    request = _request.get()
    return [Step(NAME, None, {"stage code": str(VERSION)}, lambda: upload(context, request), when="always")]


def upload(context: Context, request: Request | None) -> None:
    # lxml, mutagen and the storage clients load only when a site is uploaded.
    from ..publish.gate import validate_feed, validate_topic_feeds
    from ..publish.sync import upload_site

    if request is None:
        raise PublishError("nothing says where to upload; run `certquests publish --to s3://BUCKET/PREFIX`")
    project, show = context.project, context.show
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
    )
    request.reports.append(report)
    if not request.dry_run:  # what listeners now have: the review page marks what changes after it
        save_published(project.cache / "publish", context.released)
