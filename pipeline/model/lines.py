"""The [lines] table of the show config: the sentences every episode is built around."""

from __future__ import annotations

import string

from pydantic import ValidationInfo, field_validator
from pydantic.dataclasses import dataclass

from ..errors import Problem
from .schema import SCHEMA, Where

# What each built-in line of an episode may name: {show} and {exam} in every one, and these.
LINE_FIELDS = {
    "intro": ("module", "lesson", "title"),
    "trailer_intro": (),
    "selftest": ("questions",),
    "question": ("number",),
    "answer": ("letter", "answer"),
    "outro": ("title",),
    "next": ("next",),
    "last": (),
    "trailer_outro": (),
    "drill_intro": ("topic", "questions"),
    "drill_outro": ("topic",),
    "review_intro": (),
    "review_outro": (),
}
COMMON_FIELDS = ("show", "exam")


def placeholders(text: str) -> list[str]:
    """The {names} a line uses; ValueError when a brace has no pair."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


@dataclass(frozen=True, config=SCHEMA)
class Lines:
    """The [lines] table: the sentences every episode is built around, with {placeholders} filled in for
    each episode. None speaks of an exam: `last` wishes luck on one only when [show] exam names it."""

    intro: str = "{show}. {module}. Lesson {lesson}: {title}."
    trailer_intro: str = "This is {show}."
    selftest: str = (
        "Time to test yourself. {questions} from the quiz. "
        "After each one, pause and answer before you hear the solution."
    )
    question: str = "Question {number}."
    answer: str = "The answer is {letter}: {answer}."
    outro: str = "That wraps up {title}. The full quiz and the transcript are on the show's website."
    next: str = "Next time: {next}. Thanks for listening."
    last: str = ""  # after the last lesson; unset, it thanks the listener (and wishes luck on the exam)
    trailer_outro: str = (
        "That is {show}. Subscribe in your podcast app so each new lesson arrives the day it is released."
    )
    # Drills and reviews ([study]). A review's lines name nothing that changes from one review to the next,
    # so a review of questions voiced before is made from the sentence cache alone.
    drill_intro: str = (
        "{show}. A drill on {topic}: {questions} from the quiz. "
        "After each one, pause and answer before you hear the solution."
    )
    drill_outro: str = "That was every question on {topic}. The quiz on the show's website keeps your score."
    review_intro: str = (
        "{show}. Time for a review: questions from earlier lessons come back, so they stay with you. "
        "After each one, pause and answer before you hear the solution."
    )
    review_outro: str = "That is the end of this review. The quiz on the show's website has every question."

    @field_validator(*LINE_FIELDS)
    @classmethod
    def _known_placeholders(cls, text: str, info: ValidationInfo) -> str:
        name = info.field_name or ""
        allowed = (*COMMON_FIELDS, *LINE_FIELDS[name])
        try:
            used = placeholders(text)
        except ValueError:
            raise ValueError("has a '{' or '}' without its pair; write {{ or }} for a brace") from None
        for field in used:
            if field not in allowed:
                named = ", ".join("{" + known + "}" for known in allowed)
                raise ValueError(f"{{{field}}} is not known here; use {named}")
        if name != "last" and not text.strip():
            raise ValueError("must not be empty; leave the key out for the default")
        return " ".join(text.split())

    def last_line(self, exam: str) -> str:
        """The line that ends the last lesson."""
        if self.last:
            return self.last
        return "Thanks for listening, and good luck on {exam}." if exam else "Thanks for listening."

    def say(self, key: str, *, show: str, exam: str, **fields: str) -> str:
        """One line with the show's title, its exam and `fields` filled in."""
        text = self.last_line(exam) if key == "last" else getattr(self, key)
        return str(text).format(show=show, exam=exam, **fields)


def exam_named(lines: Lines, where: Where) -> list[Problem]:
    """A line that names {exam} in a show that prepares for none."""
    fix = 'set exam = "the ... exam" under [show], or take {exam} out of the line'
    return [
        where.problem(key, f"uses {{exam}}, but the show names no exam; {fix}")
        for key in LINE_FIELDS
        if "exam" in placeholders(getattr(lines, key))
    ]
