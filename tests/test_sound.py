"""The music bed under the introduction: its closing seconds and its level do not depend on its length, so
an edit early in the introduction leaves the audio before the first section as it was."""

from __future__ import annotations

import numpy as np

from pipeline.audio.assemble import speech_level
from pipeline.audio.sound import music_bed
from pipeline.speech import SAMPLE_RATE


def test_beds_of_any_length_end_in_the_same_samples_at_the_same_scale():
    lengths = [round(seconds * SAMPLE_RATE) for seconds in (8.0, 21.37, 59.99, 60.01, 95.5)]
    beds = [music_bed(length) for length in lengths]
    assert [len(bed) for bed in beds] == lengths
    tail = 4 * SAMPLE_RATE
    for bed in beds[1:]:
        assert np.array_equal(bed[-tail:], beds[0][-tail:])
    # Faded in from silence and out to it; one scale for all, under full scale.
    assert all(bed[0] == 0.0 and bed[-1] == 0.0 and np.max(np.abs(bed)) <= 1.0 for bed in beds)
    steady = [speech_level(bed[2 * SAMPLE_RATE : -2 * SAMPLE_RATE]) for bed in beds[1:]]
    assert max(steady) - min(steady) < 0.5
    # The chord sounds through the middle: not a fade over the whole bed.
    assert np.max(np.abs(beds[2][10 * SAMPLE_RATE : 12 * SAMPLE_RATE])) > 0.3
