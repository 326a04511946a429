"""Release dates, numbering and the registry of published episodes, from lessons written into a copy of the
fixture project (its show: weekly from Monday 2026-01-05 at 06:00 UTC, serial, module 1)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.errors import ContentError
from pipeline.model.course import load_course
from pipeline.model.episode import podcast_guid
from pipeline.model.project import Project
from pipeline.model.registry import Registry, end_of_day, numbering, release_dates
from pipeline.model.show import Show, load_show

from .factories import at, lesson


def show_of(project: Path) -> Show:
    return load_show(Project(project))


def edit_config(project: Path, old: str, new: str) -> None:
    config = project / "content" / "show.toml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))


def published(project: Path, **days: str) -> Registry:
    """The registry after a build published each lesson id on its day."""
    registry = Registry(Project(project))
    for lesson_id, day in days.items():
        registry.published(lesson_id, f"guid-{lesson_id}", at(day))
    registry.save()
    return Registry(Project(project))


def test_episodes_come_out_weekly_from_the_schedule_start(project: Path):
    lessons = [lesson(project, "a", 1, 1), lesson(project, "b", 1, 2), lesson(project, "c", 1, 3)]
    dates = release_dates(show_of(project), lessons, Registry(Project(project)))
    assert dates == {"a": at("2026-01-05"), "b": at("2026-01-12"), "c": at("2026-01-19")}


def test_the_start_interval_and_time_come_from_the_show_config(project: Path):
    edit_config(
        project, "start = 2026-01-05\nevery_days = 7", "start = 2026-03-01\nevery_days = 3\ntime = 18:30:00"
    )
    lessons = [lesson(project, "a", 1, 1), lesson(project, "b", 1, 2), lesson(project, "c", 1, 3)]
    dates = release_dates(show_of(project), lessons, Registry(Project(project)))
    assert dates == {
        "a": at("2026-03-01", "18:30"),
        "b": at("2026-03-04", "18:30"),
        "c": at("2026-03-07", "18:30"),
    }


def test_a_publish_date_in_the_front_matter_wins(project: Path):
    lessons = [
        lesson(project, "a", 1, 1),
        lesson(project, "b", 1, 2, publish="2026-03-02"),
        lesson(project, "c", 1, 3),
    ]
    dates = release_dates(show_of(project), lessons, Registry(Project(project)))
    assert dates == {"a": at("2026-01-05"), "b": at("2026-03-02"), "c": at("2026-01-19")}


def test_a_published_episode_keeps_the_day_it_first_came_out(project: Path):
    registry = published(project, a="2025-12-24")
    edit_config(project, "start = 2026-01-05", "start = 2026-02-02")  # moves only what is not out yet
    lessons = [lesson(project, "a", 1, 1), lesson(project, "b", 1, 2)]
    dates = release_dates(show_of(project), lessons, registry)
    assert dates == {"a": at("2025-12-24"), "b": at("2026-02-09")}
    assert registry.first_published("a") == dt.date(2025, 12, 24)


def test_a_lesson_added_later_takes_the_next_free_slot_and_moves_nothing_already_out(project: Path):
    registry = published(project, a="2026-01-05", b="2026-01-12")
    # The new lesson sorts between the two published ones; the schedule alone would put it on b's day.
    lessons = [
        lesson(project, "a", 1, 1),
        lesson(project, "added", 1, 2),
        lesson(project, "b", 1, 3),
        lesson(project, "c", 1, 4),
    ]
    dates = release_dates(show_of(project), lessons, registry)
    assert dates == {
        "a": at("2026-01-05"),
        "b": at("2026-01-12"),
        "added": at("2026-01-19"),
        "c": at("2026-01-26"),
    }


def test_a_build_as_of_a_day_publishes_everything_released_on_it():
    assert end_of_day(dt.date(2026, 1, 5)) == dt.datetime(2026, 1, 5, 23, 59, 59, tzinfo=dt.UTC)
    assert at("2026-01-05") <= end_of_day(dt.date(2026, 1, 5)) < at("2026-01-06", "00:00")


def test_serial_numbers_are_the_lesson_numbers_and_a_trailer_has_none(project: Path):
    edit_config(project, "[[modules]]", '[[modules]]\nnumber = 2\ntitle = "Going further"\n\n[[modules]]')
    lessons = [
        lesson(project, "hello", episode_type="trailer"),
        lesson(project, "a", 1, 1),
        lesson(project, "b", 1, 2),
        lesson(project, "c", 2, 1),
    ]
    assert numbering(show_of(project), lessons) == [(None, None), (1, 1), (1, 2), (2, 1)]


def test_an_episodic_show_numbers_its_episodes_in_order(project: Path):
    edit_config(project, "[[modules]]", '[[modules]]\nnumber = 2\ntitle = "Going further"\n\n[[modules]]')
    edit_config(project, "[show]\n", '[show]\ntype = "episodic"\n')
    lessons = [
        lesson(project, "hello", episode_type="trailer"),
        lesson(project, "a", 1, 1),
        lesson(project, "b", 1, 2),
        lesson(project, "c", 2, 1),
        lesson(project, "d", 2, 2),
    ]
    assert numbering(show_of(project), lessons) == [(None, None), (1, 1), (1, 2), (2, 3), (2, 4)]


def test_a_trailer_alone_has_no_season_and_no_number(project: Path):
    assert numbering(show_of(project), [lesson(project, "hello", episode_type="trailer")]) == [(None, None)]


def test_retiring_an_id_never_published_says_how_to_drop_a_lesson(project: Path):
    registry = Registry(Project(project))
    with pytest.raises(ContentError) as refused:
        registry.retire("ghost")
    assert refused.value.exit_code == 3
    assert refused.value.format_message() == (
        "'ghost' was never published, so there is nothing to retire (published: none yet); to drop an "
        "unpublished lesson, delete its file or set 'retired: true' in its front matter"
    )
    registry = published(project, b="2026-01-12", a="2026-01-05")
    with pytest.raises(ContentError, match=r"\(published: a, b\)"):
        registry.retire("ghost")


def test_a_retired_episode_stays_retired_after_a_reload(project: Path):
    registry = published(project, a="2026-01-05")
    registry.retire("a")
    registry.save()
    again = Registry(Project(project))
    assert again.retired("a") and again.first_published("a") == dt.date(2026, 1, 5)


def test_published_episodes_without_a_lesson_are_orphans_until_retired(project: Path):
    registry = published(
        project, **{"queues-basics": "2026-01-05", "gone": "2026-01-12", "dropped": "2026-01-19"}
    )
    registry.retire("dropped")
    show = show_of(project)
    assert registry.orphans(load_course(Project(project), show)) == ["gone"]


def test_guids_are_stable_and_a_published_guid_is_kept(project: Path):
    show = show_of(project)
    registry = Registry(Project(project))
    show_guid = registry.show_guid(show)
    assert show_guid == podcast_guid("https://example.com/mini/feed.xml")
    derived = registry.guid("a", show_guid)
    assert Registry(Project(project)).guid("a", show_guid) == derived
    assert registry.guid("b", show_guid) != derived
    registry.published("a", "the-guid-it-went-out-with", at("2026-01-05"))
    registry.save()
    again = Registry(Project(project))
    assert again.guid("a", show_guid) == "the-guid-it-went-out-with"
    assert json.loads((project / "episodes" / "registry.json").read_text())["podcast_guid"] == show_guid


SHOW = "9b024349-ccf0-5f69-a609-6b82873eab3c"
FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:podcast="https://podcastindex.org/namespace/1.0" version="2.0"><channel>
<podcast:guid>9b024349-ccf0-5f69-a609-6b82873eab3c</podcast:guid>
<item><link>https://example.com/mini/b.html</link><guid isPermaLink="false">guid-b</guid>
<pubDate>Mon, 12 Jan 2026 06:00:00 +0000</pubDate></item>
<item><link>https://example.com/mini/a.html</link><guid isPermaLink="false">guid-a</guid>
<pubDate>Mon, 05 Jan 2026 06:00:00 +0000</pubDate></item>
</channel></rss>
"""


@pytest.mark.parametrize(
    "damage", [None, '{"episodes": ', "null", "[]", '{"episodes": {"a": {"first_published": "soon"}}}']
)
def test_a_lost_or_damaged_registry_is_rebuilt_from_the_live_feed(project: Path, damage: str | None):
    (project / "episodes").mkdir(exist_ok=True)
    (project / "feed").mkdir(exist_ok=True)
    (project / "feed" / "feed.xml").write_text(FEED)
    if damage is not None:
        (project / "episodes" / "registry.json").write_text(damage)
    registry = Registry(Project(project))
    assert registry.data["podcast_guid"] == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert registry.guid("a", SHOW) == "guid-a" and registry.guid("b", SHOW) == "guid-b"
    assert registry.first_published("a") == dt.date(2026, 1, 5)
    assert registry.first_published("b") == dt.date(2026, 1, 12)
    registry.save()
    again = json.loads((project / "episodes" / "registry.json").read_text())
    assert again["episodes"]["a"] == {"guid": "guid-a", "first_published": "2026-01-05"}
