"""The episode a stage plans for and the context it plans from, read once per build."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CertQuestsError
from ..model.course import Course
from ..model.drills import StudyEpisode, Topic
from ..model.lesson import Lesson
from ..model.lexicon import Lexicon
from ..model.memo import MEMO_NAME, PlanMemo
from ..model.project import Project
from ..model.registry import Registry
from ..model.script import Script
from ..model.show import Show

if TYPE_CHECKING:
    from ..speech.voicer import Voicer

from .base import Outline


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
