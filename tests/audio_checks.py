"""Independent measurements of built files, as a listener's tools would make them."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pipeline.media import ffmpeg_path


def ebur128(path: Path) -> dict[str, float]:
    """ffmpeg's own EBU R128 meter (not the one the pipeline sets its gain with): I, LRA and true peak."""
    done = subprocess.run([ffmpeg_path(), "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true",
                           "-f", "null", "-"], capture_output=True, text=True, check=True)
    summary = done.stderr[done.stderr.rindex("Summary:"):]
    return {
        "I": float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1)),
        "LRA": float(re.search(r"LRA:\s+(-?[\d.]+) LU", summary).group(1)),
        "TP": float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1)),
    }


def decoded_duration(path: Path) -> float:
    """Seconds of audio ffmpeg decodes from the file (the truth the Xing header must agree with)."""
    done = subprocess.run([ffmpeg_path(), "-hide_banner", "-nostats", "-i", str(path), "-f", "null", "-"],
                          capture_output=True, text=True, check=True)
    stamp = re.findall(r"time=(\d+):(\d+):([\d.]+)", done.stderr)[-1]
    return int(stamp[0]) * 3600 + int(stamp[1]) * 60 + float(stamp[2])


def ffprobe_chapters(path: Path) -> list[tuple[float, str]]:
    """Chapter starts and titles as ffmpeg's demuxer reads them from the ID3 CHAP frames."""
    done = subprocess.run([ffmpeg_path(), "-hide_banner", "-i", str(path), "-f", "ffmetadata", "-"],
                          capture_output=True, text=True, check=True)
    chapters = []
    for block in done.stdout.split("[CHAPTER]")[1:]:
        base = re.search(r"TIMEBASE=(\d+)/(\d+)", block)
        start = int(re.search(r"START=(\d+)", block).group(1)) * int(base.group(1)) / int(base.group(2))
        title = re.search(r"title=(.*)", block).group(1)
        chapters.append((start, title))
    return chapters
