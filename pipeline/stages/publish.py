"""Publish: the staged feed and pages pass the gate, then go live in feed/ (pages and assets after the feed);
superseded files are removed last, and the episodes' first-published dates are saved with them."""

from __future__ import annotations

import datetime as dt
import logging
import os

from ..errors import CertQuestsError, ValidationError
from ..model.episode import Episode
from ..publish.local import publish_files, remove_stale_pages
from .base import Context, EpisodeWork, Scope, Step
from .opus import planned_name
from .upload import restore_copies

NAME = "publish"
VERSION = 1
SCOPE: Scope = "show"
HELP = "Build everything, pass the gate and put the feed and pages live in feed/."
COMMAND: str | None = None
BUILT = True
FINISHES = True
REPORT = ""

log = logging.getLogger(__name__)


def plan(context: Context, episode: EpisodeWork | None) -> list[Step]:
    return [
        Step(NAME, None, {"stage code": str(VERSION)}, lambda: publish(context), when="changed"),
        Step(NAME, "copies", {"stage code": str(VERSION)}, lambda: mend_copies(context), when="settled"),
    ]


def mend_copies(context: Context) -> None:
    """The site's copies of the released episodes' files hold what the build made: a damaged or deleted one is
    copied again from episodes/ (a publish checks them again before anything goes up)."""
    try:
        restore_copies(context)
    except CertQuestsError as exc:
        log.warning("%s", exc)


def publish(context: Context) -> None:
    """New audio files have new names, so putting them in place touches nothing live. The gate checks the
    feed and the topic feeds (staged, or the live ones when only pages changed); the registry records what is
    released; the feeds go live, then the pages."""
    from ..publish.gate import (
        validate_feed,
        validate_topic_feeds,
    )  # mutagen and lxml load only when something is published

    project, show = context.project, context.show
    site, feed_path = project.site, project.site / "feed.xml"
    staged = context.staged
    staged.extend(publish_files(site, project.episodes, show, context.released))
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
        for built in context.released:
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
        staged.clear()
    if context.page_names:
        remove_stale_pages(site, set(context.page_names), context.page_files)
    if context.topic_feeds is not None:  # a topic gone, or topic feeds turned off: its feed goes
        for feed in (site / "topics").glob("*.xml"):
            if feed.name not in context.topic_feeds:
                feed.unlink()
    prune(context, context.released, site_too=bool(context.page_names))


def prune(context: Context, released: list[Episode], *, site_too: bool) -> None:
    """Once the new feed is in place: drop superseded audio from episodes/ and, when the pages were brought up
    to date too, the files in feed/episodes/ that neither the feed nor the pages use."""
    current = {item.audio_name.removesuffix(".mp3") for item in context.episodes}
    current |= {
        name.removesuffix(".opus") for item in context.episodes if (name := planned_name(context, item))
    }
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
