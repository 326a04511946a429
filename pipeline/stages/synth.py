"""Synthesize: every sentence of the script voiced into the sentence cache, shared by the build threads."""

from __future__ import annotations

import json

from ..fsutil import write_atomic
from ..speech import engine_version, sentence_key
from .base import Context, EpisodeWork, Estimate, Scope, Step, digest

NAME = "synth"
VERSION = 1
SCOPE: Scope = "episode"
HELP = "Synthesize every sentence that is not cached yet (runs script first if needed)."
WORDS_PER_MINUTE = 150  # hibari's pace at rate 1.0


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
    if known is not None:
        return list(known)
    keys = [
        sentence_key(line.spoken, voices[line.role], engine_version(voices[line.role].engine))
        for line in episode.spoken.lines
    ]
    if memo is not None and memo_key:
        memo.put("sentences", memo_key, tuple(keys))
    return keys


def plan(context: Context, episode: EpisodeWork | None) -> list[Step]:
    assert episode is not None
    show, lines = context.show, episode.spoken.lines
    # The sentence keys, once for the whole build: the cache, this step's key and the master read them.
    episode.sentence_keys = keys = _sentence_keys(context, episode)
    target = context.cache_dir(episode.id) / "speech.json"

    def voice(index: int) -> bool:
        return context.voicer.ensure(lines[index], keys[index], index, lesson_path=episode.lesson.path)

    def run() -> None:
        write_atomic(target, json.dumps(keys, indent=2) + "\n")

    def estimate() -> Estimate:
        cached = context.cached_sentences
        missing = [line for line, key in zip(lines, keys) if key not in cached]
        words = sum(len(line.spoken.split()) / show.voices[line.role].rate for line in missing)
        # The pauses after those lines are made with them: 239.7 min estimated for the 237.5 min course.
        pauses = sum(line.pause for line in missing) / 60
        return Estimate(len(missing), len(lines), words / WORDS_PER_MINUTE + pauses)

    return [
        Step(
            NAME,
            episode.id,
            {"stage code": str(VERSION), "sentences": digest(keys)},
            run,
            (target,),
            episode=episode.id,
            units=len(lines),
            run_unit=voice,
            estimate=estimate,
        )
    ]
