"""Lesson -> Script: speaker-tagged sentences with pauses, grouped into chapters, and its reviewable text."""

from __future__ import annotations

import dataclasses
import itertools

from ..model.lesson import Block, Lesson
from ..model.lexicon import Lexicon
from ..model.quiz import Question
from ..model.script import Chapter, Line, Script
from ..model.show import Show
from ..spoken.markup import keeps_breaks, plain, shown
from ..spoken.numbers import cardinal
from ..spoken.sentences import split_sentences
from ..spoken.speech import Spoken, long_sentence, speak

NOTICES = {
    "code": "There is a code sample for this in the show notes.",
    "table": "There is a table for this in the show notes.",
    "image": "There is a picture of this in the show notes.",
}
ORDINALS = ["one", "two", "three", "four", "five", "six"]
QUIZ_NAME = "content/quiz.yaml"


def speech_notes(sentence: str, spoken: Spoken) -> tuple[str, ...]:
    """What a producer should know about one sentence before it is voiced, each with its fix."""
    notes = []
    for word, script in spoken.unsayable:
        notes.append(
            f"the voice cannot say {word!r} ({script} script) and leaves it out; add "
            f'"{word}" = "..." under [say] in content/lexicon.toml with how to say it'
        )
    words = long_sentence(sentence)
    if words:
        notes.append(f"a sentence of {words} words is hard to follow when heard; split it")
    return tuple(notes)


def _lines_of(block: Block) -> list[str]:
    """A block's text cut where its source lines break."""
    cuts = [0, *block.breaks, len(block.text)]
    return [" ".join(block.text[start:end].split()) for start, end in itertools.pairwise(cuts)]


class Writer:
    """Accumulates lines for one chapter, putting the right pause after each."""

    def __init__(self, show: Show, lexicon: Lexicon, path: str):
        self.audio = show.audio
        self.lexicon = lexicon
        self.voices = show.voices
        self.language = show.language
        self.path = path
        self.lines: list[Line] = []

    def say(
        self,
        role: str,
        text: str,
        *,
        pause: float | None = None,
        line: int | None = None,
        breaks: tuple[int, ...] = (),
        path: str | None = None,
    ) -> None:
        role = role if role in self.voices else "host"  # a show with one voice reads the co-host's lines too
        sentences = split_sentences(text)
        for index, (start, sentence) in enumerate(sentences):
            last = index == len(sentences) - 1
            gap = (
                (pause if pause is not None else self.audio.paragraph_pause)
                if last
                else self.audio.sentence_pause
            )
            spoken = speak(sentence, self.lexicon, self.language)
            if not spoken.text.strip(" .,;:!?"):
                continue
            where = f"{path or self.path}:{line + sum(1 for b in breaks if b <= start)}" if line else ""
            text = shown(sentence)
            self.lines.append(Line(role, text, spoken.text, gap, where, speech_notes(text, spoken)))

    def block(self, block: Block) -> None:
        if block.kind == "pause":
            if self.lines:
                last = self.lines[-1]
                seconds = float(block.text) if block.text else self.audio.answer_pause
                self.lines[-1] = dataclasses.replace(last, pause=max(last.pause, seconds))
        elif block.kind in NOTICES:
            notice = NOTICES[block.kind]
            # Two code blocks a few lines apart are one thing to look up: say so once.
            if all(line.text != notice for line in self.lines[-3:]):
                self.say("host", notice)
        elif block.kind != "note" and keeps_breaks(verse := _lines_of(block)):
            verse[-1] += "" if verse[-1][-1:] in ".!?:" else "."
            for index, words in enumerate(verse):  # a poem, an address: a pause after each line
                pause = None if index == len(verse) - 1 else self.audio.sentence_pause
                self.say(block.role, words, pause=pause, line=block.line + index)
        else:
            text = " ".join(block.text.split()) if block.kind != "note" else "A note: " + block.text
            text = text if text[-1:] in ".!?:" else text + "."
            self.say(block.role, text, line=block.line, breaks=block.breaks)

    def close(self, title: str, kind: str, section_pause: float) -> Chapter:
        lines = self.lines
        if lines:
            last = lines[-1]
            lines[-1] = dataclasses.replace(
                last, pause=max(last.pause, section_pause) if section_pause else 0.0
            )
        self.lines = []
        return Chapter(title, kind, tuple(lines))


def _number(number: int, show: Show) -> str:
    return ORDINALS[number - 1] if number <= len(ORDINALS) else cardinal(number, show.language)


