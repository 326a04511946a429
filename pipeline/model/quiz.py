"""The quiz bank (content/quiz.yaml) -> validated Questions, each problem with its line."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import Problem, relative
from .lesson import ID_PATTERN, QUESTION_KEYS, _suggest, _yaml_problem
from .project import Project
from .show import Show


@dataclass(frozen=True)
class Question:
    id: str
    lesson: str
    domain: str
    question: str
    options: tuple[tuple[str, str], ...]  # (letter, text)
    answer: str
    explanation: str
    line: int

    @property
    def answer_text(self) -> str:
        return dict(self.options)[self.answer]


_TextLoader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)  # every scalar stays text: 'Yes' is not True


class _LineLoader(_TextLoader):
    """A YAML loader that keeps every value as written and records each mapping's line as '__line__'."""


def _construct_mapping(loader, node, deep=False):
    mapping = _TextLoader.construct_mapping(loader, node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_quiz(path: Path, project: Project, show: Show) -> tuple[list[Question], list[Problem]]:
    shown = relative(path, project.root)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], [Problem(shown, None, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8")]
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        return [], [_yaml_problem(shown, exc, 0, "quiz")]
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [Problem(shown, 1, "the quiz bank must be a YAML list of questions ('- id: q01 ...')")]
    problems: list[Problem] = []
    questions: list[Question] = []
    for item in data:
        if not isinstance(item, dict):
            problems.append(Problem(shown, None, f"quiz entry {item!r} is not a mapping; each question needs "
                                                 "id, lesson, domain, question, options, answer, explanation"))
            continue
        line = item.pop("__line__", None)
        before = len(problems)

        def fail(message: str) -> None:
            problems.append(Problem(shown, line, f"question {item.get('id', '?')}: {message}"))

        for key in item:
            if key not in QUESTION_KEYS:
                fail(f"unknown key '{key}'{_suggest(str(key), QUESTION_KEYS)}")
        for key in sorted(QUESTION_KEYS - set(item)):
            fail(f"'{key}' missing")
        for key in ("id", "lesson", "domain", "answer", "question", "explanation"):
            if key in item and not isinstance(item[key], str):
                fail(f"'{key}' must be plain text, got {type(item[key]).__name__}; write it on one line "
                     "(quote it if it holds ':' or '#')")
                item[key] = None
        qid = item.get("id")
        if qid is not None and not ID_PATTERN.match(qid):
            fail(f"'id' must be lowercase letters, digits and '-', got {qid!r}")
        options = item.get("options")
        if isinstance(options, dict):
            options.pop("__line__", None)
            letters = list(options)
            if not 2 <= len(letters) <= 6 or letters != [chr(ord("A") + i) for i in range(len(letters))]:
                fail(f"options must be lettered A, B, C, ... in order (2-6 of them), got {', '.join(map(str, letters))}")
            if any(not isinstance(v, str) or not v.strip() for v in options.values()):
                fail("every option needs text (quote it if it holds ':' or '#')")
            option_pairs = tuple((str(k), " ".join(str(v).split())) for k, v in options.items())
            if len({text.lower() for _, text in option_pairs}) != len(option_pairs):
                fail("two options have the same text; every option must differ")
        else:
            if options is not None:
                fail("'options' must be a mapping of letters to text (A: ..., B: ...)")
            option_pairs = ()
        answer = item.get("answer")
        if answer is not None and answer not in dict(option_pairs):
            fail(f"'answer' must be exactly one of the option letters ({', '.join(k for k, _ in option_pairs)}), "
                 f"got {answer!r}")
        domain = item.get("domain")
        if domain is not None and show.domains and show.domain(str(domain)) is None:
            fail(f"unknown domain {domain!r}; use one of {', '.join(d.id for d in show.domains)}")
        for key in ("question", "explanation"):
            if isinstance(item.get(key), str) and not item[key].strip():
                fail(f"'{key}' must be non-empty text")
        if len(problems) == before:
            questions.append(Question(
                id=qid, lesson=str(item["lesson"]), domain=str(domain), question=" ".join(item["question"].split()),
                options=option_pairs, answer=str(answer), explanation=" ".join(item["explanation"].split()),
                line=line or 0))
    return questions, problems


