"""What an episode is once built: the data every publishing stage (tags, sidecars, feed, site) reads."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .content import Lesson


@dataclass(frozen=True)
class ChapterMark:
    title: str
    start: float  # seconds
    end: float


@dataclass(frozen=True)
class Cue:
    speaker: str
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Episode:
    lesson: Lesson
    guid: str
    season: int | None
    number: int | None
    released: dt.datetime  # timezone-aware
    audio_name: str  # file name in episodes/, with a content hash
    page_name: str  # show-notes page in feed/
    length: int  # bytes of the tagged MP3
    duration: float  # seconds
    chapters: tuple[ChapterMark, ...]
    cues: tuple[Cue, ...]
    loudness: dict

    @property
    def id(self) -> str:
        return self.lesson.id

    @property
    def stem(self) -> str:
        return self.audio_name.removesuffix(".mp3")

    @property
    def sidecars(self) -> dict[str, str]:
        """Files published beside the MP3: kind -> file name."""
        return {"vtt": f"{self.stem}.vtt", "srt": f"{self.stem}.srt", "chapters": f"{self.stem}.chapters.json"}
