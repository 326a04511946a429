"""ID3 tags as other tag readers see them: TagLib (what many players are built on) and mutagen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import taglib
from mutagen.id3 import ID3

from pipeline.audio.mp3 import encode
from pipeline.formats.id3 import write_tags
from pipeline.model.course import load_course
from pipeline.model.episode import ChapterMark, Episode, LoudnessReport
from pipeline.model.project import Project
from pipeline.model.show import load_show

from .conftest import make_project


@pytest.fixture
def tagged(tmp_path: Path) -> tuple[Path, Episode, str]:
    project = Project(make_project(tmp_path))
    show = load_show(project)
    lesson = load_course(project, show).lessons[0]
    samples = (0.1 * np.sin(np.arange(24000 * 3) * 2 * np.pi * 220 / 24000)).astype(np.float32)
    raw = tmp_path / "tone.f32"
    samples.tofile(raw)
    audio = tmp_path / "episode.mp3"
    encode(raw, 24000, audio, bitrate=96, channels=1, gain_db=0.0)
    chapters = (ChapterMark("Introduction", 0.0, 1.5), ChapterMark("The idea", 1.5, 3.0))
    episode = Episode(
        lesson=lesson,
        guid="0b7e5c1e-3d4a-5f00-9a59-1d2c3b4a5f60",
        season=1,
        number=1,
        released=dt.datetime(2026, 12, 1, 6, tzinfo=dt.UTC),
        audio_name="ep-0123456789.mp3",
        page_name=f"{lesson.id}.html",
        length=0,
        duration=3.0,
        chapters=chapters,
        cues=(),
        loudness=LoudnessReport(-19.0, 3.0, -3.0, 3.0, -19.0, 0.0),
    )
    write_tags(
        audio, episode, show, page_url=show.base_url + episode.page_name, quiz_url=show.base_url + "quiz.html"
    )
    return audio, episode, show.feed_url


def test_taglib_reads_the_podcast_frames(tagged):
    audio, episode, feed_url = tagged
    tags = taglib.File(str(audio)).tags
    assert tags["PODCASTURL"] == [feed_url]
    assert tags["PODCASTID"] == [episode.guid]
    assert tags["PODCASTDESC"] == [episode.lesson.summary]
    assert "PODCAST" in tags
    assert tags["TITLE"] == [episode.lesson.title]


def test_the_feed_frame_carries_an_encoding_byte(tagged):
    audio, _, feed_url = tagged
    # Written as iTunes writes it: the frame's data is an encoding byte (0: Latin-1), then the URL.
    raw = audio.read_bytes()
    at = raw.index(b"WFED")
    assert raw[at + 10] == 0 and raw[at + 11 : at + 11 + len(feed_url)] == feed_url.encode("latin-1")


def test_chapters_read_back_in_time_order(tagged):
    audio, episode, _ = tagged
    chapters = ID3(audio).getall("CHAP")
    assert [c.start_time for c in chapters] == [round(c.start * 1000) for c in episode.chapters]
