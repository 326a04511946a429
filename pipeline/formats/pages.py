"""The show-notes site in feed/: index, one page per episode, the quiz page, assets and published audio."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:
    from jinja2 import Environment

from ..fsutil import write_staged
from ..model.episode import cover_name
from ..model.lesson import Lesson, markdown_parser
from ..model.show import Show

TEMPLATES = Path(__file__).parent.parent / "templates"
STATIC = Path(__file__).parent.parent / "static"


def templates_digest() -> str:
    """Changes whenever a template or an asset changes, so pages are re-rendered."""
    digest = hashlib.sha256()
    for path in sorted([*TEMPLATES.iterdir(), *STATIC.iterdir()]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
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
    return Markup(markdown_parser().render(text))  # noqa: S704 - html=False: the source's HTML is escaped


def key_points(lesson: Lesson) -> list[str]:
    """The recap's list items, else the section titles."""
    for section in lesson.sections:
        if section.title.lower().startswith(("recap", "summary", "key points")):
            items = [block.text for block in section.blocks if block.kind == "item"]
            if items:
                return items
    return [
        s.title for s in lesson.sections if not s.title.lower().startswith(("recap", "worked", "exam traps"))
    ]


@dataclass(frozen=True)
class Page:
    name: str
    template: str
    context: dict
    parts: dict[str, str]  # named digests of everything the page shows: it is rendered again when one changes


def render_pages(site: Path, show: Show, pages: list[Page]) -> list[tuple[Path, Path]]:
    """Render the given pages to temporary files beside their places; returns (temporary, final) pairs for
    the caller to rename once the feed is in place, so a build that dies leaves the old pages whole."""
    env = _environment()
    common = {"show": show, "root": "", "cover_name": cover_name(show)}
    return [
        (
            write_staged(site / page.name, env.get_template(page.template).render(**common, **page.context)),
            site / page.name,
        )
        for page in pages
    ]
