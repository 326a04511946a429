"""The feed as render_feed writes it, read back by feedparser and podcastparser (what podcast apps use), and
the publishing gate run over it against stand-in files in a site folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from pipeline.formats.rss import render_feed
from pipeline.formats.transcripts import render_chapters, render_json, render_srt, render_vtt
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
    # feedparser keeps one <podcast:transcript> per item; all are there for apps that read any of them.
    item = etree.fromstring(xml).findall("channel/item")[1]
    transcripts = [
        (t.get("url"), t.get("type"), t.get("rel")) for t in item.findall("podcast:transcript", NS)
    ]
    assert transcripts == [
        (BASE_URL + "episodes/queues-0123456789.vtt", "text/vtt", "captions"),
        (BASE_URL + "episodes/queues-0123456789.srt", "application/x-subrip", None),
        (BASE_URL + "episodes/queues-0123456789.transcript.json", "application/json", None),
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
        (folder / item.sidecars["json"]).write_text(render_json(item))
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


# The channel's Podcasting 2.0 tags, read back by feedparser (attributes), lxml (texts) and dateutil (the
# iCalendar rule), as the namespace documents them.


def channel_of(xml: bytes):
    return etree.fromstring(xml).find("channel")


def test_the_channel_says_what_it_is_and_that_its_voices_are_synthesized(project: Path, show: Show, episodes):
    xml = feed_of(show, episodes)
    by_feedparser, _ = parsed(xml)
    assert by_feedparser.feed.podcast_medium == "podcast"
    assert by_feedparser.feed.podcast_txt == {"purpose": "ai-content"}
    assert channel_of(xml).findtext("podcast:txt[@purpose='ai-content']", namespaces=NS) == "true"
    config = project / "content" / "show.toml"
    config.write_text(config.read_text().replace("[show]\n", '[show]\nmedium = "course"\n', 1))
    by_feedparser, _ = parsed(feed_of(load_show(Project(project)), episodes))
    assert by_feedparser.feed.podcast_medium == "course"


def test_a_medium_podcast_apps_do_not_know_is_named_with_its_line_and_the_fix(project: Path):
    from .conftest import run

    config = project / "content" / "show.toml"
    config.write_text(config.read_text().replace("[show]\n", '[show]\nmedium = "podcasts"\n', 1))
    result = run(project, "check")
    assert result.exit_code == 2, result.output
    assert (
        "content/show.toml:2: [show] medium: not a Podcasting 2.0 medium: 'podcasts' "
        "(did you mean 'podcast'?); use one of 'podcast', 'course', 'audiobook', 'music', 'video', 'film', "
        "'newsletter', 'blog'"
    ) in result.output
    assert "Traceback" not in result.output
    config.write_text(config.read_text().replace('medium = "podcasts"', 'medium = "podcastL"'))
    result = run(project, "check")
    assert result.exit_code == 2
    assert (
        "medium: 'podcastL' is a medium for a feed that lists other feeds, and this feed holds episodes"
        in (result.output)
    )


def occurrences(frequency) -> list[dt.datetime]:
    from dateutil.rrule import rrulestr

    start = dt.datetime.fromisoformat(frequency.get("dtstart"))
    return list(rrulestr(frequency.get("rrule"), dtstart=start))


def test_the_update_frequency_follows_the_release_schedule_to_its_last_episode(show: Show, episodes):
    upcoming = [dt.date(2026, 1, 19), dt.date(2026, 2, 2)]
    xml = render_feed(show, episodes, Urls.of(show), SHOW_GUID, upcoming=upcoming)
    by_feedparser, _ = parsed(xml)
    assert by_feedparser.feed.podcast_updatefrequency == {
        "rrule": "FREQ=WEEKLY;COUNT=5",
        "dtstart": "2026-01-05T06:00:00.000Z",
    }
    frequency = channel_of(xml).find("podcast:updateFrequency", NS)
    assert frequency.text == "Every week until 2 February 2026" and frequency.get("complete") is None
    days = [when.date() for when in occurrences(frequency)]
    assert days[0] == dt.date(2026, 1, 5) and days[-1] == dt.date(2026, 2, 2)
    assert {e.released.date() for e in episodes} | set(upcoming) <= set(days)
    assert "itunes_complete" not in by_feedparser.feed
    assert channel_of(xml).find("itunes:complete", NS) is None


def test_a_show_every_ten_days_updates_daily_with_an_interval(project: Path, episodes):
    config = project / "content" / "show.toml"
    config.write_text(config.read_text().replace("every_days = 7", "every_days = 10"))
    show = load_show(Project(project))
    xml = render_feed(show, episodes, Urls.of(show), SHOW_GUID, upcoming=[dt.date(2026, 2, 4)])
    frequency = channel_of(xml).find("podcast:updateFrequency", NS)
    assert frequency.get("rrule").startswith("FREQ=DAILY;INTERVAL=10;") and frequency.text.startswith(
        "Every 10 days until"
    )
    assert occurrences(frequency)[-1].date() >= dt.date(2026, 2, 4)


def test_once_nothing_is_to_come_the_show_is_complete(show: Show, episodes):
    xml = render_feed(show, episodes, Urls.of(show), SHOW_GUID, upcoming=[])
    by_feedparser, _ = parsed(xml)
    assert by_feedparser.feed.itunes_complete == "Yes"
    assert by_feedparser.feed.podcast_updatefrequency["complete"] == "true"
    assert channel_of(xml).findtext("podcast:updateFrequency", namespaces=NS) == (
        "Complete: the last episode came out on 12 January 2026"
    )


def test_a_feed_of_part_of_the_show_says_nothing_of_its_schedule(show: Show, episodes):
    by_feedparser, _ = parsed(feed_of(show, episodes))  # a topic's feed: no upcoming days given
    assert "podcast_updatefrequency" not in by_feedparser.feed and "itunes_complete" not in by_feedparser.feed


def test_the_trailer_is_announced_in_the_channel(project: Path, show: Show, episodes):
    trailer = episode(lesson(project, "hello", episode_type="trailer", title="Start here"), at("2026-01-01"))
    xml = feed_of(show, [trailer, *episodes])
    by_feedparser, _ = parsed(xml)
    assert by_feedparser.feed.podcast_trailer == {
        "url": BASE_URL + "episodes/hello-0123456789.mp3",
        "pubdate": "Thu, 01 Jan 2026 06:00:00 +0000",
        "length": "12345",
        "type": "audio/mpeg",
    }
    assert channel_of(xml).findtext("podcast:trailer", namespaces=NS) == "Start here"
    assert channel_of(feed_of(show, episodes)).find("podcast:trailer", NS) is None


# The gate's rules for the channel's tags and the JSON transcripts


@pytest.fixture
def full_site(tmp_path: Path, project: Path, show: Show, episodes) -> tuple[Path, bytes]:
    """A site with a trailer and two lessons in place, and the show's feed with one episode still to come."""
    trailer = episode(
        lesson(project, "hello", episode_type="trailer", title="Start here"), at("2026-01-01"), season=None
    )
    site = tmp_path / "feed"
    released = publish_site(site, [trailer, *episodes])
    return site, render_feed(show, released, Urls.of(show), SHOW_GUID, upcoming=[dt.date(2026, 1, 19)])


