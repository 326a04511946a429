"""An episode's script: speaker-tagged lines with their pauses, grouped into chapters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    role: str
    text: str  # as the transcript shows it
    spoken: str  # as the engine hears it (symbols spoken, lexicon applied)
    pause: float  # seconds of silence after the line
    source: str = ""  # file:line the sentence comes from
    notes: tuple[str, ...] = ()  # what the voice cannot say or may say badly, each with its fix


@dataclass(frozen=True)
class Chapter:
    title: str
    kind: str  # intro | section | selftest | outro
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Script:
    lesson_id: str
    title: str
    chapters: tuple[Chapter, ...]

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for chapter in self.chapters for line in chapter.lines)

    @property
    def word_count(self) -> int:
        return sum(len(line.text.split()) for line in self.lines)
