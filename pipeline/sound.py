"""Sound design made by code: an intro sting, a section transition and an outro, as short synthesized chimes."""
from __future__ import annotations

import functools

import numpy as np

from .config import Audio
from .speech import SAMPLE_RATE

# Equal-tempered frequencies of the notes used (A4 = 440 Hz).
NOTES = {"C4": 261.63, "E4": 329.63, "G4": 392.00, "A4": 440.0, "C5": 523.25, "E5": 659.25, "G5": 783.99}


def _tone(frequency: float, seconds: float, decay: float) -> np.ndarray:
    """A soft bell-like note: a sine with two quiet overtones, 10 ms attack and exponential decay."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    wave = (np.sin(2 * np.pi * frequency * t) + 0.3 * np.sin(4 * np.pi * frequency * t)
            + 0.1 * np.sin(6 * np.pi * frequency * t))
    envelope = np.minimum(1.0, t / 0.01) * np.exp(-t / decay)
    return (wave * envelope).astype(np.float32)


def _sequence(notes: list[tuple[str, float]], length: float, decay: float) -> np.ndarray:
    out = np.zeros(int(length * SAMPLE_RATE), dtype=np.float32)
    for name, at in notes:
        tone = _tone(NOTES[name], length - at, decay)
        start = int(at * SAMPLE_RATE)
        out[start:start + len(tone)] += tone
    fade = int(0.05 * SAMPLE_RATE)
    out[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return out / np.max(np.abs(out))


@functools.cache
def _cues() -> dict[str, np.ndarray]:
    return {
        "intro": _sequence([("C4", 0.0), ("E4", 0.15), ("G4", 0.3), ("C5", 0.45), ("E5", 0.6)], 2.2, 0.6),
        "section": _sequence([("G4", 0.0), ("C5", 0.12)], 0.9, 0.25),
        "selftest": _sequence([("E5", 0.0), ("G5", 0.12), ("E5", 0.24)], 1.0, 0.2),
        "outro": _sequence([("C5", 0.0), ("G4", 0.2), ("E4", 0.4), ("C4", 0.6)], 2.6, 0.7),
    }


def cues_for(audio: Audio) -> dict[str, np.ndarray]:
    """Cues keyed by chapter kind; their level is matched to the speech when the episode is assembled."""
    return dict(_cues())