def test_the_gate_accepts_the_channels_tags_and_json_transcripts(full_site):
    site, xml = full_site
    assert b"<podcast:trailer" in xml and b"<podcast:updateFrequency" in xml and b"transcript.json" in xml
    assert validate_feed(xml, BASE_URL, site) == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            b"<podcast:medium>podcast<",
            b"<podcast:medium>podcasts<",
            "channel: <podcast:medium> must be one of podcast, course, audiobook, music, video, film, "
            "newsletter, blog, got 'podcasts'",
        ),
        (
            b'rrule="FREQ=WEEKLY;',
            b'rrule="FREQ=FORTNIGHTLY;',
            "channel: <podcast:updateFrequency> rrule 'FREQ=FORTNIGHTLY;COUNT=4' is not an iCalendar "
            "recurrence rule (RFC 5545): invalid 'FREQ': FORTNIGHTLY",
        ),
        (
            b' dtstart="2026-01-01T06:00:00.000Z"',
            b"",
            "channel: <podcast:updateFrequency> needs a dtstart: its rrule has a COUNT",
        ),
        (
            b'dtstart="2026-01-01T06:00:00.000Z"',
            b'dtstart="1 January 2026"',
            "channel: <podcast:updateFrequency> dtstart must be an ISO 8601 date or time, "
            "got '1 January 2026'",
        ),
        (
            b">Every week until 19 January 2026<",
            b">" + b"x" * 129 + b"<",
            "channel: <podcast:updateFrequency> needs a text of 1 to 128 characters",
        ),
        (
            b"<podcast:updateFrequency ",
            b'<podcast:updateFrequency complete="yes" ',
            "channel: <podcast:updateFrequency> complete must be true or false",
        ),
        (
            b"<podcast:medium>",
            b"<itunes:complete>yes</itunes:complete><podcast:medium>",
            "channel: <itunes:complete> must be Yes, or left out while episodes are to come; got 'yes'",
        ),
        (
            b"<podcast:medium>",
            b"<itunes:complete>Yes</itunes:complete><podcast:medium>",
            "channel: <itunes:complete> and <podcast:updateFrequency complete> disagree: "
            "both say the show is complete, or neither does",
        ),
        (
            b'pubdate="Thu, 01 Jan 2026 06:00:00 +0000"',
            b'pubdate="2026-01-01"',
            "channel: <podcast:trailer> pubdate must be RFC 2822 with a timezone, got '2026-01-01'",
        ),
        (
            b'">Start here</podcast:trailer>',
            b'"></podcast:trailer>',
            "channel: <podcast:trailer> needs a title of 1 to 128 characters",
        ),
        (
            b'purpose="ai-content">true<',
            b'purpose="ai-content">yes<',
            "channel: <podcast:txt purpose=\"ai-content\"> must be true or false, got 'yes'",
        ),
    ],
)
def test_the_gate_rejects_a_channel_tag_apps_would_misread(full_site, old: bytes, new: bytes, message: str):
    site, xml = full_site
    assert xml.count(old) == 1, old
    messages = [problem.message for problem in validate_feed(xml.replace(old, new), BASE_URL, site)]
    assert messages == [message]


