"""The review page's HTML: the index of episodes and one review per episode (pipeline/review/templates)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from ..formats.pages import clock
from .desk import EpisodeReview, Row

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"


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
    env.globals.update(clock=clock, percent=percent, figure=figure)
    return env


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def figure(value: float | None, unit: str) -> str:
    return "–" if value is None else f"{value:.1f} {unit}"


def render_index(title: str, rows: list[Row], error: str | None = None) -> str:
    return _environment().get_template("index.html").render(title=title, rows=rows, error=error)


def render_episode(title: str, review: EpisodeReview, curve: str, problem: str | None = None) -> str:
    picture = Markup(curve)  # noqa: S704 - curve_svg writes numbers and escaped chapter titles only
    page = _environment().get_template("episode.html")
    return page.render(title=title, review=review, row=review.row, curve=picture, problem=problem, error=None)


def render_error(title: str, error: str) -> str:
    return render_index(title, [], error)
