"""Voicing script lines into the sentence cache: each line synthesized, checked, retried once, trimmed."""

from __future__ import annotations

import logging

import numpy as np

from ..errors import SynthesisError
from ..model.script import Line
from ..model.show import Voice
from . import SAMPLE_RATE, Engine, get_engine
from .cache import SpeechCache
from .pieces import join, pieces

log = logging.getLogger(__name__)


def _check_sentence(samples: np.ndarray, text: str) -> str | None:
    """Why this audio is not a plausible reading of `text`, or None."""
    seconds = len(samples) / SAMPLE_RATE
    words = max(1, len(text.split()))
    if seconds < 0.15 or not np.any(np.abs(samples) > 1e-3):
        return f"the engine returned {seconds:.2f} s of silence"
    if not np.all(np.isfinite(samples)):
        return "the audio contains invalid samples"
    if seconds > 2.0 + 1.5 * words:
        return f"{seconds:.1f} s of audio for {words} words is far too long"
    if seconds < 0.06 * words:
        return f"{seconds:.1f} s of audio for {words} words is far too short"
    clipped = np.count_nonzero(np.abs(samples) >= 0.999)
    if clipped > max(3, len(samples) // 1000):
        return f"{clipped} samples are clipped"
    return None


def trim_silence(samples: np.ndarray, margin: float = 0.02) -> np.ndarray:
    """Cut the engine's leading and trailing silence (hibari adds about 0.3 s and 0.45 s), keeping 20 ms, so
    pauses are exactly what the script asks for and cue times mark where speech starts and ends."""
    loud = np.flatnonzero(np.abs(samples) > np.max(np.abs(samples)) * 10 ** (-40 / 20))
    if loud.size == 0:
        return samples
    keep = int(margin * SAMPLE_RATE)
    return samples[max(0, loud[0] - keep) : loud[-1] + keep + 1]


class Voicer:
    """Makes sure script lines' audio is in the speech cache, one line at a time (safe from several threads:
    a line two threads make at once is made twice, and both write the same bytes)."""

    def __init__(self, voices: dict[str, Voice], cache: SpeechCache):
        self.voices, self.cache = voices, cache

    def ensure(
        self, line: Line, key: str, index: int, *, lesson_path: str, trust_cache: bool = False
    ) -> bool:
        """Synthesize the line unless the cache has it under `key`; True when it was synthesized now. With
        `trust_cache`, an entry that exists is not read and verified here (assemble() verifies it)."""
        if self.cache.path(key).exists() if trust_cache else self.cache.get(key) is not None:
            return False
        voice = self.voices[line.role]
        engine = get_engine(voice.engine)
        # A very long sentence is voiced in pieces (see pieces.py): its memory is that of one piece.
        parts = [
            self._voiced(engine, piece, voice, line, index, lesson_path) for piece in pieces(line.spoken)
        ]
        samples = join(parts)
        del parts
        self.cache.put(key, samples)
        return True

    @staticmethod
    def _voiced(
        engine: Engine, text: str, voice: Voice, line: Line, index: int, lesson_path: str
    ) -> np.ndarray:
        """`text` synthesized, checked (retried once) and trimmed of the engine's silence."""
        problem = None
        for _attempt in range(2):
            samples = np.asarray(engine.synthesize(text, voice), dtype=np.float32)
            problem = _check_sentence(samples, text)
            samples = trim_silence(samples)
            if problem is None:
                return samples
            log.warning("%s: retrying a sentence (%s)", line.source or lesson_path, problem)
        raise SynthesisError(
            f"{line.source or lesson_path}: sentence {index + 1} of the episode failed twice "
            f"({problem}): "
            f"{line.text!r} (said: {line.spoken!r}); reword it or add a lexicon entry for its odd tokens"
        )
