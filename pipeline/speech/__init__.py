"""Text-to-speech engines behind one small interface, and the per-sentence audio cache.

Every engine returns mono float32 samples at SAMPLE_RATE, so the rest of the pipeline never
cares which one spoke a line.
"""
from __future__ import annotations

import hashlib
import json
import struct
import zlib
from pathlib import Path
from typing import Protocol

import numpy as np

from ..config import Voice
from ..errors import ConfigError

SAMPLE_RATE = 24000
CACHE_MAGIC = b"CQA1"
CACHE_FORMAT = 2  # bump when what is stored per sentence changes (2: engine silence trimmed)


class Engine(Protocol):
    name: str

    def version(self) -> str:
        """Changes whenever the engine could produce different audio for the same text."""

    def problem(self, voice: Voice) -> str | None:
        """Why `voice` cannot be used here (checked before any synthesis), or None."""

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        """Mono float32 samples at SAMPLE_RATE."""


def get_engine(name: str) -> Engine:
    if name == "hibari":
        from .hibari_engine import HibariEngine

        return HibariEngine()
    if name == "gtts":
        from .gtts_engine import GttsEngine

        return GttsEngine()
    if name == "espeak":
        from .espeak_engine import EspeakEngine

        return EspeakEngine()
    raise ConfigError(f"unknown engine {name!r}; use hibari, gtts or espeak")


def check_voices(voices: dict[str, Voice], roles: set[str]) -> None:
    """Fail before synthesis when a role has no voice, or its voice cannot be had on this machine."""
    problems = []
    for role in sorted(roles):
        voice = voices.get(role)
        if voice is None:
            problems.append(f"role '{role}' has no voice; add [voices.{role}] to content/show.toml")
            continue
        reason = get_engine(voice.engine).problem(voice)
        if reason:
            problems.append(f"[voices.{role}] {reason}")
    if problems:
        raise ConfigError("content/show.toml: voices cannot be used:\n  " + "\n  ".join(problems))


def sentence_key(text: str, voice: Voice, engine_version: str) -> str:
    """The cache key of one synthesized sentence: text, engine, its version, voice and rate."""
    payload = json.dumps([CACHE_FORMAT, text, voice.engine, engine_version, voice.voice, round(voice.rate, 4)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class SpeechCache:
    """Sentence audio on disk, one file per key, checked on every read (a damaged entry is a miss)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.f32"

    def get(self, key: str) -> np.ndarray | None:
        path = self.path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        if len(raw) < 12 or raw[:4] != CACHE_MAGIC:
            return None
        checksum, count = struct.unpack("<II", raw[4:12])
        body = raw[12:]
        if len(body) != count * 4 or zlib.crc32(body) != checksum:
            return None
        return np.frombuffer(body, dtype="<f4")

    def put(self, key: str, samples: np.ndarray) -> None:
        from ..fsutil import write_atomic

        body = np.ascontiguousarray(samples, dtype="<f4").tobytes()
        write_atomic(self.path(key), CACHE_MAGIC + struct.pack("<II", zlib.crc32(body), len(body) // 4) + body,
                     durable=False)  # a damaged entry fails its checksum on read and is made again
