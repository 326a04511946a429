"""The RSS feed: feedgen with its podcast (itunes) extension, plus one for the Podcasting 2.0 tags."""

from __future__ import annotations

import datetime as dt
import email.utils
import html
from collections.abc import Sequence
from typing import Any

import lxml.etree  # noqa: F401 - feedgen.util uses lxml.etree without importing it

from ..model.episode import Alternate, Episode, Urls
from ..model.show import Show
from .pages import clock

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
DESCRIPTION_LIMIT = 4000
NODE_LIMIT = 128  # characters of a podcast:trailer's or podcast:updateFrequency's text that apps show
Tag = tuple[str, str, str | None, dict[str, str]]  # namespace, name, text, attributes
# Each item's podcast:transcript links: the sidecar, its type, and whether it is captions.
TRANSCRIPTS = (
    ("vtt", "text/vtt", "captions"),
    ("srt", "application/x-subrip", None),
    ("json", "application/json", None),
)
Children = Sequence[tuple[str, dict[str, str]]]


def channel_tags(
    show: Show, episodes: Sequence[Episode], urls: Urls, upcoming: Sequence[dt.date] | None
) -> list[Tag]:
    """The channel's Podcasting 2.0 tags beyond its identity: what the feed is, its trailers, that its voices
    are synthesized (every engine is text-to-speech) and, given the days of the episodes still to come (None
    for a feed of part of the show), when it updates and whether it is complete."""
    tags: list[Tag] = [(PODCAST_NS, "medium", show.medium, {})]
    tags += [trailer_tag(episode, urls) for episode in episodes if episode.lesson.episode_type == "trailer"]
    if upcoming is not None:
        frequency = update_frequency(show, episodes, upcoming)
        tags += [frequency] if frequency else []
        tags += [] if upcoming else [(ITUNES_NS, "complete", "Yes", {})]
    tags.append((PODCAST_NS, "txt", "true", {"purpose": "ai-content"}))
    return tags


def trailer_tag(episode: Episode, urls: Urls) -> Tag:
    """podcast:trailer for a released trailer: its file, like an enclosure, its date and its title."""
    attributes = {
        "url": urls.audio(episode),
        "pubdate": email.utils.format_datetime(episode.released),
        "length": str(episode.length),
        "type": "audio/mpeg",
    }
    return (PODCAST_NS, "trailer", episode.lesson.title[:NODE_LIMIT], attributes)


def recurrence(every_days: int) -> tuple[str, str]:
    """The iCalendar rule (RFC 5545) of a release every N days, and how it reads."""
    weeks, days = divmod(every_days, 7)
    if days == 0:
        return (
            "FREQ=WEEKLY" + (f";INTERVAL={weeks}" if weeks > 1 else ""),
            "Every week" if weeks == 1 else f"Every {weeks} weeks",
        )
    return (
        "FREQ=DAILY" + (f";INTERVAL={every_days}" if every_days > 1 else ""),
        "Every day" if every_days == 1 else f"Every {every_days} days",
    )


