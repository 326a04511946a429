"""The course as one audiobook: the fixture project built with the real voices and ffmpeg, its M4B read back
as audiobook players read it (ffmpeg's MP4 demuxer, mutagen), linked from the index, rebuilt only for a
change."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from lxml import html
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

from pipeline.model.show import CachePolicy
from pipeline.publish.target import content_type

from .audio_checks import decoded_duration, ffprobe_chapters, independent_loudness
from .conftest import AS_OF, run

BOOK = "audiobook/mini-course-testing.m4b"
# The fixture's two lessons in release order, and the chapters each episode has after its introduction.
LESSONS = {
    "queues-basics": ("Queues in one minute", ["Why queues", "Ordering", "Recap", "Test yourself", "Outro"]),
    "topics-basics": ("Topics and fan-out", ["Fan-out", "Recap", "Test yourself", "Outro"]),
}


def episode_mp3(project: Path, episode_id: str) -> Path:
    (path,) = (project / "episodes").glob(f"{episode_id}-*.mp3")
    return path


def fingerprint(path: Path) -> tuple[int, str]:
    return path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()


def index_link(project: Path) -> html.HtmlElement | None:
    page = html.fromstring((project / "feed" / "index.html").read_bytes())
    links = page.xpath("//a[contains(@href, '.m4b')]")
    return links[0] if links else None


def set_audiobook(project: Path, when: str) -> None:
    config = project / "content" / "show.toml"
    config.write_text(config.read_text() + f'\n[audiobook]\nwhen = "{when}"\n')


def edit_lesson(project: Path) -> None:
    lesson = project / "content" / "lessons" / "01-queues.md"
    lesson.write_text(
        lesson.read_text().replace("A queue absorbs the difference.", "A queue soaks up the gap.")
    )


def test_uploaded_as_audio_mp4_under_the_short_cache_of_a_file_that_keeps_its_name():
    from pipeline.publish.target import cache_control

    assert content_type(BOOK) == "audio/mp4"
    assert cache_control(BOOK, CachePolicy()) == CachePolicy().pages


def test_a_wrong_setting_is_named_with_its_line_and_the_values_it_takes(project: Path):
    config = project / "content" / "show.toml"
    config.write_text(config.read_text() + '\n[audiobook]\nwhen = "finished"\nbitrate = 320\n')
    line = len(config.read_text().splitlines()) - 1
    result = run(project, "check")
    assert result.exit_code == 2
    assert (
        f"content/show.toml:{line}: [audiobook] when: must be 'complete', 'released' or 'never'"
        in result.output
    )
    assert f"content/show.toml:{line + 1}: [audiobook] bitrate: must be between 32 and 128" in result.output


def test_chapter_titles_keep_the_characters_ffmpegs_metadata_file_escapes(tmp_path: Path):
    from pipeline.audio.aac import RATE, encode_episode, join_episodes, samples
    from pipeline.ffmpeg import run_ffmpeg

    parts = []
    for index, seconds in enumerate((1.5, 1.0)):
        mp3, part = tmp_path / f"{index}.mp3", tmp_path / f"{index}.aac"
        tone = f"sine=f={440 + 220 * index}:d={seconds}:r={RATE}"
        run_ffmpeg(["-f", "lavfi", "-i", tone, "-ac", "1", "-c:a", "libmp3lame", str(mp3)], what="a tone")
        encode_episode(mp3, part, 64)
        parts.append(part)
    lengths = [samples(part) or 0 for part in parts]
    titles = ["A = B; C # D \\ E", "Ünïcödé: 日本語 🎧"]
    book = tmp_path / "book.m4b"
    join_episodes(parts, list(zip(titles, [0, lengths[0]])), sum(lengths), book, tmp_path)
    read = MP4(book)
    assert [c.title for c in read.chapters or []] == titles
    assert abs((read.chapters or [])[1].start - lengths[0] / RATE) < 0.001
    assert abs(read.info.length - sum(lengths) / RATE) < 0.001 and lengths[0] / RATE >= 1.5


@pytest.mark.slow
def test_a_chapter_per_episode_in_release_order_and_one_per_section(built: Path):
    book = built / "feed" / BOOK
    chapters = ffprobe_chapters(book)
    expected = [
        title for first, rest in LESSONS.values() for title in [first, *(f"{first}: {r}" for r in rest)]
    ]
    assert [title for _start, title in chapters] == expected
    # Each episode starts where the ones before it end, as long as its MP3 (within two AAC frames a join).
    starts = {title: start for start, title in chapters}
    durations = [MP3(episode_mp3(built, episode_id)).info.length for episode_id in LESSONS]
    assert starts["Queues in one minute"] == 0
    assert abs(starts["Topics and fan-out"] - durations[0]) < 0.05
    assert abs(decoded_duration(book) - sum(durations)) < 0.1
    # A section starts where it does in its episode (ffmpeg reads the episode's ID3 chapters).
    in_episode = {title: start for start, title in ffprobe_chapters(episode_mp3(built, "topics-basics"))}
    assert (
        abs(starts["Topics and fan-out: Recap"] - (starts["Topics and fan-out"] + in_episode["Recap"])) < 0.05
    )
    # The Nero chapters, read by mutagen, agree with the QuickTime chapter track ffmpeg read.
    nero = [(round(c.start, 2), c.title) for c in MP4(book).chapters or []]
    assert nero == [(round(start, 2), title) for start, title in chapters]


@pytest.mark.slow
def test_tagged_as_an_audiobook_of_the_show_with_its_cover_and_mono_aac(built: Path):
    book = MP4(built / "feed" / BOOK)
    tags = book.tags
    assert tags is not None
    assert tags["©nam"] == tags["©alb"] == ["Mini Course: Testing"]
    assert tags["©ART"] == tags["aART"] == ["Test Author"]
    assert tags["desc"] == ["A two-lesson show used by the test suite."]
    assert tags["©day"] == ["2026"] and tags["©gen"] == ["Education"] and tags["stik"] == [2]
    assert bytes(tags["covr"][0]) == (built / "content" / "art" / "cover.png").read_bytes()
    assert book.info.codec == "mp4a.40.2" and book.info.channels == 1 and book.info.sample_rate == 44100
    assert 48_000 <= book.info.bitrate <= 80_000


@pytest.mark.slow
def test_the_loudness_is_the_episodes(built: Path):
    measured = independent_loudness(built / "feed" / BOOK)
    assert abs(measured["I"] - (-19.0)) <= 0.5, measured


@pytest.mark.slow
def test_the_index_links_it_with_its_length_and_size(built: Path):
    link = index_link(built)
    assert link is not None and link.get("href") == BOOK and link.get("type") == "audio/mp4"
    size = (built / "feed" / BOOK).stat().st_size
    meta = link.getnext().text_content()
    assert "2 min" in meta and f"{size / 1e6:.1f} MB" in meta


@pytest.mark.slow
def test_an_unchanged_build_leaves_it_and_an_edit_encodes_only_that_episode_again(copy_of_built: Path):
    book = copy_of_built / "feed" / BOOK
    kept = copy_of_built / ".cache" / "audiobook"
    before, parts = fingerprint(book), {p.name: fingerprint(p) for p in kept.iterdir()}
    again = run(copy_of_built, "build", "--as-of", AS_OF)
    assert again.exit_code == 0 and "Nothing to do" in again.output, again.output
    assert fingerprint(book) == before
    edit_lesson(copy_of_built)
    edited = run(copy_of_built, "build", "--as-of", AS_OF)
    assert edited.exit_code == 0 and "the audiobook" in edited.output, edited.output
    assert fingerprint(book)[1] != before[1]
    now = {p.name: fingerprint(p) for p in kept.iterdir()}
    unchanged = {name for name in now if parts.get(name) == now[name]}
    assert [name.split("-")[0] for name in unchanged] == ["topics"] and len(now) == 2
    assert ffprobe_chapters(book)[0][1] == "Queues in one minute"


@pytest.mark.slow
def test_turned_off_there_is_no_audiobook_and_no_link(copy_of_built: Path):
    set_audiobook(copy_of_built, "never")
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert not (copy_of_built / "feed" / BOOK).exists() and index_link(copy_of_built) is None


@pytest.mark.slow
def test_by_default_none_until_the_last_lesson_is_out(project: Path):
    result = run(project, "build", "--as-of", "2026-01-06")  # the first lesson out, the second a week later
    assert result.exit_code == 0, result.output
    assert not (project / "feed" / "audiobook").exists() and index_link(project) is None


def first_frames(data: bytes, count: int) -> bytes:
    """The first `count` ADTS frames of an encoded episode (each header holds its frame's length)."""
    end = 0
    for _ in range(count):
        end += ((data[end + 3] & 0x03) << 11) | (data[end + 4] << 3) | (data[end + 5] >> 5)
    return data[:end]


@pytest.mark.slow
def test_a_kept_episode_cut_short_is_encoded_again(copy_of_built: Path):
    (part,) = (copy_of_built / ".cache" / "audiobook").glob("queues-basics-*.aac")
    part.write_bytes(first_frames(part.read_bytes(), 1000))  # whole frames, a third of the episode
    (copy_of_built / "feed" / BOOK).unlink()
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    assert result.exit_code == 0 and "the audiobook" in result.output, result.output
    starts = {title: start for start, title in ffprobe_chapters(copy_of_built / "feed" / BOOK)}
    assert (
        abs(starts["Topics and fan-out"] - MP3(episode_mp3(copy_of_built, "queues-basics")).info.length)
        < 0.05
    )
