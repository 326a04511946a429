"""The stages, in the order data flows. Each module declares NAME, VERSION, SCOPE, HELP and plan(); adding a
stage is a module here and its place in STAGES."""

from __future__ import annotations

from typing import Protocol

from . import feed, master, publish, script, site, synth, tag, topics, upload
from .base import Context, EpisodeWork, Scope, Step


class Stage(Protocol):
    NAME: str
    VERSION: int
    SCOPE: Scope
    HELP: str

    def plan(self, context: Context, episode: EpisodeWork | None, /) -> list[Step]: ...


STAGES: tuple[Stage, ...] = (script, synth, master, tag, feed, topics, site, publish, upload)
NAMES = tuple(stage.NAME for stage in STAGES)


def selected(until: str) -> tuple[Stage, ...]:
    """The stages a build up to `until` runs; anything that renders for the show is also published."""
    chosen = STAGES[: NAMES.index(until) + 1]
    if any(stage.SCOPE == "show" for stage in chosen) and publish not in chosen:
        chosen = (*chosen, publish)
    return chosen
