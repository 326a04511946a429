"""The sidecars beside each MP3 (WebVTT, SRT, JSON transcript, JSON chapters), rendered from hand-made cues
and chapters."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.formats.transcripts import cue_problems, render_chapters, render_json, render_srt, render_vtt
from pipeline.graph.plan import read_project
from pipeline.model.episode import MASTER_RECORD, ChapterMark, Cue, Episode, MasterRecord, RoleCue
from pipeline.model.project import Project
from pipeline.stages.built import Built, load_episode

from .conftest import AS_OF, run
from .factories import at, episode, lesson, loudness

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


# WebVTT cue timings as the W3C specification writes them (section 4.1, "WebVTT cue timings"), read here on
# their own, independently of the pipeline's code: a cue must end after it starts, and start no earlier
# than the cue before it.
W3C_TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
W3C_TIMING = re.compile(rf"^{W3C_TIMESTAMP}[ \t]+-->[ \t]+{W3C_TIMESTAMP}(?:[ \t].*)?$")


def w3c_cues(text: str) -> list[tuple[float, float]]:
    """The (start, end) of every cue of a WebVTT file; AssertionError naming the first cue a conforming
    parser rejects or a validator flags."""
    assert text.startswith("WEBVTT") and text[6:7] in ("", "\n", " ", "\t"), "no WEBVTT header"
    cues: list[tuple[float, float]] = []
    for block in re.split(r"\n{2,}", text.strip("\n"))[1:]:
        lines = block.split("\n")
        timing = next((line for line in lines[:2] if "-->" in line), None)
        assert timing is not None, f"a cue without timings: {block!r}"
        match = W3C_TIMING.match(timing)
        assert match, f"not a WebVTT cue timing: {timing!r}"
        numbers = [int(value or 0) for value in match.groups()]
        start = numbers[0] * 3600 + numbers[1] * 60 + numbers[2] + numbers[3] / 1000
        end = numbers[4] * 3600 + numbers[5] * 60 + numbers[6] + numbers[7] / 1000
        assert end > start, f"the cue {timing!r} ends at or before it starts"
        assert not cues or start >= cues[-1][0], f"the cue {timing!r} starts before the one above it"
        cues.append((start, end))
    return cues


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        # Many pieces and a short last one: the spaces between pieces once pushed its start past its end.
        (
            "be be I absorbed differences absorbed be differences consumer timeout be absorbed to "
            "differences Producers consumer timeout be I visibility I",
            15.308,
            17.327,
        ),
        (
            "visibility absorbed message consumer Producers queue differences message be to differences "
            "visibility queue differences I timeout Producers message consumer timeout to visibility a I "
            "Producers visibility a consumer to",
            97.223,
            99.448,
        ),
        # A short sentence: its last piece once started and ended on the same millisecond.
        (
            "message visibility queue I absorbed timeout to I be consumer be Producers Producers consumer "
            "to be be queue Producers differences absorbed consumer be Producers timeout queue message "
            "Producers absorbed I be I a",
            1.541,
            1.606,
        ),
    ],
)
def test_every_cue_of_a_split_sentence_ends_after_it_starts(
    project: Path, text: str, start: float, end: float
):
    cues = (
        Cue("Host", "Before.", 0.0, start),
        Cue("Host", text, start, end),
        Cue("Host", "After.", end, end + 1),
    )
    built = episode(lesson(project, "queues", 1, 1), at("2026-01-05"), cues=cues)
    timed = w3c_cues(render_vtt(built))
    assert len(timed) > 3 and timed[-2][1] <= end + 0.001
    assert not cue_problems(render_srt(built)) and not cue_problems(render_vtt(built))


def test_the_cue_checker_finds_what_a_parser_rejects():
    bad = (
        "WEBVTT\n\n1\n00:01:05.544 --> 00:01:05.472\n<v Host>x\n\n"
        "2\n00:01:04.000 --> 00:01:06.000\n<v Host>y\n"
    )
    assert [line for line, _ in cue_problems(bad)] == [4, 8]
    with pytest.raises(AssertionError, match="ends at or before it starts"):
        w3c_cues(bad)


@pytest.mark.slow
def test_every_cue_of_a_built_course_passes_an_independent_webvtt_reading(built: Path):
    files = sorted((built / "feed" / "episodes").glob("*.vtt"))
    assert len(files) == 2
    for path in files:
        assert len(w3c_cues(path.read_text("utf-8"))) > 10, path.name


@pytest.mark.slow
def test_validate_names_a_cue_that_ends_before_it_starts(copy_of_built: Path):
    vtt = next((copy_of_built / "feed" / "episodes").glob("*.vtt"))
    lines = vtt.read_text("utf-8").split("\n")
    at = next(index for index, line in enumerate(lines) if "-->" in line and index > 10)
    start, _, _end = lines[at].partition(" --> ")
    lines[at] = f"{start} --> 00:00:00.001"
    vtt.write_text("\n".join(lines), "utf-8")
    result = run(copy_of_built, "validate")
    assert result.exit_code == 8, result.output
    assert f"{vtt.name}:{at + 1}: the cue ends at or before it starts" in result.output


@pytest.mark.slow
def test_new_captions_keep_every_mp3_and_its_name(copy_of_built: Path, monkeypatch):
    from pipeline.stages import tag

    before = {path.name: path.read_bytes() for path in (copy_of_built / "episodes").glob("*.mp3")}
    monkeypatch.setattr(tag, "CAPTIONS_VERSION", tag.CAPTIONS_VERSION + 1)
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "tag" in result.output  # the captions were written again
    after = {path.name: path.read_bytes() for path in (copy_of_built / "episodes").glob("*.mp3")}
    assert after == before


def test_an_arrow_in_a_cue_s_text_is_text_not_timing(project: Path):
    cues = (
        Cue("Host", "Traffic flows client --> service.", 0.5, 2.0),
        Cue("Host", "The comment ends with -->", 2, 3),
    )
    built = episode(lesson(project, "queues", 1, 1), at("2026-01-05"), cues=cues)
    assert cue_problems(render_srt(built)) == [] and cue_problems(render_vtt(built)) == []


# The Podcasting 2.0 JSON transcript, read as the namespace's transcript document describes it: a version and
# segments of speaker, startTime, endTime and body, its times checked against the WebVTT's cues.


def vtt_sentences(vtt: str, bodies: list[str]) -> list[tuple[str, float, float]]:
    """(speaker, start, end) of each sentence in `bodies`, from the WebVTT's cues as a WebVTT reader gets
    them: a sentence spans the cues whose text, joined, is its text; each cue names its speaker (<v Name>)."""
    times = w3c_cues(vtt)
    cues = [re.fullmatch(r"<v ([^>]+)>(.*)", " ".join(cue[2:]), re.S).groups() for cue in vtt_cues(vtt)]
    out, at = [], 0
    for body in bodies:
        first, shown = at, ""
        while shown != body:
            assert cues[at][0] == cues[first][0], "a sentence's cues name one speaker"
            shown = f"{shown} {cues[at][1]}".strip()
            at += 1
            assert len(shown) <= len(body), (shown, body)
        out.append((cues[first][0], round(times[first][0], 3), round(times[at - 1][1], 3)))  # to the ms
    assert at == len(cues), "every cue belongs to a sentence"
    return out


def unescaped(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_the_json_transcript_has_a_segment_per_sentence_timed_as_its_vtt_cues(sample: Episode):
    data = json.loads(render_json(sample))
    assert data["version"] == "1.0.0" and list(data) == ["version", "segments"]
    segments = data["segments"]
    assert [set(segment) for segment in segments] == [{"speaker", "startTime", "endTime", "body"}] * len(CUES)
    assert [segment["body"] for segment in segments] == [cue.text for cue in CUES]
    vtt = unescaped(render_vtt(sample))
    expected = vtt_sentences(vtt, [segment["body"] for segment in segments])
    assert [(s["speaker"], s["startTime"], s["endTime"]) for s in segments] == expected
    assert expected[2] == ("Host", 60.0, 75.0)  # the long sentence: four cues, one segment


def test_the_json_transcript_keeps_non_ascii_text_readable(project: Path):
    cues = (Cue("Hôte", "Les files d’attente — en bref.", 0.0, 2.0),)
    built = episode(lesson(project, "queues", 1, 1), at("2026-01-05"), cues=cues)
    text = render_json(built)
    assert "Les files d’attente — en bref." in text and '"speaker": "Hôte"' in text


@pytest.mark.slow
def test_every_json_transcript_of_a_built_course_follows_its_vtt(built: Path):
    """What the build publishes: each episode's JSON transcript beside its WebVTT, linked from its feed item,
    a segment per sentence over the same times as the sentence's cues."""
    from lxml import etree

    feed = etree.parse(str(built / "feed" / "feed.xml"), etree.XMLParser(resolve_entities=False))
    links = feed.xpath(
        "//item/p:transcript[@type='application/json']/@url",
        namespaces={"p": "https://podcastindex.org/namespace/1.0"},
    )
    files = sorted((built / "feed" / "episodes").glob("*.transcript.json"))
    assert len(files) == 2 and sorted(url.rsplit("/", 1)[1] for url in links) == [f.name for f in files]
    for path in files:
        data = json.loads(path.read_text("utf-8"))
        assert data["version"] == "1.0.0" and len(data["segments"]) > 10
        vtt = unescaped(path.with_name(path.name.replace(".transcript.json", ".vtt")).read_text("utf-8"))
        expected = vtt_sentences(vtt, [segment["body"] for segment in data["segments"]])
        assert [(s["speaker"], s["startTime"], s["endTime"]) for s in data["segments"]] == expected
        assert {s["speaker"] for s in data["segments"]} == {"Host", "Guest"}


