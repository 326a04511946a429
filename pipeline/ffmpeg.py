"""Every ffmpeg call lives here: finding the binary, running it, turning its failures into ToolError; and the
decoding of what speech engines return."""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ToolError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


@functools.cache
def ffmpeg_path() -> str:
    """The ffmpeg that CERTQUESTS_FFMPEG names, else the one shipped in the imageio-ffmpeg wheel, else the
    system's: one ffmpeg wherever the project is built, so installing another changes nothing."""
    named = os.environ.get("CERTQUESTS_FFMPEG")
    if named:
        found = shutil.which(named)
        if not found:
            raise ToolError(f"CERTQUESTS_FFMPEG names {named!r}, which is not an executable; fix or unset it")
        return found
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        found = shutil.which("ffmpeg")
    if not found:
        raise ToolError(
            "ffmpeg not found; `pip install imageio-ffmpeg` or install ffmpeg (apt-get install ffmpeg)"
        )
    return found


@functools.cache
def _dies_with_us() -> tuple[str, ...]:
    """A prefix that makes ffmpeg die with the build (Linux's parent-death signal, set by util-linux's
    setpriv before it becomes ffmpeg): a killed build leaves no ffmpeg writing into its scratch space."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return ()
    done = subprocess.run([setpriv, "--pdeathsig", "KILL", "--", "true"], capture_output=True, check=False)
    return (setpriv, "--pdeathsig", "KILL", "--") if done.returncode == 0 else ()


@functools.cache
def system_ffmpeg_stamp() -> tuple[object, ...]:
    """Size and time of the ffmpeg found on PATH and of the one CERTQUESTS_FFMPEG names: with the installed
    packages unchanged, these say whether ffmpeg_path() would find another ffmpeg, without running it."""
    stamp: list[object] = []
    for name in (os.environ.get("CERTQUESTS_FFMPEG"), "ffmpeg"):
        found = shutil.which(name) if name else None
        try:
            status = os.stat(found) if found else None
        except OSError:
            status = None
        stamp.append((found, status.st_size, status.st_mtime_ns) if status else None)
    return tuple(stamp)


@functools.cache
def ffmpeg_version() -> str:
    out = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-version"], capture_output=True, text=True, check=False
    )
    return out.stdout.split("\n", 1)[0].strip()


def run_ffmpeg(
    args: list[str], *, input_bytes: bytes | None = None, what: str, stderr: list[str] | None = None
) -> bytes:
    """Run ffmpeg with `args`; return its stdout. On failure raise ToolError with the tail of stderr.

    Pass a list as `stderr` to receive ffmpeg's log (at info level, for the ebur128 summary)."""
    level = "info" if stderr is not None else "error"
    command = [
        *_dies_with_us(),
        ffmpeg_path(),
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        level,
        *args,
    ]
    log.debug("ffmpeg: %s", " ".join(command))
    try:
        done = subprocess.run(command, input=input_bytes, capture_output=True, check=False)
    except OSError as exc:
        raise ToolError(f"{what}: could not start ffmpeg ({exc})") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise ToolError(f"{what}: ffmpeg failed (exit {done.returncode}): {' | '.join(tail)}")
    if stderr is not None:
        stderr.append(done.stderr.decode("utf-8", "replace"))
    return done.stdout


@dataclass(frozen=True)
class Loudness:
    """An EBU R128 measurement, whichever meter made it: integrated loudness (LUFS), loudness range (LU),
    true peak (dBTP, None when not measured)."""

    integrated: float
    loudness_range: float
    true_peak: float | None


def decode(data: bytes, kind: str, sample_rate: int, *, what: str) -> np.ndarray:
    """Audio an engine returned ('mp3' or 'wav' bytes) -> mono float32 samples at `sample_rate`, via pydub."""
    import io
    import warnings

    import numpy as np

    with warnings.catch_warnings():  # pydub looks for ffmpeg on PATH at import; it is told ours just below
        warnings.simplefilter("ignore")
        from pydub import AudioSegment
        from pydub.exceptions import CouldntDecodeError

    AudioSegment.converter = ffmpeg_path()
    try:
        if kind == "wav":  # read by pydub itself
            segment = AudioSegment.from_file(io.BytesIO(data), format="wav")
        else:  # naming the codec spares pydub an ffprobe call (imageio-ffmpeg ships no ffprobe)
            segment = AudioSegment.from_file(
                io.BytesIO(data), format=kind, codec=kind, parameters=["-ar", str(sample_rate), "-ac", "1"]
            )
    except (CouldntDecodeError, IndexError, OSError) as exc:
        raise ToolError(
            f"{what}: could not decode the audio ({str(exc).strip().splitlines()[-1][:200]})"
        ) from None
    segment = segment.set_channels(1)
    scale = float(1 << (8 * segment.sample_width - 1))
    samples = np.array(segment.get_array_of_samples(), dtype=np.float32) / scale
    if segment.frame_rate != sample_rate:
        import soxr

        samples = soxr.resample(samples, segment.frame_rate, sample_rate, quality="VHQ")
    return samples.astype(np.float32)


# Samples go to and from ffmpeg through files: a pipe would cost one system call per 512 bytes (subprocess
# writes PIPE_BUF at a time) and hold several copies of the audio in memory.
def _raw(path: Path, rate: int) -> list[str]:
    if (
        path.suffix == ".wav"
    ):  # the WAV demuxer takes a packet size: large packets mean fewer hand-offs between ffmpeg's threads
        return ["-max_size", "262144", "-i", str(path)]
    return ["-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", str(path)]


def filter_file(
    source: Path, rate: int, target: Path, filters: str, *, what: str, stderr: list[str] | None = None
) -> None:
    """Run a mono float32 file (raw, or a WAV) through an ffmpeg filter chain into a raw one (same rate)."""
    run_ffmpeg(
        [
            *_raw(source, rate),
            "-af",
            filters,
            "-f",
            "f32le",
            "-acodec",
            "pcm_f32le",
            "-ar",
            str(rate),
            "-ac",
            "1",
            "-y",
            str(target),
        ],
        what=what,
        stderr=stderr,
    )


def process(samples: np.ndarray, rate: int, filters: str, *, what: str) -> np.ndarray:
    """Run mono float32 samples through an ffmpeg filter chain and read them back."""
    import numpy as np

    with tempfile.TemporaryDirectory(prefix="certquests-") as folder:
        source, target = Path(folder) / "input.f32", Path(folder) / "output.f32"
        np.ascontiguousarray(samples, dtype="<f4").tofile(source)
        filter_file(source, rate, target, filters, what=what)
        return np.fromfile(target, dtype="<f4")
