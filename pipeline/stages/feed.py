"""Feed: the RSS feed of the released episodes, staged beside feed/feed.xml for the publish stage."""

from __future__ import annotations

import hashlib

from ..fsutil import write_staged
from ..model.episode import Episode, Urls
from .base import Context, EpisodeWork, Scope, Step, digest

NAME = "feed"
VERSION = 1
SCOPE: Scope = "show"
HELP = "Publish feed/feed.xml (after the gate passes)."
COMMAND: str | None = NAME
BUILT = True
FINISHES = False
REPORT = "the feed"


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


def plan(context: Context, episode: EpisodeWork | None) -> list[Step]:
    project = context.project
    target = project.site / "feed.xml"
    parts = {
        "stage code": str(VERSION),
        "episodes": digest([episode_record(e) for e in context.released]),
        "show config": hashlib.sha256(project.config_path.read_bytes()).hexdigest(),
        "cover": context.cover_digest,
        "show guid": context.show_guid,
    }

    def run() -> None:
        from ..formats.rss import render_feed  # feedgen and lxml load only when the feed is written

        xml = render_feed(context.show, context.released, Urls.of(context.show), context.show_guid)
        context.staged.append((write_staged(target, xml), target))

    return [Step(NAME, None, parts, run, (target,))]
