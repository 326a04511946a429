"""MP3 in-process: samples in, a 44.1 kHz CBR file with its Xing/LAME "Info" frame out, and the measurement
of a finished file (decoded by mpg123, metered by libebur128), all without a subprocess.

LAME (through lameenc) encodes; soxr resamples. LAME builds the Info frame only through an API lameenc does
not expose, so it is written here after the audio, the way LAME itself does: the first frame of the file,
silent, holding the frame and byte counts, a seek table, the encoder delay and padding that decoders trim
(so the decoded audio lines up with our cue times to the sample), and the two CRC-16s of the LAME tag."""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Any, Self

import numpy as np

from ..errors import ToolError
from ..ffmpeg import Loudness

OUT_RATE = 44100
# LAME's algorithm quality (0 best .. 9 fastest): 7 encodes speech at a constant bitrate 3x faster than 2.
LAME_QUALITY = 7
ENCODER_DELAY = 576  # samples LAME emits before the first input sample (lame_get_encoder_delay at 44.1 kHz)
SAMPLES_PER_FRAME = 1152  # MPEG-1 layer III
BITRATES = frozenset((32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320))  # kbps
CHUNK = 1 << 18  # input samples per step: keeps memory flat whatever the episode's length
INFO_TAG = 120 + 36  # bytes of the Xing part and the LAME extension


def _crc16(data: bytes, initial: int = 0) -> int:
    """CRC-16/ARC, the checksum of the LAME tag's two CRC fields (`initial`: the CRC of the data before)."""
    import fastcrc

    return fastcrc.crc16.arc(data, initial=initial)


