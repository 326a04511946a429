"""Sound design made by code: an intro sting, a section transition and an outro, as short chimes."""

from __future__ import annotations

import functools

import numpy as np

from ..speech import SAMPLE_RATE

# Equal-tempered frequencies of the notes used (A4 = 440 Hz).
NOTES = {"C4": 261.63, "E4": 329.63, "G4": 392.00, "A4": 440.0, "C5": 523.25, "E5": 659.25, "G5": 783.99}


def _tone(frequency: float, seconds: float, decay: float) -> np.ndarray:
    """A soft bell-like note: a sine with two quiet overtones, 10 ms attack and exponential decay."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    wave = (
        np.sin(2 * np.pi * frequency * t)
        + 0.3 * np.sin(4 * np.pi * frequency * t)
        + 0.1 * np.sin(6 * np.pi * frequency * t)
    )
    envelope = np.minimum(1.0, t / 0.01) * np.exp(-t / decay)
    return (wave * envelope).astype(np.float32)


def _sequence(notes: list[tuple[str, float]], length: float, decay: float) -> np.ndarray:
    out = np.zeros(int(length * SAMPLE_RATE), dtype=np.float32)
    for name, at in notes:
        tone = _tone(NOTES[name], length - at, decay)
        start = int(at * SAMPLE_RATE)
        out[start : start + len(tone)] += tone
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


def cues() -> dict[str, np.ndarray]:
    """Cues keyed by the chapter kind they open; assemble() matches their level to the speech."""
    return dict(_cues())


BED_BUCKET = 60  # seconds: the bed's chord is made in whole minutes and cut to length
_BED_NOTES = (("C4", 1.0), ("E4", 0.7), ("G4", 0.6), ("C5", 0.3))
# The most the chord can reach (every note and overtone at its crest with the shimmer at its top): one scale
# for beds of every length, under full scale.
_CHORD_BOUND = sum(weight for _, weight in _BED_NOTES) * 1.2 * 1.15


@functools.lru_cache(maxsize=2)
def _chord(seconds: int) -> np.ndarray:
    """The music bed's chord (C major with a slow shimmer) for the `seconds` before its end, made once per
    length bucket. It is timed from its end, so the last seconds of any bed are the same samples."""
    t = (np.arange(seconds * SAMPLE_RATE) - seconds * SAMPLE_RATE) / SAMPLE_RATE
    pad = np.zeros_like(t)
    for name, weight in _BED_NOTES:
        frequency = NOTES[name]
        shimmer = 1.0 + 0.2 * np.sin(2 * np.pi * 0.15 * t + frequency)
        pad += (
            weight * shimmer * (np.sin(2 * np.pi * frequency * t) + 0.15 * np.sin(4 * np.pi * frequency * t))
        )
    pad.flags.writeable = False  # shared between episodes (and threads)
    return pad


def music_bed(length: int) -> np.ndarray:
    """`length` samples of a soft sustained chord to sit under the introduction, faded in and out. Its scale
    and its closing seconds do not depend on `length`: an edit early in the introduction leaves the audio
    that the next chapter's mastering hears first as it was."""
    chord = _chord(-(-length // (BED_BUCKET * SAMPLE_RATE)) * BED_BUCKET)
    pad = chord[len(chord) - length :] / _CHORD_BOUND
    fade = min(length // 2, int(1.5 * SAMPLE_RATE))
    envelope = np.ones(length)
    envelope[:fade] = np.linspace(0.0, 1.0, fade)
    envelope[length - fade :] = np.linspace(1.0, 0.0, fade)
    return (pad * envelope).astype(np.float32)


def ducking(length: int, speech: list[tuple[int, int]], duck_db: float, ramp: float = 0.15) -> np.ndarray:
    """Gain for a music bed: 1.0 in the gaps, `duck_db` lower while anyone speaks, with smooth ramps."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    low = 10 ** (duck_db / 20)
    gain = np.ones(length, dtype=np.float32)
    for start, end in speech:
        gain[max(0, start) : min(length, end)] = low
    # Widen the ducked spans by one ramp on each side, then smooth: the bed is down before a voice starts.
    width = max(1, int(ramp * SAMPLE_RATE))
    return uniform_filter1d(minimum_filter1d(gain, size=2 * width + 1), size=2 * width + 1)


ROOM_TONE_DB = -67.5  # dBFS RMS in the finished episode: under any player's silence skipping, never zero
ROOM_TONE_LOOP = 1 << 20  # samples (43.7 s at 24 kHz) of the pink noise every room tone is read from
PINK_FROM = 10.0  # Hz: below this the noise's spectrum stays flat rather than rising without bound


@functools.cache
def _pink_loop() -> np.ndarray:
    """Pink noise of unit RMS that repeats without a seam, made once: white noise shaped in the frequency
    domain to fall 3 dB an octave (from PINK_FROM up). A spectrum's inverse transform is periodic, so the
    loop's end leads into its start."""
    white = np.fft.rfft(np.random.default_rng(0).standard_normal(ROOM_TONE_LOOP))
    frequencies = np.fft.rfftfreq(ROOM_TONE_LOOP, 1 / SAMPLE_RATE)
    white *= 1 / np.sqrt(np.maximum(frequencies, PINK_FROM))
    white[0] = 0.0  # no DC offset
    loop = np.fft.irfft(white, ROOM_TONE_LOOP)
    loop /= np.sqrt(np.mean(loop**2))
    out = loop.astype(np.float32)
    out.flags.writeable = False
    return out


class RoomTone:
    """A steady pink-noise floor, read from the loop of pink noise at a place its seed picks, made a chunk at
    a time and seamless across chunks; the same seed gives the same noise, so an episode mastered again gives
    the same bytes. At a floor 67 dB under the voices a 44-second loop is not heard as one, and reading it
    costs a copy where filtering noise for every chapter cost a filter's work on every sample."""

    def __init__(self, level_db: float, seed: int = 0):
        self._position = int(np.random.default_rng(seed).integers(ROOM_TONE_LOOP))
        self._scale = np.float32(10 ** (level_db / 20))

    def next(self, length: int) -> np.ndarray:
        """The next `length` samples."""
        loop, out, filled = _pink_loop(), np.empty(length, dtype=np.float32), 0
        while filled < length:
            take = min(length - filled, ROOM_TONE_LOOP - self._position)
            np.multiply(
                loop[self._position : self._position + take], self._scale, out=out[filled : filled + take]
            )
            filled += take
            self._position = (self._position + take) % ROOM_TONE_LOOP
        return out
