"""Every ffmpeg call lives here: finding the binary, running it, turning its failures into ToolError."""
from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from pathlib import Path

import numpy as np

from .errors import ToolError

log = logging.getLogger(__name__)


@functools.cache
def ffmpeg_path() -> str:
    """The system ffmpeg when there is one, else the binary shipped in the imageio-ffmpeg wheel."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        raise ToolError("ffmpeg not found; install it (apt-get install ffmpeg) or `pip install imageio-ffmpeg`") from None
    return imageio_ffmpeg.get_ffmpeg_exe()


@functools.cache
def ffmpeg_version() -> str:
    out = subprocess.run([ffmpeg_path(), "-hide_banner", "-version"], capture_output=True, text=True, check=False)
    return out.stdout.split("\n", 1)[0].strip()


def run_ffmpeg(args: list[str], *, input_bytes: bytes | None = None, what: str) -> bytes:
    """Run ffmpeg with `args`; return its stdout. On failure raise ToolError with the tail of stderr."""
    command = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    log.debug("ffmpeg: %s", " ".join(command))
    try:
        done = subprocess.run(command, input=input_bytes, capture_output=True, check=False)
    except OSError as exc:
        raise ToolError(f"{what}: could not start ffmpeg ({exc})") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise ToolError(f"{what}: ffmpeg failed (exit {done.returncode}): {' | '.join(tail)}")
    return done.stdout


def decode(data: bytes | Path, sample_rate: int, *, channels: int = 1, what: str) -> np.ndarray:
    """Any audio ffmpeg reads (bytes or a file) -> float32 samples at `sample_rate`, shape (n,) or (n, channels)."""
    source = ["-i", str(data)] if isinstance(data, Path) else ["-i", "pipe:0"]
    raw = run_ffmpeg([*source, "-f", "f32le", "-acodec", "pcm_f32le", "-ac", str(channels), "-ar", str(sample_rate),
                      "pipe:1"], input_bytes=None if isinstance(data, Path) else data, what=what)
    samples = np.frombuffer(raw, dtype="<f4").copy()
    return samples.reshape(-1, channels) if channels > 1 else samples


def process(samples: np.ndarray, rate_in: int, rate_out: int, filters: str, *, what: str) -> np.ndarray:
    """Run mono float32 samples through an ffmpeg filter chain and read them back (mono float32)."""
    raw = run_ffmpeg(["-f", "f32le", "-ar", str(rate_in), "-ac", "1", "-i", "pipe:0", "-af", filters,
                      "-f", "f32le", "-acodec", "pcm_f32le", "-ar", str(rate_out), "-ac", "1", "pipe:1"],
                     input_bytes=np.ascontiguousarray(samples, dtype="<f4").tobytes(), what=what)
    return np.frombuffer(raw, dtype="<f4").copy()


def encode_mp3(samples: np.ndarray, sample_rate: int, channels: int, bitrate: int, path: Path,
               filters: str | None = None, *, what: str) -> None:
    """Encode mono float32 samples to a CBR MP3 file with a Xing/LAME header (written only to seekable files)."""
    args = ["-f", "f32le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0"]
    if filters:
        args += ["-af", filters]
    args += ["-ac", str(channels), "-ar", str(sample_rate), "-c:a", "libmp3lame", "-b:a", f"{bitrate}k",
             "-write_xing", "1", "-id3v2_version", "0", "-map_metadata", "-1", "-f", "mp3", "-y", str(path)]
    run_ffmpeg(args, input_bytes=np.ascontiguousarray(samples, dtype="<f4").tobytes(), what=what)
