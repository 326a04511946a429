"""The loudness, loudness range and true peak of an MP3 made of parts (see chapters.py), measured a part at a
time on the file's own frames as players decode them (mpg123, trimming what the Info frame says), so that a
part that did not change keeps its measurement.

A part is decoded after the CONTEXT_FRAMES frames before it in the file (the decoder needs the last ones for
the overlap of the part's first frame, and they need the bytes of the frames before them for theirs), and
measured from one frame before its start to one frame before its end: a decoder's last 529 samples of a
frame come out only with the next frame. Its samples
are metered by libebur128 a 100 ms step at a time, which gives the 400 ms blocks (every 100 ms) that
integrated loudness gates (ITU-R BS.1770-4) and the 3 s windows that loudness range takes percentiles of
(EBU Tech 3342); the blocks of all parts are then gated together. Only the few blocks that would straddle
two parts are left out, each in a pause."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import ToolError
from ..ffmpeg import Loudness
from .mp3 import ENCODER_DELAY, OUT_RATE, SAMPLES_PER_FRAME, Mp3Writer, TruePeak, frame_bytes

CONTEXT_FRAMES = 6
STEP = OUT_RATE // 10  # 100 ms
PEAK_BLOCK = 1 << 16  # samples the true-peak meter is given at once


@dataclass(frozen=True)
class PartLoudness:
    """A part's 400 ms block powers (every 100 ms), 3 s short-term loudness (every second), true peak and
    length."""

    blocks: list[float]  # mean square, K-weighted, summed over the channels
    short_term: list[float]  # LUFS
    peak: float  # linear
    samples: int  # the part's decoded samples

    def encode(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def decode(cls, text: str) -> PartLoudness:
        data = json.loads(text)
        return cls(
            [float(x) for x in data["blocks"]],
            [float(x) for x in data["short_term"]],
            float(data["peak"]),
            int(data["samples"]),
        )


def frame_starts(data: bytes, bitrate: int) -> list[int]:
    """Where each frame of a run of CBR frames starts."""
    starts, position = [], 0
    while position < len(data):
        if position + 4 > len(data) or data[position] != 0xFF or (data[position + 1] & 0xE0) != 0xE0:
            raise ToolError(f"not an MPEG frame at byte {position} of an encoded part")
        starts.append(position)
        position += frame_bytes(bitrate, bool((data[position + 2] >> 1) & 1))
    return starts


def measure_part(
    before: bytes,
    frames: bytes,
    samples: int,
    *,
    first: bool,
    last: bool,
    bitrate: int,
    channels: int,
    scratch: Path,
) -> PartLoudness:
    """Measure a part as it decodes in the file: `frames` after `before` (the frames ahead of it), carrying
    `samples` samples of the stream (the first part's count includes the encoder delay)."""
    import pyebur128
    import soundfile

    starts = frame_starts(before, bitrate)
    context = before[starts[max(0, len(starts) - CONTEXT_FRAMES)] :] if before else b""
    skip = len(starts[-CONTEXT_FRAMES:]) * SAMPLES_PER_FRAME - ENCODER_DELAY if before else 0
    # The part's own samples in the stream, then the stretch measured here: one frame earlier at both ends
    # (but the stream's own ends), since the decoder's last samples of a part need the next part's frames.
    span = samples - (ENCODER_DELAY if first else 0) + (ENCODER_DELAY if last else 0)
    earlier, cut = (0 if first else SAMPLES_PER_FRAME), (0 if last else SAMPLES_PER_FRAME)
    path = scratch / "part.mp3"
    writer = Mp3Writer(path, OUT_RATE, bitrate, channels)
    writer.write_frames(context + frames, skip + span - cut)
    writer.close_frames()
    mode = pyebur128.MeasurementMode
    state = pyebur128.R128State(channels, OUT_RATE, mode.MODE_M | mode.MODE_S)
    peaks = [TruePeak(OUT_RATE) for _ in range(channels)]
    blocks, short_term = [], []
    try:
        decoded, _ = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise ToolError(f"could not decode an encoded part ({exc})") from None
    measured = span + earlier - cut
    audio = np.ascontiguousarray(decoded[skip - earlier : skip - earlier + measured])
    if len(audio) != measured or skip < earlier:
        raise ToolError(f"an encoded part decodes to {len(audio)} samples, not {measured}")
    for start in range(0, len(audio), PEAK_BLOCK):  # a block at a time: its scratch stays small
        for channel, peak in enumerate(peaks):
            peak.add(audio[start : start + PEAK_BLOCK, channel])
    for fed, start in enumerate(range(0, len(audio) - STEP + 1, STEP), 1):
        state.add_frames(audio[start : start + STEP].reshape(-1), STEP)
        if fed >= 4:
            blocks.append(10 ** ((pyebur128.get_loudness_momentary(state) + 0.691) / 10))
        if fed >= 30 and fed % 10 == 0:  # 3 s windows every second, as libebur128 takes them
            short_term.append(pyebur128.get_loudness_shortterm(state))
    value = max(10 ** (peak.dbtp() / 20) for peak in peaks)
    return PartLoudness(blocks, short_term, value, measured)


def combine(parts: list[PartLoudness]) -> tuple[Loudness, float]:
    """The whole file's loudness, loudness range and true peak from its parts', and its decoded seconds."""
    blocks = np.array([b for part in parts for b in part.blocks])
    gated = blocks[blocks > 10 ** ((-70 + 0.691) / 10)]
    integrated = float("-inf")
    if gated.size:
        relative = gated[gated > np.mean(gated) / 10]
        integrated = -0.691 + 10 * math.log10(float(np.mean(relative)))
    short = np.array([s for part in parts for s in part.short_term])
    short = short[short > -70]
    loudness_range = 0.0
    if short.size:
        relative_gate = 10 * math.log10(float(np.mean(10 ** (short / 10)))) - 20
        kept = short[short > relative_gate]
        if kept.size:
            loudness_range = float(np.percentile(kept, 95) - np.percentile(kept, 10))
    peak = max(part.peak for part in parts)
    true_peak = 20 * math.log10(peak) if peak > 0 else float("-inf")
    return Loudness(integrated, loudness_range, true_peak), sum(p.samples for p in parts) / OUT_RATE
