"""Mastering: dynamics, a look-ahead limiter, then one constant gain to the target, measured on the MP3.

The work is done a chapter at a time (see chapters.py) and kept, with the episode's levels: a later build
re-masters only the chapters whose audio changed, at the same levels, unless that moves the episode's
loudness by more than LOUDNESS_TOLERANCE, in which case the levels are found again for the whole episode."""

from __future__ import annotations

import logging
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import SynthesisError
from ..fsutil import temporary_sibling
from ..model.episode import LoudnessReport
from ..model.show import Audio
from ..speech import SAMPLE_RATE
from .assemble import Assembly
from .chapters import (
    ChapterCache,
    Encoded,
    Mastering,
    Shaped,
    encode_chapters,
    layout,
    limit,
    shape,
    shaped_audio,
)
from .mp3 import OUT_RATE, Meter
from .mp3 import encode as encode_mp3
from .mp3 import measure as measure_mp3

log = logging.getLogger(__name__)
PRE_LEVEL = (
    -24.0
)  # LUFS the raw speech is brought to before the compressor, so its threshold means the same for any engine
# High-pass and gentle compression in ffmpeg, then a look-ahead limiter that holds peaks at most
# PEAK_TO_LOUDNESS dB above the measured loudness: raw TTS has a peak-to-loudness ratio near 24 dB, which a
# plain gain to -19 LUFS would push through the -1 dBTP ceiling.
PEAK_TO_LOUDNESS = 15.0
DYNAMICS = "highpass=f=70:poles=2,acompressor=threshold=-30dB:ratio=3:attack=2:release=150:knee=4:makeup=1"
BIG_FRAMES = (
    "asetnsamples=n=16384:p=0"  # ffmpeg's default small frames cost more in hand-offs than in filtering
)


LOUDNESS_TOLERANCE = 0.2  # LU: how far the final MP3 may be from the target


@dataclass(frozen=True)
class Levels:
    """An episode's mastering levels, kept for its next build while its loudness holds: the speech level its
    cues and its compressor input were set from (dBFS), the limiter's ceiling (linear) and the gain (dB)."""

    speech_level: float
    ceiling: float
    gain_db: float


@dataclass(frozen=True)
class Mastered:
    """A mastered episode: its loudness, its levels, where its chapters start in the MP3 (seconds), which
    chapters were shaped or encoded again, and the cache entries it is made of."""

    report: LoudnessReport
    levels: Levels
    chapter_starts: list[float]
    remastered: list[int]
    keys: set[str]
    shaped: (
        Shaped  # the chapters' shaped audio, which with the levels is the master every format is made from
    )


def _codec_loss(shaped: Path, seconds: float, gain: float, audio: Audio, scratch: Path) -> float:
    """How many LU the way from the shaped track to the MP3 takes off this material (resampling, and MP3
    coding: about 0.4 at 96 kbps for speech), measured on a 20-second excerpt: the episode is encoded once."""
    if seconds < 10:
        return 0.0
    window = (max(0.0, seconds / 2 - 10), min(20.0, seconds))
    before = encode_mp3(
        shaped,
        SAMPLE_RATE,
        scratch,
        bitrate=audio.bitrate,
        channels=audio.channels,
        gain_db=gain,
        seconds=window,
        meter=True,
    )
    after, _ = measure_mp3(scratch, true_peak=False)
    loss = before - after.integrated
    return loss if math.isfinite(loss) and abs(loss) < 3.0 else 0.0


def _levels(shaped: Shaped, cache: ChapterCache, audio: Audio, speech_level: float, folder: Path) -> Levels:
    """The episode's levels from its shaped chapters: the limiter's ceiling from their loudness, then the
    gain that brings the limited track to the target, allowing for what the limiter and MP3 coding take."""
    meter = Meter(SAMPLE_RATE)
    for number in range(len(shaped.keys)):
        meter.add(shaped_audio(cache, shaped, number))
    compressed = meter.result()[0]
    ceiling = 10 ** ((compressed + min(PEAK_TO_LOUDNESS, audio.true_peak - 0.5 - audio.loudness)) / 20)
    before = after = 0.0
    limited = folder / "limited.f32"
    with open(limited, "wb") as handle:
        for number in range(len(shaped.keys)):
            samples = shaped_audio(cache, shaped, number)
            done = limit(samples, ceiling, SAMPLE_RATE)
            before += float(np.dot(samples, samples))
            after += float(np.dot(done, done))
            done.astype("<f4").tofile(handle)
    # The limiter only trims brief peaks, so the energy it removed is the loudness it cost.
    cost = 10 * math.log10(after / before) if before > 0 else 0.0
    # A stereo file carries the mono track on both channels, which meters 3 dB louder than the track.
    gain = audio.loudness - (compressed + 10 * math.log10(audio.channels)) - cost
    gain += _codec_loss(limited, sum(shaped.lengths) / SAMPLE_RATE, gain, audio, folder / "excerpt.mp3")
    limited.unlink()
    return Levels(speech_level, ceiling, gain)


