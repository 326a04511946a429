"""What `certquests check` says of the speech of a whole course, before any audio."""

from __future__ import annotations

import dataclasses

from ..errors import Problem
from ..model.course import Course
from ..model.lexicon import Lexicon
from ..model.script import Line
from ..model.show import Show
from ..spoken.markup import plain
from ..spoken.review import Change, review_lines
from .script import QUIZ_NAME, Writer


@dataclasses.dataclass(frozen=True)
class SpeechReport:
    """What the speech pass found over a whole course, before any audio: what the voice cannot say or may say
    badly, and every sentence said differently from how it is written."""

    problems: tuple[Problem, ...]
    changed: tuple[Line, ...]


def speech_report(scripts: list[Line], show: Show, lexicon: Lexicon, course: Course) -> SpeechReport:
    """Every line of the episodes' scripts and every quiz question, spoken and checked."""
    lines = list(scripts)
    writer = Writer(show, lexicon, QUIZ_NAME)
    for question in course.questions:  # the whole bank: quiz.html shows every question
        texts = [question.question, *(text for _, text in question.options), question.explanation]
        for text in texts:
            writer.say("host", plain(text), line=question.line)
    lines += writer.lines
    problems: dict[tuple[str, str], Problem] = {}
    changed: dict[str, Line] = {}
    for line in lines:
        for note in line.notes:
            path, _, number = line.source.rpartition(":")
            problems.setdefault(
                (line.source, note),
                Problem(path, int(number), f'{note} (the voice says: "{line.spoken}")'),
            )
        if line.source and line.spoken != lexicon.apply(line.text):
            changed.setdefault(line.source + line.text, line)
    return SpeechReport(tuple(problems.values()), tuple(changed.values()))


def speech_lines(report: SpeechReport, *, every: bool = False) -> list[str]:
    """The report as `certquests check` prints it: every problem; the changed sentences grouped by the rule
    that changed them, or (`every`) each one as written, then as said."""
    out = []
    if report.problems:
        out.append(f"{len(report.problems)} sentence(s) the voice cannot say in full or may say badly:")
        out += [f"  {problem}" for problem in report.problems]
    else:
        out.append("The voice can say every sentence.")
    if report.changed and every:
        out.append(
            f"{len(report.changed)} sentence(s) are said differently from how they are written "
            "(addresses, identifiers, units, symbols, markup); each as written, then as said:"
        )
        for line in report.changed:
            out += [f"  {line.source}: {line.text}", f"      said: {line.spoken}"]
    elif report.changed:
        out.append(
            f"{len(report.changed)} sentence(s) are said differently from how they are written; by rule, "
            "with the changes made most often and one sentence (`certquests check --all` lists every one):"
        )
        out += review_lines([Change(line.source, line.text, line.spoken) for line in report.changed])
    return out


def vocabulary_lines(course: Course, lexicon: Lexicon) -> list[str]:
    """The words `certquests check` asks a producer about: all-caps words without a lexicon entry, and words
    with letters from other languages, with how often each is used."""
    out = []
    unknown = course.words_missing_from(lexicon)
    if unknown:
        out.append(f"{len(unknown)} all-caps word(s) have no entry in content/lexicon.toml yet:")
        out += [f"  {token}  ({', '.join(sorted(unknown[token]))})" for token in sorted(unknown)]
    else:
        out.append("Every all-caps word has a pronunciation entry.")
    foreign = course.foreign_words(lexicon)
    if foreign:
        out.append(
            f"{len(foreign)} word(s) have letters from other languages, which the voice may say as English; "
            'listen, and add "word" = "how to say it" under [say] in content/lexicon.toml where it does not:'
        )
        out += [f"  {word} ({count})" for word, count in sorted(foreign.items(), key=lambda i: (-i[1], i[0]))]
    return out
