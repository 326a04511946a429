"""The feed as render_feed writes it, read back by feedparser and podcastparser (what podcast apps use), and
the publishing gate run over it against stand-in files in a site folder."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from pipeline.formats.rss import render_feed
from pipeline.formats.transcripts import render_chapters, render_srt, render_vtt
from pipeline.model.episode import Episode, Urls
from pipeline.model.project import Project
from pipeline.model.show import Show, load_show
from pipeline.publish.gate import validate_feed

from .conftest import cover_png
from .factories import BASE_URL, SHOW_GUID, at, episode, fake_mp3, lesson

NS = {
    "podcast": "https://podcastindex.org/namespace/1.0",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
}
FEED_URL = BASE_URL + "feed.xml"


@pytest.fixture
def show(project: Path) -> Show:
    return load_show(Project(project))


@pytest.fixture
def episodes(project: Path) -> list[Episode]:
    """Two released episodes, given oldest first."""
    return [
        episode(
            lesson(project, "queues", 1, 1, title="Queues in one minute"),
            at("2026-01-05"),
            length=21000,
            duration=62.4,
        ),
        episode(
            lesson(project, "topics", 1, 2, title="Topics and fan-out"),
            at("2026-01-12"),
            length=34000,
            duration=95.6,
        ),
    ]


def feed_of(show: Show, episodes: list[Episode]) -> bytes:
    return render_feed(show, episodes, Urls.of(show), SHOW_GUID)


def parsed(xml: bytes) -> tuple[feedparser.FeedParserDict, dict]:
    by_feedparser = feedparser.parse(xml)
    assert not by_feedparser.bozo, by_feedparser.bozo_exception
    return by_feedparser, podcastparser.parse(FEED_URL, io.BytesIO(xml))


def test_items_are_newest_first(show: Show, episodes: list[Episode]):
    by_feedparser, _ = parsed(feed_of(show, episodes))
    assert [entry.title for entry in by_feedparser.entries] == ["Topics and fan-out", "Queues in one minute"]


def test_enclosures_carry_url_length_and_type(show: Show, episodes: list[Episode]):
    by_feedparser, by_podcastparser = parsed(feed_of(show, episodes))
    enclosure = by_feedparser.entries[1].enclosures[0]
    assert (enclosure.href, enclosure.length, enclosure.type) == (
        BASE_URL + "episodes/queues-0123456789.mp3",
        "21000",
        "audio/mpeg",
    )
    enclosures = [e["enclosures"][0] for e in by_podcastparser["episodes"]]
    assert sorted((e["url"], e["file_size"], e["mime_type"]) for e in enclosures) == [
        (BASE_URL + "episodes/queues-0123456789.mp3", 21000, "audio/mpeg"),
        (BASE_URL + "episodes/topics-0123456789.mp3", 34000, "audio/mpeg"),
    ]


def test_durations_are_whole_seconds(show: Show, episodes: list[Episode]):
    by_feedparser, by_podcastparser = parsed(feed_of(show, episodes))
    assert [entry.itunes_duration for entry in by_feedparser.entries] == ["96", "62"]
    assert sorted(e["total_time"] for e in by_podcastparser["episodes"]) == [62, 96]


def test_guids_are_not_permalinks(show: Show, episodes: list[Episode]):
    xml = feed_of(show, episodes)
    by_feedparser, by_podcastparser = parsed(xml)
    assert [(entry.id, entry.guidislink) for entry in by_feedparser.entries] == [
        ("guid-topics", False),
        ("guid-queues", False),
    ]
    assert sorted(e["guid"] for e in by_podcastparser["episodes"]) == ["guid-queues", "guid-topics"]
    guids = etree.fromstring(xml).iterfind("channel/item/guid")
    assert {guid.get("isPermaLink") for guid in guids} == {"false"}


def test_transcripts_and_chapters_point_at_the_sidecars(show: Show, episodes: list[Episode]):
    xml = feed_of(show, episodes)
    by_feedparser, _ = parsed(xml)
    assert by_feedparser.entries[1].podcast_chapters == {
        "url": BASE_URL + "episodes/queues-0123456789.chapters.json",
        "type": "application/json+chapters",
    }
    # feedparser keeps one <podcast:transcript> per item; both are there for apps that read either.
    item = etree.fromstring(xml).findall("channel/item")[1]
    transcripts = [
        (t.get("url"), t.get("type"), t.get("rel")) for t in item.findall("podcast:transcript", NS)
    ]
    assert transcripts == [
        (BASE_URL + "episodes/queues-0123456789.vtt", "text/vtt", "captions"),
        (BASE_URL + "episodes/queues-0123456789.srt", "application/x-subrip", None),
    ]


def test_season_and_episode_numbers(show: Show, episodes: list[Episode]):
    by_feedparser, by_podcastparser = parsed(feed_of(show, episodes))
    assert [
        (entry.itunes_season, entry.itunes_episode, entry.itunes_episodetype)
        for entry in by_feedparser.entries
    ] == [("1", "2", "full"), ("1", "1", "full")]
    assert sorted((e["season"], e["number"], e["type"]) for e in by_podcastparser["episodes"]) == [
        (1, 1, "full"),
        (1, 2, "full"),
    ]
    item = etree.fromstring(feed_of(show, episodes)).find("channel/item")
    assert item.find("podcast:season", NS).get("name") == "Getting started"


def test_a_trailer_has_no_episode_number(project: Path, show: Show):
    trailer = episode(lesson(project, "hello", episode_type="trailer", title="Start here"), at("2026-01-01"))
    by_feedparser, by_podcastparser = parsed(feed_of(show, [trailer]))
    entry = by_feedparser.entries[0]
    assert entry.itunes_episodetype == "trailer" and "itunes_episode" not in entry
    read = by_podcastparser["episodes"][0]
    assert read["type"] == "trailer" and "number" not in read


def test_explicit_is_false_unless_the_show_says_so(project: Path, show: Show, episodes: list[Episode]):
    xml = feed_of(show, episodes)
    _, by_podcastparser = parsed(xml)
    assert by_podcastparser["explicit"] is False
    assert {e["explicit"] for e in by_podcastparser["episodes"]} == {False}
    assert etree.fromstring(xml).findtext("channel/itunes:explicit", namespaces=NS) == "false"
    config = project / "content" / "show.toml"
    config.write_text(config.read_text().replace("[show]\n", "[show]\nexplicit = true\n", 1))
    _, by_podcastparser = parsed(feed_of(load_show(Project(project)), episodes))
    assert by_podcastparser["explicit"] is True


def test_the_channel_names_the_show_and_its_guid(show: Show, episodes: list[Episode]):
    xml = feed_of(show, episodes)
    by_feedparser, by_podcastparser = parsed(xml)
    assert by_feedparser.feed.title == by_podcastparser["title"] == "Mini Course: Testing"
    assert by_podcastparser["cover_url"] == BASE_URL + "cover.png"
    assert by_podcastparser["itunes_owner"] == {"name": "Test Author", "email": "owner@example.com"}
    assert by_podcastparser["type"] == "serial"
    assert etree.fromstring(xml).findtext("channel/podcast:guid", namespaces=NS) == SHOW_GUID


def test_markup_in_a_summary_reaches_apps_as_text(project: Path, show: Show):
    summary = "Why <b>ordering</b> & <script>x</script> matter."
    item = episode(lesson(project, "queues", 1, 1, summary=summary), at("2026-01-05"))
    by_feedparser, _ = parsed(feed_of(show, [item]))
    shown = by_feedparser.entries[0].summary
    assert "<b>" not in shown and "<script>" not in shown
    assert "&lt;b&gt;ordering&lt;/b&gt; &amp; &lt;script&gt;" in shown


# The gate, against a site folder holding the files the feed points at


def publish_site(site: Path, episodes: list[Episode]) -> list[Episode]:
    """Write each episode's MP3 and sidecars into site/episodes and the cover into site; returns the episodes
    with their true file sizes, as the tag stage reports them."""
    (site / "cover.png").parent.mkdir(parents=True, exist_ok=True)
    (site / "cover.png").write_bytes(cover_png())
    out = []
    for item in episodes:
        folder = site / "episodes"
        size = fake_mp3(folder / item.audio_name, item.duration)
        (folder / item.sidecars["vtt"]).write_text(render_vtt(item))
        (folder / item.sidecars["srt"]).write_text(render_srt(item))
        (folder / item.sidecars["chapters"]).write_text(render_chapters(item, BASE_URL + item.page_name))
        out.append(dataclasses.replace(item, length=size))
    return out


def test_the_gate_accepts_a_feed_whose_files_are_all_in_the_site(
    tmp_path: Path, show: Show, episodes: list[Episode]
):
    site = tmp_path / "feed"
    released = publish_site(site, episodes)
    assert validate_feed(feed_of(show, released), BASE_URL, site) == []


def test_the_gate_reports_a_wrong_enclosure_length(tmp_path: Path, show: Show, episodes: list[Episode]):
    site = tmp_path / "feed"
    released = publish_site(site, episodes)
    size = released[0].length
    wrong = [dataclasses.replace(released[0], length=size + 7), released[1]]
    messages = [problem.message for problem in validate_feed(feed_of(show, wrong), BASE_URL, site)]
    assert messages == [
        f"item 'Queues in one minute': enclosure length {size + 7} but the file has {size} bytes"
    ]


def test_the_gate_reports_missing_sidecars_and_a_duration_off_the_audio(
    tmp_path: Path, show: Show, episodes: list[Episode]
):
    site = tmp_path / "feed"
    released = publish_site(site, episodes)
    (site / "episodes" / released[1].sidecars["srt"]).unlink()
    wrong = [dataclasses.replace(released[0], duration=90.0), released[1]]
    messages = [problem.message for problem in validate_feed(feed_of(show, wrong), BASE_URL, site)]
    assert any(
        re.fullmatch(
            r"item 'Queues in one minute': <itunes:duration> '90' is not within 1 s of the "
            r"audio \(62\.\d s\)",
            message,
        )
        for message in messages
    ), messages
    srt = BASE_URL + "episodes/" + released[1].sidecars["srt"]
    assert f"item 'Topics and fan-out': transcript file {srt} is not in the site" in messages
    assert len(messages) == 2


def test_the_gate_reports_an_empty_enclosure_instead_of_crashing(
    tmp_path: Path, show: Show, episodes: list[Episode]
):
    site = tmp_path / "feed"
    released = publish_site(site, episodes)
    (site / "episodes" / released[0].audio_name).write_bytes(b"")
    messages = [problem.message for problem in validate_feed(feed_of(show, released), BASE_URL, site)]
    length = released[0].length
    assert f"item 'Queues in one minute': enclosure length {length} but the file has 0 bytes" in messages