def update_frequency(show: Show, episodes: Sequence[Episode], upcoming: Sequence[dt.date]) -> Tag | None:
    """podcast:updateFrequency from the release schedule: a release every `every_days` from the first
    episode's day, as many as reach the last one's (COUNT, with the dtstart it requires); complete once no
    episode is still to come."""
    days = [episode.released.date() for episode in episodes] + list(upcoming)
    if not days:
        return None
    first, last = min(days), max(days)
    every = show.schedule.every_days
    rule, label = recurrence(every)
    start = dt.datetime.combine(first, show.schedule.time, tzinfo=dt.UTC)
    attributes = {
        "rrule": f"{rule};COUNT={-(-(last - first).days // every) + 1}",
        "dtstart": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    ending = f"{last.day} {last:%B %Y}"
    if upcoming:
        return (PODCAST_NS, "updateFrequency", f"{label} until {ending}", attributes)
    return (
        PODCAST_NS,
        "updateFrequency",
        f"Complete: the last episode came out on {ending}",
        {**attributes, "complete": "true"},
    )


def _channel_extension(show: Show, guid: str, extra: list[Tag]) -> type:
    from feedgen.ext.base import BaseExtension
    from feedgen.util import xml_elem

    class PodcastIndexChannel(BaseExtension):
        def extend_ns(self) -> dict[str, str]:
            return {"podcast": PODCAST_NS}

        def extend_rss(self, rss: Any) -> Any:
            channel = rss[0]
            # feedgen only knows yes/no/clean; Apple now asks for true/false.
            xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = "true" if show.explicit else "false"
            xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = guid
            locked = xml_elem(f"{{{PODCAST_NS}}}locked", channel)
            locked.text = "yes"
            locked.set("owner", show.owner_email)
            person = xml_elem(f"{{{PODCAST_NS}}}person", channel)
            person.text = show.author
            person.set("role", "host")
            for namespace, name, text, attributes in extra:
                element = xml_elem(f"{{{namespace}}}{name}", channel)
                element.text = text
                for key, value in attributes.items():
                    element.set(key, value)
            return rss

    return PodcastIndexChannel


class _Entry:
    """Per-item Podcasting 2.0 tags; feedgen hands each entry's extension its <item>."""

    @staticmethod
    def make() -> type:
        from feedgen.ext.base import BaseEntryExtension
        from feedgen.util import xml_elem

        class PodcastIndexItem(BaseEntryExtension):
            def __init__(self) -> None:
                self.tags: list[tuple[str, str | None, dict[str, str], Children]] = []

            def add(
                self, tag: str, text: str | None = None, children: Children = (), **attributes: str
            ) -> None:
                """A tag with its text or its child tags (each a name and attributes), in the order given."""
                self.tags.append((tag, text, attributes, children))

            def extend_rss(self, item: Any) -> Any:
                for name, text, attributes, children in self.tags:
                    namespace = ITUNES_NS if name == "explicit" else PODCAST_NS
                    element = xml_elem(f"{{{namespace}}}{name}", item)
                    if text is not None:
                        element.text = text
                    for key, value in attributes.items():
                        element.set(key, value)
                    for child, child_attributes in children:
                        xml_elem(f"{{{PODCAST_NS}}}{child}", element).attrib.update(child_attributes)
                return item

        return PodcastIndexItem


def alternate_attributes(alternate: Alternate, show: Show) -> dict[str, str]:
    """A podcast:alternateEnclosure's attributes, as the namespace documents them (bitrate in bits/s)."""
    return {
        "type": alternate.type,
        "length": str(alternate.length),
        "bitrate": str(alternate.bitrate),
        "lang": show.language,
        "title": alternate.title,
        "codecs": alternate.codecs,
    }


def alternate_children(urls: Urls, alternate: Alternate) -> Children:
    """Where to fetch it (podcast:source) and how to check it (podcast:integrity, a Subresource Integrity
    string)."""
    return [
        ("source", {"uri": urls.file(alternate.name)}),
        ("integrity", {"type": "sri", "value": alternate.sri}),
    ]


def item_description(episode: Episode, page_url: str, quiz_url: str) -> str:
    """Plain notes for the <description>: only <p>, <ul>, <li> and <a>, at most 4000 bytes."""
    summary = f"<p>{html.escape(episode.lesson.summary)}</p>"
    links = (
        f'<p><a href="{html.escape(page_url)}">Transcript and show notes</a> · '
        f'<a href="{html.escape(quiz_url)}">Test yourself with the quiz</a></p>'
    )
    chapters = "".join(f"<li>{clock(c.start)} {html.escape(c.title)}</li>" for c in episode.chapters)
    text = summary + (f"<ul>{chapters}</ul>" if chapters else "") + links
    if len(text.encode("utf-8")) > DESCRIPTION_LIMIT:
        text = summary + links
    return text


def render_feed(
    show: Show,
    episodes: list[Episode],
    urls: Urls,
    show_guid: str,
    *,
    title: str | None = None,
    feed_url: str | None = None,
    upcoming: Sequence[dt.date] | None = None,
) -> bytes:
    """The feed as UTF-8 bytes. `urls` maps an episode to its public URLs (see site.Urls); `title` and
    `feed_url` name a feed of part of the show (a topic's) rather than the show's own; `upcoming`, the days of
    the episodes to come, is given for the show's own feed (its schedule, and whether it is complete)."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.load_extension("podcast")
    channel = channel_tags(show, episodes, urls, upcoming)
    feed.register_extension(
        "podcastindex", _channel_extension(show, show_guid, channel), _Entry.make(), rss=True, atom=False
    )
    _describe_channel(feed, show, episodes, urls, title or show.title, feed_url or show.feed_url)

    # Newest first, as feeds are read; serial apps order by season and episode anyway.
    for episode in sorted(episodes, key=lambda e: (e.released, e.lesson.sort_key), reverse=True):
        lesson = episode.lesson
        entry = feed.add_entry(order="append")
        entry.guid(episode.guid, permalink=False)
        entry.title(lesson.title)
        entry.link(href=urls.page(episode))
        description = item_description(episode, urls.page(episode), urls.quiz(episode))
        entry.description(description)
        entry.content(description, type="CDATA")
        entry.enclosure(urls.audio(episode), str(episode.length), "audio/mpeg")
        entry.pubDate(episode.released)
        entry.podcast.itunes_duration(round(episode.duration))
        entry.podcast.itunes_episode_type(lesson.episode_type)
        entry.podcast.itunes_image(urls.cover)
        if episode.season:
            entry.podcast.itunes_season(episode.season)
        if episode.number:
            entry.podcast.itunes_episode(episode.number)
        extra = entry.podcastindex
        extra.add("explicit", "true" if show.explicit else "false")
        for kind, mime, rel in TRANSCRIPTS:
            relation = {"rel": rel} if rel else {}
            extra.add(
                "transcript", url=urls.sidecar(episode, kind), type=mime, language=show.language, **relation
            )
        extra.add("chapters", url=urls.sidecar(episode, "chapters"), type="application/json+chapters")
        for alternate in episode.alternates:
            extra.add(
                "alternateEnclosure",
                children=alternate_children(urls, alternate),
                **alternate_attributes(alternate, show),
            )
        if episode.season:
            module = show.module(episode.season)
            if module:
                extra.add("season", str(episode.season), name=module.title)
            else:
                extra.add("season", str(episode.season))
        if episode.number:
            extra.add("episode", str(episode.number))
        extra.add("person", show.author, role="host")
    return feed.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def _describe_channel(
    feed: Any, show: Show, episodes: list[Episode], urls: Urls, title: str, feed_url: str
) -> None:
    """The channel's RSS and iTunes elements."""
    feed.title(title)
    feed.description(show.description)
    feed.link(href=feed_url, rel="self", type="application/rss+xml")
    feed.link(href=urls.home, rel="alternate")  # feedgen's RSS <link> is the last one set
    feed.language(show.language)
    if show.copyright:
        feed.copyright(show.copyright)
    feed.generator("certquests")
    feed.image(url=urls.cover, title=title, link=urls.home)
    feed.podcast.itunes_author(show.author)
    feed.podcast.itunes_category(show.category, show.subcategory or None)
    feed.podcast.itunes_image(urls.cover)
    feed.podcast.itunes_owner(name=show.owner_name, email=show.owner_email)
    feed.podcast.itunes_summary(show.description)
    if show.subtitle:
        feed.podcast.itunes_subtitle(show.subtitle)
    feed.podcast.itunes_type(show.show_type)
    newest = max((e.released for e in episodes), default=None)
    if newest:
        feed.lastBuildDate(newest)
        feed.pubDate(newest)
