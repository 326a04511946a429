"""Upload: once the site is live in feed/ and passes the gate, bring the hosting up to date with it (only what
changed, audio first and the feed last; see pipeline/publish/sync.py). Runs every time it is asked for
(`certquests publish`) and works out by itself what to send; `certquests build` never uploads."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import PublishError, ValidationError
from ..model.episode import Episode
from ..model.published import save_published
from ..model.show import PublishSettings
from .base import Scope, Step
from .built import Released
from .context import Context, EpisodeWork
from .copies import restore_copies
from .products import Needs, Product
from .publish import Live

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
NEEDS: tuple[type[Product], ...] = (Released, Live)  # what the publish stage put live in feed/
MAKES: tuple[type[Product], ...] = ()


@dataclass
class Request:
    """What `certquests publish` asked for: the command hands it to the build among its orders, under NAME."""

    target: Target
    settings: PublishSettings
    dry_run: bool = False
    cors: bool = False
    progress: Callable[[Progress], None] | None = None
    reports: list[UploadReport] = field(default_factory=list)


def plan(context: Context, episode: EpisodeWork | None, needs: Needs) -> list[Step]:
    order = context.orders.get(NAME)
    request = order if isinstance(order, Request) else None
    released = needs.of(Released).episodes
    run = functools.partial(upload, context, needs.of(Live), released, request)
    return [Step(NAME, None, {"stage code": str(VERSION)}, run, when="always")]


def upload(context: Context, live: Live, released: Sequence[Episode], request: Request | None) -> None:
    # lxml, mutagen and the storage clients load only when a site is uploaded.
    from ..publish.gate import validate_feed, validate_topic_feeds
    from ..publish.sync import upload_site

    if request is None:
        raise PublishError("nothing says where to upload; run `certquests publish --to s3://BUCKET/PREFIX`")
    project, show, site = context.project, context.show, live.site
    expected = restore_copies(context, released)
    feed = site / "feed.xml"
    if not feed.is_file():
        raise ValidationError("feed/feed.xml does not exist; nothing was uploaded")
    problems = validate_feed(feed.read_bytes(), show.base_url, site)
    problems += validate_topic_feeds(show.base_url, site)
    if problems:
        raise ValidationError("feed/feed.xml breaks publishing rules; nothing was uploaded", problems)
    report = upload_site(
        request.target,
        site,
        request.settings,
        project.cache / "publish",
        dry_run=request.dry_run,
        cors=request.cors,
        progress=request.progress,
        expected=expected,
    )
    request.reports.append(report)
    if not request.dry_run:  # what listeners now have: the review page marks what changes after it
        save_published(project.cache / "publish", released)
