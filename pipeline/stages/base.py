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
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..errors import CertQuestsError
from ..model.course import Course
from ..model.drills import StudyEpisode, Topic
from ..model.lesson import Lesson
from ..model.lexicon import Lexicon
from ..model.memo import MEMO_NAME, PlanMemo, keep
from ..model.project import Project
from ..model.registry import Registry
from ..model.script import Script
from ..model.show import Show
from ..spelling import spelled
from .products import Product

if TYPE_CHECKING:
    from ..speech.voicer import Voicer

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


@dataclass
class EpisodeWork:
    """One episode as the stages plan it, and its script once the script stage planned it."""

    lesson: Lesson
    guid: str
    season: int | None
    number: int | None
    released: dt.datetime
    following: str | None  # the next lesson's title, for the outro
    study: StudyEpisode | None = None  # set for a drill or a review: the questions it asks
    script: Script | None = None
    script_text: str = ""
    script_memo: str = ""  # the digest of everything the script was made from, for the plan memo
    outline: Outline | None = None
    load_script: Callable[[], tuple[Script, str]] | None = None  # the script and its text, from the memo

    @property
    def id(self) -> str:
        return self.lesson.id

    @property
    def spoken(self) -> Script:
        if self.script is None and self.load_script is not None:
            try:
                loaded = self.load_script()
            except ValueError:
                loaded = None
            if not (isinstance(loaded, tuple) and len(loaded) == 2 and isinstance(loaded[0], Script)):
                raise CertQuestsError(
                    f"{self.id}: the plan memo .cache/{MEMO_NAME} holds no script for it; delete the file "
                    "(it is a cache) and run the command again"
                )
            self.script, self.script_text = loaded[0], str(loaded[1])
        if self.script is None:
            raise RuntimeError(f"{self.id}: the script stage has not been planned")
        return self.script

    @property
    def planned(self) -> Outline:
        if self.outline is None:
            raise RuntimeError(f"{self.id}: the script stage has not been planned")
        return self.outline


@dataclass
class Context:
    """Everything a stage plans from, read once per build."""

    project: Project
    show: Show
    course: Course
    lexicon: Lexicon
    registry: Registry
    show_guid: str
    as_of: dt.datetime
    cover_digest: str
    episodes: list[EpisodeWork]
    topics: list[Topic] = field(default_factory=list)  # what drills and topic feeds cover
    memo: PlanMemo | None = None  # what planning made from unchanged sources in earlier runs
    # What the command asked of a stage beyond building (where `publish` uploads to), by the stage's name.
    orders: Mapping[str, object] = field(default_factory=dict)
    _shared: dict[str, str] = field(default_factory=dict, repr=False)

    def shared(self, name: str, make: Callable[[], str]) -> str:
        """A value that is the same for every episode (a digest of show settings), made once per run."""
        if name not in self._shared:
            self._shared[name] = make()
        return self._shared[name]

    def cache_dir(self, episode_id: str) -> Path:
        """The episode's folder under .cache/episodes/, never reached through a symbolic link (checked once
        per run, before its first use)."""
        if episode_id not in self._checked_dirs:
            self._checked_dirs[episode_id] = self.project.own(self._episodes_cache / episode_id)
        return self._checked_dirs[episode_id]

    @functools.cached_property
    def _checked_dirs(self) -> dict[str, Path]:
        return {}

    @functools.cached_property
    def _episodes_cache(self) -> Path:
        return self.project.cache / "episodes"

    @functools.cached_property
    def cached_sentences(self) -> frozenset[str]:
        """The sentence keys the cache holds now, listed once: `status` asks of every sentence."""
        from ..speech.cache import SpeechCache

        return SpeechCache(self.project.cache / "speech").keys()

    @functools.cached_property
    def voicer(self) -> Voicer:
        # Loaded only when a sentence is voiced: a no-op build never imports an engine or numpy.
        from ..speech.cache import SpeechCache
        from ..speech.voicer import Voicer

        return Voicer(self.show.voices, SpeechCache(self.project.cache / "speech"))
