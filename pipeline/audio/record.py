"""What mastering an episode leaves for the next steps: the record of where each chapter and line is in the
MP3 and how loud it is (master.json, see MasterRecord), and the levels its chapters were made at, kept so an
edit re-masters only the chapter it is in."""

from __future__ import annotations

import json
from pathlib import Path

from ..fsutil import fingerprint, write_atomic
from ..model.episode import ChapterMark, MasterRecord, RoleCue
from ..model.script import Script
from .assemble import Assembly
from .master import Levels, Mastered


def kept_levels(folder: Path, settings: str) -> Levels | None:
    """The levels the episode's cached chapters were made at, if they were made with these settings."""
    try:
        data = json.loads((folder / "levels.json").read_text("utf-8"))
        if data["settings"] != settings:
            return None
        return Levels(float(data["speech_level"]), float(data["ceiling"]), float(data["gain_db"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def master_record(script: Script, assembly: Assembly, mastered: Mastered, mp3: Path) -> MasterRecord:
    """Where each chapter and line is in the mastered MP3, how loud it is, and the file's fingerprint."""
    report, starts = mastered.report, mastered.chapter_starts
    chapter_marks = []
    for index, chapter in enumerate(script.chapters):
        end = starts[index + 1] if index + 1 < len(starts) else report.duration_s
        chapter_marks.append(ChapterMark(chapter.title, round(starts[index], 3), round(end, 3)))
    # Every chapter starts on an MP3 frame boundary: its lines move with it.
    shift = [start - raw for start, raw in zip(starts, assembly.chapter_starts)]
    size, mtime_ns, sha256 = fingerprint(mp3)
    return MasterRecord(
        chapters=tuple(chapter_marks),
        # Roles, not names: a renamed speaker is re-tagged, not re-mastered.
        cues=tuple(
            RoleCue(t.role, t.text, round(t.start + shift[t.chapter], 3), round(t.end + shift[t.chapter], 3))
            for t in assembly.timings
        ),
        loudness=report,
        sha256=sha256,
        size=size,
        mtime_ns=mtime_ns,
    )


def save_levels(folder: Path, settings: str, mastered: Mastered) -> None:
    """The levels the chapters were made at, for the next master of the episode to keep (see kept_levels)."""
    levels = mastered.levels
    write_atomic(
        folder / "levels.json",
        json.dumps(
            {
                "settings": settings,
                "speech_level": levels.speech_level,
                "ceiling": levels.ceiling,
                "gain_db": levels.gain_db,
                "remastered": mastered.remastered,
            }
        ),
    )
