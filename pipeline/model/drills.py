"""Studying by ear: a drill per topic (every quiz question of a domain, or of a module when the show has no
domains), reviews that bring a released lesson's questions back at growing intervals, and the topics a feed
each is made for. The episodes are bonus episodes made from the quiz bank; [study] turns each on."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .course import Course
from .lesson import Lesson
from .quiz import Question
from .show import Show

QUIZ_PATH = "content/quiz.yaml"


@dataclass(frozen=True)
class Topic:
    """What a drill and a topic feed cover: a [[domains]] entry, or a module when the show has no domains."""

    id: str  # the domain's id, or "module-N"
    title: str
    lessons: tuple[Lesson, ...]  # in course order
    questions: tuple[Question, ...]  # in quiz-bank order


@dataclass(frozen=True)
class StudyEpisode:
    """A drill or a review: a bonus episode asking `questions`, released on `day`."""

    lesson: Lesson  # what every stage reads of an episode: its id, title, summary and notes
    questions: tuple[Question, ...]
    day: dt.date
    topic: str = ""  # the id of the topic a drill covers
    topic_title: str = ""


def topics(
    domains: Sequence[tuple[str, str]],
    modules: Sequence[tuple[int, str]],
    lessons: Sequence[Lesson],
    questions: Sequence[Question],
) -> list[Topic]:
    """One topic per (id, title) domain; per module, when there are none. A topic with no question of its
    own is left out (nothing to drill)."""
    full = [lesson for lesson in lessons if lesson.episode_type == "full" and not lesson.retired]
    module_of = {lesson.id: lesson.module for lesson in lessons}
    found = []
    if domains:
        for domain_id, title in domains:
            asked = tuple(q for q in questions if q.domain == domain_id)
            found.append(Topic(domain_id, title, tuple(x for x in full if x.domain == domain_id), asked))
    else:
        numbers = sorted({lesson.module for lesson in full} | {n for n, _ in modules})
        titles = dict(modules)
        for number in numbers:
            asked = tuple(q for q in questions if module_of.get(q.lesson) == number)
            title = titles.get(number, f"Module {number}")
            found.append(
                Topic(f"module-{number}", title, tuple(x for x in full if x.module == number), asked)
            )
    return [topic for topic in found if topic.questions]


def _notes(questions: Sequence[Question], titles: Mapping[str, str]) -> str:
    """The show notes: each question asked, in order, with the lesson it comes from."""
    items = [f"{n}. {q.question} *({titles.get(q.lesson, q.lesson)})*" for n, q in enumerate(questions, 1)]
    return "## The questions\n\n" + "\n".join(items) + "\n"


def _lesson(
    episode_id: str, title: str, summary: str, module: int, questions: Sequence[Question], notes: str
) -> Lesson:
    made = hashlib.sha256(repr((episode_id, title, summary, module, notes)).encode()).hexdigest()
    return Lesson(
        id=episode_id,
        path=QUIZ_PATH,
        type="bonus",
        module=max(module, 1),
        lesson=99,  # after the lessons of its module, on a day it shares with one
        title=title,
        summary=summary,
        body=notes,
        digest=made,
    )


def drills(
    topics_: Sequence[Topic], released: Mapping[str, dt.datetime], titles: Mapping[str, str]
) -> list[StudyEpisode]:
    """A drill per topic, out the day the topic's last lesson is (every question of it has been taught)."""
    out = []
    for topic in topics_:
        taught = [released[lesson.id].date() for lesson in topic.lessons if lesson.id in released]
        taught += [released[q.lesson].date() for q in topic.questions if q.lesson in released]
        if not taught:
            continue
        count = len(topic.questions)
        lesson = _lesson(
            f"drill-{topic.id}",
            f"Drill: {topic.title}",
            f"All {count} quiz question{'s' if count != 1 else ''} on {topic.title}, "
            "each with a pause to answer before the solution.",
            max((lesson.module for lesson in topic.lessons), default=1),
            topic.questions,
            _notes(topic.questions, titles),
        )
        out.append(StudyEpisode(lesson, topic.questions, max(taught), topic.id, topic.title))
    return out


def reviews(
    lessons: Sequence[Lesson],
    released: Mapping[str, dt.datetime],
    questions_of: Mapping[str, Sequence[Question]],
    weeks: Sequence[int],
    titles: Mapping[str, str],
    most: int = 8,
) -> list[StudyEpisode]:
    """A review on each day that is `weeks` after a lesson's release, asking that day's lessons' questions,
    the most recently taught lesson's first. When more than `most` are due, each lesson gives one question in
    turn until `most` are chosen, so every lesson due comes back."""
    due: dict[dt.date, list[tuple[int, Lesson]]] = {}
    for lesson in lessons:
        if lesson.id not in released or not questions_of.get(lesson.id):
            continue
        for week in weeks:
            day = released[lesson.id].date() + dt.timedelta(weeks=week)
            due.setdefault(day, []).append((week, lesson))
    out = []
    for day in sorted(due):
        ordered = [lesson for _, lesson in sorted(due[day], key=lambda pair: pair[0])]
        asked = _share(questions_of, ordered, most)
        covered = ", ".join(titles.get(lesson.id, lesson.id) for lesson in ordered)
        lesson = _lesson(
            f"review-{day.isoformat()}",
            f"Review: {day.strftime('%-d %B %Y')}",
            f"{len(asked)} question{'s' if len(asked) != 1 else ''} back for review, from: {covered}.",
            max(lesson.module for lesson in ordered),
            asked,
            _notes(asked, titles),
        )
        out.append(StudyEpisode(lesson, asked, day))
    return out


def plan_study(
    show: Show, course: Course, lessons: Sequence[Lesson], released: Mapping[str, dt.datetime]
) -> tuple[list[Topic], list[StudyEpisode]]:
    """The show's topics and the study episodes [study] asks for, from the lessons in the feed and their
    release days."""
    ids = {lesson.id for lesson in lessons}
    questions = [q for q in course.questions if q.lesson in ids]
    domains = [(d.id, d.title) for d in show.domains]
    found = topics(domains, [(m.number, m.title) for m in show.modules], lessons, questions)
    titles = {lesson.id: lesson.title for lesson in lessons}
    episodes: list[StudyEpisode] = []
    if show.study.drills:
        episodes += drills(found, released, titles)
    if show.study.reviews:
        asked = {lesson.id: course.questions_for(lesson.id) for lesson in lessons}
        episodes += reviews(
            lessons, released, asked, show.study.review_weeks, titles, show.study.review_questions
        )
    return found, episodes


def _share(
    questions_of: Mapping[str, Sequence[Question]], lessons: Sequence[Lesson], most: int
) -> tuple[Question, ...]:
    """Up to `most` questions of `lessons`, one from each in turn, then in the lessons' order."""
    turns = itertools.zip_longest(*(questions_of[lesson.id] for lesson in lessons))
    chosen = {q.id for q in itertools.islice((q for turn in turns for q in turn if q), most)}
    return tuple(q for lesson in lessons for q in questions_of[lesson.id] if q.id in chosen)
