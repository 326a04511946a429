"""The sidecars beside each MP3 (WebVTT, SRT, JSON chapters), rendered from hand-made cues and chapters."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.formats.transcripts import render_chapters, render_srt, render_vtt
from pipeline.model.episode import ChapterMark, Cue, Episode

from .factories import at, episode, lesson

LONG = ("Producers and consumers run at different speeds, so a queue absorbs the difference between them "
        "and lets each side work at its own pace without waiting for the other one to catch up.")
CUES = (
    Cue("Host", "Welcome to the show.", 0.5, 2.0),
    Cue("Guest", "Is <b>this</b> & that --> safe?", 2.25, 4.1),
    Cue("Host", LONG, 59.9996, 75.0),
    Cue("Host", "Near the end of a long episode.", 3725.25, 3727.5),
)
CHAPTERS = (ChapterMark("Introduction", 0.0, 12.345), ChapterMark("Ordering — FIFO", 12.345, 3600.0),
            ChapterMark("Recap", 3600.0, 3727.5))


@pytest.fixture
def sample(project: Path) -> Episode:
    return episode(lesson(project, "queues", 1, 1), at("2026-01-05"), chapters=CHAPTERS, cues=CUES)


def blocks_of(text: str) -> list[list[str]]:
    return [block.split("\n") for block in text.strip("\n").split("\n\n")]


def test_vtt_starts_with_its_header_and_numbers_each_cue(sample: Episode):
    vtt = render_vtt(sample)
    assert vtt.startswith("WEBVTT\n\n")
    blocks = blocks_of(vtt)
    assert blocks[0] == ["WEBVTT"]
    assert [block[0] for block in blocks[1:]] == ["1", "2", "3", "4"]


def test_vtt_timestamps_are_hours_minutes_seconds_and_milliseconds(sample: Episode):
    times = [block[1] for block in blocks_of(render_vtt(sample))[1:]]
    assert times == ["00:00:00.500 --> 00:00:02.000", "00:00:02.250 --> 00:00:04.100",
                     "00:01:00.000 --> 00:01:15.000", "01:02:05.250 --> 01:02:07.500"]


def test_vtt_names_the_speaker_of_each_cue(sample: Episode):
    blocks = blocks_of(render_vtt(sample))[1:]
    assert blocks[0][2] == "<v Host>Welcome to the show."
    assert blocks[1][2].startswith("<v Guest>")
    speakers = [re.match(r"<v ([^>]+)>", block[2]).group(1) for block in blocks]
    assert speakers == ["Host", "Guest", "Host", "Host"]


def test_vtt_escapes_what_would_be_markup_or_a_timing_arrow(sample: Episode):
    line = blocks_of(render_vtt(sample))[2][2]
    assert line == "<v Guest>Is &lt;b&gt;this&lt;/b&gt; &amp; that --&gt; safe?"


def test_vtt_lines_are_at_most_65_characters_and_keep_every_word(sample: Episode):
    vtt = render_vtt(sample)
    assert max(len(line) for line in vtt.splitlines()) <= 65
    long_cue = blocks_of(vtt)[3]
    assert len(long_cue) > 3  # wrapped onto several lines
    assert " ".join(long_cue[2:]).removeprefix("<v Host>") == LONG


def test_srt_numbers_cues_prefixes_speakers_and_uses_a_comma_before_milliseconds(sample: Episode):
    blocks = blocks_of(render_srt(sample))
    assert [block[0] for block in blocks] == ["1", "2", "3", "4"]
    assert blocks[0][1:] == ["00:00:00,500 --> 00:00:02,000", "Host: Welcome to the show."]
    assert blocks[3][1] == "01:02:05,250 --> 01:02:07,500"
    assert blocks[1][2].startswith("Guest: Is")
    assert " ".join(blocks[2][2:]) == f"Host: {LONG}"
    assert max(len(line) for block in blocks for line in block) <= 65


def test_chapters_json_is_version_1_2_0_with_the_chapter_marks_times(sample: Episode):
    data = json.loads(render_chapters(sample, "https://example.com/mini/queues.html"))
    assert data["version"] == "1.2.0"
    assert [(c["startTime"], c["endTime"], c["title"]) for c in data["chapters"]] == \
           [(c.start, c.end, c.title) for c in CHAPTERS]
    assert {c["url"] for c in data["chapters"]} == {"https://example.com/mini/queues.html"}


def test_chapters_json_keeps_non_ascii_titles_readable(sample: Episode):
    text = render_chapters(sample, "https://example.com/mini/queues.html")
    assert "Ordering — FIFO" in text
