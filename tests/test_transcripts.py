"""The sidecars beside each MP3 (WebVTT, SRT, JSON chapters), rendered from hand-made cues and chapters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.formats.transcripts import render_chapters, render_srt, render_vtt
from pipeline.model.episode import ChapterMark, Cue, Episode

from .factories import at, episode, lesson

LONG = (
    "Producers and consumers run at different speeds, so a queue absorbs the difference between them "
    "and lets each side work at its own pace without waiting for the other one to catch up."
)
CUES = (
    Cue("Host", "Welcome to the show.", 0.5, 2.0),
    Cue("Guest", "Is <b>this</b> & that --> safe?", 2.25, 4.1),
    Cue("Host", LONG, 59.9996, 75.0),
    Cue("Host", "Near the end of a long episode.", 3725.25, 3727.5),
)
CHAPTERS = (
    ChapterMark("Introduction", 0.0, 12.345),
    ChapterMark("Ordering — FIFO", 12.345, 3600.0),
    ChapterMark("Recap", 3600.0, 3727.5),
)


@pytest.fixture
def sample(project: Path) -> Episode:
    return episode(lesson(project, "queues", 1, 1), at("2026-01-05"), chapters=CHAPTERS, cues=CUES)


def blocks_of(text: str) -> list[list[str]]:
    return [block.split("\n") for block in text.strip("\n").split("\n\n")]


def vtt_cues(text: str) -> list[list[str]]:
    return blocks_of(text)[1:]


def test_vtt_starts_with_its_header_and_numbers_each_cue(sample: Episode):
    vtt = render_vtt(sample)
    assert vtt.startswith("WEBVTT\n\n")
    blocks = blocks_of(vtt)
    assert blocks[0] == ["WEBVTT"]
    assert [block[0] for block in blocks[1:]] == [str(n) for n in range(1, len(blocks))]


def test_short_sentences_are_one_cue_each_with_their_own_times(sample: Episode):
    cues = vtt_cues(render_vtt(sample))
    assert cues[0][1:] == ["00:00:00.500 --> 00:00:02.000", "<v Host>Welcome to the show."]
    # 31 characters, and 37 with SRT's "Host: ": two lines
    assert cues[-1][1:] == ["01:02:05.250 --> 01:02:07.500", "<v Host>Near the end of a long", "episode."]


def test_vtt_escapes_what_would_be_markup_or_a_timing_arrow(sample: Episode):
    guest = next(cue for cue in vtt_cues(render_vtt(sample)) if cue[2].startswith("<v Guest>"))
    assert " ".join(guest[2:]) == "<v Guest>Is &lt;b&gt;this&lt;/b&gt; &amp; that --&gt; safe?"


@pytest.mark.parametrize("render", [render_vtt, render_srt])
def test_a_long_sentence_becomes_cues_of_two_lines_of_32_characters(sample: Episode, render):
    cues = blocks_of(render(sample))[1:] if render is render_vtt else blocks_of(render(sample))
    long = [cue for cue in cues if "Producers" in " ".join(cue) or cue[1].startswith("00:01:")]
    assert len(long) >= 4
    for cue in cues:
        text = cue[2:]
        assert 1 <= len(text) <= 2
        if render is render_srt:
            assert all(len(line) <= 32 for line in text), text
    words = " ".join(" ".join(cue[2:]) for cue in long).replace("<v Host>", "").replace("Host: ", "")
    assert words == LONG


def test_vtt_and_srt_carry_the_same_cue_text_and_times(sample: Episode):
    vtt, srt = vtt_cues(render_vtt(sample)), blocks_of(render_srt(sample))
    assert len(vtt) == len(srt)
    for v, s in zip(vtt, srt):
        assert v[1].replace(".", ",") == s[1]
        speaker = v[2][3 : v[2].index(">")]
        assert s[2] == f"{speaker}: " + v[2][v[2].index(">") + 1 :].replace("&lt;", "<").replace(
            "&gt;", ">"
        ).replace("&amp;", "&")
        assert s[3:] == v[3:]


def test_split_cues_share_the_sentence_time_in_order(sample: Episode):
    times = [cue[1] for cue in blocks_of(render_srt(sample)) if cue[1].startswith("00:01:")]
    starts = [line.split(" --> ")[0] for line in times]
    ends = [line.split(" --> ")[1] for line in times]
    assert starts[0] == "00:01:00,000" and ends[-1] == "00:01:15,000"
    assert starts == sorted(starts) and all(end == start for end, start in zip(ends, starts[1:]))


def test_lines_break_at_spaces_never_inside_a_hyphenated_word(project: Path):
    text = (
        "A message that fails too often goes to the dead-letter queue, where an operator looks at it later."
    )
    built = episode(lesson(project, "dlq", 1, 1), at("2026-01-05"), cues=(Cue("Host", text, 0.0, 6.0),))
    lines = [line.removeprefix("Host: ") for cue in blocks_of(render_srt(built)) for line in cue[2:]]
    assert "dead-letter" in lines[1] and not any(line.endswith("dead-") for line in lines)
    assert " ".join(lines) == text


def test_srt_numbers_cues_prefixes_speakers_and_uses_a_comma_before_milliseconds(sample: Episode):
    blocks = blocks_of(render_srt(sample))
    assert [block[0] for block in blocks] == [str(n) for n in range(1, len(blocks) + 1)]
    assert blocks[0][1:] == ["00:00:00,500 --> 00:00:02,000", "Host: Welcome to the show."]
    assert blocks[-1][1] == "01:02:05,250 --> 01:02:07,500"
    assert blocks[1][2].startswith("Guest: Is")


def test_chapters_json_is_version_1_2_0_with_the_chapter_marks_times(sample: Episode):
    data = json.loads(render_chapters(sample, "https://example.com/mini/queues.html"))
    assert data["version"] == "1.2.0"
    assert [(c["startTime"], c["endTime"], c["title"]) for c in data["chapters"]] == [
        (c.start, c.end, c.title) for c in CHAPTERS
    ]
    assert {c["url"] for c in data["chapters"]} == {"https://example.com/mini/queues.html"}


def test_chapters_json_keeps_non_ascii_titles_readable(sample: Episode):
    text = render_chapters(sample, "https://example.com/mini/queues.html")
    assert "Ordering — FIFO" in text
