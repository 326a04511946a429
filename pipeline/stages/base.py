"""What every stage shares: the Step it plans, the episode it plans for and the context it plans from (the
products steps hand on are in products.py).

A stage module declares NAME, VERSION (bump it when its code changes what it writes), SCOPE ("episode" or
"show"), HELP (its command's help), NEEDS (the product types of other stages it reads), MAKES (the product
types its steps make) and `plan(context, episode, needs) -> list[Step]` (show stages get None for the
episode). A Step names the digests of everything that changes its output and the product it makes; the graph
turns the digests into its key, decides whether it is stale, runs it, records its state and hands its product
to the stages that need it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..model.memo import keep
from ..model.script import Script
from ..spelling import spelled
from .products import Product

if TYPE_CHECKING:
    pass

Scope = Literal["episode", "show"]


def _unjsonable(value: object) -> str:
    """A value JSON has no form for: a dataclass by its named fields (see spelled), anything else as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return spelled(value)
    return str(value)


_JSON = json.JSONEncoder(sort_keys=True, default=_unjsonable)  # made once


def digest(*parts: object) -> str:
    """The one digest every key is made of: JSON of the parts, sorted, hashed (a dataclass by its fields)."""
    return hashlib.sha256(_JSON.encode(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Estimate:
    """Work a stale step has left, for `certquests status`."""

    todo: int
    total: int
    minutes: float
    missing: dict[str, float] = field(default_factory=dict)  # each sentence key left and its minutes


@dataclass(frozen=True)
class Step:
    """One piece of work as its stage planned it; final once made (the graph never changes a step)."""

    stage: str
    subject: str | None  # the episode id or page it is for; None for a step of the whole show (the feed)
    parts: dict[str, str]  # named digests of everything that changes what the step writes
    # Returns the seconds of audio it made, if it makes audio, or what the run made for later steps (Staged).
    run: Callable[[], float | Product | None]
    outputs: tuple[Path, ...] = ()
    episode: str | None = None  # set for the steps of one episode: they share its state file
    units: int = 0  # independent pieces of work done before `run`, shared by the build threads
    run_unit: Callable[[int], bool] | None = None  # does piece i; True when it made something new
    intact: Callable[[], bool] | None = None  # whether the outputs are undamaged
    # "when read": `intact` is checked only before a later step reads the outputs (it costs a full read);
    # "always": on every build and status too (it is cheap: sizes and times first, bytes only if they moved).
    verify: Literal["when read", "always"] = "when read"
    estimate: Callable[[], Estimate] | None = None
    # "stale": runs when its key changed or an output is missing, and its state is recorded;
    # "changed": runs after any other step of the show ran (the commit that puts their files live);
    # "always": runs whenever its stage is asked for, and finds out for itself what to do (an upload);
    # "settled": runs last, once the show's steps have run and their state is saved (it mends, never fails).
    when: Literal["stale", "changed", "always", "settled"] = "stale"
    # Named digests recorded with the step but left out of its key: a change is reported, not rebuilt
    # (a new ffmpeg or numpy changes no sound a listener hears; republishing every episode would cost them).
    kept: dict[str, str] = field(default_factory=dict)
    made: Product | None = None  # what later stages plan from, known when the step is planned

    @property
    def name(self) -> str:
        return f"{self.stage}:{self.subject}" if self.subject else self.stage

    @functools.cached_property
    def key(self) -> str:
        return digest(self.parts)

    @property
    def record_name(self) -> str:
        """Its entry in the state file (an episode's file holds one entry per stage)."""
        return self.stage if self.episode else self.name


@keep
@dataclass(frozen=True)
class Outline:
    """What the plans after the script stage read of a script: small enough to keep for every episode in the
    plan memo, so an episode whose sources are unchanged is planned without loading its script."""

    text: str  # the digest of the script's text
    pauses: str  # the digest of each chapter's pauses and kinds
    chapters: tuple[str, ...]  # titles
    roles: tuple[str, ...]  # the speakers' roles, sorted
    lines: int
    words: int
    spans: tuple[tuple[str, int, float], ...]  # each line's role, words and pause after it, for estimates

    @classmethod
    def of(cls, script: Script, text: str) -> Outline:
        chapters = script.chapters
        return cls(
            digest(text),
            digest([[line.pause for line in c.lines] for c in chapters], [c.kind for c in chapters]),
            tuple(c.title for c in chapters),
            tuple(sorted({line.role for line in script.lines})),
            len(script.lines),
            script.word_count,
            tuple((line.role, len(line.spoken.split()), line.pause) for line in script.lines),
        )
