"""Every ffmpeg call lives here: finding the binary, running it, turning its failures into ToolError."""
from __future__ import annotations

import functools
import logging
import math
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ToolError

log = logging.getLogger(__name__)
# LAME's algorithm quality (0 best .. 9 fastest): 7 encodes speech at constant bitrate nearly 3x faster than 2.
LAME_QUALITY = 7


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


def run_ffmpeg(args: list[str], *, input_bytes: bytes | None = None, what: str, stderr: list[str] | None = None) -> bytes:
    """Run ffmpeg with `args`; return its stdout. On failure raise ToolError with the tail of stderr.

    Pass a list as `stderr` to receive ffmpeg's log (at info level, for the ebur128 summary)."""
    level = "info" if stderr is not None else "error"
    command = [ffmpeg_path(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", level, *args]
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
    """ffmpeg's EBU R128 meter: integrated loudness (LUFS), loudness range (LU), true peak (dBTP)."""

    integrated: float
    loudness_range: float
    true_peak: float | None


def parse_ebur128(log: str) -> Loudness:
    """Read the summary the ebur128 filter prints when it closes."""
    if "Summary:" not in log:
        raise ToolError("ffmpeg's ebur128 filter printed no summary; is this ffmpeg too old?")
    summary = log[log.rindex("Summary:"):]

    def number(pattern: str) -> float | None:
        match = re.search(pattern, summary)
        if not match:
            return None
        return float("-inf") if match.group(1) == "-inf" else float(match.group(1))

    integrated = number(r"I:\s+(-?[\d.]+|-inf) LUFS")
    if integrated is None:
        raise ToolError("could not read the integrated loudness from ffmpeg's ebur128 summary")
    return Loudness(integrated, number(r"LRA:\s+(-?[\d.]+) LU") or 0.0, number(r"Peak:\s+(-?[\d.]+|-inf) dBFS"))


def measure_file(path: Path, *, what: str, true_peak: bool = True) -> tuple[Loudness, float]:
    """Loudness (and true peak) of a finished audio file, and its decoded duration in seconds.

    One ffmpeg run decodes the file and meters it (ebur128); the true peak is then found from the decoded
    samples by 4x oversampling around the loudest ones, which is where it lies, at a third of the cost of
    oversampling the whole file."""
    log: list[str] = []
    with tempfile.TemporaryDirectory(prefix="certquests-") as folder:
        decoded = Path(folder) / "decoded.s16"  # 16 bits resolve peaks to 0.0003 dB at the levels in question
        output = ["-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-y", str(decoded)] if true_peak else \
            ["-f", "null", "-"]
        run_ffmpeg(["-i", str(path), "-af", "asetnsamples=n=16384:p=0,ebur128=framelog=verbose", *output], what=what,
                   stderr=log)
        peak = true_peak_of(decoded) if true_peak else None
    stamps = re.findall(r"time=(\d+):(\d+):([\d.]+)", log[0])
    seconds = int(stamps[-1][0]) * 3600 + int(stamps[-1][1]) * 60 + float(stamps[-1][2]) if stamps else 0.0
    loudness = parse_ebur128(log[0])
    return Loudness(loudness.integrated, loudness.loudness_range, peak), seconds


def true_peak_of(path: Path, oversampling: int = 4, window_db: float = 3.0) -> float:
    """True peak in dBTP of a raw mono 16-bit file (ITU-R BS.1770-4 annex 2: the maximum of the 4x
    oversampled signal). Inter-sample peaks of band-limited audio lie within a few dB above the highest
    samples, so only the stretches within `window_db` of the sample peak are oversampled. Reads the file a
    chunk at a time."""
    from scipy.signal import resample_poly

    chunk, total = 1 << 20, path.stat().st_size // 2

    def read(start: int, count: int) -> np.ndarray:
        return np.fromfile(path, dtype="<i2", count=count, offset=2 * start).astype(np.float32) / 32768.0

    def chunks():
        for start in range(0, total, chunk):
            yield start, read(start, min(chunk, total - start))

    sample_peak = max((float(np.max(np.abs(piece))) for _, piece in chunks() if piece.size), default=0.0)
    if sample_peak == 0.0:
        return float("-inf")
    threshold = sample_peak * 10 ** (-window_db / 20)
    pad = 32  # input samples around each stretch: well beyond the interpolation filter's reach
    pieces = []
    for start, piece in chunks():
        loud = np.flatnonzero(np.abs(piece) >= threshold) + start
        if loud.size == 0:
            continue
        breaks = np.flatnonzero(np.diff(loud) > 2 * pad)
        for first, last in zip(np.r_[loud[0], loud[breaks + 1]], np.r_[loud[breaks], loud[-1]]):
            low = max(0, first - pad)
            pieces.append(read(low, min(total, last + pad + 1) - low).astype(np.float64))
            pieces.append(np.zeros(2 * pad))  # keeps neighbouring stretches apart
    upsampled = resample_poly(np.concatenate(pieces), oversampling, 1)
    return 20 * math.log10(max(sample_peak, float(np.max(np.abs(upsampled)))))


def decode(data: bytes, kind: str, sample_rate: int, *, what: str) -> np.ndarray:
    """Audio an engine returned ('mp3' or 'wav' bytes) -> mono float32 samples at `sample_rate`, via pydub."""
    import io
    import warnings

    with warnings.catch_warnings():  # pydub looks for ffmpeg on PATH at import; it is told ours just below
        warnings.simplefilter("ignore")
        from pydub import AudioSegment
        from pydub.exceptions import CouldntDecodeError

    AudioSegment.converter = ffmpeg_path()
    try:
        if kind == "wav":  # read by pydub itself
            segment = AudioSegment.from_file(io.BytesIO(data), format="wav")
        else:  # naming the codec spares pydub an ffprobe call (imageio-ffmpeg ships no ffprobe)
            segment = AudioSegment.from_file(io.BytesIO(data), format=kind, codec=kind,
                                             parameters=["-ar", str(sample_rate), "-ac", "1"])
    except (CouldntDecodeError, IndexError, OSError) as exc:
        raise ToolError(f"{what}: could not decode the audio ({str(exc).strip().splitlines()[-1][:200]})") from None
    segment = segment.set_channels(1)
    scale = float(1 << (8 * segment.sample_width - 1))
    samples = np.array(segment.get_array_of_samples(), dtype=np.float32) / scale
    if segment.frame_rate != sample_rate:
        from scipy.signal import resample_poly

        divisor = math.gcd(sample_rate, segment.frame_rate)
        samples = resample_poly(samples, sample_rate // divisor, segment.frame_rate // divisor)
    return samples.astype(np.float32)


# Samples go to and from ffmpeg through files: a pipe would cost one system call per 512 bytes (subprocess
# writes PIPE_BUF at a time) and hold several copies of the audio in memory.
def _raw(path: Path, rate: int) -> list[str]:
    return ["-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", str(path)]


def filter_file(source: Path, rate: int, target: Path, filters: str, *, what: str,
                stderr: list[str] | None = None) -> None:
    """Run a raw mono float32 file through an ffmpeg filter chain into another (same rate)."""
    run_ffmpeg([*_raw(source, rate), "-af", filters, "-f", "f32le", "-acodec", "pcm_f32le", "-ar", str(rate),
                "-ac", "1", "-y", str(target)], what=what, stderr=stderr)


def process(samples: np.ndarray, rate: int, filters: str, *, what: str) -> np.ndarray:
    """Run mono float32 samples through an ffmpeg filter chain and read them back."""
    with tempfile.TemporaryDirectory(prefix="certquests-") as folder:
        source, target = Path(folder) / "input.f32", Path(folder) / "output.f32"
        np.ascontiguousarray(samples, dtype="<f4").tofile(source)
        filter_file(source, rate, target, filters, what=what)
        return np.fromfile(target, dtype="<f4")


def encode_mp3(source: Path, rate: int, channels: int, bitrate: int, path: Path, filters: str, *, what: str,
               seconds: tuple[float, float] | None = None, measure: bool = False) -> Loudness | None:
    """Encode a raw mono float32 file (or the `seconds` (start, length) of it) to a 44.1 kHz CBR MP3 file with
    a Xing/LAME header, which ffmpeg writes only to seekable files. With `measure`, the same run also meters
    what goes into the encoder and returns it."""
    window = ["-ss", f"{seconds[0]:.3f}", "-t", f"{seconds[1]:.3f}"] if seconds else []
    meter = ["-af", f"{filters},ebur128=framelog=verbose", "-f", "null", "-"] if measure else []
    log: list[str] | None = [] if measure else None
    run_ffmpeg([*window, *_raw(source, rate), "-af", filters, "-ac", str(channels), "-ar", "44100",
                "-c:a", "libmp3lame", "-b:a", f"{bitrate}k", "-compression_level", str(LAME_QUALITY),
                "-write_xing", "1", "-id3v2_version", "0", "-map_metadata", "-1", "-f", "mp3", "-y", str(path),
                *meter], what=what, stderr=log)
    return parse_ebur128(log[0]) if measure else None