def test_the_gate_checks_the_trailers_file_like_an_enclosure(full_site):
    site, xml = full_site
    trailer = site / "episodes" / "hello-0123456789.mp3"
    size = trailer.stat().st_size
    trailer.write_bytes(trailer.read_bytes()[:-100])
    messages = [problem.message for problem in validate_feed(xml, BASE_URL, site)]
    url = BASE_URL + "episodes/hello-0123456789.mp3"
    assert f"channel: <podcast:trailer> {url}: length {size} but the file has {size - 100} bytes" in messages
    trailer.unlink()
    messages = [problem.message for problem in validate_feed(xml, BASE_URL, site)]
    assert f"channel: <podcast:trailer> {url} is not in the site" in messages


@pytest.mark.parametrize(
    ("transcript", "problem"),
    [
        ("[]", ': not a JSON transcript (an object with a "version" and its "segments")'),
        ('{"version": "1.0.0", "segments": {}}', ': "segments" must be a list'),
        ('{"version": "1.0.0", "segments": [{"startTime": 1}]}', ': segment 1 needs a "body" of text'),
        (
            '{"version": "1.0.0", "segments": [{"body": "a", "startTime": 2, "endTime": 1}]}',
            ": segment 1 ends at or before it starts (2 s to 1 s)",
        ),
        (
            '{"version": "1.0.0", '
            '"segments": [{"body": "a", "startTime": 2}, {"body": "b", "startTime": 1}]}',
            ": segment 2 starts before the segment above it (1 s, after 2 s)",
        ),
        (
            '{"version": "1.0.0", "segments": [{"body": "a", "startTime": "0:01"}]}',
            ': segment 1 needs a "startTime" in seconds',
        ),
    ],
)
def test_the_gate_names_a_json_transcript_apps_cannot_follow(full_site, transcript: str, problem: str):
    site, xml = full_site
    (site / "episodes" / "queues-0123456789.transcript.json").write_text(transcript)
    messages = [problem.message for problem in validate_feed(xml, BASE_URL, site)]
    assert messages == [
        f"item 'Queues in one minute': queues-0123456789.transcript.json{problem}; build the episode again"
    ]


def test_json_transcripts_are_uploaded_as_json_and_chapters_as_chapters():
    from pipeline.publish.target import content_type

    assert content_type("episodes/queues-0123456789.transcript.json") == "application/json"
    assert content_type("episodes/queues-0123456789.chapters.json") == "application/json+chapters"
