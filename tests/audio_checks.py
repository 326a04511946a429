"""Independent measurements of built files, as a listener's tools would make them."""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path

import numpy as np

from pipeline.ffmpeg import ffmpeg_path


def decode(path: Path, rate: int = 44100) -> np.ndarray:
    """The file's samples as a player decodes them (ffmpeg only decodes here; it measures nothing)."""
    done = subprocess.run(
        [
            ffmpeg_path(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            str(path),
            "-f",
            "f32le",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-",
        ],
        capture_output=True,
        check=True,
    )
    return np.frombuffer(done.stdout, dtype="<f4").astype(np.float64)


def independent_loudness(path: Path) -> dict[str, float]:
    """Integrated loudness by pyloudnorm (BS.1770-4) and true peak by 4x oversampling with scipy, on ffmpeg's
    decoding: different meters and a different decoder from the pipeline's (libebur128 on mpg123's output)."""
    import pyloudnorm
    from scipy.signal import resample_poly

    samples = decode(path)
    peak = max(
        float(np.max(np.abs(resample_poly(samples[i : i + 441000 + 64], 4, 1))))
        for i in range(0, len(samples), 441000)
    )
    return {"I": float(pyloudnorm.Meter(44100).integrated_loudness(samples)), "TP": 20 * math.log10(peak)}


def decoded_duration(path: Path) -> float:
    """Seconds of audio ffmpeg decodes from the file (the truth the Xing header must agree with)."""
    done = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostats", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    stamp = re.findall(r"time=(\d+):(\d+):([\d.]+)", done.stderr)[-1]
    return int(stamp[0]) * 3600 + int(stamp[1]) * 60 + float(stamp[2])


def ffprobe_chapters(path: Path) -> list[tuple[float, str]]:
    """Chapter starts and titles as ffmpeg's demuxer reads them from the ID3 CHAP frames."""
    done = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    chapters = []
    for block in done.stdout.split("[CHAPTER]")[1:]:
        base = re.search(r"TIMEBASE=(\d+)/(\d+)", block)
        start = int(re.search(r"START=(\d+)", block).group(1)) * int(base.group(1)) / int(base.group(2))
        title = re.search(r"title=(.*)", block).group(1)
        chapters.append((start, title))
    return chapters
