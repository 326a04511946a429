"""Feed: the RSS feed of the released episodes, staged beside feed/feed.xml for the publish stage."""

from __future__ import annotations

import hashlib

from ..fsutil import write_staged
from ..model.episode import Episode, Urls
from .base import Scope, Step, digest
from .built import Released
from .context import Context, EpisodeWork
from .products import Needs, Product, Staged

NAME = "feed"
VERSION = 2  # 2: medium, trailer, update frequency, complete, AI content, JSON transcripts
SCOPE: Scope = "show"
HELP = "Publish feed/feed.xml (after the gate passes)."
COMMAND: str | None = NAME
BUILT = True
FINISHES = False
REPORT = "the feed"
NEEDS: tuple[type[Product], ...] = (Released,)
MAKES: tuple[type[Product], ...] = (Staged,)  # feed.xml, beside its place


def episode_record(episode: Episode) -> list[object]:
    return [
        episode.id,
        episode.guid,
        episode.audio_name,
        episode.length,
        episode.duration,
        episode.released.isoformat(),
        episode.lesson.title,
        episode.lesson.summary,
        episode.season,
        episode.number,
        episode.lesson.digest,
        [(c.title, c.start) for c in episode.chapters],
        episode.alternates,
    ]


def plan(context: Context, episode: EpisodeWork | None, needs: Needs) -> list[Step]:
    project, released = context.project, needs.of(Released).episodes
    target = project.site / "feed.xml"
    upcoming = [day for _, day in needs.of(Released).upcoming]  # the schedule ahead: is the show complete
    parts = {
        "stage code": str(VERSION),
        "episodes": digest([episode_record(e) for e in released]),
        "show config": hashlib.sha256(project.config_path.read_bytes()).hexdigest(),
        "cover": context.cover_digest,
        "show guid": context.show_guid,
        "upcoming": digest(sorted(str(day) for day in upcoming)),
    }

    def run() -> Staged:
        from ..formats.rss import render_feed  # feedgen and lxml load only when the feed is written

        xml = render_feed(
            context.show, list(released), Urls.of(context.show), context.show_guid, upcoming=upcoming
        )
        return Staged(((write_staged(target, xml), target),))

    return [Step(NAME, None, parts, run, (target,))]
