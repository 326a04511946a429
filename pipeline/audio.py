"""Synthesize a script sentence by sentence, assemble it with pauses and sound design, master it to MP3."""
from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .config import Audio, Voice
from .errors import SynthesisError
from .fsutil import temporary_sibling, write_atomic
from .media import encode_mp3, measure_file, measure_samples, parse_ebur128, process
from .script import Script
from .speech import SAMPLE_RATE, SpeechCache, get_engine, sentence_key

log = logging.getLogger(__name__)
MASTER_RATE = 44100
PRE_LEVEL = -24.0  # LUFS the raw speech is brought to before the compressor, so its threshold means the same for any engine
# High-pass and gentle compression in ffmpeg, then a look-ahead limiter that holds peaks at most
# PEAK_TO_LOUDNESS dB above the measured loudness: raw TTS has a peak-to-loudness ratio near 24 dB, which a
# plain gain to -19 LUFS would push through the -1 dBTP ceiling.
PEAK_TO_LOUDNESS = 15.0
DYNAMICS = "highpass=f=70:poles=2,acompressor=threshold=-30dB:ratio=3:attack=2:release=150:knee=4:makeup=1"


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


def trim_silence(samples: np.ndarray, margin: float = 0.02) -> np.ndarray:
    """Cut the engine's leading and trailing silence (hibari adds about 0.3 s and 0.45 s), keeping 20 ms, so
    pauses are exactly what the script asks for and cue times mark where speech starts and ends."""
    loud = np.flatnonzero(np.abs(samples) > np.max(np.abs(samples)) * 10 ** (-40 / 20))
    if loud.size == 0:
        return samples
    keep = int(margin * SAMPLE_RATE)
    return samples[max(0, loud[0] - keep): loud[-1] + keep + 1]


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
            samples = trim_silence(samples)
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


def assemble(script: Script, keys: list[str], cache: SpeechCache, cues: dict[str, np.ndarray] | None = None,
             bed: bool = False) -> tuple[np.ndarray, list[Timing], list[float]]:
    """Join the sentence audio with its pauses, the cues between chapters and the music bed under the
    introduction; returns the track, line timings and chapter start times (seconds)."""
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
        # Cues sit a little under the speech: matched to its level, 4 dB lower.
        speech = speech_level(np.concatenate([parts[i] for i in speech_parts]))
        for index in cue_parts:
            cue = speech_level(parts[index])
            if math.isfinite(speech) and math.isfinite(cue):
                parts[index] = parts[index] * np.float32(10 ** ((speech - 4.0 - cue) / 20))
    track = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    if bed and speech_parts and len(chapter_starts) > 1:
        track = _add_bed(track, timings, int(chapter_starts[1] * SAMPLE_RATE), speech_level(track))
    return track, timings, chapter_starts


def _add_bed(track: np.ndarray, timings: list[Timing], end: int, speech: float) -> np.ndarray:
    """Mix the music bed under the introduction: 14 dB under the speech in the gaps, ducked 12 dB more under it."""
    from .sound import ducking, music_bed

    pad = music_bed(end / SAMPLE_RATE)
    spoken = [(int(t.start * SAMPLE_RATE), int(t.end * SAMPLE_RATE)) for t in timings if t.chapter == 0]
    level = 10 ** ((speech - 14.0 - speech_level(pad)) / 20)
    mixed = track.copy()
    mixed[:len(pad)] += pad * ducking(len(pad), spoken, -12.0) * np.float32(level)
    return mixed


def speech_level(samples: np.ndarray) -> float:
    """A quick level estimate (dBFS RMS of the 400 ms blocks that carry speech), to set the compressor's input."""
    block = int(0.4 * SAMPLE_RATE)
    usable = len(samples) // block * block
    if usable == 0:
        return float("-inf")
    blocks = samples[:usable].reshape(-1, block)
    power = np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64) / block
    loud = power[power > 1e-7]
    if loud.size == 0:
        return float("-inf")
    loud = loud[loud > np.mean(loud) / 10]  # relative gate: -10 dB, as BS.1770 gates quiet blocks
    return float(10 * np.log10(np.mean(loud)))


