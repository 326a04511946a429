"""Text-to-speech engines behind one small interface, found by name in one registry.

Every engine returns mono float32 samples at SAMPLE_RATE, so the rest of the pipeline never cares which
one spoke a line. An engine is a module here with a class that has `name`, `version()` (cheap: no model is
loaded, since no-op builds ask for it), `problem(voice)` and `synthesize(text, voice)`, its pace at rate 1.0
(`words_per_minute`, which `status` estimates the audio to make from), plus one line in ENGINES.
`accent(voice)` says which language and region a voice speaks, and `offer(language)` how to get one that
speaks another. An engine that reads voice settings beyond the voice and its rate names them in `tuning`, so
they enter its sentences' keys.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import importlib
import json
import sys
from typing import TYPE_CHECKING, Protocol

from ..errors import ConfigError, Problem
from ..memory import trim_heap
from ..model.project import CONFIG_NAME
from ..model.show import Show, Voice

if TYPE_CHECKING:
    import numpy as np

SAMPLE_RATE = 24000
CACHE_FORMAT = 2  # bump when what is stored per sentence changes (2: engine silence trimmed)

# name -> "module:class", imported on first use so a no-op build loads no engine.
ENGINES = {
    "hibari": "pipeline.speech.hibari:HibariEngine",
    "gtts": "pipeline.speech.google:GttsEngine",
    "espeak": "pipeline.speech.espeak:EspeakEngine",
    "piper": "pipeline.speech.piper:PiperEngine",
}


class Engine(Protocol):
    name: str
    tuning: tuple[str, ...]  # the Voice fields it reads beyond voice and rate
    words_per_minute: float  # inside sentences at rate 1.0, as benchmarks/voices.py measures it

    def version(self) -> str:
        """Changes whenever the engine could produce different audio for the same text."""

    def problem(self, voice: Voice) -> str | None:
        """Why `voice` cannot be used here (checked before any synthesis), or None."""

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        """Mono float32 samples at SAMPLE_RATE."""

    def accent(self, voice: Voice) -> str | None:
        """The language and region the voice speaks, like 'en-US', or None when unknown."""

    def offer(self, language: str) -> str | None:
        """How to get a voice of this engine that speaks `language` ('en-GB'), or None when it has none."""


def _unknown(name: str) -> ConfigError:
    return ConfigError(f"unknown engine {name!r}; use {', '.join(ENGINES)}")


@functools.cache
def get_engine(name: str) -> Engine:
    """The engine's one instance in this process."""
    if name not in ENGINES:
        raise _unknown(name)
    module, _, cls = ENGINES[name].partition(":")
    engine: Engine = getattr(importlib.import_module(module), cls)()
    return engine


def release_voices() -> None:
    """Let go of every voice model loaded in this process (once nothing is left to voice, they are most of
    its memory); an engine loads its model again if it is asked to speak after all."""
    for target in ENGINES.values():
        module = sys.modules.get(target.partition(":")[0])
        release = getattr(module, "release", None)
        if release is not None:
            release()
    gc.collect()
    trim_heap()


@functools.cache
def engine_version(name: str) -> str:
    """The one place engine versions come from: sentence keys, and so every key after them, are made of it."""
    return get_engine(name).version()


def engine_problems(show: Show) -> list[Problem]:
    """Voices whose engine does not exist, with the line that names it."""
    return [
        Problem(
            CONFIG_NAME,
            show.line_of(f"voices.{role}", "engine"),
            f"[voices.{role}] engine: unknown engine {voice.engine!r}; use one of {', '.join(ENGINES)}",
        )
        for role, voice in show.voices.items()
        if voice.engine not in ENGINES
    ]


def check_voices(voices: dict[str, Voice], roles: set[str]) -> None:
    """Fail before synthesis when a role has no voice, or its voice cannot be had on this machine."""
    problems = []
    for role in sorted(roles):
        voice = voices.get(role)
        if voice is None:
            problems.append(f"role '{role}' has no voice; add [voices.{role}] to {CONFIG_NAME}")
            continue
        reason = get_engine(voice.engine).problem(voice)
        if reason:
            problems.append(f"[voices.{role}] {reason}")
    if problems:
        raise ConfigError(f"{CONFIG_NAME}: voices cannot be used:\n  " + "\n  ".join(problems))


def sentence_key(text: str, voice: Voice, engine_version: str) -> str:
    """The cache key of one synthesized sentence: text, engine, its version, voice, rate and the settings the
    engine reads."""
    fields = [CACHE_FORMAT, text, voice.engine, engine_version, voice.voice, round(voice.rate, 4)]
    tuning = get_engine(voice.engine).tuning if voice.engine in ENGINES else ()
    if tuning:
        fields.append({name: getattr(voice, name) for name in tuning})
    payload = json.dumps(fields)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def accent_problem(show: Show) -> Problem | None:
    """When the show's language names a region (en-GB) and none of its voices speaks with that accent: a
    warning, with how to get such a voice from each engine. None when a voice has it, or when an accent is
    unknown."""
    if "-" not in show.language or any(voice.engine not in ENGINES for voice in show.voices.values()):
        return None
    accents = {role: get_engine(voice.engine).accent(voice) for role, voice in show.voices.items()}
    wanted = show.language.lower()
    if not accents or None in accents.values() or any(a and a.lower() == wanted for a in accents.values()):
        return None
    have = "; ".join(
        f"{role}: {voice.engine} {voice.voice!r}, {accents[role]}" for role, voice in show.voices.items()
    )
    used = {voice.engine for voice in show.voices.values()}
    engines = sorted(ENGINES, key=lambda name: name not in used)  # the show's own engines first
    offers = [offer for name in engines if (offer := get_engine(name).offer(show.language))]
    fix = f"for {show.language} use " + "; or ".join(offers) if offers else "choose a voice with that accent"
    return Problem(
        CONFIG_NAME,
        show.line_of("show", "language"),
        f"[show] language is {show.language}, but no voice of the show has that accent ({have}); {fix}",
    )
