"""The show's identities and release calendar: GUIDs that never change once published (episodes/registry.json,
kept in version control) and the day each episode comes out."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import uuid
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..errors import ContentError
from ..fsutil import write_atomic
from .course import Course
from .episode import podcast_guid
from .lesson import Lesson
from .project import Project
from .show import Show

REGISTRY_NAME = "episodes/registry.json"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
log = logging.getLogger(__name__)


class Registry:
    """A lost or damaged registry is rebuilt from the live feed, which carries every published episode's
    GUID and first day; it is saved again with the next publish."""

    def __init__(self, project: Project):
        self.path = project.root / REGISTRY_NAME
        self.changed = False
        try:
            data: Any = json.loads(self.path.read_text("utf-8"))
            if not _well_formed(data):
                raise ValueError("not the registry's shape")
        except FileNotFoundError:
            data = from_feed(project.site / "feed.xml")
            self.changed = bool(data.get("episodes"))
        except (ValueError, UnicodeDecodeError) as exc:
            data = from_feed(project.site / "feed.xml")
            self.changed = True
            log.warning(
                "%s: damaged (%s); rebuilt from the live feed (%d episodes)",
                REGISTRY_NAME,
                exc,
                len(data.get("episodes", {})),
            )
        self.data: dict[str, Any] = data
        self.data.setdefault("episodes", {})

    def _entry(self, lesson_id: str) -> dict[str, Any]:
        return self.data["episodes"].get(lesson_id) or {}

    def show_guid(self, show: Show) -> str:
        if show.podcast_guid:
            return show.podcast_guid
        if "podcast_guid" not in self.data:
            self.data["podcast_guid"] = podcast_guid(show.feed_url)
            self.changed = True
        return str(self.data["podcast_guid"])

    def guid(self, lesson_id: str, show_guid: str) -> str:
        return str(self._entry(lesson_id).get("guid") or uuid.uuid5(uuid.UUID(show_guid), lesson_id))

    def first_published(self, lesson_id: str) -> dt.date | None:
        day = self._entry(lesson_id).get("first_published")
        return dt.date.fromisoformat(day) if day else None

    def retired(self, lesson_id: str) -> bool:
        return bool(self._entry(lesson_id).get("retired"))

    def published(self, lesson_id: str, guid: str, when: dt.datetime) -> None:
        if lesson_id not in self.data["episodes"]:
            self.data["episodes"][lesson_id] = {"guid": guid, "first_published": when.date().isoformat()}
            self.changed = True

    def retire(self, lesson_id: str) -> None:
        if lesson_id not in self.data["episodes"]:
            known = ", ".join(sorted(self.data["episodes"])[:6])
            raise ContentError(
                f"'{lesson_id}' was never published, so there is nothing to retire (published: "
                f"{known or 'none yet'}); to drop an unpublished lesson, delete its file or set "
                "'retired: true' in its front matter"
            )
        self.data["episodes"][lesson_id]["retired"] = True
        self.changed = True

    def orphans(self, course: Course, also: Collection[str] = ()) -> list[str]:
        """Published episodes whose lesson (or, for `also`, drill or review) is gone without being retired."""
        present = {lesson.id for lesson in course.lessons} | set(also)
        return sorted(
            lesson_id
            for lesson_id, entry in self.data["episodes"].items()
            if lesson_id not in present and not entry.get("retired")
        )

    def save(self) -> None:
        if self.changed:
            write_atomic(self.path, json.dumps(self.data, indent=2, sort_keys=True) + "\n")
            self.changed = False


def _well_formed(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("episodes", {}), dict):
        return False
    for entry in data.get("episodes", {}).values():
        if not isinstance(entry, dict) or not isinstance(entry.get("guid", ""), str):
            return False
        day = entry.get("first_published")
        if day is not None:
            try:
                dt.date.fromisoformat(day)
            except (TypeError, ValueError):
                return False
    guid = data.get("podcast_guid")
    if guid is None:
        return True
    try:
        uuid.UUID(str(guid))
    except ValueError:
        return False  # the show's GUID names every episode's: one that is no UUID is damage
    return isinstance(guid, str)


def from_feed(feed: Path) -> dict[str, Any]:
    """What a registry holds, read back from a published feed: the show's GUID, and each episode's GUID and
    first day (its page is named after its lesson id)."""
    try:
        root = ElementTree.parse(feed).getroot()  # noqa: S314 - our own feed, written by this tool
    except (OSError, ElementTree.ParseError):
        return {"episodes": {}}
    data: dict[str, Any] = {"episodes": {}}
    show_guid = root.findtext(f"channel/{{{PODCAST_NS}}}guid")
    if show_guid and _well_formed({"podcast_guid": show_guid}):
        data["podcast_guid"] = show_guid
    for item in root.iterfind("channel/item"):
        link, guid, day = item.findtext("link") or "", item.findtext("guid"), item.findtext("pubDate")
        lesson_id = link.rsplit("/", 1)[-1].removesuffix(".html")
        try:
            when = email.utils.parsedate_to_datetime(day or "")
        except (TypeError, ValueError):
            continue
        if lesson_id and guid:
            data["episodes"][lesson_id] = {"guid": guid, "first_published": when.date().isoformat()}
    return data


def release_dates(show: Show, lessons: Sequence[Lesson], registry: Registry) -> dict[str, dt.datetime]:
    """When each episode is released. A published episode keeps the date it was first published on (a later
    `publish:` date added to its lesson moves nothing); then a publish date in the front matter wins; the rest
    follow the schedule (the first on `start`, then one every N
    days), never before the next free slot after the last episode already out, so adding or retiring a lesson
    never moves an episode that listeners already have."""
    start = show.schedule.start or dt.date(2000, 1, 1)
    step = dt.timedelta(days=show.schedule.every_days)
    published = [day for lesson in lessons if (day := registry.first_published(lesson.id))]
    cursor = max(published) if published else None
    days: dict[str, dt.date] = {}
    for index, lesson in enumerate(lessons):
        day = registry.first_published(lesson.id) or lesson.publish
        if day is None:
            day = start + step * index
            if cursor is not None and day <= cursor:
                day = cursor + step
            cursor = day if cursor is None else max(cursor, day)
        days[lesson.id] = day
    return {key: dt.datetime.combine(day, show.schedule.time, tzinfo=dt.UTC) for key, day in days.items()}


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of `day`, UTC: a build "as of" that day publishes everything released on it."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)


def numbering(show: Show, lessons: Sequence[Lesson]) -> list[tuple[int | None, int | None]]:
    """Each episode's (season, number) in the feed: the module is the season; a trailer covers the whole
    course, so it has neither; an episodic show numbers its episodes in order."""
    out: list[tuple[int | None, int | None]] = []
    counted = 0
    for lesson in lessons:
        if lesson.episode_type == "trailer":
            out.append((None, None))
            continue
        counted += 1
        out.append((lesson.module or None, counted if show.show_type == "episodic" else lesson.number))
    return out
