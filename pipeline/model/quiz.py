"""The quiz bank (content/quiz.yaml) -> validated Questions, each problem with its line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass

from ..errors import Problem, relative
from .lesson import Id, show_in
from .project import Project
from .schema import SCHEMA, Where, hidden_character, not_utf8, read, yaml_hazards, yaml_problem
from .show import Show


@dataclass(frozen=True, config=SCHEMA)
class Question:
    """One entry of the quiz bank; every value is text, as written."""

    id: Id
    lesson: str
    question: str
    options: tuple[tuple[str, str], ...]  # (letter, text), from the mapping A: ..., B: ...
    answer: str
    explanation: str
    line: int  # of the entry in quiz.yaml
    domain: str = Field(default="", validate_default=True)  # needed only when the show defines domains

    @field_validator("question", "explanation")
    @classmethod
    def _one_line(cls, text: str, info: ValidationInfo) -> str:
        if not text.strip():
            raise ValueError(f"'{info.field_name}' must be non-empty text")
        hidden = hidden_character(text, one_line=False)  # read aloud and shown in the transcripts
        if hidden:
            raise ValueError(f"'{info.field_name}' holds {hidden}; remove it")
        return " ".join(text.split())

    @field_validator("domain")
    @classmethod
    def _a_domain_of_the_show(cls, domain: str, info: ValidationInfo) -> str:
        show = show_in(info)
        if not show or not show.domains:
            return domain
        known = ", ".join(d.id for d in show.domains)
        if not domain.strip():
            raise ValueError(f"'domain' missing; add 'domain: ...' with one of {known}")
        if show.domain(domain) is None:
            raise ValueError(f"unknown domain {domain!r}; use one of {known}")
        return domain

    @field_validator("options", mode="before")
    @classmethod
    def _lettered(cls, options: Any) -> Any:
        if not isinstance(options, dict):
            raise ValueError("'options' must be a mapping of letters to text (A: ..., B: ...)")
        letters = list(options)
        wrong: list[str] = []
        if not 2 <= len(letters) <= 6 or letters != [chr(ord("A") + i) for i in range(len(letters))]:
            wrong.append(
                f"options must be lettered A, B, C, ... in order (2-6 of them), got {', '.join(letters)}"
            )
        if any(not isinstance(text, str) or not text.strip() for text in options.values()):
            wrong.append("every option needs text (quote it if it holds ':' or '#')")
        pairs = tuple((letter, " ".join(str(text).split())) for letter, text in options.items())
        if len({text.lower() for _, text in pairs}) != len(pairs):
            wrong.append("two options have the same text; every option must differ")
        if wrong:
            raise ValueError("; ".join(wrong))
        return pairs

    @field_validator("answer")
    @classmethod
    def _one_of_the_options(cls, answer: str, info: ValidationInfo) -> str:
        letters = [letter for letter, _ in info.data.get("options", ())]
        if letters and answer not in letters:
            raise ValueError(
                f"'answer' must be exactly one of the option letters ({', '.join(letters)}), got {answer!r}"
            )
        return answer

    @property
    def answer_text(self) -> str:
        return dict(self.options)[self.answer]


_TextLoader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)  # every scalar stays text: 'Yes' is not True


class _LineLoader(_TextLoader):  # type: ignore[misc, valid-type]
    """A YAML loader that keeps every value as written and records each mapping's line as '__line__'."""


def _construct_mapping(loader: yaml.BaseLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    mapping = dict(_TextLoader.construct_mapping(loader, node, deep=True))
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _at(line: int) -> Callable[[str | None], int]:
    """Every problem with a question is reported at the line where the question starts."""
    return lambda _key: line


def parse_quiz(path: Path, project: Project, show: Show) -> tuple[list[Question], list[Problem]]:
    shown = relative(path, project.root)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark, as some editors write
    except UnicodeDecodeError as exc:
        return [], [not_utf8(shown, raw, exc)]
    try:
        hazards = yaml_hazards(text, _TextLoader, shown, 0, "quiz")
        if hazards:
            return [], hazards
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        return [], [yaml_problem(shown, exc, 0, "quiz")]
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [Problem(shown, 1, "the quiz bank must be a YAML list of questions ('- id: q01 ...')")]
    problems: list[Problem] = []
    questions: list[Question] = []
    for item in data:
        if not isinstance(item, dict):
            needs = "id, lesson, question, options, answer, explanation" + (
                ", domain" if show.domains else ""
            )
            problems.append(
                Problem(shown, None, f"quiz entry {item!r} is not a mapping; each question needs {needs}")
            )
            continue
        line = item.pop("__line__")
        if isinstance(item.get("options"), dict):
            item["options"].pop("__line__", None)
        label = item["id"] if isinstance(item.get("id"), str) else "?"
        before = len(problems)
        where = Where(shown, f"question {label}:", _at(line))
        question = read(Question, item, where, problems, given={"line": line}, context={"show": show})
        if question and len(problems) == before:
            questions.append(question)
    return questions, problems
