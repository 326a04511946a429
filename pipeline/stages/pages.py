"""What each page of the site (the index, one per released episode, the quiz) shows and is made from;
nothing is rendered here: a page whose parts are unchanged is never rendered."""

from __future__ import annotations

from typing import Any

from ..formats.pages import Page, duration, key_points, render_markdown, site_name, templates_digest
from ..model.episode import Episode, cover_name
from ..model.lesson import Lesson, lesson_file
from .base import Context, digest
from .topics import FOLDER, published_topics

Listing = list[tuple[object, ...]]


class _Rendered:
    """Markdown that becomes HTML when its page is written, not when the page is planned: a build that finds
    the page up to date (its key is made of the source's digest) renders nothing."""

    def __init__(self, text: str, files: dict[str, str] | None = None):
        self.text, self.files = text, files

    def __html__(self) -> str:
        return str(render_markdown(self.text, self.files))

    __str__ = __html__

    def __bool__(self) -> bool:
        return bool(self.text.strip())


def plan_pages(context: Context, storage_key: str, study_plan: str | None) -> list[Page]:
    """Every page of the site with what it is made from; nothing is rendered here."""
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
    ordered = sorted(context.released, key=lambda e: e.lesson.sort_key)
    feeds = [(topic.id, topic.title, f"{FOLDER}/{topic.id}.xml") for topic in published_topics(context)]
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
    pages = [_index_page(context, common, ordered, listing, feeds, study_plan)]
    pages += _episode_pages(context, common, ordered, listing)
    if context.course.questions:
        pages.append(_quiz_page(context, common, feeds, storage_key))
    return pages


def _groups(context: Context, ordered: list[Episode]) -> list[dict[str, Any]]:
    """The index's groups of episodes: the trailer, each module, the rest, then drills and reviews."""
    groups: list[dict[str, Any]] = []
    trailer = [e for e in ordered if e.lesson.episode_type == "trailer"]
    if trailer:
        groups.append({"key": "trailer", "title": "Start here", "episodes": trailer})
    for module in context.show.modules:
        members = [e for e in ordered if e.lesson.module == module.number and e.lesson.episode_type == "full"]
        if members:
            groups.append(
                {
                    "key": str(module.number),
                    "title": f"Module {module.number}: {module.title}",
                    "episodes": members,
                }
            )
    study = [e for e in ordered if e.lesson.episode_type == "bonus"]
    placed = {e.id for group in groups for e in group["episodes"]} | {e.id for e in study}
    rest = [e for e in ordered if e.id not in placed]
    if rest:
        groups.append({"key": "other", "title": "Episodes", "episodes": rest})
    if study:  # drills by topic, then reviews by day
        study.sort(key=lambda e: (not e.id.startswith("drill-"), e.released, e.id))
        groups.append({"key": "study", "title": "Drills and reviews", "episodes": study})
    return groups


def _index_page(
    context: Context,
    common: dict[str, str],
    ordered: list[Episode],
    listing: Listing,
    feeds: list[tuple[str, str, str]],
    study_plan: str | None,
) -> Page:
    course = context.course
    upcoming: list[tuple[Lesson, Any]] = [
        (lesson, day) for lesson, day in context.upcoming if lesson.episode_type != "bonus"
    ]
    groups = _groups(context, ordered)
    return Page(
        "index.html",
        "index.html",
        {
            "groups": groups,
            "upcoming": upcoming,
            "questions": course.questions,
            "study_plan": _Rendered(study_plan) if study_plan else None,
            "topic_feeds": feeds,
        },
        {
            **common,
            "episodes": digest(listing, [g["title"] for g in groups]),
            "upcoming": digest([(lesson.id, lesson.title, str(day)) for lesson, day in upcoming]),
            "study plan": digest(study_plan),
            "quiz size": str(len(course.questions)),
            "topic feeds": digest(feeds),
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
                    "notes": _Rendered(episode.lesson.body, names),
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
    context: Context, common: dict[str, str], feeds: list[tuple[str, str, str]], storage_key: str
) -> Page:
    """The whole bank, released episodes or not: a lesson's page is linked once its episode is out."""
    show, course = context.show, context.course
    lessons = [lesson for lesson in course.lessons if lesson.episode_type == "full" and not lesson.retired]
    questions = list(course.questions)
    counts = {d.id: sum(1 for q in questions if q.domain == d.id) for d in show.domains}
    released_pages = {e.id: e.page_name for e in context.released}
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