@pytest.mark.parametrize("written_as", ["role", "speaker"])  # "speaker": records written before the name
def test_captions_name_the_voice_the_master_record_keeps_the_role(project: Path, tmp_path: Path, written_as):
    context = read_project(Project(project), at("2026-12-01"))
    work = context.episodes[0]
    folder = tmp_path / "cache"
    folder.mkdir()
    record = MasterRecord(
        chapters=(ChapterMark("Introduction", 0.0, 4.0),),
        cues=(RoleCue("host", "Welcome.", 0.5, 2.0), RoleCue("cohost", "Glad to be here.", 2.3, 3.9)),
        loudness=loudness(4.0),
        sha256="0" * 64,
    )
    data = json.loads(record.encode())
    data["cues"] = [
        {written_as if key == "role" else key: value for key, value in cue.items()} for cue in data["cues"]
    ]
    (folder / MASTER_RECORD).write_text(json.dumps(data))
    assert MasterRecord.read(folder) == record
    built = load_episode(context, work, Built(f"{work.id}-0123456789.mp3", folder))
    names = context.show.voices["host"].name, context.show.voices["cohost"].name
    assert names[1] == "Guest"
    assert [(cue.speaker, cue.text) for cue in built.cues] == [
        (names[0], "Welcome."),
        (names[1], "Glad to be here."),
    ]
    assert f"<v {names[1]}>Glad to be here." in render_vtt(built)
