"""Site: the show-notes pages (index, one per released episode, the quiz), each rendered only when what it
shows changed, and staged beside its place for the publish stage to put live."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..formats.pages import Page, render_pages
from .base import Scope, Step
from .built import Released
from .context import Context, EpisodeWork
from .pages import plan_pages
from .products import Needs, Product, Staged

NAME = "site"
VERSION = 1
SCOPE: Scope = "show"
HELP = "Render the show-notes pages and the quiz into feed/."
COMMAND: str | None = NAME
BUILT = True
FINISHES = False
REPORT = "{count} page(s)"


@dataclass(frozen=True)
class SitePage(Product):
    """A page of the site and the lessons' files it links (files/...): the publish stage removes the pages
    and files no page uses."""

    name: str
    files: tuple[str, ...]


NEEDS: tuple[type[Product], ...] = (Released, Staged)  # Staged: a new audiobook, whose size the index shows
MAKES: tuple[type[Product], ...] = (SitePage, Staged)


def plan(context: Context, episode: EpisodeWork | None, needs: Needs) -> list[Step]:
    study_plan_path = context.project.content / "study-plan.md"
    study_plan = study_plan_path.read_text("utf-8") if study_plan_path.is_file() else None
    storage_key = f"certquests-quiz:{context.show_guid}"

    def staged() -> list[tuple[Path, Path]]:
        return [pair for made in needs.every(Staged) for pair in made.files]

    pages = plan_pages(context, needs.of(Released), storage_key, study_plan, staged)
    site = context.project.site

    def renderer(page: Page) -> Callable[[], Staged]:
        return lambda: Staged(tuple(render_pages(site, context.show, [page])))

    return [
        Step(
            NAME,
            page.name,
            {"stage code": str(VERSION), **page.parts},
            renderer(page),
            (site / page.name,),
            made=SitePage(page.name, tuple(name for _source, name in page.files)),
        )
        for page in pages
    ]
