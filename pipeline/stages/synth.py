"""Synthesize: every sentence of the script voiced into the sentence cache, shared by the build threads."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..fsutil import write_atomic
from ..speech import engine_version, get_engine, sentence_key
from .base import Estimate, Scope, Step, digest
from .context import Context, EpisodeWork
from .products import Needs, Product

NAME = "synth"
VERSION = 1
SCOPE: Scope = "episode"
HELP = "Synthesize every sentence that is not cached yet (runs script first if needed)."
COMMAND: str | None = NAME
BUILT = True
FINISHES = False
REPORT = ""


@dataclass(frozen=True)
class Speech(Product):
    """Each line's sentence key: where its voicing is in the sentence cache."""

    keys: tuple[str, ...]


NEEDS: tuple[type[Product], ...] = ()
MAKES: tuple[type[Product], ...] = (Speech,)


def _sentence_keys(context: Context, episode: EpisodeWork) -> list[str]:
    """Each line's key; from the plan memo when the script, the voices and the engines are as they were."""
    voices, memo = context.show.voices, context.memo
    engines = sorted({voice.engine for voice in voices.values()})
    memo_key = (
        memo.key(
            VERSION,
            episode.script_memo,
            context.shared("voices", lambda: digest(voices)),
            [engine_version(e) for e in engines],
        )
        if memo is not None and episode.script_memo
        else ""
    )
    known = memo.get("sentences", memo_key) if memo is not None and memo_key else None
    if isinstance(known, bytes):  # kept as 32 bytes a key: a course's keys load as one object
        return [known[i : i + 32].hex() for i in range(0, len(known), 32)]
    keys = [
        sentence_key(line.spoken, voices[line.role], engine_version(voices[line.role].engine))
        for line in episode.spoken.lines
    ]
    if memo is not None and memo_key:
        memo.put("sentences", memo_key, b"".join(bytes.fromhex(key) for key in keys))
    return keys


def plan(context: Context, episode: EpisodeWork | None, needs: Needs) -> list[Step]:
    assert episode is not None
    show = context.show
    # The sentence keys, once for the whole build: the cache, this step's key and the master read them.
    keys = _sentence_keys(context, episode)
    target = context.cache_dir(episode.id) / "speech.json"

    def voice(index: int) -> bool:
        line = episode.spoken.lines[index]
        return context.voicer.ensure(line, keys[index], index, lesson_path=episode.lesson.path)

    def run() -> None:
        write_atomic(target, json.dumps(keys, indent=2) + "\n")

    def estimate() -> Estimate:
        spans, cached = episode.planned.spans, context.cached_sentences
        pace = {role: get_engine(v.engine).words_per_minute * v.rate for role, v in show.voices.items()}
        # Each sentence left, with the pause after it, which is made with it.
        missing = {
            key: count / pace[role] + pause / 60
            for (role, count, pause), key in zip(spans, keys)
            if key not in cached
        }
        return Estimate(len(missing), len(spans), sum(missing.values()), missing)

    return [
        Step(
            NAME,
            episode.id,
            {"stage code": str(VERSION), "sentences": digest(keys)},
            run,
            (target,),
            episode=episode.id,
            units=episode.planned.lines,
            run_unit=voice,
            estimate=estimate,
            made=Speech(tuple(keys)),
        )
    ]
