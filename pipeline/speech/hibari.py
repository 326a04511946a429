"""The default voice: hibari, a small neural TTS whose default voice ships inside its wheel (offline)."""

from __future__ import annotations

import importlib
import re
import threading
from importlib import metadata
from typing import TYPE_CHECKING, Any

from ..model.show import Voice

if TYPE_CHECKING:  # the engine's version is read on every build; numpy loads only to speak
    import numpy as np

_models: dict[str, object] = {}
_loading = threading.Lock()
# hibari 0.2.1 reads a Roman numeral after words such as "stage", "type" or "Henry" ("Chapter IV"); it takes a
# letter for one ("Type C" "type one hundred", "Section L" "section fifty") and an empty numeral for zero
# ("stage Variables" "stage zero Variables"). The spoken form reads every numeral before a voice is given the
# sentence (pipeline/spoken/roman.py), so hibari reads none.
NUMERALS = "no numerals of its own"
NEVER = re.compile(r"(?!)")


def _mend_numerals() -> None:
    normalize = importlib.import_module("hibari.g2p.normalize")
    for name in ("RE_ROMAN_C", "RE_ROMAN_O"):
        if hasattr(normalize, name):
            setattr(normalize, name, NEVER)


def _model(voice: str) -> Any:
    """One model per voice for the whole process; its inference is thread-safe and releases the GIL."""
    with _loading:
        if voice not in _models:
            from hibari import Hibari

            _mend_numerals()
            model = Hibari(voice=voice, threads=1)
            model.g2p  # noqa: B018 - built lazily by hibari; build it here, once, under the lock
            model.sess = _Shrinking(model.sess)
            _models[voice] = model
        return _models[voice]


class _Shrinking:
    """hibari's session, whose memory arena gives back after each run what the run took beyond its first
    block: the model keeps about 35 MB less for the rest of the build, for about 3% more of hibari's CPU."""

    def __init__(self, session: Any):
        import onnxruntime

        self.session = session
        self.options = onnxruntime.RunOptions()
        self.options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, outputs: Any, feeds: dict[str, Any]) -> Any:
        return self.session.run(outputs, feeds, self.options)


def release() -> None:
    """Drop the loaded voices (see pipeline.speech.release_voices)."""
    with _loading:
        _models.clear()


class HibariEngine:
    name = "hibari"
    tuning: tuple[str, ...] = ()
    words_per_minute = 181.0  # heart: 157.7 at rate 0.87

    def version(self) -> str:
        return f"hibari-tts {metadata.version('hibari-tts')}; {NUMERALS}"

    def problem(self, voice: Voice) -> str | None:
        from hibari.voices import VOICES, cache_dir, voice_path

        if voice.voice not in VOICES:
            return f"hibari has no voice {voice.voice!r}; use one of {', '.join(VOICES)}"
        try:
            voice_path(voice.voice, download_missing=False)
        except FileNotFoundError as missing:
            bundled = [name for name, entry in VOICES.items() if entry.get("bundled")]
            return (
                f"hibari voice {voice.voice!r} is not on this machine and is downloaded on first use, which "
                f"needs a network; use voice = {bundled[0]!r} (it ships inside the package), or copy "
                f"{VOICES[voice.voice]['file']} into {cache_dir()} ({missing})"
            )
        return None

    def accent(self, voice: Voice) -> str | None:
        from hibari.voices import VOICES

        language = VOICES.get(voice.voice, {}).get("language")
        return str(language) if language else None

    def offer(self, language: str) -> str | None:
        from hibari.voices import VOICES

        names = [
            name
            for name, entry in VOICES.items()
            if str(entry.get("language", "")).lower() == language.lower()
        ]
        if not names:
            return None
        bundled = all(VOICES[name].get("bundled") for name in names)
        return f"hibari voice = {' or '.join(repr(name) for name in names)}" + (
            "" if bundled else " (downloaded on first use, which needs a network once)"
        )

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        # A fixed seed makes the noise component repeatable, so the same sentence gives the same bytes.
        import numpy as np

        return np.asarray(_model(voice.voice)(text, speed=voice.rate, seed=0), dtype=np.float32)
