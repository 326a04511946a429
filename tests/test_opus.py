"""The Opus file beside each MP3, as listeners and their apps meet it: announced in the feed (read by
feedparser and lxml), checked by the gate, offered by the page's player, served as audio/ogg; and, built with
the real voices, as long and as loud as the MP3 and tagged like it."""

from __future__ import annotations

import base64
import dataclasses
import glob
import hashlib
import re
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from mutagen.mp3 import MP3
from mutagen.oggopus import OggOpus

from pipeline.ffmpeg import run_ffmpeg
from pipeline.formats.pages import Page, render_pages
from pipeline.model.episode import Alternate, Episode
from pipeline.model.project import Project
from pipeline.model.show import CachePolicy, Show, load_show
from pipeline.publish.gate import validate_feed
from pipeline.publish.target import cache_control, content_type

from .audio_checks import decoded_duration, independent_loudness
from .conftest import AS_OF, run
from .factories import BASE_URL, at, episode, lesson
from .test_rss import NS, feed_of, publish_site

OPUS_FRAME = 0.02  # seconds


@pytest.fixture
def show(project: Path) -> Show:
    return load_show(Project(project))


def opus_file(path: Path, seconds: float) -> Alternate:
    """A real (silent) Ogg Opus file `seconds` long, and its record as the opus stage writes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(
        [
            *("-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", f"{seconds:.6f}", "-c:a", "libopus"),
            *("-b:a", "24k", "-f", "opus", "-y", str(path)),
        ],
        what="test",
    )
    data = path.read_bytes()
    return Alternate(
        name=path.name,
        type="audio/ogg; codecs=opus",
        codecs="opus",
        title="Opus (smaller file)",
        length=len(data),
        bitrate=24000,
        duration=seconds,
        sha256=hashlib.sha256(data).hexdigest(),
        sri="sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode(),
    )


@pytest.fixture
def published(tmp_path: Path, project: Path) -> tuple[Path, list[Episode]]:
    """A site with one released episode: its stand-in MP3 and sidecars, and a real Opus file as long."""
    site = tmp_path / "feed"
    queues = episode(lesson(project, "queues", 1, 1, title="Queues in one minute"), at("2026-01-05"))
    (built,) = publish_site(site, [queues])
    seconds = float(MP3(site / "episodes" / built.audio_name).info.length)
    alternate = opus_file(site / "episodes" / "queues-abcdef0123.opus", seconds)
    return site, [dataclasses.replace(built, alternates=(alternate,))]


def test_the_feed_announces_the_opus_file_with_its_source_and_integrity(show: Show, published):
    _site, released = published
    alternate = released[0].alternates[0]
    xml = feed_of(show, released)
    entry = feedparser.parse(xml).entries[0]
    assert entry.podcast_alternateenclosure == {
        "type": "audio/ogg; codecs=opus",
        "length": str(alternate.length),
        "bitrate": "24000",
        "lang": "en",
        "title": "Opus (smaller file)",
        "codecs": "opus",
    }
    assert entry.podcast_source == {"uri": BASE_URL + "episodes/queues-abcdef0123.opus"}
    assert entry.podcast_integrity == {"type": "sri", "value": alternate.sri}
    assert [link.type for link in entry.links if link.rel == "enclosure"] == ["audio/mpeg"]  # the MP3 stays
    item = etree.fromstring(xml).find("channel/item")
    (element,) = item.findall("podcast:alternateEnclosure", NS)
    assert [child.tag.split("}")[1] for child in element] == ["source", "integrity"]
    assert len(alternate.title) <= 32  # the namespace's limit for what apps show


def test_the_gate_passes_the_opus_file_and_rejects_it_missing_changed_or_cut(show: Show, published):
    site, released = published
    path = site / "episodes" / released[0].alternates[0].name
    xml = feed_of(show, released)
    assert validate_feed(xml, BASE_URL, site) == []
    fix = f"build the episode again (`certquests build` makes episodes/{path.name} anew)"

    original = path.read_bytes()
    path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))  # one bit changed, same size
    assert [p.message for p in validate_feed(xml, BASE_URL, site)] == [
        f"item 'Queues in one minute': alternate enclosure {path.name} does not match its podcast:integrity "
        f"hash; {fix}"
    ]
    path.write_bytes(original[:1000])
    assert [p.message for p in validate_feed(xml, BASE_URL, site)] == [
        f"item 'Queues in one minute': alternate enclosure {path.name}: length {len(original)} but the file "
        f"has 1000 bytes; {fix}"
    ]
    path.unlink()
    uri = BASE_URL + "episodes/" + path.name
    assert [p.message for p in validate_feed(xml, BASE_URL, site)] == [
        f"item 'Queues in one minute': alternate enclosure {uri} is not in the site; {fix}"
    ]


def test_the_gate_rejects_an_opus_file_shorter_than_the_mp3(show: Show, published):
    site, released = published
    seconds = released[0].alternates[0].duration
    short = opus_file(site / "episodes" / "queues-0000000000.opus", seconds - 0.5)
    xml = feed_of(show, [dataclasses.replace(released[0], alternates=(short,))])
    (problem,) = validate_feed(xml, BASE_URL, site)
    assert re.fullmatch(
        rf"item 'Queues in one minute': alternate enclosure {short.name} lasts [\d.]+ s but the MP3 "
        rf"{seconds:.3f} s; build the episode again .*",
        problem.message,
    ), problem.message


def test_the_page_offers_the_opus_file_first_and_as_a_download(show: Show, published, tmp_path: Path):
    _site, released = published
    built = released[0]
    site = tmp_path / "pages"
    shown = {"episode": built, "module": None, "notes": "", "key_points": [], "previous": None, "next": None}
    staged = render_pages(site, show, [Page(built.page_name, "episode.html", shown, {})])
    html = next(temporary for temporary, final in staged if final.name == built.page_name).read_text()
    sources = re.findall(r'<source src="episodes/([^"]+)" type="([^"]+)">', html)
    assert sources == [(built.alternates[0].name, "audio/ogg; codecs=opus"), (built.audio_name, "audio/mpeg")]
    assert f'<a href="episodes/{built.alternates[0].name}" download>Opus' in html


def test_the_opus_file_is_uploaded_as_audio_ogg_and_cached_for_good():
    policy = CachePolicy()
    assert content_type("episodes/queues-abcdef0123.opus") == "audio/ogg"
    assert cache_control("episodes/queues-abcdef0123.opus", policy) == policy.media


@pytest.mark.parametrize("bitrate, exit_code", [(20, 2), (24, 0)])
def test_the_opus_bitrate_is_checked_with_its_line(project: Path, bitrate: int, exit_code: int):
    config = project / "content/show.toml"
    config.write_text(config.read_text() + f"\n[opus]\nbitrate = {bitrate}\n")
    line = len(config.read_text().splitlines())
    result = run(project, "check")
    assert result.exit_code == exit_code, result.output
    if exit_code:
        assert (
            f"content/show.toml:{line}: [opus] bitrate: must be one of 16, 24, 32, 40, 48, 64 (kbit/s), "
            "got 20" in result.output
        )


# Built with the real voices (the session's fixture build)


def _files(built: Path, episode_id: str) -> tuple[Path, Path]:
    folder = built / "feed" / "episodes"
    (mp3,) = glob.glob(str(folder / f"{episode_id}-*.mp3"))
    (opus,) = glob.glob(str(folder / f"{episode_id}-*.opus"))
    return Path(mp3), Path(opus)


@pytest.mark.slow
@pytest.mark.parametrize("episode_id", ["queues-basics", "topics-basics"])
def test_the_opus_file_is_as_long_and_as_loud_as_the_mp3(built: Path, episode_id: str):
    mp3, opus = _files(built, episode_id)
    assert abs(OggOpus(opus).info.length - MP3(mp3).info.length) <= OPUS_FRAME
    assert abs(decoded_duration(opus) - decoded_duration(mp3)) <= OPUS_FRAME
    heard, reference = independent_loudness(opus), independent_loudness(mp3)
    assert abs(heard["I"] - reference["I"]) <= 0.5, (heard, reference)
    assert heard["TP"] <= -1.0, heard
    info = OggOpus(opus).info
    assert (info.channels, opus.stat().st_size < mp3.stat().st_size / 2) == (1, True)


@pytest.mark.slow
def test_the_opus_file_is_tagged_like_the_mp3_and_matches_the_feed(built: Path):
    mp3, opus = _files(built, "queues-basics")
    tags = OggOpus(opus).tags
    assert tags["title"] == [str(MP3(mp3)["TIT2"])]
    assert tags["artist"] == ["Test Author"] and tags["album"] == ["Mini Course: Testing"]
    assert tags["metadata_block_picture"] and tags["chapter001name"]
    entries = feedparser.parse((built / "feed" / "feed.xml").read_bytes()).entries
    entry = next(e for e in entries if e.enclosures[0].href.endswith(mp3.name))
    data = opus.read_bytes()
    assert entry.podcast_source["uri"].endswith("/episodes/" + opus.name)
    assert entry.podcast_alternateenclosure["length"] == str(len(data))
    digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
    assert entry.podcast_integrity == {"type": "sri", "value": "sha384-" + digest}


@pytest.mark.slow
def test_an_edit_makes_only_that_episodes_opus_file_again(copy_of_built: Path):
    before = {path.name for path in (copy_of_built / "episodes").glob("*.opus")}
    lesson_path = copy_of_built / "content" / "lessons" / "02-topics.md"
    edit = ("Each subscriber gets its own copy.", "Every subscriber receives a separate copy.")
    assert edit[0] in lesson_path.read_text()
    lesson_path.write_text(lesson_path.read_text().replace(*edit))
    result = run(copy_of_built, "build", "--as-of", AS_OF, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "topics-basics: script, synth, master, tag, opus; 1 of" in result.output
    after = {path.name for path in (copy_of_built / "episodes").glob("*.opus")}
    (gone,), (made,) = before - after, after - before
    assert gone.startswith("topics-basics-") and made.startswith("topics-basics-")
    assert {path.name for path in (copy_of_built / "feed" / "episodes").glob("*.opus")} == after
    assert run(copy_of_built, "validate").exit_code == 0
