"""The Opus alternate of an episode: its master (the finished chapters the MP3 was encoded from, made again
from the chapter cache, never decoded from the MP3) resampled to 48 kHz and encoded by libopus into Ogg, at
the MP3's loudness and under the show's true-peak ceiling, and as long as the MP3."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import SynthesisError, ToolError
from ..ffmpeg import Loudness, run_ffmpeg
from ..fsutil import write_atomic
from ..model.episode import TRACK_RECORD
from .chapters import ChapterCache, Mastering, Shaped, chapter_samples
from .mp3 import OUT_RATE, Meter, TruePeak

log = logging.getLogger(__name__)

OPUS_RATE = 48_000  # the only rate Opus codes at
PIECE = 10 * OUT_RATE  # samples given to the resampler at once: 10 s
OPUS_FRAME = 0.02  # seconds: the frame the encoder is given (libopus's default for speech)
LOUDNESS_TOLERANCE = 0.2  # LU the Opus file may be from the MP3's loudness (the encoder moves it little)
# libopus's speech mode (SILK up to 8 kHz, CELT above it): the CELT-only mode keeps the spectrum but at these
# bitrates rates worse by wideband PESQ (benchmarks/opus_bitrate.py; README "Formats").
APPLICATION = "voip"
ENCODER = ("-c:a", "libopus", "-vbr", "on", "-compression_level", "10")


@dataclass(frozen=True)
class Track:
    """An episode's master as the MP3 was encoded from it: each chapter's shaped audio in the chapter cache
    folder `chapters` (its key, its length and closing pause), and the mastering that finishes it."""

    chapters: str
    shaped: Shaped
    mastering: Mastering

    def write(self, folder: Path) -> None:
        data = {"chapters": self.chapters, "shaped": asdict(self.shaped), "mastering": asdict(self.mastering)}
        write_atomic(folder / TRACK_RECORD, json.dumps(data, indent=1) + "\n")

    @classmethod
    def read(cls, folder: Path) -> Track | None:
        """The record in the episode's cache folder, or None when it is missing or damaged."""
        try:
            data = json.loads((folder / TRACK_RECORD).read_text("utf-8"))
            shaped = data["shaped"]
            shaped = Shaped(
                [str(key) for key in shaped["keys"]],
                *([int(value) for value in shaped[name]] for name in ("lengths", "reshaped", "quiet")),
            )
            return cls(str(data["chapters"]), shaped, Mastering(**data["mastering"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def samples(self, cache: ChapterCache, mastering: Mastering | None = None) -> Iterator[np.ndarray]:
        """The master at 44.1 kHz a chapter at a time, as the MP3's encoder was given it (or finished with
        `mastering` instead of the MP3's)."""
        for number in range(len(self.shaped.keys)):
            yield chapter_samples(self.shaped, cache, number, mastering or self.mastering)


@dataclass(frozen=True)
class OpusReport:
    """The encoded file as players decode it: its loudness, its length and its average bitrate (bit/s)."""

    loudness: Loudness
    seconds: float
    bitrate: int


def _write_master(track: Track, cache: ChapterCache, mastering: Mastering, target: Path) -> int:
    """The master resampled to 48 kHz into a raw float32 file, one stream across the chapters (so their
    joins are resampled as one signal), given to the resampler PIECE samples at a time (the same output,
    without a second copy of the chapter at 48 kHz); returns its length in samples at 44.1 kHz."""
    import soxr

    stream = soxr.ResampleStream(OUT_RATE, OPUS_RATE, 1, dtype="float32", quality="HQ")
    count = len(track.shaped.keys)
    total = 0
    with open(target, "wb") as handle:
        for number, chapter in enumerate(track.samples(cache, mastering)):
            total += len(chapter)
            samples = np.ascontiguousarray(chapter, np.float32)
            del chapter
            for start in range(0, max(len(samples), 1), PIECE):
                last = number == count - 1 and start + PIECE >= len(samples)
                out = stream.resample_chunk(samples[start : start + PIECE], last=last)
                np.asarray(out, dtype="<f4").tofile(handle)
            del samples
    return total


def _encode(source: Path, target: Path, bitrate: int, application: str, *, what: str) -> None:
    run_ffmpeg(
        [
            *("-f", "f32le", "-ar", str(OPUS_RATE), "-ac", "1", "-i", str(source)),
            *ENCODER,
            *("-application", application),
            *("-b:a", f"{bitrate}k", "-frame_duration", str(round(OPUS_FRAME * 1000))),
            *("-ar", str(OPUS_RATE), "-ac", "1", "-map_metadata", "-1"),
            # No encoder version and a fixed stream serial: the same master makes the same bytes.
            *("-fflags", "+bitexact", "-flags:a", "+bitexact", "-f", "opus", "-y", str(target)),
        ],
        what=what,
    )


def measure_opus(path: Path) -> tuple[Loudness, float]:
    """Loudness and true peak of an Ogg Opus file as players decode it (libopus through libsndfile, which
    drops the pre-skip and the end padding the stream declares), and its decoded length in seconds."""
    import soundfile

    try:
        info = soundfile.info(str(path))
        meter, peak, frames = Meter(info.samplerate, 1), TruePeak(info.samplerate), 0
        for block in soundfile.blocks(str(path), blocksize=1 << 18, dtype="float32", always_2d=True):
            mono = block.mean(axis=1)
            meter.add(mono)
            peak.add(mono)
            frames += len(block)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise ToolError(f"{path}: could not decode the Opus file ({exc})") from None
    integrated, loudness_range = meter.result()
    return Loudness(integrated, loudness_range, peak.dbtp()), frames / info.samplerate


def encode_opus(
    track: Track,
    cache: ChapterCache,
    out: Path,
    *,
    bitrate: int,
    loudness: float,
    true_peak: float,
    scratch: Path,
    what: str,
    application: str = APPLICATION,
) -> OpusReport:
    """Encode the master into `out` at `bitrate` kbit/s, at `loudness` LUFS (within LOUDNESS_TOLERANCE) and
    under `true_peak` dBTP as decoded: a miss is corrected (the gain, or the limiter's ceiling when lossy
    coding raised a peak) and encoded again."""
    mastering, source = track.mastering, scratch / "master-48k.f32"
    for _attempt in range(4):
        samples = _write_master(track, cache, mastering, source)
        _encode(source, out, bitrate, application, what=f"{what}: Opus")
        measured, seconds = measure_opus(out)
        peak = measured.true_peak if measured.true_peak is not None else 0.0
        off = loudness - measured.integrated
        log.debug("%s: Opus at %d kbit/s -> %.2f LUFS, %.2f dBTP", what, bitrate, measured.integrated, peak)
        if peak > true_peak:  # lossy coding moved a peak: the limiter holds it lower
            lower = peak - true_peak + 0.2
            mastering = replace(mastering, ceiling=mastering.ceiling * 10 ** (-lower / 20))
            continue
        if abs(off) > LOUDNESS_TOLERANCE:
            mastering = replace(mastering, gain_db=mastering.gain_db + off)
            continue
        source.unlink(missing_ok=True)
        if abs(seconds - samples / OUT_RATE) > OPUS_FRAME:
            raise SynthesisError(
                f"{what}: the Opus file decodes to {seconds:.3f} s but the MP3 is {samples / OUT_RATE:.3f} s"
            )
        size = out.stat().st_size
        return OpusReport(measured, seconds, round(8 * size / seconds) if seconds > 0 else 0)
    raise SynthesisError(
        f"{what}: the Opus file could not reach {loudness:.1f} LUFS under {true_peak} dBTP "
        f"(measured {measured.integrated:.1f} LUFS, {peak:.1f} dBTP)"
    )


def target_loudness(mp3_lufs: float, channels: int) -> float:
    """The Opus file's loudness: the MP3's, less the 3 dB a stereo file's two equal channels add (the mono
    file plays on both speakers at the same level)."""
    return mp3_lufs - 10 * math.log10(channels)
