"""Site: the show-notes pages (index, one per released episode, the quiz), each rendered only when what it
shows changed, and staged beside its place for the publish stage to put live."""

from __future__ import annotations

from collections.abc import Callable

from ..formats.pages import Page, render_pages
from .base import Context, EpisodeWork, Scope, Step
from .pages import plan_pages

NAME = "site"
VERSION = 1
SCOPE: Scope = "show"
HELP = "Render the show-notes pages and the quiz into feed/."
COMMAND: str | None = NAME
BUILT = True
FINISHES = False
REPORT = "{count} page(s)"


def plan(context: Context, episode: EpisodeWork | None) -> list[Step]:
    study_plan_path = context.project.content / "study-plan.md"
    study_plan = study_plan_path.read_text("utf-8") if study_plan_path.is_file() else None
    pages = plan_pages(context, f"certquests-quiz:{context.show_guid}", study_plan)
    context.page_names = [page.name for page in pages]
    context.page_files = {name for page in pages for _source, name in page.files}
    site = context.project.site

    def renderer(page: Page) -> Callable[[], None]:
        def run() -> None:
            context.staged.extend(render_pages(site, context.show, [page]))

        return run

    return [
        Step(NAME, page.name, {"stage code": str(VERSION), **page.parts}, renderer(page), (site / page.name,))
        for page in pages
    ]