def ask(writer: Writer, show: Show, question: Question, number: int) -> None:
    """One quiz question as an episode asks it: the co-host reads it and its options, each option after its
    letter said as a phrase of its own (run together, "A: A REST API" is heard "arrest API"), the answer pause
    after the last; then the host gives the answer and why."""
    audio = show.audio

    def say(role: str, text: str, pause: float | None = None) -> None:
        writer.say(role, text, pause=pause, path=QUIZ_NAME, line=question.line)

    say(
        "cohost",
        f"{show.line('question', number=_number(number, show))} {plain(question.question)}",
        audio.sentence_pause,
    )
    for index, (letter, option) in enumerate(question.options):
        text = plain(option)
        last = index == len(question.options) - 1
        say("cohost", f"Option {letter}.", audio.sentence_pause)
        say(
            "cohost",
            text if text[-1:] in ".!?" else text + ".",
            audio.answer_pause if last else audio.sentence_pause,
        )
    answer = show.line("answer", letter=question.answer, answer=plain(question.answer_text).rstrip("."))
    say("host", f"{answer} {plain(question.explanation)}")


def build_script(
    lesson: Lesson,
    show: Show,
    lexicon: Lexicon,
    questions: tuple[Question, ...] = (),
    next_title: str | None = None,
) -> Script:
    """The whole episode as spoken lines: intro, one chapter per section, self-test, outro."""
    writer = Writer(show, lexicon, lesson.path)
    audio = show.audio
    chapters: list[Chapter] = []

    if lesson.episode_type == "trailer":
        writer.say("host", show.line("trailer_intro"))
    else:
        module = show.module(lesson.module)
        where = f"Module {lesson.module}" + (f", {module.title}" if module else "")
        title = plain(lesson.title)
        writer.say("host", show.line("intro", module=where, lesson=str(lesson.number), title=title))
    for block in lesson.intro:
        writer.block(block)
    chapters.append(writer.close("Introduction", "intro", audio.section_pause))

    for section in lesson.sections:
        title = section.title if section.title[-1:] in ".!?" else section.title + "."
        writer.say("host", title, line=section.line)
        for block in section.blocks:
            writer.block(block)
        chapters.append(writer.close(section.title, "section", audio.section_pause))

    chosen = questions[: show.selftest_questions]
    if chosen:
        count = f"{ORDINALS[len(chosen) - 1].capitalize()} question{'s' if len(chosen) > 1 else ''}"
        writer.say("host", show.line("selftest", questions=count))
        for number, question in enumerate(chosen, 1):
            ask(writer, show, question, number)
        chapters.append(writer.close("Test yourself", "selftest", audio.section_pause))

    if lesson.episode_type == "trailer":
        writer.say("host", show.line("trailer_outro"))
    else:
        writer.say("host", show.line("outro", title=plain(lesson.title)))
        if next_title:
            writer.say("host", show.line("next", next=plain(next_title)))
        else:
            writer.say("host", show.line("last"))
    chapters.append(writer.close("Outro", "outro", 0.0))
    return Script(lesson.id, lesson.title, tuple(c for c in chapters if c.lines))


def build_study_script(
    lesson: Lesson, show: Show, lexicon: Lexicon, questions: tuple[Question, ...], topic: str = ""
) -> Script:
    """A drill (`topic` names what it covers) or a review: an intro, one chapter per question, an outro."""
    writer = Writer(show, lexicon, lesson.path)
    section_pause = show.audio.section_pause
    if topic:
        count = f"{_number(len(questions), show).capitalize()} question{'s' if len(questions) > 1 else ''}"
        writer.say("host", show.line("drill_intro", topic=topic, questions=count))
    else:
        writer.say("host", show.line("review_intro"))
    chapters = [writer.close("Introduction", "intro", section_pause)]
    for number, question in enumerate(questions, 1):
        ask(writer, show, question, number)
        chapters.append(writer.close(f"Question {number}", "selftest", section_pause))
    writer.say("host", show.line("drill_outro", topic=topic) if topic else show.line("review_outro"))
    chapters.append(writer.close("Outro", "outro", 0.0))
    return Script(lesson.id, lesson.title, tuple(chapters))


def render_script(script: Script, lesson: Lesson, show: Show) -> str:
    """The reviewable text in scripts/: one speaker-tagged sentence per line, chapters as headings."""
    out = [
        f"# {script.title}",
        f"# episode {lesson.id}, from {lesson.path}: edit the lesson, not this file",
        f"# {len(script.lines)} sentences, {script.word_count} words",
        "",
    ]
    for chapter in script.chapters:
        out.append(f"== {chapter.title}")
        for line in chapter.lines:
            name = show.voices.get(line.role)
            out.append(f"{(name.name if name else line.role).upper()}: {line.text}")
            if line.spoken != line.text:
                out.append(f"    (said: {line.spoken})")
            if line.pause >= show.audio.answer_pause:
                out.append(f"[pause {line.pause:g} s]")
            elif line.pause >= show.audio.paragraph_pause:
                out.append("")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
