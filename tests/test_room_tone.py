"""Room tone: the pauses of a built episode carry a steady, very low pink-noise floor, never digital zeros."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.audio.sound import ROOM_TONE_DB, RoomTone
from pipeline.speech import SAMPLE_RATE

from .audio_checks import decode


def dbfs(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))))


def octave_power(samples: np.ndarray, low: float) -> float:
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    frequencies = np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)
    return float(np.sum(spectrum[(frequencies >= low) & (frequencies < 2 * low)]))


def test_room_tone_is_steady_pink_noise_at_its_level_and_seamless_across_chunks():
    whole = RoomTone(-60.0, seed=3).next(10 * SAMPLE_RATE)
    tone = RoomTone(-60.0, seed=3)
    pieces = np.concatenate([tone.next(n) for n in (12345, 100000, 10 * SAMPLE_RATE - 112345)])
    np.testing.assert_allclose(pieces, whole, atol=1e-9)  # made a chunk at a time, it is the same noise
    assert abs(dbfs(whole[SAMPLE_RATE:]) + 60.0) < 0.5
    seconds = [dbfs(whole[i * SAMPLE_RATE : (i + 1) * SAMPLE_RATE]) for i in range(1, 10)]
    assert max(seconds) - min(seconds) < 1.0  # steady
    # Pink: the same power in every octave (white noise would have 16 times more from 1.6 kHz than at 100 Hz).
    assert abs(10 * np.log10(octave_power(whole, 1600) / octave_power(whole, 100))) < 2.0
    assert not np.array_equal(RoomTone(-60.0, seed=4).next(1000), whole[:1000])


@pytest.mark.slow
def test_pauses_of_a_built_episode_carry_room_tone_not_zeros(built: Path):
    (mp3,) = (built / "episodes").glob("queues-basics-*.mp3")
    samples = decode(mp3)
    record = json.loads((built / ".cache" / "episodes" / "queues-basics" / "master.json").read_text())
    cues, chapters = record["cues"], record["chapters"]
    gaps = []
    for before, after in itertools.pairwise(cues):
        # Pauses between sentences of one chapter after the introduction (its music bed fills its pauses).
        if before["start"] < chapters[1]["start"] or after["start"] - before["end"] > 1.0:
            continue
        gaps.append(samples[round((before["end"] + 0.06) * 44100) : round((after["start"] - 0.06) * 44100)])
    assert len(gaps) >= 3
    pauses = np.concatenate(gaps)
    assert np.count_nonzero(pauses == 0.0) < len(pauses) // 1000  # no run of digital silence
    frames = pauses[: len(pauses) // 441 * 441].reshape(-1, 441)
    assert not np.any(np.all(frames == 0.0, axis=1))  # not one 10 ms frame of zeros
    assert -70.0 <= dbfs(pauses) <= -65.0
    assert abs(dbfs(pauses) - ROOM_TONE_DB) < 1.5
