"""An episode's raw track: the sentence audio joined with its pauses, the cues between chapters and the
music bed under the introduction, with where every line sits."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SynthesisError
from ..model.script import Script
from ..speech import SAMPLE_RATE
from ..speech.cache import SpeechCache
from .sound import BED_BUCKET, ducking, music_bed


@dataclass(frozen=True)
class Timing:
    """Where one script line sits in the finished episode, in seconds."""

    chapter: int
    role: str
    text: str
    start: float
    end: float


class MissingSentence(SynthesisError):
    """A cached sentence vanished or failed its checksum between synthesis and assembly."""


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.float32)


def _block_powers(samples: np.ndarray) -> np.ndarray:
    """Mean square of each 400 ms block (the unit BS.1770 gates loudness on)."""
    block = int(0.4 * SAMPLE_RATE)
    usable = len(samples) // block * block
    if usable == 0:
        return np.zeros(0)
    blocks = samples[:usable].reshape(-1, block)
    return np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64) / block


def _gated_level(powers: np.ndarray) -> float:
    """dBFS of the blocks that carry sound: absolute gate at -70 dB, relative gate 10 dB under their mean."""
    loud = powers[powers > 1e-7]
    if loud.size == 0:
        return float("-inf")
    loud = loud[loud > np.mean(loud) / 10]
    return float(10 * np.log10(np.mean(loud)))


def speech_level(samples: np.ndarray) -> float:
    """A quick level estimate (dBFS RMS of the 400 ms blocks that carry speech), for the compressor."""
    return _gated_level(_block_powers(samples))


@dataclass(frozen=True)
class Assembly:
    """An episode's raw track, written to a file, and where everything in it is."""

    path: Path  # a mono float WAV at SAMPLE_RATE
    timings: list[Timing]
    chapter_starts: list[float]  # seconds
    speech_level: float  # dBFS, see speech_level(): what the cues and the bed are matched to
    seconds: float
    measured_level: float = math.nan  # dBFS, the speech level of these sentences


def assemble(
    script: Script,
    keys: Sequence[str],
    cache: SpeechCache,
    out: Path,
    cues: dict[str, np.ndarray] | None = None,
    bed: bool = False,
    level: float | None = None,
) -> Assembly:
    """Join the sentence audio with its pauses, the cues between chapters and the music bed under the
    introduction, straight into `out`: one sentence (and the introduction) is held in memory at a time.
    `level` is the speech level the cues and the bed are matched to, if not the one measured here."""
    import soundfile

    cues = cues or {}
    sentences = []
    for line, key in zip(script.lines, keys):
        cached = cache.get(key)
        if cached is None:
            raise MissingSentence(
                f"sentence audio for {line.text[:50]!r} is missing from the cache or damaged"
            )
        sentences.append(_block_powers(cached))
    measured = _gated_level(np.concatenate(sentences)) if sentences else float("-inf")
    level = measured if level is None or not math.isfinite(measured) else level
    scaled_cues = {}
    for kind, cue in cues.items():
        cue_level = speech_level(cue)
        if math.isfinite(level) and math.isfinite(cue_level):
            # Cues sit a little under the speech: matched to its level, 4 dB lower.
            scaled_cues[kind] = cue * np.float32(10 ** ((level - 4.0 - cue_level) / 20))

    timings: list[Timing] = []
    chapter_starts: list[float] = []
    position = 0
    lines = iter(zip(script.lines, keys))
    # A float WAV rather than raw samples: ffmpeg reads it in large packets (see media.filter_file).
    with soundfile.SoundFile(out, "w", SAMPLE_RATE, 1, subtype="FLOAT", format="WAV") as handle:
        for number, chapter in enumerate(script.chapters):
            chapter_starts.append(position / SAMPLE_RATE)
            parts: list[np.ndarray] = []
            chime = scaled_cues.get(chapter.kind if number else "intro")
            if chime is not None:
                parts += [chime, _silence(0.25)]
            start_of_chapter = position
            offset = sum(len(p) for p in parts)
            for _ in chapter.lines:
                line, key = next(lines)
                samples = cache.get(key)
                if samples is None:
                    raise MissingSentence(f"sentence audio for {line.text[:50]!r} vanished from the cache")
                start = start_of_chapter + offset
                timings.append(
                    Timing(
                        number,
                        line.role,
                        line.text,
                        start / SAMPLE_RATE,
                        (start + len(samples)) / SAMPLE_RATE,
                    )
                )
                parts += [samples, _silence(line.pause)]
                offset += len(samples) + len(parts[-1])
                if number:  # later chapters stream out sentence by sentence
                    _write(handle, parts)
                    parts = []
            if number == 0 and bed and math.isfinite(level):
                intro = np.concatenate(parts) if parts else np.zeros(0, np.float32)
                parts = [_with_bed(intro, timings, level)]
            _write(handle, parts)
            position = start_of_chapter + offset
        tail = _silence(0.5)
        _write(handle, [tail])
        position += len(tail)
    return Assembly(out, timings, chapter_starts, level, position / SAMPLE_RATE, measured)


def _write(handle: Any, parts: list[np.ndarray]) -> None:
    for part in parts:
        handle.write(np.asarray(part, dtype=np.float32))


# Seconds at the end of the introduction that the music bed leaves clear, having faded out before them: the
# next chapter's encode starts there, in the join's room tone (chapters.LEAD_FRAMES frames and its FADE).
BED_CLEAR = 0.4


def _with_bed(intro: np.ndarray, timings: list[Timing], speech: float) -> np.ndarray:
    """The introduction with the music bed under it: 14 dB under the speech in the gaps, ducked 12 dB more
    while anyone speaks."""
    clear = min(len(intro) // 2, round(BED_CLEAR * SAMPLE_RATE))
    pad = np.concatenate([music_bed(len(intro) - clear), np.zeros(clear, np.float32)])
    spoken = [(int(t.start * SAMPLE_RATE), int(t.end * SAMPLE_RATE)) for t in timings if t.chapter == 0]
    level = 10 ** ((speech - 14.0 - _bed_level()) / 20)
    return intro + pad * ducking(len(intro), spoken, -12.0) * np.float32(level)


@functools.cache
def _bed_level() -> float:
    """The music bed's level as speech_level() measures it, on a bed one bucket long: the same for every
    introduction, so its length does not change the bed's gain."""
    return speech_level(music_bed(BED_BUCKET * SAMPLE_RATE))