def _encode(
    shaped: Shaped,
    cache: ChapterCache,
    audio: Audio,
    levels: Levels,
    out: Path,
    scratch: Path,
    *,
    what: str,
    adjust: bool,
) -> tuple[Levels, Encoded, LoudnessReport] | None:
    """Encode at `levels` and measure the MP3 as players decode it, a part at a time (see partmeter). A peak
    over the ceiling or a loudness off the target is corrected (`adjust`) and encoded again, or (without)
    answered with None."""
    ceiling, gain = levels.ceiling, levels.gain_db
    for _attempt in range(3):
        mastering = Mastering(ceiling, gain, audio.bitrate, audio.channels)
        encoded = encode_chapters(shaped, cache, mastering, out, scratch)
        measured, seconds = encoded.loudness, encoded.seconds
        peak = measured.true_peak if measured.true_peak is not None else 0.0
        log.debug("%s: gain %.2f dB -> %.2f LUFS, %.2f dBTP", what, gain, measured.integrated, peak)
        off = audio.loudness - measured.integrated
        if peak > audio.true_peak or abs(off) > LOUDNESS_TOLERANCE:
            if not adjust:
                return None
            if peak > audio.true_peak:
                ceiling = min(ceiling, 10 ** ((2 * audio.true_peak - 0.5 - peak - gain) / 20))
            else:
                gain += off
            continue
        if round(seconds * OUT_RATE) != encoded.samples:
            raise SynthesisError(
                f"{what}: the MP3 decodes to {seconds:.3f} s but the episode is "
                f"{encoded.samples / OUT_RATE:.3f} s"
            )
        report = LoudnessReport(
            integrated_lufs=measured.integrated,
            loudness_range_lu=measured.loudness_range,
            true_peak_dbtp=peak,
            duration_s=encoded.samples / OUT_RATE,
            target_lufs=audio.loudness,
            gain_db=gain,
        )
        return Levels(levels.speech_level, ceiling, gain), encoded, report
    raise SynthesisError(
        f"{what}: could not reach {audio.loudness} LUFS under {audio.true_peak} dBTP "
        f"(measured {measured.integrated:.1f} LUFS, {peak:.1f} dBTP)"
    )


def master_chapters(
    assembly: Assembly,
    audio: Audio,
    out: Path,
    cache: ChapterCache,
    *,
    what: str,
    kept: Levels | None = None,
    scratch: Path | None = None,
) -> Mastered:
    """Shape the dynamics, then one constant gain to the target as measured on the final MP3, under the
    ceiling, reusing the chapters `cache` holds. With `kept` levels (those the cached chapters were made
    at), only changed chapters are made again, unless the episode's loudness then misses the target."""
    if not math.isfinite(assembly.speech_level):
        raise SynthesisError(f"{what}: the assembled audio is silent")
    filters = f"{BIG_FRAMES},volume={PRE_LEVEL - assembly.speech_level:.3f}dB,{DYNAMICS}"
    with tempfile.TemporaryDirectory(prefix="certquests-", dir=scratch) as folder:
        shaped = shape(assembly, filters, cache, Path(folder), what=what)
        tmp = temporary_sibling(out)
        try:
            done = None
            if kept is not None and kept.speech_level == assembly.speech_level:
                done = _encode(shaped, cache, audio, kept, tmp, Path(folder), what=what, adjust=False)
            if done is None:
                levels = _levels(shaped, cache, audio, assembly.speech_level, Path(folder))
                done = _encode(shaped, cache, audio, levels, tmp, Path(folder), what=what, adjust=True)
            assert done is not None
            tmp.replace(out)
        finally:
            if tmp.exists():
                tmp.unlink()
    levels, encoded, report = done
    return Mastered(
        report,
        levels,
        [start / OUT_RATE for start in layout(shaped)],
        sorted(set(shaped.reshaped) | set(encoded.reencoded)),
        set(shaped.keys) | set(encoded.keys),
        shaped,
    )


def master(
    assembly: Assembly, audio: Audio, out: Path, *, what: str, scratch: Path | None = None
) -> LoudnessReport:
    """Master a track from scratch, keeping nothing for later."""
    with tempfile.TemporaryDirectory(prefix="certquests-", dir=scratch) as folder:
        cache = ChapterCache(Path(folder) / "chapters")
        return master_chapters(assembly, audio, out, cache, what=what, scratch=Path(folder)).report