def limit(samples: np.ndarray, ceiling: float, rate: int, lookahead: float = 0.008) -> None:
    """A look-ahead peak limiter, in place: no sample exceeds `ceiling` (linear), and the gain moves smoothly.

    Around each stretch of over-ceiling samples the gain is the running minimum of the needed reduction over
    +-lookahead, averaged over the same span: every average includes the sample's own need, so the ceiling
    holds exactly. Elsewhere the audio is untouched (and not even visited)."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    span = 2 * max(1, int(lookahead * rate)) + 1
    over = np.flatnonzero(np.abs(samples) > ceiling)
    if over.size == 0:
        return
    gaps = np.flatnonzero(np.diff(over) > 2 * span)
    for first, last in zip(np.r_[over[0], over[gaps + 1]], np.r_[over[gaps], over[-1]]):
        start, stop = max(0, first - 2 * span), min(len(samples), last + 2 * span + 1)
        piece = samples[start:stop]
        needed = np.minimum(1.0, ceiling / np.maximum(np.abs(piece), 1e-12)).astype(np.float32)
        gain = uniform_filter1d(minimum_filter1d(needed, size=span), size=span)
        piece *= np.minimum(gain, needed)


def _energy(samples: np.ndarray) -> float:
    return float(np.dot(samples, samples))


def _codec_loss(samples: np.ndarray, audio: Audio, scratch: Path, *, what: str) -> float:
    """How many LU MP3 coding at this bitrate takes off this material (about 0.4 at 96 kbps for speech),
    measured on a 20-second excerpt so the full episode is encoded once."""
    excerpt_length = 20 * MASTER_RATE
    start = max(0, (len(samples) - excerpt_length) // 2)
    excerpt = samples[start:start + excerpt_length]
    if len(excerpt) < 5 * MASTER_RATE:
        return 0.0
    before = measure_samples(excerpt, MASTER_RATE, what=f"{what}: codec probe").integrated
    encode_mp3(excerpt, MASTER_RATE, audio.channels, audio.bitrate, scratch, what=f"{what}: codec probe")
    after, _ = measure_file(scratch, what=f"{what}: codec probe", true_peak=False)
    loss = before - after.integrated
    return loss if math.isfinite(loss) and abs(loss) < 3.0 else 0.0


def master(track: np.ndarray, audio: Audio, out: Path, *, what: str) -> LoudnessReport:
    """Shape the dynamics, then one constant gain to the target as measured on the final MP3, under the ceiling.

    Works on one 44.1 kHz copy of the episode in place, so memory stays near the size of the audio."""
    raw_level = speech_level(track)
    if not math.isfinite(raw_level):
        raise SynthesisError(f"{what}: the assembled audio is silent")
    ffmpeg_log: list[str] = []
    samples = process(track * np.float32(10 ** ((PRE_LEVEL - raw_level) / 20)), SAMPLE_RATE, MASTER_RATE,
                      f"{DYNAMICS},aresample={MASTER_RATE}:resampler=soxr,ebur128=framelog=verbose",
                      what=f"{what}: dynamics", stderr=ffmpeg_log)
    compressed = parse_ebur128(ffmpeg_log[0]).integrated
    headroom = min(PEAK_TO_LOUDNESS, audio.true_peak - 0.5 - audio.loudness)
    energy = _energy(samples)
    limit(samples, 10 ** ((compressed + headroom) / 20), MASTER_RATE)
    # The limiter only trims brief peaks, so the energy it removed is the loudness it cost.
    cost = 10 * math.log10(_energy(samples) / energy) if energy > 0 else 0.0
    tmp = temporary_sibling(out)
    try:
        gain = audio.loudness - compressed - cost + _codec_loss(samples, audio, tmp, what=what)
        applied = 0.0  # dB already multiplied into `samples`
        for _attempt in range(3):
            samples *= np.float32(10 ** ((gain - applied) / 20))
            applied = gain
            encode_mp3(samples, MASTER_RATE, audio.channels, audio.bitrate, tmp, what=f"{what}: encoding")
            measured, seconds = measure_file(tmp, what=f"{what}: measuring")
            peak = measured.true_peak if measured.true_peak is not None else 0.0
            log.debug("%s: gain %.2f dB -> %.2f LUFS, %.2f dBTP", what, gain, measured.integrated, peak)
            if peak > audio.true_peak:
                limit(samples, 10 ** ((audio.true_peak - 0.8 - (peak - audio.true_peak)) / 20), MASTER_RATE)
                continue
            off = audio.loudness - measured.integrated
            if abs(off) > 0.2:
                gain += off
                continue
            break
        else:
            raise SynthesisError(f"{what}: could not reach {audio.loudness} LUFS under {audio.true_peak} dBTP "
                                 f"(measured {measured.integrated:.1f} LUFS, {peak:.1f} dBTP)")
        tmp.replace(out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return LoudnessReport(integrated_lufs=measured.integrated, loudness_range_lu=measured.loudness_range,
                          true_peak_dbtp=peak, duration_s=seconds, target_lufs=audio.loudness, gain_db=gain)


@dataclass(frozen=True)
class LoudnessReport:
    """What `certquests report` shows, measured on the final MP3 by ffmpeg's EBU R128 meter."""

    integrated_lufs: float
    loudness_range_lu: float
    true_peak_dbtp: float
    duration_s: float
    target_lufs: float
    gain_db: float
    normalization: str = "linear"

    def as_dict(self) -> dict:
        return {key: (round(value, 3) if isinstance(value, float) else value) for key, value in asdict(self).items()}


def write_json(path: Path, data) -> None:
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def iter_timings(data: list[dict]) -> Iterator[Timing]:
    for item in data:
        yield Timing(**item)
