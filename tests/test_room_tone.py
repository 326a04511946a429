"""Room tone: the pauses of a built episode carry a steady, very low pink-noise floor, never digital zeros."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.audio import chapters, mp3
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


@pytest.mark.slow
def test_chapter_joins_carry_room_tone_and_no_stretch_of_the_episode_is_digital_silence(built: Path):
    for path in sorted((built / "episodes").glob("*.mp3")):
        samples = decode(path)
        blocks = samples[: len(samples) // 441 * 441].reshape(-1, 441)
        silent = np.flatnonzero(np.all(blocks == 0.0, axis=1))
        assert silent.size == 0, (path.name, silent[:5] / 100)  # not one 10 ms block of zeros anywhere
        episode = path.name.rsplit("-", 1)[0]
        record = json.loads((built / ".cache" / "episodes" / episode / "master.json").read_text())
        starts = [round(chapter["start"] * 44100) for chapter in record["chapters"][1:]]
        assert starts
        for start in starts:
            # From a frame before the handover (LEAD_FRAMES frames before the chapter's cue) through the
            # crossfade and the join, short of the cue's own pre-echo: room tone in every 10 ms of it.
            join = samples[start - (chapters.LEAD_FRAMES + 1) * 1152 : start - 1323]
            assert -70.0 <= dbfs(join) <= -65.0, (path.name, start / 44100, dbfs(join))
            levels = [dbfs(block) for block in join[: len(join) // 441 * 441].reshape(-1, 441)]
            assert min(levels) > -80.0 and max(levels) < -62.0, (path.name, start / 44100, levels)


def _two_chapters(tmp: Path, quiet_seconds: float):
    """Two chapters of a 440 Hz tone, the first ending in `quiet_seconds` of silence, shaped and cached."""
    cache = chapters.ChapterCache(tmp)
    cache.folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE
    sound = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    quiet = round(quiet_seconds * SAMPLE_RATE)
    first = np.concatenate([sound, np.zeros(quiet, np.float32)])
    cache.put("000-a", first)
    cache.put("001-b", sound)
    shaped = chapters.Shaped(["000-a", "001-b"], [len(first), len(sound)], [], [quiet, 0])
    return shaped, cache, chapters.Mastering(0.9, 0.0, 96, 1)


def test_a_chapter_hands_over_in_the_joins_room_tone_and_keeps_a_closing_sound_too_near_its_end(tmp_path):
    lead = chapters.LEAD_FRAMES * mp3.SAMPLES_PER_FRAME
    shaped, cache, mastering = _two_chapters(tmp_path / "long", 1.2)
    samples = chapters.chapter_samples(shaped, cache, 0, mastering)
    assert len(samples) % mp3.SAMPLES_PER_FRAME == 0
    own = chapters.finished(chapters.shaped_audio(cache, shaped, 0), mastering, 0)
    untouched = len(samples) - lead - chapters.FADE
    np.testing.assert_array_equal(
        samples[:untouched], own[:untouched]
    )  # only the closing pause's end changes
    handed = chapters.lead_in(shaped, cache, 0, mastering)
    np.testing.assert_array_equal(samples[-lead:], handed)  # what the next part's encoder hears first
    assert abs(dbfs(handed) - ROOM_TONE_DB) < 1.5 and np.count_nonzero(handed == 0.0) == 0
    other, other_cache, _ = _two_chapters(tmp_path / "other", 2.0)
    np.testing.assert_array_equal(chapters.lead_in(other, other_cache, 0, mastering), handed)  # at every join

    # A chapter whose sound reaches into the last LEAD_FRAMES keeps it: the next part's encoder hears it.
    shaped, cache, mastering = _two_chapters(tmp_path / "short", 0.05)
    samples = chapters.chapter_samples(shaped, cache, 0, mastering)
    assert dbfs(samples[-lead:]) > -20.0
    np.testing.assert_array_equal(chapters.lead_in(shaped, cache, 0, mastering), samples[-lead:])
    # Either side of the threshold (the lead frames and the crossfade, 0.32 s).
    for seconds, in_tone in ((0.25, False), (0.36, True)):
        shaped, cache, mastering = _two_chapters(tmp_path / f"near-{seconds}", seconds)
        tail = chapters.chapter_samples(shaped, cache, 0, mastering)[-lead:]
        assert np.array_equal(tail, handed) is in_tone, seconds


def test_a_chapters_closing_pause_is_measured_from_the_end_of_its_last_sentence(tmp_path):
    from pipeline.audio.assemble import Assembly, Timing

    timings = [
        Timing(0, "host", "a", 1.0, 2.0),
        Timing(0, "host", "b", 2.5, 4.0),
        Timing(2, "host", "c", 9.0, 9.5),
    ]
    assembly = Assembly(tmp_path / "track.wav", timings, [0.0, 5.0, 8.0], -20.0, 11.0)
    lengths = [5 * SAMPLE_RATE, 3 * SAMPLE_RATE, 3 * SAMPLE_RATE]
    # The second chapter has no sentence (it is all cue): no closing pause.
    assert chapters._quiet(assembly, lengths) == [SAMPLE_RATE, 0, round(1.5 * SAMPLE_RATE)]


def test_the_music_bed_fades_out_before_the_join_that_closes_the_introduction():
    from pipeline.audio import assemble

    join = (chapters.LEAD_FRAMES * mp3.SAMPLES_PER_FRAME + chapters.FADE) / mp3.OUT_RATE
    assert join < assemble.BED_CLEAR
    intro = np.zeros(20 * SAMPLE_RATE, np.float32)
    bedded = assemble._with_bed(intro, [], -20.0)
    clear = round(assemble.BED_CLEAR * SAMPLE_RATE)
    assert np.all(bedded[-clear:] == 0.0)  # nothing for the join's crossfade to cut
    assert dbfs(bedded[-clear - SAMPLE_RATE : -clear - SAMPLE_RATE // 2]) > -60.0  # while fading out


def test_the_loop_room_tone_is_read_from_joins_its_end_to_its_start():
    from pipeline.audio.sound import ROOM_TONE_LOOP, _pink_loop

    loop = _pink_loop()
    # No step at the seam: the jump from its last sample to its first is an ordinary one.
    steps = np.abs(np.diff(loop))
    assert abs(float(loop[0]) - float(loop[-1])) <= np.percentile(steps, 99.9)
    tone = RoomTone(0.0, seed=11)
    tone._position = ROOM_TONE_LOOP - 500  # read across the loop's end
    across = tone.next(1000)
    np.testing.assert_array_equal(across, np.concatenate([loop[-500:], loop[:500]]))


def test_a_build_process_does_not_import_scipy_signal_for_the_room_tone():
    import subprocess
    import sys

    code = (
        "import sys; from pipeline.audio.sound import RoomTone; RoomTone(-60.0).next(100_000); "
        "from pipeline.audio.chapters import finished; "
        "print('scipy.signal' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
