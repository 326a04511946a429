"""The stages, in the order data flows. Each module declares what the graph and the commands know of it (see
Stage) and plan(); adding a stage is a module here and its place in STAGES: its command, its place in a build
and in the build's summary follow from what it declares, and what it needs puts it after the stages that make
that."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from . import audiobook, feed, master, opus, publish, script, site, synth, tag, topics, upload
from .base import Scope, Step
from .context import Context, EpisodeWork
from .products import Needs, Product


class Stage(Protocol):
    NAME: str
    VERSION: int  # bumped when its code changes what it writes
    SCOPE: Scope  # planned for each episode, or once for the show (after every episode is built)
    HELP: str  # its command's help
    COMMAND: str | None  # the command that builds up to it (None: `certquests build` is the one)
    BUILT: bool  # whether `certquests build` runs it (an upload runs only when asked for)
    FINISHES: bool  # it puts the show's outputs live: any build of a show stage runs it too
    REPORT: str  # how the build's summary names what its steps made ("{count}": how many ran), or ""
    NEEDS: tuple[type[Product], ...]  # the products of other stages its plan reads (from `needs`)
    MAKES: tuple[type[Product], ...]  # the products its steps make (Step.made, or what a run returns)

    def plan(self, context: Context, episode: EpisodeWork | None, needs: Needs, /) -> list[Step]: ...


def in_flow_order(stages: Sequence[Stage]) -> tuple[Stage, ...]:
    """The stages as listed, except that each comes after every stage making a product it needs."""
    ordered: list[Stage] = []
    waiting = list(stages)

    def makers(kind: type[Product], stage: Stage) -> list[Stage]:
        return [maker for maker in stages if kind in maker.MAKES and maker is not stage]

    while waiting:
        ready = [
            stage
            for stage in waiting
            if all(maker in ordered for kind in stage.NEEDS for maker in makers(kind, stage))
        ]
        if not ready:
            raise RuntimeError(f"the stages {', '.join(s.NAME for s in waiting)} need each other's products")
        ordered.append(ready[0])
        waiting.remove(ready[0])
    return tuple(ordered)


STAGES: tuple[Stage, ...] = in_flow_order(
    (script, synth, master, tag, opus, feed, topics, audiobook, site, publish, upload)
)
NAMES = tuple(stage.NAME for stage in STAGES)
BY_NAME = {stage.NAME: stage for stage in STAGES}
FIRST = STAGES[0].NAME  # what everything else is planned from (the scripts)


def selected(until: str | None = None) -> tuple[Stage, ...]:
    """The stages a build up to `until` runs (None: every stage `certquests build` runs); a build of anything
    made for the show also runs the stages that put it live."""
    if until is None:
        return tuple(stage for stage in STAGES if stage.BUILT)
    chosen = STAGES[: NAMES.index(until) + 1]
    if any(stage.SCOPE == "show" for stage in chosen):
        chosen = (*chosen, *(stage for stage in STAGES if stage.FINISHES and stage not in chosen))
    return chosen


def summary(ran: dict[str, int]) -> list[str]:
    """What the show's steps that ran made, as the build's summary names it: counted things first."""
    reports = {name: BY_NAME[name].REPORT for name in ran}
    phrases = [report.format(count=ran[name]) for name, report in reports.items() if report]
    return sorted(phrases, key=lambda phrase: not phrase[:1].isdigit())
