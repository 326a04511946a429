"""What each page of the site (the index, one per released episode, the quiz) shows and is made from;
nothing is rendered here: a page whose parts are unchanged is never rendered."""

from __future__ import annotations

from typing import Any

from ..formats.pages import (
    BookLink,
    Files,
    Page,
    Rendered,
    duration,
    index_groups,
    key_points,
    site_name,
    templates_digest,
)
from ..model.episode import Episode, cover_name
from ..model.lesson import Lesson, lesson_file
from .audiobook import offered
from .base import digest
from .built import Released
from .context import Context
from .topics import FOLDER, published_topics

Listing = list[tuple[object, ...]]


def plan_pages(
    context: Context, released: Released, storage_key: str, study_plan: str | None, staged: Files = tuple
) -> list[Page]:
    """Every page of the site with what it is made from; nothing is rendered here. `staged` tells, when a page
    is written, the files other steps of the build wrote beside their places (a new audiobook)."""
    show = context.show
    common = {
        "templates": templates_digest(),
        "show": digest(
            show.title,
            show.subtitle,
            show.description,
            show.feed_url,
            show.language,
            show.copyright,
            cover_name(show),
        ),
    }
    ordered = sorted(released.episodes, key=lambda e: e.lesson.sort_key)
    feeds = [
        (topic.id, topic.title, f"{FOLDER}/{topic.id}.xml") for topic in published_topics(context, released)
    ]
    listing: Listing = [
        (
            e.id,
            e.lesson.title,
            e.lesson.summary,
            e.number,
            duration(e.duration),
            e.released.isoformat(),
            e.page_name,
        )
        for e in ordered
    ]
    pages = [_index_page(context, released, common, ordered, listing, feeds, study_plan, staged)]
    pages += _episode_pages(context, common, ordered, listing)
    if context.course.questions:
        pages.append(_quiz_page(context, released, common, feeds, storage_key))
    return pages


def _index_page(
    context: Context,
    released: Released,
    common: dict[str, str],
    ordered: list[Episode],
    listing: Listing,
    feeds: list[tuple[str, str, str]],
    study_plan: str | None,
    staged: Files,
) -> Page:
    course = context.course
    upcoming: list[tuple[Lesson, Any]] = [
        (lesson, day) for lesson, day in released.upcoming if lesson.episode_type != "bonus"
    ]
    groups = index_groups(context.show, ordered)
    book = offered(context, released)
    return Page(
        "index.html",
        "index.html",
        {
            "groups": groups,
            "upcoming": upcoming,
            "questions": course.questions,
            "study_plan": Rendered(study_plan) if study_plan else None,
            "topic_feeds": feeds,
            "audiobook": BookLink(context.project.site, book.name, staged) if book else None,
        },
        {
            **common,
            "episodes": digest(listing, [g["title"] for g in groups]),
            "upcoming": digest([(lesson.id, lesson.title, str(day)) for lesson, day in upcoming]),
            "study plan": digest(study_plan),
            "quiz size": str(len(course.questions)),
            "topic feeds": digest(feeds),
            "audiobook": book.key if book else "",
        },
    )


def _episode_pages(
    context: Context, common: dict[str, str], ordered: list[Episode], listing: Listing
) -> list[Page]:
    show, pages = context.show, []
    for index, episode in enumerate(ordered):
        lesson_path = context.project.root / episode.lesson.path
        files = {target: lesson_file(lesson_path, target) for target, _line in episode.lesson.files}
        names = {target: site_name(path) for target, path in files.items()}
        previous = ordered[index - 1] if index else None
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        episode_module = (
            show.module(episode.lesson.module) if episode.lesson.episode_type != "bonus" else None
        )
        pages.append(
            Page(
                episode.page_name,
                "episode.html",
                {
                    "episode": episode,
                    "module": episode_module,
                    "notes": Rendered(episode.lesson.body, names),
                    "key_points": key_points(episode.lesson),
                    "previous": previous,
                    "next": following,
                },
                {
                    **common,
                    "episode": digest(
                        listing[index],
                        episode.audio_name,
                        episode.sidecars,
                        episode.alternates,
                        episode.chapters,
                        episode.cues,
                        episode.lesson.digest,
                    ),
                    "module": digest(episode_module),
                    "neighbours": digest([(e.lesson.title, e.page_name) for e in (previous, following) if e]),
                    "files": digest(sorted(names.items())),
                },
                tuple((files[target], name) for target, name in names.items()),
            )
        )
    return pages


def _quiz_page(
    context: Context,
    released: Released,
    common: dict[str, str],
    feeds: list[tuple[str, str, str]],
    storage_key: str,
) -> Page:
    """The whole bank, released episodes or not: a lesson's page is linked once its episode is out."""
    show, course = context.show, context.course
    lessons = [lesson for lesson in course.lessons if lesson.episode_type == "full" and not lesson.retired]
    questions = list(course.questions)
    counts = {d.id: sum(1 for q in questions if q.domain == d.id) for d in show.domains}
    released_pages = {e.id: e.page_name for e in released.episodes}
    advice = _advice(context, released_pages, {topic_id: url for topic_id, _, url in feeds})
    quiz: dict[str, Any] = {
        "questions": questions,
        "lessons": lessons,
        "domains": show.domains,
        "counts": counts,
        "domain_titles": {d.id: d.title for d in show.domains},
        "lesson_titles": {lesson.id: lesson.title for lesson in course.lessons},
        "pages": released_pages,
        "storage_key": storage_key,
        "topic_of": _topic_of(context),
        "advice": advice,
    }
    return Page(
        "quiz.html",
        "quiz.html",
        quiz,
        {
            **common,
            "questions": digest(questions),
            "domains": digest(show.domains),
            "lessons": digest([(lesson.id, lesson.title) for lesson in course.lessons]),
            "released": digest(sorted(released_pages.items())),
            "storage": storage_key,
            "advice": digest(advice, sorted(quiz["topic_of"].items())),
        },
    )


def _topic_of(context: Context) -> dict[str, str]:
    """Each question's topic (its domain, or its lesson's module), for the quiz page's advice."""
    return {question.id: topic.id for topic in context.topics for question in topic.questions}


def _advice(context: Context, pages: dict[str, str], feeds: dict[str, str]) -> list[dict[str, str]]:
    """What the quiz page can point a learner to per topic: its drill's page and its feed, once out."""
    out = []
    for topic in context.topics:
        drill, feed = pages.get(f"drill-{topic.id}", ""), feeds.get(topic.id, "")
        if drill or feed:
            out.append({"id": topic.id, "title": topic.title, "drill": drill, "feed": feed})
    return out
