"""The feed against ../shared/STANDARDS.md, read as podcast apps read it; identity and release schedule."""

from __future__ import annotations

import email.utils
import itertools
import json
import re
import shutil
from pathlib import Path

import feedparser
import numpy as np
import pytest
from lxml import etree, html
from mutagen.mp3 import MP3

from pipeline.model.episode import podcast_guid
from pipeline.publish.gate import validate_feed

from .audio_checks import decode
from .conftest import AS_OF, run

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}


def test_podcast_guid_test_vector():
    assert podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid("http://podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


@pytest.fixture(scope="module")
def feed(built: Path):
    return etree.parse(str(built / "feed" / "feed.xml"), etree.XMLParser(resolve_entities=False)).getroot()


@pytest.mark.slow
def test_channel_meets_every_standards_line(feed, built):
    assert feed.tag == "rss" and feed.get("version") == "2.0"
    assert {prefix: feed.nsmap[prefix] for prefix in NS} == NS
    channel = feed.find("channel")
    text = lambda path: channel.findtext(path, namespaces=NS)  # noqa: E731
    assert text("title") == "Mini Course: Testing" and text("link") == "https://example.com/mini/"
    assert len(text("description").encode()) <= 4000 and text("language") == "en"
    assert channel.find("itunes:image", NS).get("href") == "https://example.com/mini/cover.png"
    category = channel.find("itunes:category", NS)
    assert category.get("text") == "Education" and category[0].get("text") == "Courses"
    assert text("itunes:explicit") == "false" and text("itunes:type") == "serial"
    assert text("itunes:author") == "Test Author" and text("itunes:owner/itunes:email") == "owner@example.com"
    assert text("copyright")
    assert channel.find("atom:link[@rel='self']", NS).get("href") == "https://example.com/mini/feed.xml"
    registry = json.loads((built / "episodes" / "registry.json").read_text())
    assert (
        text("podcast:guid") == registry["podcast_guid"] == podcast_guid("https://example.com/mini/feed.xml")
    )
    assert channel.find("podcast:locked", NS).get("owner") == "owner@example.com"


@pytest.mark.slow
def test_items_meet_every_standards_line(feed, built):
    items = feed.findall("channel/item")
    assert [i.findtext("title") for i in items] == [
        "Topics and fan-out",
        "Queues in one minute",
    ]  # newest first
    assert [i.findtext("itunes:episode", namespaces=NS) for i in items] == ["2", "1"]
    guids, urls = set(), set()
    for item in items:
        text = lambda path: item.findtext(path, namespaces=NS)  # noqa: E731
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "false" and guid.text not in guids
        guids.add(guid.text)
        enclosure = item.find("enclosure")
        url = enclosure.get("url")
        assert url.isascii() and url not in urls and enclosure.get("type") == "audio/mpeg"
        urls.add(url)
        local = built / "feed" / "episodes" / url.rsplit("/", 1)[1]
        assert int(enclosure.get("length")) == local.stat().st_size
        assert abs(int(text("itunes:duration")) - MP3(local).info.length) <= 1.0
        assert email.utils.parsedate_to_datetime(text("pubDate")).tzinfo is not None
        assert text("itunes:episodeType") == "full" and int(text("itunes:season")) == 1
        assert text("podcast:season") == "1" and text("podcast:episode") == text("itunes:episode")
        assert item.find("podcast:person", NS).get("role") == "host"
        description = text("description")
        assert len(description.encode()) <= 4000
        tags = {e.tag for e in html.fragment_fromstring(description, create_parent="div").iter()} - {"div"}
        assert tags <= {"p", "ol", "ul", "li", "a"}
        assert text("content:encoded")
        transcripts = {t.get("type"): t for t in item.findall("podcast:transcript", NS)}
        assert transcripts["text/vtt"].get("rel") == "captions"
        assert "application/x-subrip" in transcripts
        chapters = item.find("podcast:chapters", NS)
        assert chapters.get("type") == "application/json+chapters"
        for link in [*transcripts.values(), chapters]:
            assert (built / "feed" / "episodes" / link.get("url").rsplit("/", 1)[1]).is_file()


@pytest.mark.slow
def test_the_gate_passes_the_built_feed_and_catches_breakage(built):
    site = built / "feed"
    xml = (site / "feed.xml").read_bytes()
    assert validate_feed(xml, "https://example.com/mini/", site) == []
    assert run(built, "validate").output.strip() == "feed/feed.xml passes every check."
    broken = re.sub(rb'length="\d+"', b'length="12"', xml, count=1)
    broken = broken.replace(
        b"<itunes:explicit>false</itunes:explicit>", b"<itunes:explicit>no</itunes:explicit>", 1
    )
    guids = re.findall(rb"<guid isPermaLink=\"false\">([^<]+)</guid>", broken)
    broken = broken.replace(guids[1], guids[0])
    messages = [p.message for p in validate_feed(broken, "https://example.com/mini/", site)]
    assert any("enclosure length 12 but the file has" in m for m in messages)
    assert any("<itunes:explicit> must be true or false" in m for m in messages)
    assert any("is used twice" in m for m in messages)
    assert validate_feed(b"<rss><channel>", "https://example.com/mini/", site)[0].message.startswith(
        "not well-formed"
    )


@pytest.mark.slow
def test_cue_and_chapter_times_match_the_audio_within_50_ms(built):
    """Between two sentences the final MP3 is silent, and each sentence's audio starts right at its cue."""
    for path in sorted((built / "episodes").glob("*.mp3")):
        cues = _vtt_cues(path.with_name(path.stem + ".vtt"))
        chapters = json.loads(path.with_name(path.stem + ".chapters.json").read_text())["chapters"]
        samples = decode(path)
        frame = 441  # 10 ms
        energy = 10 * np.log10(
            np.mean(samples[: len(samples) // frame * frame].reshape(-1, frame) ** 2, axis=1) + 1e-12
        )

        def level(start: float, end: float) -> float:
            return float(np.max(energy[int(start * 100) : max(int(start * 100) + 1, int(end * 100))]))

        intro_end = chapters[1]["startTime"]
        checked = 0
        for before, after in itertools.pairwise(cues):
            if before[0] < intro_end or after[0] - before[1] < 0.15:
                continue  # the music bed plays under the introduction
            if any(before[1] <= c["startTime"] <= after[0] for c in chapters):
                continue  # a transition sting plays between chapters
            assert level(before[1] + 0.05, after[0] - 0.05) < -50, (path.name, before, after)
            assert level(after[0], after[0] + 0.25) > -40, (path.name, after)
            checked += 1
        assert checked >= 10
        starts = [c[0] for c in cues]
        for chapter in chapters[1:]:
            assert (
                min(abs(chapter["startTime"] - s) for s in starts) <= 3.0
            )  # a cue sting precedes the first line
            assert (
                level(chapter["startTime"], chapter["startTime"] + 0.3) > -40
            )  # the chapter opens with sound


def _vtt_cues(path: Path) -> list[tuple[float, float]]:
    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    return [
        (seconds(a), seconds(b))
        for a, b in re.findall(
            r"^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})$", path.read_text(), re.M
        )
    ]


@pytest.mark.slow
def test_identity_survives_renames_and_audio_changes_get_new_urls(project: Path):
    assert run(project, "build", "--as-of", AS_OF, "--jobs", "1").exit_code == 0
    registry = json.loads((project / "episodes" / "registry.json").read_text())
    guid = registry["episodes"]["topics-basics"]["guid"]
    old = etree.parse(str(project / "feed" / "feed.xml"))
    old_url = old.xpath(f"//item[guid='{guid}']/enclosure/@url")[0]

    lessons = project / "content" / "lessons"
    text = (
        (lessons / "02-topics.md")
        .read_text()
        .replace("title: Topics and fan-out", "title: Topics, fan-out and you")
    )
    (lessons / "02-topics.md").unlink()
    (lessons / "07-renamed.md").write_text(
        text.replace("A topic copies each message", "A topic duplicates each message")
    )
    assert run(project, "build", "--as-of", AS_OF, "--jobs", "1").exit_code == 0
    new = etree.parse(str(project / "feed" / "feed.xml"))
    item = new.xpath(f"//item[guid='{guid}']")[0]
    assert item.findtext("title") == "Topics, fan-out and you"
    new_url = item.find("enclosure").get("url")
    assert new_url != old_url and not (project / "feed" / "episodes" / old_url.rsplit("/", 1)[1]).exists()


@pytest.mark.slow
def test_release_schedule_and_as_of_preview(project: Path):
    assert run(project, "build", "--as-of", "2026-01-06", "--jobs", "1").exit_code == 0
    feed = etree.parse(str(project / "feed" / "feed.xml"))
    assert [t.text for t in feed.iterfind("channel/item/title")] == ["Queues in one minute"]
    channel = feedparser.parse((project / "feed" / "feed.xml").read_bytes()).feed
    assert "itunes_complete" not in channel  # the last lesson is still to come
    assert channel.podcast_updatefrequency == {
        "rrule": "FREQ=WEEKLY;COUNT=2",
        "dtstart": "2026-01-05T06:00:00.000Z",
    }
    assert not (project / "feed" / "topics-basics.html").exists()
    index = (project / "feed" / "index.html").read_text()
    assert "Coming up" in index and "Topics and fan-out" in index
    quiz = (project / "feed" / "quiz.html").read_text()  # the whole bank; unreleased lessons are not linked
    assert 'id="q2"' in quiz and "Topics and fan-out (episode coming soon)" in quiz
    assert 'href="topics-basics.html"' not in quiz
    assert run(project, "build", "--as-of", "2026-01-13", "--jobs", "1").exit_code == 0
    feed = etree.parse(str(project / "feed" / "feed.xml"))
    assert [t.text for t in feed.iterfind("channel/item/title")] == [
        "Topics and fan-out",
        "Queues in one minute",
    ]
    assert (project / "feed" / "topics-basics.html").is_file()
    assert 'href="topics-basics.html"' in (project / "feed" / "quiz.html").read_text()
    channel = feedparser.parse((project / "feed" / "feed.xml").read_bytes()).feed
    assert channel.itunes_complete == "Yes"  # the last lesson is out
    assert channel.podcast_updatefrequency["complete"] == "true"


@pytest.mark.slow
def test_publish_date_in_front_matter_overrides_the_schedule(project: Path):
    lesson = project / "content" / "lessons" / "02-topics.md"
    lesson.write_text(
        lesson.read_text().replace("domain: basics\n", "domain: basics\npublish: 2026-03-02\n", 1)
    )
    assert run(project, "build", "--as-of", "2026-02-01", "--jobs", "1").exit_code == 0
    feed = etree.parse(str(project / "feed" / "feed.xml"))
    assert [t.text for t in feed.iterfind("channel/item/title")] == ["Queues in one minute"]


@pytest.mark.slow
def test_bad_cover_stops_the_build_and_keeps_the_published_feed(built: Path, tmp_path: Path):
    project = tmp_path / "copy"
    shutil.copytree(built, project)
    before = (project / "feed" / "feed.xml").read_bytes()
    from PIL import Image

    Image.new("RGB", (800, 600), "white").save(project / "content" / "art" / "cover.png")
    result = run(project, "build", "--as-of", AS_OF)
    assert result.exit_code == 2  # a show config problem, like a missing cover
    assert "content/art/cover.png: the cover is 800x600; it must be square" in result.output
    assert (project / "feed" / "feed.xml").read_bytes() == before