class Meter:
    """Integrated loudness and loudness range (libebur128) of samples fed a chunk at a time."""

    def __init__(self, rate: int, channels: int = 1):
        import pyebur128

        self._module = pyebur128
        mode = pyebur128.MeasurementMode
        self._state = pyebur128.R128State(channels, rate, mode.MODE_I | mode.MODE_LRA)
        self.channels = channels

    def add(self, samples: np.ndarray) -> None:
        # Fed in slices: the library holds the GIL while it works, so other threads get a turn in between.
        flat = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
        step = 1 << 16
        for start in range(0, len(flat), step):
            piece = flat[start : start + step]
            self._state.add_frames(piece, len(piece) // self.channels)

    def result(self) -> tuple[float, float]:
        return (
            float(self._module.get_loudness_global(self._state)),
            float(self._module.get_loudness_range(self._state)),
        )


class TruePeak:
    """The true peak (ITU-R BS.1770-4 annex 2: the maximum of the 4x oversampled signal) of one channel fed a
    chunk at a time. Only the stretches within `window_db` of the highest sample so far are oversampled, with
    the gaps on both sides of each: between its two samples a sinusoid of frequency f peaks at most
    1/cos(pi f / rate) above the larger one, 6 dB at a third of the rate (14.7 kHz here; the voices stop at
    12 kHz). The running maximum never exceeds the final one, so every stretch near the final peak is among
    them; each is oversampled with PAD samples of real context on each side, so chunk edges change nothing."""

    PAD = 64  # samples: soxr's interpolation at this quality changes the result by under 1e-5 of full scale

    def __init__(self, rate: int, oversampling: int = 4, window_db: float = 6.0):
        self.rate, self.oversampling = rate, oversampling
        self.window = 10 ** (-window_db / 20)
        self.sample_peak = 0.0
        self.peak = 0.0
        self._buffer = np.zeros(0, np.float32)  # context already scanned, then samples waiting for context
        self._scanned = 0

    def add(self, samples: np.ndarray) -> None:
        samples = np.asarray(samples, dtype=np.float32)
        if samples.size == 0:
            return
        self.sample_peak = max(self.sample_peak, float(np.max(np.abs(samples))))
        buffer = np.concatenate([self._buffer, samples])
        ready = max(self._scanned, len(buffer) - self.PAD)
        self._scan(buffer, self._scanned, ready)
        keep = min(len(buffer), 2 * self.PAD)
        self._buffer, self._scanned = buffer[len(buffer) - keep :], ready - (len(buffer) - keep)

    def _scan(self, buffer: np.ndarray, start: int, stop: int) -> None:
        import soxr

        loud = np.flatnonzero(np.abs(buffer[start:stop]) >= self.sample_peak * self.window) + start
        if loud.size == 0:
            return
        breaks = np.flatnonzero(np.diff(loud) > 2 * self.PAD)
        firsts, lasts = np.r_[loud[0], loud[breaks + 1]], np.r_[loud[breaks], loud[-1]]
        # All stretches in one call (the filter is designed once): each with PAD samples of context, and PAD
        # zeros after it; the peak is read only in the stretches themselves, far from the joins.
        lows, highs = np.maximum(0, firsts - self.PAD), np.minimum(len(buffer), lasts + self.PAD + 1)
        lengths = highs - lows
        placed = np.cumsum(lengths + self.PAD) - (lengths + self.PAD)  # where each piece starts in the joined
        within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        joined = np.zeros(int((lengths + self.PAD).sum()), np.float32)
        joined[np.repeat(placed, lengths) + within] = buffer[np.repeat(lows, lengths) + within]
        upsampled = np.abs(soxr.resample(joined, self.rate, self.rate * self.oversampling, quality="HQ"))
        # Each stretch from just after the sample before it to just before the sample after it
        starts = np.maximum(0, (placed + firsts - lows - 1) * self.oversampling + 1)
        ends = np.minimum(len(upsampled), (placed + lasts - lows + 1) * self.oversampling)
        spans = np.column_stack([starts, ends]).reshape(-1)
        self.peak = max(self.peak, float(np.max(np.maximum.reduceat(upsampled, spans)[::2])))

    def dbtp(self) -> float:
        self._scan(self._buffer, self._scanned, len(self._buffer))
        self._scanned = len(self._buffer)
        value = max(self.peak, self.sample_peak)
        return 20 * math.log10(value) if value > 0 else float("-inf")


def _lame(bitrate: int, channels: int) -> Any:
    """A fresh LAME encoder for 44.1 kHz 16-bit input, CBR at `bitrate`."""
    import lameenc

    lame = lameenc.Encoder()
    lame.set_bit_rate(bitrate)
    lame.set_in_sample_rate(OUT_RATE)
    lame.set_out_sample_rate(OUT_RATE)  # LAME would pick a lower rate for low bitrates
    lame.set_channels(channels)
    lame.set_quality(LAME_QUALITY)
    return lame


def _pcm(samples: np.ndarray, channels: int) -> bytes:
    pcm = np.clip(np.rint(samples * 32768.0), -32768, 32767).astype("<i2")
    return (np.repeat(pcm, 2) if channels == 2 else pcm).tobytes()


class Mp3Writer:
    """Mono float32 samples at `in_rate` -> a 44.1 kHz CBR MP3 file with an Info frame. With `meter`, the
    samples given are metered too, at their own rate (`input_loudness`), so that comparing it with the
    finished file measures everything between them: resampling and MP3 coding."""

    def __init__(self, path: Path, in_rate: int, bitrate: int, channels: int = 1, *, meter: bool = False):
        import soxr

        self._info_size = 144 * bitrate * 1000 // OUT_RATE
        side_info = 17 if channels == 1 else 32
        if bitrate not in BITRATES or 4 + side_info + INFO_TAG > self._info_size:
            raise ToolError(
                f"MP3 bitrate {bitrate} kbps: use one of 64, 80, 96 (mono) or 128 and up (stereo)"
            )
        self.path, self.bitrate, self.channels, self._side_info = path, bitrate, channels, side_info
        self._resampler = soxr.ResampleStream(in_rate, OUT_RATE, 1, dtype="float32", quality="HQ")
        self._lame = _lame(bitrate, channels)
        self._meter = Meter(in_rate) if meter else None
        self.samples = 0  # at 44.1 kHz, per channel
        self._file = open(path, "wb")  # noqa: SIM115 - closed by close() or __exit__
        self._file.write(bytes(self._info_size))  # the Info frame's place, filled in by close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self._file.close()

    def write(self, samples: np.ndarray, *, last: bool = False) -> None:
        samples = np.asarray(samples, dtype=np.float32)
        if self._meter and samples.size:
            self._meter.add(samples)
        resampled = self._resampler.resample_chunk(samples, last=last)
        if resampled.size == 0:
            return
        self.samples += len(resampled)
        self._file.write(self._lame.encode(_pcm(resampled, self.channels)))

    def close(self) -> None:
        """Finish the stream and fill in the Info frame."""
        try:
            self.write(np.zeros(0, np.float32), last=True)
            if self.samples == 0:
                raise ToolError(f"{self.path}: there is no audio to encode")
            self._file.write(self._lame.flush())
        finally:
            self._file.close()
        self._write_info()

    def write_frames(self, frames: bytes, samples: int) -> None:
        """MP3 frames encoded elsewhere (see encode_part), carrying `samples` samples of this stream."""
        self._file.write(frames)
        self.samples += samples

    def discard(self) -> None:
        self._file.close()

    def close_frames(self) -> None:
        """Fill in the Info frame of a file made of frames given to write_frames."""
        self._file.close()
        if self.samples == 0:
            raise ToolError(f"{self.path}: there is no audio to encode")
        self._write_info()

    @property
    def input_loudness(self) -> float:
        """For the file's channels: the mono signal metered once, plus 3 dB when stereo carries it twice."""
        if not self._meter:
            return float("nan")
        return self._meter.result()[0] + 10 * math.log10(self.channels)

    def _frames(self) -> tuple[list[int], int, int, bytes]:
        """Where each MPEG frame LAME wrote starts, the CRC-16 of all of them, the file's size and the first
        frame's header, reading the file once, a block at a time."""
        offsets: list[int] = []
        first = b""
        crc, position, start, buffer = (
            0,
            self._info_size,
            self._info_size,
            b"",
        )  # buffer holds bytes from start
        with open(self.path, "rb") as handle:
            handle.seek(self._info_size)
            while block := handle.read(1 << 20):
                crc = _crc16(block, crc)
                buffer += block
                while position + 4 <= start + len(buffer):
                    header = buffer[position - start : position - start + 4]
                    if header[0] != 0xFF or (header[1] & 0xE0) != 0xE0:
                        raise ToolError(
                            f"{self.path}: LAME wrote something that is not an MPEG frame at byte {position}"
                        )
                    offsets.append(position)
                    first = first or header
                    position += frame_bytes(self.bitrate, bool((header[2] >> 1) & 1))
                cut = min(position, start + len(buffer)) - start
                buffer, start = buffer[cut:], start + cut
        if not offsets or position != start + len(buffer):
            raise ToolError(f"{self.path}: LAME's output does not end on a frame boundary")
        return offsets, crc, position, first

    def _write_info(self) -> None:
        offsets, music_crc, total, first = self._frames()
        frames = len(offsets)
        padding = frames * SAMPLES_PER_FRAME - ENCODER_DELAY - self.samples
        if not 0 <= padding < 4096:
            raise ToolError(f"{self.path}: LAME wrote {frames} frames for {self.samples} samples")
        toc = bytes(min(255, 256 * offsets[min(frames - 1, frames * i // 100)] // total) for i in range(100))
        xing = (
            b"Info"
            + struct.pack(">III", 0x0F, frames, total)
            + toc
            + struct.pack(">I", 100 - 40 - LAME_QUALITY)
        )
        stereo_mode = 0 if self.channels == 1 else 3
        lame = (
            b"LAME3.100"
            + bytes([0x01, 0])
            + bytes(8)
            + bytes([0, min(255, self.bitrate)])
            + ((ENCODER_DELAY << 12) | padding).to_bytes(3, "big")
            + bytes([(1 << 6) | (stereo_mode << 2), 0, 0, 0])
            + struct.pack(">I", total)
            + struct.pack(">H", music_crc)
        )
        frame = bytearray(self._info_size)
        frame[0:4] = bytes([first[0], first[1], first[2] & ~0x02, first[3]])  # same stream, no padding slot
        start = 4 + self._side_info
        frame[start : start + len(xing) + len(lame)] = xing + lame
        end = start + len(xing) + len(lame)
        frame[end : end + 2] = struct.pack(">H", _crc16(bytes(frame[:end])))
        with open(self.path, "r+b") as handle:
            handle.write(frame)


def frame_bytes(bitrate: int, padded: bool) -> int:
    return 144 * bitrate * 1000 // OUT_RATE + int(padded)


def encode_part(samples: np.ndarray, *, bitrate: int, channels: int, frames: int | None = None) -> bytes:
    """A fresh LAME encode of 44.1 kHz mono samples that start at a frame boundary of the stream they belong
    to: all its frames, or (with `frames`) only the first `frames`, the encoder having heard the rest of
    `samples`, so that the last one overlaps what follows as in one encode. The encoder delay is the same in
    every part: frame j decodes to the samples from the part's start + 1152 j - 576, as one encode of the
    whole stream would place them."""
    lame = _lame(bitrate, channels)
    # Given a step at a time (the same bytes as at once): only one step's PCM is held.
    steps = (
        lame.encode(_pcm(samples[start : start + CHUNK], channels)) for start in range(0, len(samples), CHUNK)
    )
    data = b"".join(steps) + lame.flush()
    if frames is None:
        return data
    position = 0
    for _ in range(frames):
        if position + 4 > len(data) or data[position] != 0xFF or (data[position + 1] & 0xE0) != 0xE0:
            raise ToolError(f"LAME wrote fewer than {frames} frames for {len(samples)} samples")
        position += frame_bytes(bitrate, bool((data[position + 2] >> 1) & 1))
    return data[:position]


def encode(
    source: Path,
    in_rate: int,
    out: Path,
    *,
    bitrate: int,
    channels: int,
    gain_db: float,
    seconds: tuple[float, float] | None = None,
    meter: bool = False,
) -> float:
    """Encode a raw mono float32 file (or the (start, length) `seconds` of it), times a gain, to `out`.
    Returns the loudness of what went into the encoder when `meter` is set (else NaN)."""
    total = source.stat().st_size // 4
    first, count = (
        (0, total) if seconds is None else (int(seconds[0] * in_rate), min(total, int(seconds[1] * in_rate)))
    )
    count = min(count, total - first)
    scale = np.float32(10 ** (gain_db / 20))
    with Mp3Writer(out, in_rate, bitrate, channels, meter=meter) as writer:
        for start in range(first, first + count, CHUNK):
            piece = np.fromfile(
                source, dtype="<f4", count=min(CHUNK, first + count - start), offset=4 * start
            )
            writer.write(piece * scale)
    return writer.input_loudness


def measure(path: Path, *, true_peak: bool = True) -> tuple[Loudness, float]:
    """Loudness (and true peak) of an MP3 as players decode it (mpg123, trimming the encoder delay and padding
    the Info frame declares), and its decoded duration in seconds. Reads a block at a time."""
    import soundfile

    try:
        info = soundfile.info(str(path))
        meter = Meter(info.samplerate, info.channels)
        peaks = [TruePeak(info.samplerate) for _ in range(info.channels)] if true_peak else []
        frames = 0
        for block in soundfile.blocks(str(path), blocksize=1 << 18, dtype="float32", always_2d=True):
            meter.add(block)
            for channel, peak in enumerate(peaks):
                peak.add(block[:, channel])
            frames += len(block)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise ToolError(f"{path}: could not decode the MP3 ({exc})") from None
    integrated, loudness_range = meter.result()
    worst = max(p.dbtp() for p in peaks) if peaks else None
    return Loudness(integrated, loudness_range, worst), frames / info.samplerate
