"""The show-notes site in feed/: index, one page per episode, the quiz page, assets and published audio."""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from .config import Show
from .content import Course, Lesson, markdown_parser
from .episode import Episode

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Urls:
    """Public URLs, all under the show's base URL (where feed/ is hosted)."""

    base: str
    cover_name: str

    @property
    def home(self) -> str:
        return self.base

    @property
    def cover(self) -> str:
        return self.base + self.cover_name

    def page(self, episode: Episode) -> str:
        return self.base + episode.page_name

    def quiz(self, episode: Episode) -> str:
        return self.base + f"quiz.html?lesson={episode.id}"

    def audio(self, episode: Episode) -> str:
        return self.base + "episodes/" + episode.audio_name

    def sidecar(self, episode: Episode, kind: str) -> str:
        return self.base + "episodes/" + episode.sidecars[kind]


def cover_name(show: Show) -> str:
    """The cover's name in the site: '.jpg' for any JPEG, as podcast apps and feedgen expect."""
    return "cover.png" if show.cover.suffix.lower() == ".png" else "cover.jpg"


def templates_digest() -> str:
    """Changes whenever a template or an asset changes, so pages are re-rendered."""
    digest = hashlib.sha256()
    for path in sorted([*TEMPLATES.iterdir(), *STATIC.iterdir()]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(clock=clock, duration=duration)
    return env


def clock(seconds: float) -> str:
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return f"{whole // 60}:{whole % 60:02d}"


def duration(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} min"


def render_markdown(text: str) -> Markup:
    """Lesson Markdown as HTML; raw HTML in the source comes out as text, never as markup."""
    return Markup(markdown_parser().render(text))


def key_points(lesson: Lesson) -> list[str]:
    """The recap's list items, else the section titles."""
    for section in lesson.sections:
        if section.title.lower().startswith(("recap", "summary", "key points")):
            items = [block.text for block in section.blocks if block.kind == "item"]
            if items:
                return items
    return [s.title for s in lesson.sections if not s.title.lower().startswith(("recap", "worked", "exam traps"))]


def _publish_file(source: Path, target: Path) -> None:
    """Put a built file into the site: a hard link when possible (no second copy on disk), else a copy."""
    if target.exists() and os.path.samefile(source, target):
        return
    tmp = target.with_name(f".{target.name}.tmp")
    if tmp.exists():
        tmp.unlink()
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def publish_files(site: Path, episodes_dir: Path, show: Show, episodes: list[Episode]) -> list[tuple[Path, Path]]:
    """Put the released episodes' audio and sidecars into the site (new names: nothing live changes), and stage
    the cover and the assets beside their places; returns the staged (temporary, final) pairs."""
    from .fsutil import write_staged

    site.mkdir(parents=True, exist_ok=True)
    staged = []
    for source, target in [*((path, site / "assets" / path.name) for path in STATIC.iterdir()),
                           (show.cover, site / cover_name(show))]:
        data = source.read_bytes()
        if not target.exists() or target.read_bytes() != data:
            staged.append((write_staged(target, data), target))

    published = site / "episodes"
    published.mkdir(parents=True, exist_ok=True)
    for episode in episodes:
        for name in (episode.audio_name, *episode.sidecars.values()):
            _publish_file(episodes_dir / name, published / name)
    return staged


@dataclass(frozen=True)
class Page:
    name: str
    template: str
    context: dict
    parts: dict[str, str]  # named digests of everything the page shows: it is rendered again when one changes


def plan_pages(show: Show, course: Course, episodes: list[Episode], upcoming: list[tuple[Lesson, object]],
               storage_key: str, study_plan: str | None, digest) -> list[Page]:
    """Every page of the site with what it is made from; nothing is rendered here."""
    common = {"templates": templates_digest(), "show": digest(show.title, show.subtitle, show.description,
                                                             show.feed_url, show.language, show.copyright,
                                                             cover_name(show))}
    pages: list[Page] = []
    ordered = sorted(episodes, key=lambda e: e.lesson.sort_key)
    groups = []
    trailer = [e for e in ordered if e.lesson.episode_type == "trailer"]
    if trailer:
        groups.append({"key": "trailer", "title": "Start here", "episodes": trailer})
    for module in show.modules:
        members = [e for e in ordered if e.lesson.module == module.number and e.lesson.episode_type != "trailer"]
        if members:
            groups.append({"key": str(module.number), "title": f"Module {module.number}: {module.title}",
                           "episodes": members})
    placed = {e.id for group in groups for e in group["episodes"]}
    rest = [e for e in ordered if e.id not in placed]
    if rest:
        groups.append({"key": "other", "title": "Episodes", "episodes": rest})
    listing = [(e.id, e.lesson.title, e.lesson.summary, e.number, duration(e.duration), e.released.isoformat(),
                e.page_name) for e in ordered]
    pages.append(Page("index.html", "index.html",
                      {"groups": groups, "upcoming": upcoming, "questions": course.questions,
                       "study_plan": render_markdown(study_plan) if study_plan else None},
                      {**common, "episodes": digest(listing, [g["title"] for g in groups]),
                       "upcoming": digest([(lesson.id, lesson.title, str(day)) for lesson, day in upcoming]),
                       "study plan": digest(study_plan), "quiz size": str(len(course.questions))}))

    for index, episode in enumerate(ordered):
        previous = ordered[index - 1] if index else None
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        module = show.module(episode.lesson.module)
        pages.append(Page(episode.page_name, "episode.html",
                          {"episode": episode, "module": module, "notes": render_markdown(episode.lesson.body),
                           "key_points": key_points(episode.lesson), "previous": previous, "next": following},
                          {**common, "episode": digest(listing[index], episode.audio_name, episode.sidecars,
                                                       episode.chapters, episode.cues, episode.lesson.digest),
                           "module": digest(module),
                           "neighbours": digest([(e.lesson.title, e.page_name) for e in (previous, following) if e])}))

    if course.questions:
        # The whole bank, released episodes or not: a lesson's page is linked once its episode is out.
        lessons = [lesson for lesson in course.lessons if lesson.episode_type == "full" and not lesson.retired]
        questions = list(course.questions)
        counts = {d.id: sum(1 for q in questions if q.domain == d.id) for d in show.domains}
        context = {"questions": questions, "lessons": lessons, "domains": show.domains, "counts": counts,
                   "domain_titles": {d.id: d.title for d in show.domains},
                   "lesson_titles": {lesson.id: lesson.title for lesson in course.lessons},
                   "pages": {e.id: e.page_name for e in episodes}, "storage_key": storage_key}
        pages.append(Page("quiz.html", "quiz.html", context,
                          {**common, "questions": digest(questions), "domains": digest(show.domains),
                           "lessons": digest([(lesson.id, lesson.title) for lesson in lessons]),
                           "released": digest(sorted(context["pages"].items())), "storage": storage_key}))
    return pages


def render_pages(site: Path, show: Show, pages: list[Page]) -> list[tuple[Path, Path]]:
    """Render the given pages to temporary files beside their places; returns (temporary, final) pairs for
    the caller to rename once the feed is in place, so a build that dies leaves the old pages whole."""
    from .fsutil import write_staged

    env = _environment()
    common = {"show": show, "root": "", "cover_name": cover_name(show)}
    return [(write_staged(site / page.name, env.get_template(page.template).render(**common, **page.context)),
             site / page.name) for page in pages]


def remove_stale_pages(site: Path, pages: list[Page]) -> None:
    """Pages of episodes that are no longer released go (after the new feed is in place)."""
    live = {page.name for page in pages}
    for path in site.glob("*.html"):
        if path.name not in live:
            path.unlink()
