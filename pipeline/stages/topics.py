"""Topics: a podcast feed per topic (feed/topics/TOPIC.xml), each that topic's lessons in course order and its
drill, with its own podcast:guid and the main feed's enclosure URLs; staged for the publish stage's gate."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from ..fsutil import write_staged
from ..model.drills import Topic
from ..model.episode import Episode, Urls, podcast_guid
from ..model.show import Show
from .base import Scope, Step, digest
from .built import Released
from .context import Context, EpisodeWork
from .feed import episode_record
from .products import Needs, Product, Staged

NAME = "topics"
VERSION = 2  # 2: medium, AI content, JSON transcripts
SCOPE: Scope = "show"
HELP = "Publish a feed per topic to feed/topics/ (after the gate passes)."
FOLDER = "topics"
COMMAND: str | None = NAME
BUILT = True
FINISHES = False
REPORT = ""


@dataclass(frozen=True)
class TopicFeed(Product):
    """A topic's feed, by its file name in feed/topics/: the publish stage removes the feeds no step made."""

    name: str


NEEDS: tuple[type[Product], ...] = (Released,)
MAKES: tuple[type[Product], ...] = (TopicFeed, Staged)


def topic_url(show: Show, topic: Topic) -> str:
    """Where a topic's feed is published."""
    return f"{show.base_url}{FOLDER}/{topic.id}.xml"


def topic_guid(show: Show, topic: Topic) -> str:
    """The topic feed's podcast:guid, made from its URL as the show's is from the main feed's."""
    return podcast_guid(topic_url(show, topic))


def topic_episodes(topic: Topic, released: Sequence[Episode]) -> list[Episode]:
    """The topic's released lessons in course order, then its drill."""
    by_id = {episode.id: episode for episode in released}
    ids = [lesson.id for lesson in topic.lessons] + [f"drill-{topic.id}"]
    return [by_id[episode_id] for episode_id in ids if episode_id in by_id]


def published_topics(context: Context, released: Released) -> list[Topic]:
    """The topics that have a feed: [study] topic_feeds is on and one of their episodes is out."""
    if not context.show.study.topic_feeds:
        return []
    return [topic for topic in context.topics if topic_episodes(topic, released.episodes)]


def plan(context: Context, episode: EpisodeWork | None, needs: Needs) -> list[Step]:
    config = hashlib.sha256(context.project.config_path.read_bytes()).hexdigest()
    released = needs.of(Released)
    return [_step(context, topic, released, config) for topic in published_topics(context, released)]


def _step(context: Context, topic: Topic, released: Released, config: str) -> Step:
    show = context.show
    target = context.project.site / FOLDER / f"{topic.id}.xml"
    episodes = topic_episodes(topic, released.episodes)
    parts = {
        "stage code": str(VERSION),
        "episodes": digest([episode_record(e) for e in episodes]),
        "show config": config,
        "cover": context.cover_digest,
        "topic": digest(topic.id, topic.title),
    }

    def run() -> Staged:
        from ..formats.rss import render_feed  # feedgen and lxml load only when a feed is written

        xml = render_feed(
            show,
            episodes,
            Urls.of(show),
            topic_guid(show, topic),
            title=f"{show.title}: {topic.title}",
            feed_url=topic_url(show, topic),
        )
        return Staged(((write_staged(target, xml), target),))

    return Step(NAME, topic.id, parts, run, (target,), made=TopicFeed(target.name))
