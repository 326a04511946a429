"""Studying by ear: drills per domain (per module without domains), reviews on the release calendar, and what
`[study]` in the show config turns on; read from the scripts a build writes for a copy of the fixture project
(two lessons released Mondays 2026-01-05 and 2026-01-12; its second lesson moved to a second domain here)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from pipeline.model.drills import reviews
from pipeline.model.quiz import Question
from pipeline.publish.target import content_type

from .conftest import run
from .factories import lesson

STUDY = "[study]\ndrills = true\nreviews = true\ntopic_feeds = true\n\n"
ADVANCED = '\n[[domains]]\nid = "advanced"\ntitle = "Advanced messaging"\nweight = 50\n'


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def with_study(project: Path, study: str = STUDY) -> Path:
    """The fixture with [study] on and its second lesson and question in a second domain, `advanced`."""
    content = project / "content"
    edit(content / "show.toml", "[schedule]", study + "[schedule]")
    edit(content / "show.toml", "[[modules]]", ADVANCED + "\n[[modules]]")
    edit(content / "lessons" / "02-topics.md", "domain: basics", "domain: advanced")
    edit(
        content / "quiz.yaml",
        "lesson: topics-basics\n  domain: basics",
        "lesson: topics-basics\n  domain: advanced",
    )
    return project


def scripts(project: Path, prefix: str) -> dict[str, str]:
    return {path.stem: path.read_text() for path in sorted((project / "scripts").glob(f"{prefix}*.txt"))}


def bank(project: Path) -> list[dict]:
    return yaml.safe_load((project / "content" / "quiz.yaml").read_text())


def test_a_drill_per_domain_asks_every_question_of_it_once(project):
    with_study(project)
    result = run(project, "script")
    assert result.exit_code == 0, result.output
    drills = scripts(project, "drill-")
    assert sorted(drills) == ["drill-advanced", "drill-basics"]
    for question in bank(project):
        holding = [name for name, text in drills.items() if question["question"] in text]
        assert holding == [f"drill-{question['domain']}"]
    basics = drills["drill-basics"]
    assert "HOST: A drill on Basics: One question from the quiz." in basics
    assert "GUEST: Question one." in basics and "GUEST: Option A." in basics
    assert "HOST: The answer is B: FIFO." in basics
    assert re.findall(r"^== (.*)$", basics, re.MULTILINE) == ["Introduction", "Question 1", "Outro"]
    assert "HOST: That was every question on Basics." in basics


def test_without_domains_a_drill_per_module(project):
    with_study(project)
    config = project / "content" / "show.toml"
    config.write_text(re.sub(r"\[\[domains\]\]\n(?:[a-z]+ = .*\n)+", "", config.read_text()))
    assert "[[domains]]" not in config.read_text()
    assert run(project, "script").exit_code == 0
    drill = scripts(project, "drill-")
    assert list(drill) == ["drill-module-1"]
    assert "A drill on Getting started: Two questions from the quiz." in drill["drill-module-1"]
    assert "GUEST: Question two." in drill["drill-module-1"]


def test_reviews_come_one_three_and_eight_weeks_after_each_release(project):
    with_study(project)
    assert run(project, "script").exit_code == 0
    found = scripts(project, "review-")
    # queues-basics out 2026-01-05 (q1), topics-basics 2026-01-12 (q2)
    assert list(found) == [
        "review-2026-01-12",
        "review-2026-01-19",
        "review-2026-01-26",
        "review-2026-02-02",
        "review-2026-03-02",
        "review-2026-03-09",
    ]
    q1, q2 = (question["question"] for question in bank(project))
    assert q1 in found["review-2026-01-12"] and q2 not in found["review-2026-01-12"]
    assert q2 in found["review-2026-03-09"] and q1 not in found["review-2026-03-09"]
    assert found["review-2026-01-12"].startswith("# Review: 12 January 2026\n")
    intro = "HOST: Time for a review: questions from earlier lessons come back, so they stay with you."
    assert all(intro in text for text in found.values())


def test_lesson_scripts_are_the_same_with_study_on(project):
    assert run(project, "script").exit_code == 0
    before = {path.name: path.read_bytes() for path in (project / "scripts").glob("*.txt")}
    with_study(project)
    assert run(project, "script").exit_code == 0
    after = {path.name: path.read_bytes() for path in (project / "scripts").glob("*.txt")}
    assert {name: after[name] for name in before} == before
    assert set(after) - set(before)


def test_study_is_off_unless_the_show_turns_it_on(project):
    assert run(project, "script").exit_code == 0
    assert not scripts(project, "drill-") and not scripts(project, "review-")


def test_review_weeks_of_the_show_decide_the_days(project):
    with_study(project, STUDY.replace("topic_feeds = true\n", "topic_feeds = true\nreview_weeks = [2]\n"))
    assert run(project, "script").exit_code == 0
    assert list(scripts(project, "review-")) == ["review-2026-01-19", "review-2026-01-26"]


def test_bad_review_weeks_name_the_line_and_the_fix(project):
    with_study(project, "[study]\nreviews = true\nreview_weeks = [3, 1]\n\n")
    result = run(project, "script")
    assert result.exit_code == 2
    assert "content/show.toml:" in result.output and "review_weeks" in result.output
    assert "growing, like [1, 3, 8]" in result.output


def _question(number: int, lesson_id: str) -> Question:
    return Question(
        id=f"q{number}",
        lesson=lesson_id,
        question=f"Question text {number}?",
        options={"A": "one", "B": "two"},
        answer="A",
        explanation="Because.",
        line=number,
    )


def test_a_long_review_takes_questions_from_every_lesson_due_in_turn(project):
    lessons = [lesson(project, f"l{n}", 1, n) for n in (1, 2, 3)]
    released = {
        f"l{n}": dt.datetime(2026, 1, 5, tzinfo=dt.UTC) + dt.timedelta(weeks=w)
        for n, w in ((1, 0), (2, 5), (3, 7))
    }
    asked = {f"l{n}": tuple(_question(10 * n + i, f"l{n}") for i in range(4)) for n in (1, 2, 3)}
    found = reviews(lessons, released, asked, (1, 3, 8), {}, most=5)
    day = next(review for review in found if review.day == dt.date(2026, 3, 2))  # l1 +8, l2 +3, l3 +1 weeks
    assert [q.id for q in day.questions] == ["q30", "q31", "q20", "q21", "q10"]
    assert day.lesson.episode_type == "bonus" and day.lesson.id == "review-2026-03-02"
    assert all(len(review.questions) <= 5 for review in found)


@pytest.mark.parametrize("weeks", ["[]", "[0]", '["one"]'])
def test_review_weeks_must_be_growing_whole_weeks(project, weeks):
    with_study(project, f"[study]\nreviews = true\nreview_weeks = {weeks}\n\n")
    result = run(project, "check")
    assert result.exit_code == 2, result.output
    assert "review_weeks" in result.output


def test_a_topic_feed_is_served_as_a_feed():
    assert (
        content_type("topics/security.xml")
        == content_type("feed.xml")
        == "application/rss+xml; charset=utf-8"
    )
    assert content_type("other/security.xml") == "application/xml"
