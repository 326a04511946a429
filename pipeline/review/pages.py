"""The review page's HTML: the index of episodes and one review per episode (pipeline/review/templates)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from ..formats.pages import clock, jinja_environment
from .desk import EpisodeReview, Row

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def _environment() -> Environment:
    return jinja_environment(TEMPLATES, clock=clock, percent=percent, figure=figure)


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
