"""Google Translate's TTS through gTTS: needs Google's servers; voices are accent domains (com, co.uk)."""

from __future__ import annotations

import logging
import time
from importlib import metadata
from typing import TYPE_CHECKING

from ..errors import SynthesisError
from ..ffmpeg import decode, process
from ..model.show import Voice
from . import SAMPLE_RATE

if TYPE_CHECKING:  # the engine's version is read on every build; numpy loads only to speak
    import numpy as np

log = logging.getLogger(__name__)
ATTEMPTS = 4
BACKOFF_SECONDS = 1.0  # doubled after each failed attempt
# Each accent domain and the English it speaks.
LANGUAGES = {
    "com": "en-US",
    "co.uk": "en-GB",
    "com.au": "en-AU",
    "ca": "en-CA",
    "co.in": "en-IN",
    "ie": "en-IE",
    "co.za": "en-ZA",
    "com.ng": "en-NG",
    "us": "en-US",
}
ACCENTS = tuple(LANGUAGES)


class GttsEngine:
    name = "gtts"
    tuning: tuple[str, ...] = ()
    words_per_minute = 165.0  # Google's normal speed, before atempo
    attempts = ATTEMPTS
    backoff = BACKOFF_SECONDS
    timeout = 15.0  # seconds per request

    def version(self) -> str:
        return "gtts " + metadata.version("gtts")

    def problem(self, voice: Voice) -> str | None:
        if voice.voice not in ACCENTS:
            return f"gTTS voice must be an accent domain ({', '.join(ACCENTS)}), got {voice.voice!r}"
        return None

    def accent(self, voice: Voice) -> str | None:
        return LANGUAGES.get(voice.voice)

    def offer(self, language: str) -> str | None:
        domains = [domain for domain, spoken in LANGUAGES.items() if spoken.lower() == language.lower()]
        return f"gtts voice = {domains[0]!r} (needs Google's servers)" if domains else None

    def fetch(self, text: str, voice: Voice) -> bytes:
        """MP3 bytes for `text`, retrying network failures with exponential backoff."""
        from io import BytesIO

        from gtts import gTTS
        from gtts.tts import gTTSError

        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            buffer = BytesIO()
            try:
                gTTS(text, lang="en", tld=voice.voice, timeout=self.timeout).write_to_fp(buffer)
                data = buffer.getvalue()
                if len(data) < 200 or not (data[:3] == b"ID3" or data[0] == 0xFF):
                    raise gTTSError(msg=f"the reply was not audio ({len(data)} bytes)")
                return data
            except (gTTSError, OSError, ValueError) as exc:
                if attempt == self.attempts:
                    raise SynthesisError(
                        f"gTTS could not synthesize {text[:60]!r} after {self.attempts} attempts: {exc}. "
                        "gTTS needs "
                        "Google's servers: check the network, or use engine = 'hibari', which works offline"
                    ) from None
                log.warning("gTTS attempt %d failed (%s); retrying in %.1f s", attempt, exc, delay)
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        samples = decode(self.fetch(text, voice), "mp3", SAMPLE_RATE, what="gTTS audio")
        if abs(voice.rate - 1.0) > 1e-3:
            samples = process(samples, SAMPLE_RATE, f"atempo={voice.rate:.3f}", what="gTTS rate")
        return samples
