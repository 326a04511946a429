"""Lesson -> Script: speaker-tagged sentences with pauses, grouped into chapters, and its reviewable text."""

from __future__ import annotations

import pickle
import re

from ..fsutil import write_atomic
from ..model.lesson import Block, Lesson
from ..model.lexicon import LEXICON_NAME, Lexicon
from ..model.project import CONFIG_NAME
from ..model.quiz import Question
from ..model.script import Chapter, Line, Script
from ..model.show import Show
from .base import Context, EpisodeWork, Outline, Scope, Step, digest

# Abbreviations after which a period does not end a sentence.
ABBREVIATIONS = {
    "e.g",
    "i.e",
    "vs",
    "etc",
    "approx",
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "no",
    "fig",
    "cf",
    "inc",
    "ltd",
}
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9$`])")
SYMBOLS = [
    (re.compile(r"\s*(?:→|->|=>)\s*"), " to "),
    (re.compile(r"\s*(?:—|–)\s*"), ", "),
    (re.compile(r"\s+&\s+"), " and "),
    (re.compile(r"≤"), " at most "),
    (re.compile(r"≥"), " at least "),
    (re.compile(r"\s*×\s*"), " times "),
    (re.compile(r"(?<=\w)_(?=\w)"), " "),
    (re.compile(r"[*_#`]"), ""),
    (re.compile(r"\s{2,}"), " "),
]
NOTICES = {
    "code": "There is a code sample for this in the show notes.",
    "table": "There is a table for this in the show notes.",
}
ORDINALS = ["one", "two", "three", "four", "five", "six"]


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph; periods after abbreviations, initials and inside names do not split."""
    sentences: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        before = text[start : match.start()].rstrip("\"')]")
        last_word = before.split()[-1].rstrip(".").lower() if before.split() else ""
        if before.endswith(".") and (
            last_word in ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha())
        ):
            continue
        sentences.append(text[start : match.start()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def speakable(text: str) -> str:
    """Symbols a listener cannot hear turned into words."""
    for pattern, replacement in SYMBOLS:
        text = pattern.sub(replacement, text)
    return text.strip()


class _Writer:
    """Accumulates lines for one chapter, putting the right pause after each."""

    def __init__(self, show: Show, lexicon: Lexicon):
        self.audio = show.audio
        self.lexicon = lexicon
        self.voices = show.voices
        self.lines: list[Line] = []

    def say(self, role: str, text: str, *, pause: float | None = None) -> None:
        role = role if role in self.voices else "host"  # a show with one voice reads the co-host's lines too
        sentences = split_sentences(text)
        for index, sentence in enumerate(sentences):
            last = index == len(sentences) - 1
            gap = (
                (pause if pause is not None else self.audio.paragraph_pause)
                if last
                else self.audio.sentence_pause
            )
            spoken = self.lexicon.apply(speakable(sentence))
            if spoken.strip(" .,;:!?"):
                self.lines.append(Line(role, sentence, spoken, gap))

    def block(self, block: Block) -> None:
        if block.kind == "pause":
            if self.lines:
                last = self.lines[-1]
                seconds = float(block.text) if block.text else self.audio.answer_pause
                self.lines[-1] = Line(last.role, last.text, last.spoken, max(last.pause, seconds))
        elif block.kind in NOTICES:
            notice = NOTICES[block.kind]
            # Two code blocks a few lines apart are one thing to look up: say so once.
            if all(line.text != notice for line in self.lines[-3:]):
                self.say("host", notice)
        else:
            text = block.text if block.text[-1:] in ".!?:" else block.text + "."
            self.say(block.role, text)

    def close(self, title: str, kind: str, section_pause: float) -> Chapter:
        lines = self.lines
        if lines:
            last = lines[-1]
            lines[-1] = Line(
                last.role, last.text, last.spoken, max(last.pause, section_pause) if section_pause else 0.0
            )
        self.lines = []
        return Chapter(title, kind, tuple(lines))


def build_script(
    lesson: Lesson,
    show: Show,
    lexicon: Lexicon,
    questions: tuple[Question, ...] = (),
    next_title: str | None = None,
) -> Script:
    """The whole episode as spoken lines: intro, one chapter per section, self-test, outro."""
    writer = _Writer(show, lexicon)
    audio = show.audio
    chapters: list[Chapter] = []
    cohost = "cohost"

    if lesson.episode_type == "trailer":
        writer.say("host", f"This is {show.title}.")
    else:
        module = show.module(lesson.module)
        where = f"Module {lesson.module}" + (f", {module.title}" if module else "")
        writer.say("host", f"{show.title}. {where}. Lesson {lesson.number}: {lesson.title}.")
    for block in lesson.intro:
        writer.block(block)
    chapters.append(writer.close("Introduction", "intro", audio.section_pause))

    for section in lesson.sections:
        writer.say("host", section.title if section.title[-1:] in ".!?" else section.title + ".")
        for block in section.blocks:
            writer.block(block)
        chapters.append(writer.close(section.title, "section", audio.section_pause))

    chosen = questions[: show.selftest_questions]
    if chosen:
        count = ORDINALS[len(chosen) - 1]
        writer.say(
            "host",
            f"Time to test yourself. {count.capitalize()} questions from the quiz. "
            "After each one, pause and answer before you hear the solution.",
        )
        for number, question in enumerate(chosen, 1):
            writer.say(
                cohost, f"Question {ORDINALS[number - 1]}. {question.question}", pause=audio.sentence_pause
            )
            for index, (letter, option) in enumerate(question.options):
                last = index == len(question.options) - 1
                text = option if option[-1:] in ".!?" else option + "."
                writer.say(
                    cohost, f"{letter}: {text}", pause=audio.answer_pause if last else audio.sentence_pause
                )
            writer.say(
                "host",
                f"The answer is {question.answer}: {question.answer_text.rstrip('.')}. "
                f"{question.explanation}",
            )
        chapters.append(writer.close("Test yourself", "selftest", audio.section_pause))

    if lesson.episode_type == "trailer":
        writer.say(
            "host",
            f"That is {show.title}. Subscribe in your podcast app so each new lesson arrives "
            "the day it is released.",
        )
    else:
        writer.say(
            "host",
            f"That wraps up {lesson.title}. The full quiz and the transcript are on the show's website.",
        )
        if next_title:
            writer.say("host", f"Next time: {next_title}. Thanks for listening.")
        else:
            writer.say("host", "Thanks for listening, and good luck on the exam.")
    chapters.append(writer.close("Outro", "outro", 0.0))
    return Script(lesson.id, lesson.title, tuple(c for c in chapters if c.lines))


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


NAME = "script"
VERSION = 1
SCOPE: Scope = "episode"
HELP = "Write the episode scripts to scripts/ (and nothing else)."


def _script(context: Context, episode: EpisodeWork) -> None:
    """The episode's script, its text and outline; from the plan memo when the lesson, its questions, the
    show config and the lexicon are as they were (the script is then loaded only if a step needs it)."""
    show, memo, questions = context.show, context.memo, context.course.questions_for(episode.id)
    if memo is not None:
        root = context.project.root
        lexicon = root / LEXICON_NAME
        episode.script_memo = memo.key(
            VERSION,
            memo.file_digest(root / episode.lesson.path),
            context.shared("show file", lambda: memo.file_digest(root / CONFIG_NAME)),
            context.shared("lexicon file", lambda: memo.file_digest(lexicon) if lexicon.is_file() else ""),
            digest([(q.id, q.question, q.options, q.answer, q.explanation) for q in questions]),
            episode.following,
        )
        known = memo.get("script", episode.script_memo)
        if known is not None:
            blob, episode.outline = known
            episode.load_script = lambda: pickle.loads(blob)  # noqa: S301 - the build's own cache
            return
    script = build_script(episode.lesson, show, context.lexicon, questions, episode.following)
    text = render_script(script, episode.lesson, show)
    episode.script, episode.script_text, episode.outline = script, text, Outline.of(script, text)
    if memo is not None:
        blob = pickle.dumps((script, text), protocol=pickle.HIGHEST_PROTOCOL)
        memo.put("script", episode.script_memo, (blob, episode.outline))


def plan(context: Context, episode: EpisodeWork | None) -> list[Step]:
    assert episode is not None
    _script(context, episode)
    target = context.project.scripts / f"{episode.id}.txt"

    def run() -> None:
        episode.spoken  # noqa: B018 - loads the script and its text when the memo kept them
        write_atomic(target, episode.script_text)

    # The script is cheap to make and the file is all it writes: its text is its key.
    return [
        Step(
            NAME,
            episode.id,
            {"stage code": str(VERSION), "script text": episode.planned.text},
            run,
            (target,),
            episode=episode.id,
        )
    ]
