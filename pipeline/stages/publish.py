"""Publish: the staged feed and pages pass the gate, then go live in feed/ (pages and assets after the feed);
superseded files are removed last, and the episodes' first-published dates are saved with them."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import CertQuestsError, ValidationError
from ..model.episode import Episode
from ..publish.local import publish_files, remove_stale_pages
from .base import Scope, Step
from .built import Built, Encoded, Released
from .context import Context, EpisodeWork
from .copies import restore_copies
from .products import Needs, Product, Staged
from .site import SitePage
from .topics import FOLDER, TopicFeed

NAME = "publish"
VERSION = 1
SCOPE: Scope = "show"
HELP = "Build everything, pass the gate and put the feed and pages live in feed/."
COMMAND: str | None = None
BUILT = True
FINISHES = True
REPORT = ""


@dataclass(frozen=True)
class Live(Product):
    """The site as this stage leaves it in feed/, once the gate passed: what an upload sends."""

    site: Path


NEEDS: tuple[type[Product], ...] = (Built, Encoded, Released, Staged, SitePage, TopicFeed)
MAKES: tuple[type[Product], ...] = (Live,)

log = logging.getLogger(__name__)


def plan(context: Context, episode: EpisodeWork | None, needs: Needs) -> list[Step]:
    released = needs.of(Released).episodes
    return [
        # Run after the show's other steps that ran: `needs` then holds the files their runs staged.
        Step(
            NAME,
            None,
            {"stage code": str(VERSION)},
            lambda: publish(context, needs),
            when="changed",
            made=Live(context.project.site),
        ),
        Step(
            NAME,
            "copies",
            {"stage code": str(VERSION)},
            lambda: mend_copies(context, released),
            when="settled",
        ),
    ]


def mend_copies(context: Context, released: Sequence[Episode]) -> None:
    """The site's copies of the released episodes' files hold what the build made: a damaged or deleted one is
    copied again from episodes/ (a publish checks them again before anything goes up)."""
    try:
        restore_copies(context, released)
    except CertQuestsError as exc:
        log.warning("%s", exc)


def publish(context: Context, needs: Needs) -> None:
    """New audio files have new names, so putting them in place touches nothing live. The gate checks the
    feed and the topic feeds (staged, or the live ones when only pages changed); the registry records what is
    released; the feeds go live, then the pages; what is superseded goes last."""
    released = needs.of(Released).episodes
    staged = [pair for made in needs.every(Staged) for pair in made.files]
    staged += publish_files(context.project.site, context.project.episodes, context.show, released)
    put_live(context, released, staged)
    site = context.project.site
    pages = needs.every(SitePage)
    if needs.planned(SitePage):
        files = {name for page in pages for name in page.files}
        remove_stale_pages(site, {page.name for page in pages}, files)
    if needs.planned(TopicFeed):  # a topic gone, or topic feeds turned off: its feed goes
        feeds = {feed.name for feed in needs.every(TopicFeed)}
        for feed in (site / FOLDER).glob("*.xml"):
            if feed.name not in feeds:
                feed.unlink()
    prune(context, needs.every(Built), needs.every(Encoded), released, site_too=needs.planned(SitePage))


def put_live(context: Context, released: Sequence[Episode], staged: list[tuple[Path, Path]]) -> None:
    """The staged files pass the gate, the registry records what is out, and they go live, the feed first;
    staged files are removed whatever happens."""
    from ..publish.gate import (
        validate_feed,
        validate_topic_feeds,
    )  # mutagen and lxml load only when something is published

    show, site, feed_path = context.show, context.project.site, context.project.site / "feed.xml"
    try:
        pending = {final: temporary for temporary, final in staged}
        xml = pending.get(feed_path, feed_path).read_bytes()
        problems = validate_feed(xml, show.base_url, site, pending=pending)
        problems += validate_topic_feeds(show.base_url, site, pending)
        if problems:
            raise ValidationError(
                "the new feed breaks publishing rules; the published feed was left as it was", problems
            )
        # The registry before the feed: a feed is never live with an episode whose first day is unrecorded.
        # Only what is out by the real clock: a preview (--as-of a later day) records nothing, so it never
        # holds back a lesson added later.
        now = dt.datetime.now(dt.UTC)
        for built in released:
            if built.released <= now:
                context.registry.published(built.id, built.guid, built.released)
        context.registry.save()
        # The feed first: the pages and assets it points at are already in place or named anew.
        for temporary, final in sorted(staged, key=lambda pair: pair[1] != feed_path):
            os.replace(temporary, final)
    finally:
        for temporary, _ in staged:
            if temporary.exists():
                temporary.unlink()


def prune(
    context: Context,
    built: list[Built],
    encoded: list[Encoded],
    released: Sequence[Episode],
    *,
    site_too: bool,
) -> None:
    """Once the new feed is in place: drop superseded audio from episodes/ and, when the pages were brought up
    to date too, the files in feed/episodes/ that neither the feed nor the pages use."""
    current = {item.audio_name.removesuffix(".mp3") for item in built}
    current |= {item.name.removesuffix(".opus") for item in encoded}
    ids = {item.id for item in context.episodes}
    for path in context.project.episodes.glob("*"):
        stem = path.name.split(".", 1)[0]
        owner, _, _hash = stem.rpartition("-")
        if owner in ids and stem not in current:
            path.unlink()
    if not site_too:
        return
    live = {name for episode in released for name in episode.files}
    folder = context.project.site / "episodes"
    for path in folder.glob("*") if folder.is_dir() else ():
        if path.name not in live:
            path.unlink()
