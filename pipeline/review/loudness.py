"""An episode's loudness over time: short-term loudness (EBU R 128: the last 3 s) every second of the built
MP3 as players decode it, kept under .cache/review/ by the MP3's name, and drawn as an SVG picture with the
chapter marks and the show's loudness target."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import numpy as np

from ..errors import ToolError
from ..fsutil import write_atomic
from ..model.episode import ChapterMark

STEP = 1.0  # seconds between readings
FLOOR = -50.0  # LUFS at the picture's bottom; silence is drawn there
TOP = -5.0
WIDTH, HEIGHT = 1000, 160


def short_term(mp3: Path, cache: Path) -> list[float]:
    """The short-term loudness (LUFS) at each second of `mp3`; measured once per MP3 (its name changes
    with its bytes), and the readings of the episode's earlier MP3s removed."""
    kept = cache / f"{mp3.stem}.short-term.json"
    try:
        return [float(value) for value in json.loads(kept.read_text("utf-8"))]
    except (OSError, ValueError, TypeError):
        pass
    values = _measure(mp3)
    owner = mp3.stem.rpartition("-")[0]
    for old in cache.glob(f"{owner}-*.short-term.json") if cache.is_dir() else ():
        if old.name.removesuffix(".short-term.json").rpartition("-")[0] == owner:
            old.unlink(missing_ok=True)
    write_atomic(kept, json.dumps([round(value, 2) for value in values]), durable=False)
    return values


def _measure(mp3: Path) -> list[float]:
    import pyebur128
    import soundfile

    values = []
    try:
        info = soundfile.info(str(mp3))
        state = pyebur128.R128State(info.channels, info.samplerate, pyebur128.MeasurementMode.MODE_S)
        size = int(info.samplerate * STEP)
        for block in soundfile.blocks(str(mp3), blocksize=size, dtype="float32", always_2d=True):
            flat = np.ascontiguousarray(block, dtype=np.float32).reshape(-1)
            state.add_frames(flat, len(block))
            value = float(pyebur128.get_loudness_shortterm(state))
            values.append(value if math.isfinite(value) else FLOOR)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise ToolError(f"{mp3}: could not decode the MP3 ({exc})") from None
    return values


def _y(lufs: float) -> float:
    clamped = min(TOP, max(FLOOR, lufs))
    return round(HEIGHT * (TOP - clamped) / (TOP - FLOOR), 1)


def curve_svg(values: list[float], duration: float, chapters: tuple[ChapterMark, ...], target: float) -> str:
    """The readings as an inline SVG: time across, loudness up, a dashed line at the target and a mark at
    each chapter's start (its title on hover)."""
    span = max(duration, STEP * len(values), 1.0)

    def x(seconds: float) -> float:
        return round(WIDTH * seconds / span, 1)

    points = " ".join(f"{x((index + 1) * STEP)},{_y(value)}" for index, value in enumerate(values))
    marks = "".join(
        f'<line class="chapter" x1="{x(c.start)}" y1="0" x2="{x(c.start)}" y2="{HEIGHT}">'
        f"<title>{html.escape(c.title)} ({c.start:.0f} s)</title></line>"
        for c in chapters
    )
    label = f"Short-term loudness over {span / 60:.1f} min; the dashed line is the target, {target:g} LUFS"
    return (
        f'<svg class="loudness" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" role="img" '
        f'aria-label="{html.escape(label)}"><title>{html.escape(label)}</title>'
        f'<line class="target" x1="0" y1="{_y(target)}" x2="{WIDTH}" y2="{_y(target)}"/>{marks}'
        f'<polyline class="curve" points="{points}"/></svg>'
    )
