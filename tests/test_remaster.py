"""Mastering a chapter at a time: an edit re-masters only its chapter, and the per-chapter encodes join into
one MP3 that players decode as they would a single encode of the episode."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile

from pipeline.audio import assemble, chapters, master, mp3
from pipeline.model.show import Audio

from .audio_checks import decode, decoded_duration, independent_loudness
from .conftest import AS_OF, make_project, run
from .test_mp3 import _crc16_arc, _speechlike

pytestmark = pytest.mark.slow


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)))


def _chapter_track(tmp: Path) -> assemble.Assembly:
    """Three chapters of speech-like noise that start at once (as a chime does) and end in a pause."""
    rate = 24000
    parts, starts, timings, position = [], [], [], 0
    for number, seconds in enumerate((7.3, 4.1, 9.6)):
        body = np.concatenate([_speechlike(seconds), np.zeros(int(0.6 * rate), np.float32)])
        body[: rate // 2] = _speechlike(3.0)[rate : rate + rate // 2]  # sound from the first sample
        starts.append(position / rate)
        timings.append(assemble.Timing(number, "host", "...", position / rate, position / rate + seconds))
        parts.append(body)
        position += len(body)
    samples = np.concatenate(parts)
    soundfile.write(tmp / "track.wav", samples, rate, subtype="FLOAT")
    return assemble.Assembly(
        tmp / "track.wav", timings, starts, assemble.speech_level(samples), position / rate
    )


def test_chapter_encodes_join_as_one_encode_with_an_exact_info_frame(tmp_path):
    assembly = _chapter_track(tmp_path)
    settings = Audio(-19.0, -1.0, 1, 96, 44100, 0.5, 0.8, 1.2, 5.0, False)
    cache = chapters.ChapterCache(tmp_path / "cache")
    done = master.master_chapters(assembly, settings, tmp_path / "joined.mp3", cache, what="test")
    # The stream the chapter encodes were made from, rebuilt from the cache, and encoded again in one piece.
    filters = f"{master.BIG_FRAMES},volume={master.PRE_LEVEL - assembly.speech_level:.3f}dB,{master.DYNAMICS}"
    shaped = chapters.shape(assembly, filters, cache, tmp_path, what="test")
    assert shaped.reshaped == []  # all three were cached
    mastering = chapters.Mastering(done.levels.ceiling, done.levels.gain_db, 96, 1)
    starts = chapters.layout(shaped)
    stream = np.zeros(starts[-1] + chapters.output_length(shaped.lengths[-1]), np.float32)
    for number, start in enumerate(starts):
        finished = chapters.chapter_samples(shaped, cache, number, mastering)
        stream[start : start + len(finished)] = finished
    writer = mp3.Mp3Writer(tmp_path / "whole.mp3", 44100, 96, 1)
    writer.write_frames(mp3.encode_part(stream, bitrate=96, channels=1), len(stream))
    writer.close_frames()

    joined, whole = decode(tmp_path / "joined.mp3"), decode(tmp_path / "whole.mp3")
    # Gapless: both decode to exactly the stream's samples, and the chapters start on frame boundaries.
    assert len(joined) == len(whole) == len(stream)
    assert [start % 1152 for start in starts] == [0, 0, 0]
    assert done.chapter_starts == [start / 44100 for start in starts]
    # As faithful to the stream as one whole encode is (the room tone under everything keeps the two encoders'
    # states apart, so the two files differ by MP3 coding noise, not by the stream).
    assert _correlation(joined, whole) > 0.998
    assert _correlation(joined, stream) >= _correlation(whole, stream) - 0.0005
    # No click at a join: the silence before each chapter is as quiet as in the single encode, and the
    # coding error over the chapter's first half second (relative to its level) is of the same size.
    for start in starts[1:]:
        before = slice(start - 4 * 1152, start)
        assert np.max(np.abs(joined[before])) <= 1.5 * np.max(np.abs(whole[before])) + 0.005
        after = slice(start, start + 22050)
        level = np.sqrt(np.mean(stream[after] ** 2))
        joined_error = np.sqrt(np.mean((joined[after] - stream[after]) ** 2)) / level
        whole_error = np.sqrt(np.mean((whole[after] - stream[after]) ** 2)) / level
        assert joined_error < 1.5 * whole_error, (start, joined_error, whole_error)

    # Measured a part at a time as the file decodes, the loudness and true peak are the whole file's.
    whole_file, seconds = mp3.measure(tmp_path / "joined.mp3")
    assert seconds == len(stream) / 44100 == done.report.duration_s
    assert done.report.integrated_lufs == pytest.approx(whole_file.integrated, abs=0.03)
    assert done.report.true_peak_dbtp == pytest.approx(whole_file.true_peak, abs=0.05)

    # The Info frame counts the joined frames and bytes, with the delay, the padding and both checksums.
    data = (tmp_path / "joined.mp3").read_bytes()
    tag = 4 + 17
    assert data[tag : tag + 4] == b"Info"
    flags, frames, size = struct.unpack(">III", data[tag + 4 : tag + 16])
    assert flags == 0x0F and size == len(data)
    lame = tag + 120
    delay_padding = int.from_bytes(data[lame + 21 : lame + 24], "big")
    assert delay_padding >> 12 == mp3.ENCODER_DELAY
    assert frames * 1152 - (delay_padding >> 12) - (delay_padding & 0xFFF) == len(stream)
    assert struct.unpack(">H", data[lame + 32 : lame + 34])[0] == _crc16_arc(data[313:])
    assert struct.unpack(">H", data[lame + 34 : lame + 36])[0] == _crc16_arc(data[: lame + 34])
    assert abs(decoded_duration(tmp_path / "joined.mp3") - len(stream) / 44100) < 0.011


def _levels(project: Path, episode: str) -> dict:
    return json.loads((project / ".cache" / "episodes" / episode / "levels.json").read_text())


def _entries(project: Path, episode: str) -> set[str]:
    return {path.name for path in (project / ".cache" / "episodes" / episode / "chapters").glob("*/*")}


EDIT = (
    "A topic copies each message to every subscriber.",
    "A topic hands every subscriber a copy of each message.",
)


def test_one_sentence_edit_remasters_one_chapter_and_sounds_as_a_cold_build(
    copy_of_built: Path, tmp_path: Path
):
    episode = "topics-basics"
    before = _entries(copy_of_built, episode)
    lesson = copy_of_built / "content" / "lessons" / "02-topics.md"
    assert EDIT[0] in lesson.read_text()
    lesson.write_text(lesson.read_text().replace(*EDIT))
    result = run(copy_of_built, "build", "--as-of", AS_OF, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "topics-basics: script, synth, master, tag, opus; 1 of" in result.output
    # One chapter (the second, "Fan-out") was shaped and encoded again; the levels were kept.
    assert _levels(copy_of_built, episode)["remastered"] == [1]
    new = _entries(copy_of_built, episode) - before
    made = sorted((name.split(".")[1], name[:3]) for name in new)
    # Its shaped audio and its frames; and the measurements of its part and of the next, whose first frame
    # decodes after its last.
    assert made == [("f32", "001"), ("lufs", "001"), ("lufs", "002"), ("mp3f", "001")]

    cold = make_project(tmp_path / "cold")
    cold_lesson = cold / "content" / "lessons" / "02-topics.md"
    cold_lesson.write_text(cold_lesson.read_text().replace(*EDIT))
    # The same sentences (Piper's takes differ from one synthesis to the next), mastered from nothing.
    shutil.copytree(copy_of_built / ".cache" / "speech", cold / ".cache" / "speech")
    assert run(cold, "build", "--as-of", AS_OF, "--jobs", "1").exit_code == 0
    assert _levels(cold, episode)["remastered"] == [0, 1, 2, 3, 4]

    records = [
        json.loads((project / ".cache" / "episodes" / episode / "master.json").read_text())
        for project in (copy_of_built, cold)
    ]
    assert records[0]["chapters"] == records[1]["chapters"] and records[0]["cues"] == records[1]["cues"]
    files = [project / ".cache" / "episodes" / episode / "master.mp3" for project in (copy_of_built, cold)]
    edited, whole = decode(files[0]), decode(files[1])
    assert len(edited) == len(whole)
    assert abs(len(whole) / 44100 - records[1]["loudness"]["duration_s"]) < 0.001
    # The kept gain and the cold build's differ by hundredths of a dB, so the two MP3s differ by their coding
    # noise (about -40 dB): sample for sample, every chapter correlates above 0.9995 with the cold build's.
    for chapter in records[1]["chapters"]:
        span = slice(round(chapter["start"] * 44100), round(chapter["end"] * 44100))
        assert _correlation(edited[span], whole[span]) > 0.9995, chapter["title"]
    report = records[0]["loudness"]
    assert abs(report["integrated_lufs"] + 19.0) <= 0.2 and report["true_peak_dbtp"] <= -1.0
    measured = independent_loudness(files[0])
    assert abs(measured["I"] + 19.0) <= 0.3 and measured["TP"] <= -1.0, measured


def test_an_edit_early_in_the_introduction_remasters_only_the_introduction(copy_of_built: Path):
    """The music bed under the introduction is timed from its end and its level does not depend on its
    length: an edit that makes the introduction longer leaves the audio before the next chapter as it was."""
    episode = "topics-basics"
    lesson = copy_of_built / "content" / "lessons" / "02-topics.md"
    edit = ("Today: topics.", "Today we look at topics, and at what they are for.")
    lesson.write_text(lesson.read_text().replace(*edit))
    before = _entries(copy_of_built, episode)
    result = run(copy_of_built, "build", "--as-of", AS_OF, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "topics-basics: script, synth, master, tag, opus; 1 of" in result.output
    assert _levels(copy_of_built, episode)["remastered"] == [0]
    made = sorted((name.split(".")[1], name[:3]) for name in _entries(copy_of_built, episode) - before)
    assert made == [("f32", "000"), ("lufs", "000"), ("lufs", "001"), ("mp3f", "000")]
    record = json.loads((copy_of_built / ".cache" / "episodes" / episode / "master.json").read_text())
    assert abs(record["loudness"]["integrated_lufs"] + 19.0) <= 0.2


def test_a_damaged_chapter_entry_is_made_again(copy_of_built: Path):
    episode = "topics-basics"
    folder = copy_of_built / ".cache" / "episodes" / episode
    damaged = sorted((folder / "chapters").glob("*/002-*.mp3f"))[0]
    damaged.write_bytes(damaged.read_bytes()[:-10])
    (folder / "master.mp3").unlink()
    result = run(copy_of_built, "build", "--as-of", AS_OF, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert _levels(copy_of_built, episode)["remastered"] == [2]
    assert abs(independent_loudness(folder / "master.mp3")["I"] + 19.0) <= 0.3


def test_a_master_whose_shaped_chapters_are_gone_is_made_again_to_the_same_mp3(copy_of_built: Path):
    """The Opus file is made from the shaped chapters the MP3 was made of: a cache cleared of them by hand
    makes the master again, and the same MP3, so they are there for the next format."""
    episode = "topics-basics"
    folder = copy_of_built / ".cache" / "episodes" / episode
    mp3s_before = sorted(path.name for path in (copy_of_built / "episodes").glob("*.mp3"))
    shaped = list((folder / "chapters").glob("*/*.f32"))
    assert shaped
    for path in shaped:
        path.unlink()
    result = run(copy_of_built, "build", "--as-of", AS_OF, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert f"{episode}: master" in result.output
    assert sorted(path.name for path in (copy_of_built / "episodes").glob("*.mp3")) == mp3s_before
    assert all(path.is_file() for path in shaped)
    assert run(copy_of_built, "validate").exit_code == 0
