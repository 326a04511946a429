"""Mastering: dynamics, a look-ahead limiter, then one constant gain to the target, measured on the MP3."""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..errors import SynthesisError
from ..ffmpeg import filter_file, parse_ebur128
from ..fsutil import temporary_sibling
from ..model.episode import LoudnessReport
from ..model.show import Audio
from ..speech import SAMPLE_RATE
from .assemble import Assembly
from .mp3 import encode as encode_mp3
from .mp3 import measure as measure_mp3
from .sound import ROOM_TONE_DB, RoomTone

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


class RawTrack:
    """A mono float32 file read and patched a chunk at a time, so memory does not grow with its length."""

    CHUNK = 1 << 20  # samples

    def __init__(self, path: Path):
        self.path = path
        self.length = path.stat().st_size // 4

    def read(self, start: int, stop: int) -> np.ndarray:
        return np.fromfile(
            self.path, dtype="<f4", count=max(0, min(stop, self.length) - start), offset=4 * start
        )

    def write(self, start: int, samples: np.ndarray) -> None:
        with open(self.path, "r+b") as handle:
            handle.seek(4 * start)
            np.ascontiguousarray(samples, dtype="<f4").tofile(handle)

    def chunks(self) -> Iterator[tuple[int, np.ndarray]]:
        for start in range(0, self.length, self.CHUNK):
            yield start, self.read(start, start + self.CHUNK)

    def energy(self) -> float:
        return sum(float(np.dot(chunk, chunk)) for _, chunk in self.chunks())


def limit(track: RawTrack, ceiling: float, rate: int, lookahead: float = 0.008) -> None:
    """A look-ahead peak limiter, in place: no sample exceeds `ceiling` (linear), and the gain moves smoothly.

    Around each stretch of over-ceiling samples the gain is the running minimum of the needed reduction over
    +-lookahead, averaged over the same span: every average includes the sample's own need, so the ceiling
    holds exactly. Elsewhere the audio is untouched."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    span = 2 * max(1, int(lookahead * rate)) + 1
    over = np.concatenate(
        [np.flatnonzero(np.abs(chunk) > ceiling) + start for start, chunk in track.chunks()]
        or [np.zeros(0, np.int64)]
    )
    if over.size == 0:
        return
    gaps = np.flatnonzero(np.diff(over) > 2 * span)
    for first, last in zip(np.r_[over[0], over[gaps + 1]], np.r_[over[gaps], over[-1]]):
        start, stop = max(0, first - 2 * span), min(track.length, last + 2 * span + 1)
        piece = track.read(start, stop)
        needed = np.minimum(1.0, ceiling / np.maximum(np.abs(piece), 1e-12)).astype(np.float32)
        gain = uniform_filter1d(minimum_filter1d(needed, size=span), size=span)
        track.write(start, piece * np.minimum(gain, needed))


def add_room_tone(track: RawTrack, level_db: float) -> None:
    """Lay a steady pink-noise floor under the whole track, in place, so no pause is digital silence."""
    tone = RoomTone(level_db)
    for start, chunk in track.chunks():
        track.write(start, chunk + tone.next(len(chunk)))


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


def master(
    assembly: Assembly, audio: Audio, out: Path, *, what: str, scratch: Path | None = None
) -> LoudnessReport:
    """Shape the dynamics, then one constant gain to the target as measured on the final MP3, under the
    ceiling.

    The track stays on disk and is worked on a chunk at a time, so memory does not grow with its length."""
    if not math.isfinite(assembly.speech_level):
        raise SynthesisError(f"{what}: the assembled audio is silent")
    with tempfile.TemporaryDirectory(prefix="certquests-", dir=scratch) as folder:
        shaped = Path(folder) / "shaped.f32"
        ffmpeg_log: list[str] = []
        filter_file(
            assembly.path,
            SAMPLE_RATE,
            shaped,
            f"{BIG_FRAMES},volume={PRE_LEVEL - assembly.speech_level:.3f}dB,{DYNAMICS},"
            "ebur128=framelog=verbose",
            what=f"{what}: dynamics",
            stderr=ffmpeg_log,
        )
        compressed = parse_ebur128(ffmpeg_log[0]).integrated
        track = RawTrack(shaped)
        energy = track.energy()
        limit(
            track,
            10 ** ((compressed + min(PEAK_TO_LOUDNESS, audio.true_peak - 0.5 - audio.loudness)) / 20),
            SAMPLE_RATE,
        )
        # The limiter only trims brief peaks, so the energy it removed is the loudness it cost.
        cost = 10 * math.log10(track.energy() / energy) if energy > 0 else 0.0
        # A stereo file carries the mono track on both channels, which meters 3 dB louder than the track.
        gain = audio.loudness - (compressed + 10 * math.log10(audio.channels)) - cost
        # Room tone at its level in the finished file (a stereo file carries the same noise on both channels).
        add_room_tone(track, ROOM_TONE_DB - gain)
        tmp = temporary_sibling(out)
        try:
            gain += _codec_loss(shaped, assembly.seconds, gain, audio, tmp)
            for _attempt in range(3):
                encode_mp3(
                    shaped, SAMPLE_RATE, tmp, bitrate=audio.bitrate, channels=audio.channels, gain_db=gain
                )
                measured, seconds = measure_mp3(tmp)
                peak = measured.true_peak if measured.true_peak is not None else 0.0
                log.debug("%s: gain %.2f dB -> %.2f LUFS, %.2f dBTP", what, gain, measured.integrated, peak)
                if peak > audio.true_peak:
                    limit(track, 10 ** ((2 * audio.true_peak - 0.5 - peak - gain) / 20), SAMPLE_RATE)
                    continue
                off = audio.loudness - measured.integrated
                if abs(off) > 0.2:
                    gain += off
                    continue
                break
            else:
                raise SynthesisError(
                    f"{what}: could not reach {audio.loudness} LUFS under {audio.true_peak} dBTP "
                    f"(measured {measured.integrated:.1f} LUFS, {peak:.1f} dBTP)"
                )
            if abs(seconds - assembly.seconds) > 0.5:
                raise SynthesisError(
                    f"{what}: the MP3 decodes to {seconds:.2f} s but the episode is {assembly.seconds:.2f} s"
                )
            tmp.replace(out)
        finally:
            if tmp.exists():
                tmp.unlink()
    return LoudnessReport(
        integrated_lufs=measured.integrated,
        loudness_range_lu=measured.loudness_range,
        true_peak_dbtp=peak,
        duration_s=assembly.seconds,
        target_lufs=audio.loudness,
        gain_db=gain,
    )
