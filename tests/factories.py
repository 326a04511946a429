"""Hand-made values for the unit tests: lessons written as producers write them, built episodes with their
chapters and cues, and stand-ins for published files. No audio, no engine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pipeline.model.episode import ChapterMark, Cue, Episode, LoudnessReport, page_name
from pipeline.model.lesson import Lesson, parse_lesson
from pipeline.model.project import Project
from pipeline.model.show import load_show

UTC = dt.UTC
BASE_URL = "https://example.com/mini/"
SHOW_GUID = "9b024349-ccf0-5f69-a609-6b82873eab3c"


def at(day: str, time: str = "06:00") -> dt.datetime:
    """A UTC moment, the way release dates are written: at("2026-01-05") is 06:00 that day."""
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=UTC)


def write_lesson(
    root: Path,
    lesson_id: str,
    module: int = 1,
    number: int = 1,
    *,
    title: str | None = None,
    summary: str = "One sentence about it.",
    publish: str | None = None,
    episode_type: str | None = None,
    body: str = "Some text to speak.\n",
) -> Path:
    """A lesson file under the project's content/lessons/, front matter and body."""
    front = [f"id: {lesson_id}"]
    if episode_type:
        front.append(f"type: {episode_type}")
    if episode_type != "trailer":
        front += [f"module: {module}", f"lesson: {number}"]
    front += [f"title: {title or lesson_id}", "domain: basics", f"summary: {summary}"]
    if publish:
        front.append(f"publish: {publish}")
    path = root / "content" / "lessons" / f"{lesson_id}.md"
    path.write_text("---\n" + "\n".join(front) + "\n---\n\n" + body, encoding="utf-8")
    return path


def lesson(root: Path, lesson_id: str, module: int = 1, number: int = 1, **front: Any) -> Lesson:
    """A Lesson parsed from a file written into the project (see write_lesson for the keywords)."""
    project = Project(root)
    path = write_lesson(root, lesson_id, module, number, **front)
    parsed, problems = parse_lesson(path, project, load_show(project))
    assert parsed is not None, problems
    return parsed


def loudness(duration: float) -> LoudnessReport:
    return LoudnessReport(
        integrated_lufs=-19.0,
        loudness_range_lu=4.0,
        true_peak_dbtp=-1.6,
        duration_s=duration,
        target_lufs=-19.0,
        gain_db=3.0,
    )


def episode(
    lesson: Lesson,
    released: dt.datetime,
    *,
    number: int | None = None,
    season: int | None = 1,
    tag: str = "0123456789",
    length: int = 12345,
    duration: float = 62.4,
    chapters: tuple[ChapterMark, ...] | None = None,
    cues: tuple[Cue, ...] | None = None,
) -> Episode:
    """A built episode as the publishing stages read it; `number` defaults to the lesson's number."""
    if chapters is None:
        chapters = (ChapterMark("Introduction", 0.0, 12.5), ChapterMark(lesson.title, 12.5, duration))
    if cues is None:
        cues = (Cue("Host", "Hello and welcome.", 0.5, 2.0), Cue("Guest", "Glad to be here.", 2.3, 3.9))
    return Episode(
        lesson=lesson,
        guid=f"guid-{lesson.id}",
        season=season,
        number=number if number is not None else (lesson.number or None),
        released=released,
        audio_name=f"{lesson.id}-{tag}.mp3",
        page_name=page_name(lesson.id),
        length=length,
        duration=duration,
        chapters=chapters,
        cues=cues,
        loudness=loudness(duration),
    )


# One silent MPEG-1 Layer III frame: a header (96 kbps, 44.1 kHz, mono) and nothing to decode.
FRAME = b"\xff\xfb\x70\xc0" + bytes(309)


def fake_mp3(path: Path, seconds: float) -> int:
    """A file of silent constant-bitrate MP3 frames that mutagen reads as about `seconds` long: what the feed
    gate reads of an enclosure (size and length) without any audio being made. Returns its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(FRAME * round(seconds * 96000 / 8 / len(FRAME)))
    return path.stat().st_size
