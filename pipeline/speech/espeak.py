"""espeak-ng, when installed: robotic but tiny and everywhere; voices are espeak-ng language codes."""

from __future__ import annotations

import functools
import shutil
import subprocess
from typing import TYPE_CHECKING

from ..errors import SynthesisError, ToolError
from ..ffmpeg import decode
from ..model.show import Voice
from . import SAMPLE_RATE

if TYPE_CHECKING:  # the engine's version is read on every build; numpy loads only to speak
    import numpy as np


@functools.cache
def _binary() -> str | None:
    return shutil.which("espeak-ng")


class EspeakEngine:
    name = "espeak"
    tuning: tuple[str, ...] = ()
    words_per_minute = 175.0  # asked for with -s

    def version(self) -> str:
        binary = _binary()
        if not binary:
            return "espeak-ng missing"
        return subprocess.run(
            [binary, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()

    def problem(self, voice: Voice) -> str | None:
        if not _binary():
            return (
                "engine 'espeak' needs espeak-ng; install it (apt-get install espeak-ng) "
                "or use engine = 'hibari'"
            )
        return None

    def accent(self, voice: Voice) -> str | None:
        """espeak-ng's voices are language codes: en-gb, en-us; plain 'en' is British English."""
        code = {"en": "en-gb"}.get(voice.voice.lower(), voice.voice.lower())
        language, _, region = code.partition("-")
        return f"{language}-{region.upper()}" if len(region) == 2 else None

    def offer(self, language: str) -> str | None:
        if not _binary() or "-" not in language:
            return None
        return f"espeak voice = {language.lower()!r}"

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        binary = _binary()
        if not binary:
            raise ToolError("espeak-ng is not installed; apt-get install espeak-ng")
        words_per_minute = str(round(self.words_per_minute * voice.rate))
        done = subprocess.run(
            [binary, "-v", voice.voice, "-s", words_per_minute, "--stdout", text],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0 or not done.stdout:
            raise SynthesisError(
                f"espeak-ng failed on {text[:60]!r}: {done.stderr.decode(errors='replace')[-200:]}"
            )
        return decode(done.stdout, "wav", SAMPLE_RATE, what="espeak-ng output")
