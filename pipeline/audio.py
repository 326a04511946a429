"""Synthesize a script sentence by sentence, assemble it with pauses and sound design, master it to MP3."""
from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import Audio, Voice
from .errors import SynthesisError
from .fsutil import temporary_sibling, write_atomic
from .loudness import LoudnessReport, integrated_loudness, loudness_range, true_peak
from .media import decode, encode_mp3, process
from .script import Script
from .speech import SAMPLE_RATE, SpeechCache, get_engine, sentence_key

log = logging.getLogger(__name__)
MASTER_RATE = 44100
PRE_LEVEL = -24.0  # LUFS the raw speech is brought to before the compressor, so its threshold means the same for any engine
DYNAMICS = ("highpass=f=70:poles=2,"
            "acompressor=threshold=-30dB:ratio=3:attack=5:release=150:knee=4:makeup=1")


@dataclass(frozen=True)
class Timing:
    """Where one script line sits in the finished episode, in seconds."""

    chapter: int
    role: str
    text: str
    start: float
    end: float


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


def synthesize_lines(script: Script, voices: dict[str, Voice], cache: SpeechCache, *, lesson_path: str,
                     progress: Callable[[int, int], None] | None = None) -> tuple[list[str], int]:
    """Make sure every line's audio is in the cache; returns the keys in order and how many were synthesized."""
    keys: list[str] = []
    made = 0
    engines: dict[str, tuple[object, str]] = {}
    lines = script.lines
    for index, line in enumerate(lines):
        voice = voices[line.role]
        if voice.engine not in engines:
            engine = get_engine(voice.engine)
            engines[voice.engine] = (engine, engine.version())
        engine, version = engines[voice.engine]
        key = sentence_key(line.spoken, voice, version)
        keys.append(key)
        if cache.get(key) is not None:
            continue
        problem = None
        for _attempt in range(2):
            samples = np.asarray(engine.synthesize(line.spoken, voice), dtype=np.float32)
            problem = _check_sentence(samples, line.spoken)
            if problem is None:
                break
            log.warning("%s: retrying a sentence (%s)", lesson_path, problem)
        if problem is not None:
            raise SynthesisError(f"{lesson_path}: chapter sentence {index + 1} failed twice ({problem}): "
                                 f"{line.text!r}; reword it or add a lexicon entry for its odd tokens")
        cache.put(key, samples)
        made += 1
        if progress:
            progress(index + 1, len(lines))
    return keys, made


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * SAMPLE_RATE)), dtype=np.float32)


def assemble(script: Script, keys: list[str], cache: SpeechCache,
             cues: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, list[Timing], list[float]]:
    """Join the sentence audio with its pauses; returns the track, line timings and chapter start times."""
    cues = cues or {}
    parts: list[np.ndarray] = []
    cue_parts: list[int] = []
    speech_parts: list[int] = []
    timings: list[Timing] = []
    chapter_starts: list[float] = []
    position = 0
    lines = iter(zip(script.lines, keys))

    def add(samples: np.ndarray) -> None:
        nonlocal position
        parts.append(samples)
        position += len(samples)

    for number, chapter in enumerate(script.chapters):
        chapter_starts.append(position / SAMPLE_RATE)
        cue = cues.get(chapter.kind if number else "intro")
        if cue is not None:
            cue_parts.append(len(parts))
            add(cue)
            add(_silence(0.25))
        for _ in chapter.lines:
            line, key = next(lines)
            samples = cache.get(key)
            if samples is None:
                raise SynthesisError(f"sentence audio for {line.text[:50]!r} went missing from the cache; build again")
            start = position
            speech_parts.append(len(parts))
            add(samples)
            timings.append(Timing(number, line.role, line.text, start / SAMPLE_RATE, position / SAMPLE_RATE))
            add(_silence(line.pause))
    add(_silence(0.5))
    if cue_parts and speech_parts:
        # Cues sit a little under the speech: matched to its measured loudness, 4 LU lower.
        speech_level = integrated_loudness(np.concatenate([parts[i] for i in speech_parts]), SAMPLE_RATE)
        for index in cue_parts:
            cue_level = integrated_loudness(parts[index], SAMPLE_RATE)
            if math.isfinite(speech_level) and math.isfinite(cue_level):
                parts[index] = parts[index] * np.float32(10 ** ((speech_level - 4.0 - cue_level) / 20))
    track = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return track, timings, chapter_starts


def master(track: np.ndarray, audio: Audio, out: Path, *, what: str) -> LoudnessReport:
    """Dynamics first, then one constant gain to the target measured on the final MP3, limited under the ceiling."""
    raw_level = integrated_loudness(track, SAMPLE_RATE)
    if not math.isfinite(raw_level):
        raise SynthesisError(f"{what}: the assembled audio is silent")
    leveled = track * np.float32(10 ** ((PRE_LEVEL - raw_level) / 20))
    shaped = process(leveled, SAMPLE_RATE, MASTER_RATE, DYNAMICS + f",aresample={MASTER_RATE}:resampler=soxr",
                     what=f"{what}: dynamics")
    gain = audio.loudness - integrated_loudness(shaped, MASTER_RATE)
    ceiling = audio.true_peak - 0.5  # sample-peak limiter; the margin covers inter-sample and MP3 overshoot
    tmp = temporary_sibling(out)
    try:
        for _attempt in range(4):
            limiter = f"alimiter=limit={10 ** (ceiling / 20):.5f}:attack=2:release=60:level=false:latency=true"
            encode_mp3(shaped, MASTER_RATE, audio.channels, audio.bitrate, tmp,
                       filters=f"volume={gain:.3f}dB,{limiter}", what=f"{what}: encoding")
            final = decode(tmp, MASTER_RATE, what=f"{what}: reading back")
            measured = integrated_loudness(final, MASTER_RATE)
            peak = true_peak(final, MASTER_RATE)
            off = audio.loudness - measured
            if peak > audio.true_peak:
                ceiling -= peak - audio.true_peak + 0.3
                continue
            if abs(off) > 0.2:
                gain += off
                continue
            break
        else:
            raise SynthesisError(f"{what}: could not reach {audio.loudness} LUFS under {audio.true_peak} dBTP "
                                 f"(measured {measured:.2f} LUFS, {peak:.2f} dBTP)")
        report = LoudnessReport(integrated_lufs=measured, loudness_range_lu=loudness_range(final, MASTER_RATE),
                                true_peak_dbtp=peak, duration_s=len(final) / MASTER_RATE,
                                target_lufs=audio.loudness, gain_db=gain)
        tmp.replace(out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return report


def write_json(path: Path, data) -> None:
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def iter_timings(data: list[dict]) -> Iterator[Timing]:
    for item in data:
        yield Timing(**item)
