"""End to end: the fixture project built with the real voice and ffmpeg, read back as listeners' tools do."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from .audio_checks import decoded_duration, ffprobe_chapters, independent_loudness
from .conftest import AS_OF, run

pytestmark = pytest.mark.slow


def mp3s(project: Path) -> list[Path]:
    return sorted((project / "episodes").glob("*.mp3"))


def test_two_episodes_with_sidecars_scripts_and_pages(built: Path):
    names = [p.name for p in mp3s(built)]
    assert len(names) == 2 and all(re.fullmatch(r"[a-z-]+-[0-9a-f]{10}\.mp3", n) for n in names)
    for mp3 in mp3s(built):
        for suffix in (".vtt", ".srt", ".chapters.json", ".loudness.json"):
            assert mp3.with_name(mp3.stem + suffix).is_file()
    assert (built / "scripts" / "queues-basics.txt").read_text().startswith("# Queues in one minute")
    for page in (
        "index.html",
        "queues-basics.html",
        "topics-basics.html",
        "quiz.html",
        "feed.xml",
        "cover.png",
    ):
        assert (built / "feed" / page).is_file()


def test_mp3_is_cbr_44k_mono_with_a_true_xing_length(built: Path):
    for path in mp3s(built):
        info = MP3(path).info
        assert info.sample_rate == 44100 and info.channels == 1
        assert info.bitrate_mode == BitrateMode.CBR and info.bitrate == 96000
        assert abs(info.length - decoded_duration(path)) < 0.1


def test_loudness_on_target_by_an_independent_meter(built: Path):
    for path in mp3s(built):
        measured = independent_loudness(path)
        assert abs(measured["I"] - (-19.0)) <= 0.5, measured
        assert measured["TP"] <= -1.0, measured
        report = json.loads(path.with_name(path.stem + ".loudness.json").read_text())
        assert abs(report["integrated_lufs"] - measured["I"]) <= 0.3
        assert abs(report["true_peak_dbtp"] - measured["TP"]) <= 0.5
        assert report["target_lufs"] == -19.0 and abs(report["duration_s"] - MP3(path).info.length) < 0.1


def test_id3_v23_frames_and_chapters_match_the_json(built: Path):
    registry = json.loads((built / "episodes" / "registry.json").read_text())["episodes"]
    for path in mp3s(built):
        tags = ID3(path, translate=False)
        assert tags.version == (2, 3, 0)
        assert tags["TCON"].text == ["Podcast"] and tags["TALB"].text == ["Mini Course: Testing"]
        assert tags.getall("APIC")[0].type == 3 and tags.getall("APIC")[0].mime == "image/png"
        guid = registry[path.name.rsplit("-", 1)[0]]["guid"]
        assert tags.getall("TXXX:GUID")[0].text == [guid] and tags["TGID"].text == [guid]
        toc = tags.getall("CTOC")[0]
        assert int(toc.flags) == 3
        chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
        assert [c.element_id for c in chapters] == toc.child_element_ids
        data = json.loads(path.with_name(path.stem + ".chapters.json").read_text())
        assert data["version"] == "1.2.0"
        assert [(round(c["startTime"] * 1000), c["title"]) for c in data["chapters"]] == [
            (c.start_time, c.sub_frames["TIT2"].text[0]) for c in chapters
        ]
        for before, after in itertools.pairwise(chapters):
            assert before.end_time <= after.start_time
        assert chapters[-1].end_time <= MP3(path).info.length * 1000 + 1
        # ffmpeg's demuxer sees the same chapters, in time order in the file (it shifts them by the
        # encoder delay it trims, about 25 ms, so compare within 50 ms).
        probed = ffprobe_chapters(path)
        assert [t for _, t in probed] == [c.sub_frames["TIT2"].text[0] for c in chapters]
        assert all(abs(s - c.start_time / 1000) <= 0.05 for (s, _), c in zip(probed, chapters))


def test_feed_read_by_podcast_clients(built: Path):
    feed_path = built / "feed" / "feed.xml"
    parsed = feedparser.parse(feed_path.read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.title == "Mini Course: Testing"
    assert len(parsed.entries) == 2
    with open(feed_path, "rb") as handle:
        podcast = podcastparser.parse("https://example.com/mini/feed.xml", handle)
    for entry in podcast["episodes"]:
        enclosure = entry["enclosures"][0]
        local = built / "feed" / "episodes" / enclosure["url"].rsplit("/", 1)[1]
        assert enclosure["file_size"] == local.stat().st_size
        assert enclosure["mime_type"] == "audio/mpeg"
        assert abs(entry["total_time"] - MP3(local).info.length) <= 1.0
    for entry in parsed.entries:
        assert entry.itunes_episodetype == "full" and entry.itunes_season == "1"
    root = etree.parse(str(feed_path))
    ns = {"podcast": "https://podcastindex.org/namespace/1.0"}
    assert root.find("channel/podcast:guid", ns).text
    for item in root.findall("channel/item"):  # WebVTT captions, SRT and the JSON transcript, each once
        types = [link.get("type") for link in item.findall("podcast:transcript", ns)]
        assert sorted(types) == ["application/json", "application/x-subrip", "text/vtt"]


def test_vtt_is_well_formed_and_times_come_from_the_audio(built: Path):
    for path in mp3s(built):
        vtt = path.with_name(path.stem + ".vtt").read_text()
        assert vtt.startswith("WEBVTT\n\n")
        times = re.findall(r"^(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)$", vtt, re.M)
        assert times
        seconds = [(_secs(a), _secs(b)) for a, b in times]
        assert all(end > start for start, end in seconds)
        assert all(b[0] >= a[0] for a, b in itertools.pairwise(seconds))
        assert seconds[-1][1] <= MP3(path).info.length
        assert "<script>" not in vtt
        srt = path.with_name(path.stem + ".srt").read_text()
        assert len(re.findall(r"^\d\d:\d\d:\d\d,\d\d\d --> ", srt, re.M)) == len(times)
        for cue in srt.strip().split("\n\n"):  # Podcasting 2.0's caption limits: 2 lines of 32 characters
            text = cue.split("\n")[2:]
            assert 1 <= len(text) <= 2 and all(len(line) <= 32 or " " not in line for line in text), cue


def _secs(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_lesson_html_is_escaped_on_pages(built: Path):
    page = (built / "feed" / "queues-basics.html").read_text()
    assert "<script>alert" not in page
    assert '&lt;script&gt;alert("owned")&lt;/script&gt;' in page
    assert "<b>ordering</b>" not in page and "&lt;b&gt;ordering&lt;/b&gt;" in page
    assert '<track kind="captions" srclang="en"' in page
    assert 'href="quiz.html?lesson=queues-basics"' in page


def test_renaming_a_speaker_renames_them_in_the_transcripts(built: Path, tmp_path: Path):
    project = tmp_path / "copy"
    shutil.copytree(built, project)
    config = project / "content" / "show.toml"
    config.write_text(config.read_text().replace('name = "Guest"', 'name = "Sam"', 1))
    result = run(project, "build", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "SAM: So the queue is a buffer?" in (project / "scripts" / "queues-basics.txt").read_text()
    vtt = next((project / "episodes").glob("queues-basics-*.vtt")).read_text()
    assert "<v Sam>So the queue is a buffer?" in vtt and "<v Guest>" not in vtt
    srt = next((project / "episodes").glob("queues-basics-*.srt")).read_text()
    assert "Sam: So the queue is a buffer?" in srt
    assert '<span class="speaker">Sam:</span>' in (project / "feed" / "queues-basics.html").read_text()


def test_second_build_does_no_stage_work(built: Path):
    result = run(built, "build", "--as-of", AS_OF)
    assert result.exit_code == 0
    assert result.output.startswith("Nothing to do: 2 episodes are up to date")


def test_editing_one_sentence_resynthesizes_only_that_sentence(project: Path):
    assert run(project, "build", "--as-of", AS_OF, "--jobs", "1").exit_code == 0
    lesson = project / "content" / "lessons" / "02-topics.md"
    lesson.write_text(
        lesson.read_text().replace(
            "Each subscriber gets its own copy.", "Every subscriber receives a separate copy."
        )
    )
    result = run(project, "build", "--as-of", AS_OF, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "topics-basics: script, synth, master, tag, opus; 1 of" in result.output
    assert "queues-basics" not in result.output
    assert len(mp3s(project)) == 2  # the superseded MP3 was pruned


def test_status_and_explain_say_what_would_run_and_why(project: Path):
    assert run(project, "build", "--as-of", AS_OF, "--jobs", "1").exit_code == 0
    assert run(project, "status", "--as-of", AS_OF).output.strip() == "All 2 episodes are up to date."
    lexicon = project / "content" / "lexicon.toml"
    lexicon.write_text(lexicon.read_text() + '"subscriber" = "sub-scriber"\n')
    status = run(project, "status", "--as-of", AS_OF).output
    assert "topics-basics: script (changed: script text); synth (changed: sentences)" in status
    assert "queues-basics:" not in status
    assert "of 24 sentences to synthesize, about" in status
    explained = run(project, "explain", "synth:topics-basics").output
    assert explained.startswith("synth:topics-basics: runs: changed: sentences")
    assert re.search(r"sentences\s+[0-9a-f]{12}  changed", explained)
    assert re.search(r"stage code\s+1  same", explained)
    # The show's steps are explained the same way: the edit gives the episode a new file, listed in the feed.
    feed = run(project, "explain", "feed", "--as-of", AS_OF).output
    assert feed.startswith("feed: runs: changed: episodes") and re.search(r"cover\s+[0-9a-f]{12}  same", feed)
    quiz = run(project, "explain", "site:quiz", "--as-of", AS_OF).output
    assert quiz.startswith("site:quiz.html: up to date") and re.search(
        r"templates\s+[0-9a-f]{12}  same", quiz
    )
    assert "no step 'nope'" in run(project, "explain", "nope").output


def test_one_sentence_edit_rerenders_only_the_pages_it_appears_on(project: Path):
    assert run(project, "build", "--as-of", AS_OF, "--jobs", "1").exit_code == 0
    site = project / "feed"
    before = {p.name: p.stat().st_mtime_ns for p in site.glob("*.html")}
    lesson = project / "content" / "lessons" / "01-queues.md"
    lesson.write_text(
        lesson.read_text().replace("A queue absorbs the difference.", "A queue soaks up the gap.")
    )
    result = run(project, "build", "--as-of", AS_OF, "--jobs", "1")
    assert "1 of 32 sentences synthesized" in result.output and "and the feed" in result.output
    after = {p.name: p.stat().st_mtime_ns for p in site.glob("*.html")}
    changed = {name for name in after if after[name] != before[name]}
    # The episode's own page always; the index only if the minutes it shows changed; never the others.
    assert "queues-basics.html" in changed and changed <= {"queues-basics.html", "index.html"}
