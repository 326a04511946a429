"""Lesson Markdown and the quiz bank -> validated Lessons and Questions (errors carry file:line)."""
from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

from ..errors import Problem, relative
from .project import Project
from .show import Show

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
PAUSE_MARKER = re.compile(r"^\[pause(?:\s+(\d+(?:\.\d+)?)\s*s?)?\]$", re.IGNORECASE)
MAX_LESSON_BYTES = 512 * 1024
EPISODE_TYPES = ("full", "trailer", "bonus")
FRONT_MATTER_KEYS = {"id", "module", "lesson", "title", "domain", "summary", "publish", "type", "retired"}
QUESTION_KEYS = {"id", "lesson", "domain", "question", "options", "answer", "explanation"}


@dataclass(frozen=True)
class Block:
    """One spoken unit of a lesson: a paragraph, a list item or a sub-heading."""

    kind: str  # paragraph | item | heading | code | table | pause (text: seconds, or "" for the show's default)
    role: str  # host, or cohost for blockquotes
    text: str
    line: int


@dataclass(frozen=True)
class Section:
    title: str
    line: int
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Lesson:
    id: str
    path: str  # relative to the project
    module: int
    number: int
    title: str
    domain: str
    summary: str
    publish: dt.date | None
    episode_type: str
    retired: bool
    intro: tuple[Block, ...]
    sections: tuple[Section, ...]
    body: str  # the Markdown after the front matter, for the show notes
    body_line: int  # file line where the body starts
    digest: str

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (0 if self.episode_type == "trailer" else 1, self.module, self.number)


def markdown_parser() -> MarkdownIt:
    """CommonMark with tables; raw HTML is treated as text, so nothing in a lesson can run."""
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _inline_text(token) -> str:
    """Plain text of an inline token: code spans keep their text, links keep their label."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(front matter, body, line where the body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:]), index + 2
    return "", "", 1


def _yaml_problem(shown: str, exc: yaml.YAMLError, line_offset: int, what: str) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 + line_offset if mark else None
    reason = getattr(exc, "problem", None) or str(exc)
    return Problem(shown, line, f"{what}: invalid YAML ({reason}); check quoting and indentation "
                                "(values containing ':' need quotes)")


def _suggest(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(sorted(known))})"


def _front_matter_lines(front: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for number, line in enumerate(front.split("\n"), 2):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if match and match.group(1) not in found:
            found[match.group(1)] = number
    return found


def parse_lesson(path: Path, project: Project, show: Show) -> tuple[Lesson | None, list[Problem]]:
    """Read one lesson file; returns the Lesson (or None) and every problem found."""
    shown = relative(path, project.root)
    problems: list[Problem] = []
    raw = path.read_bytes()
    if len(raw) > MAX_LESSON_BYTES:
        return None, [Problem(shown, None, f"file is {len(raw) // 1024} KiB; a lesson may be at most "
                                           f"{MAX_LESSON_BYTES // 1024} KiB: split it into several lessons")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(shown, line, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8")]
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")

    front, body, body_line = _split_front_matter(text)
    if front is None:
        return None, [Problem(shown, 1, "no front matter; start the file with a '---' block holding id, "
                                        "module, lesson, title, domain and summary")]
    if body_line == 1:
        return None, [Problem(shown, 1, "front matter is not closed; add a line '---' after it")]
    try:
        meta = yaml.load(front, Loader=_BaseLoader) or {}  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        return None, [_yaml_problem(shown, exc, 1, "front matter")]
    if not isinstance(meta, dict):
        return None, [Problem(shown, 2, "front matter must be 'key: value' lines")]
    key_lines = _front_matter_lines(front)

    def fail(key: str | None, message: str) -> None:
        problems.append(Problem(shown, key_lines.get(key, 1) if key else 1, message))

    for key in meta:
        if key not in FRONT_MATTER_KEYS:
            fail(str(key), f"front matter: unknown key '{key}'{_suggest(str(key), FRONT_MATTER_KEYS)}")

    episode_type = meta.get("type", "full")
    if episode_type not in EPISODE_TYPES:
        fail("type", f"front matter: 'type' must be one of {', '.join(EPISODE_TYPES)}, got {episode_type!r}")
        episode_type = "full"
    trailer = episode_type == "trailer"

    lesson_id = meta.get("id")
    if lesson_id is None:
        fail(None, "front matter: 'id' missing; add a stable id like 'lambda-basics' (it names the episode forever)")
    elif not isinstance(lesson_id, str) or not ID_PATTERN.match(lesson_id):
        fail("id", f"front matter: 'id' must be lowercase letters, digits and '-' (at most 64), got {lesson_id!r}")
        lesson_id = None

    def integer(key: str, low: int, high: int) -> int | None:
        value = meta.get(key)
        if value is None:
            if not trailer:
                fail(None, f"front matter: '{key}' missing; add '{key}: N'")
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            fail(key, f"front matter: '{key}' must be a whole number {low}-{high}, got {value!r}")
            return None
        return value

    module_numbers = [m.number for m in show.modules]
    module = integer("module", 1, 99)
    if module is not None and show.modules and show.module(module) is None:
        fail("module", f"front matter: module {module} is not defined in content/show.toml "
                       f"(defined: {', '.join(map(str, module_numbers))}); add a [[modules]] entry or fix the number")
    number = integer("lesson", 1, 99)

    def string(key: str, required: bool = True) -> str:
        value = meta.get(key)
        if value is None:
            if required:
                fail(None, f"front matter: '{key}' missing; add '{key}: ...'")
            return ""
        if not isinstance(value, str) or not value.strip():
            fail(key, f"front matter: '{key}' must be non-empty text, got {value!r}")
            return ""
        return " ".join(value.split())

    title = string("title")
    summary = string("summary")
    if len(summary.encode()) > 1000:
        fail("summary", f"front matter: 'summary' is {len(summary.encode())} bytes; keep it to one sentence "
                        "(at most 1000 bytes, so the feed's description stays under 4000)")
    domain = string("domain", required=not trailer and bool(show.domains))
    if domain and show.domains and show.domain(domain) is None:
        fail("domain", f"front matter: unknown domain {domain!r}; use one of "
                       f"{', '.join(d.id for d in show.domains)}")
    publish = meta.get("publish")
    if publish is not None and (not isinstance(publish, dt.date) or isinstance(publish, dt.datetime)):
        fail("publish", f"front matter: 'publish' must be a date like 2026-12-01, got {publish!r}")
        publish = None
    retired = meta.get("retired", False)
    if not isinstance(retired, bool):
        fail("retired", f"front matter: 'retired' must be true or false, got {retired!r}")
        retired = False

    intro, sections, body_problems = _parse_body(body, body_line, shown)
    problems.extend(body_problems)
    if not intro and not any(s.blocks for s in sections):
        problems.append(Problem(shown, body_line, "the lesson has no text to speak; write paragraphs under "
                                                  "the front matter and '##' sections"))
    if problems:
        return None, problems
    return Lesson(
        id=lesson_id,
        path=shown,
        module=module or 0,
        number=number or 0,
        title=title,
        domain=domain,
        summary=summary,
        publish=publish,
        episode_type=episode_type,
        retired=retired,
        intro=tuple(intro),
        sections=tuple(sections),
        body=body,
        body_line=body_line,
        digest=hashlib.sha256(raw).hexdigest(),
    ), []


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML was built with it


def _parse_body(body: str, first_line: int, shown: str) -> tuple[list[Block], list[Section], list[Problem]]:
    problems: list[Problem] = []
    tokens = markdown_parser().parse(body)
    intro: list[Block] = []
    sections: list[Section] = []
    current: list[Block] = intro
    quote_depth = 0
    list_depth = 0
    heading_level = 0
    table_line = None
    for index, token in enumerate(tokens):
        line = (token.map[0] + first_line) if token.map else first_line
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif token.type == "heading_open":
            heading_level = int(token.tag[1])
            if heading_level == 1:
                problems.append(Problem(shown, line, "a '#' heading in the body; the title comes from the front "
                                                     "matter, so use '##' for sections"))
        elif token.type == "inline" and heading_level:
            text = _inline_text(token)
            if heading_level == 2:
                if not text:
                    problems.append(Problem(shown, line, "empty '##' heading; give the section a title"))
                current = []
                sections.append(Section(text, line, current))  # blocks are frozen into a tuple below
            elif text:
                current.append(Block("heading", "host", text, line))
            heading_level = 0
        elif token.type == "inline" and tokens[index - 1].type == "paragraph_open" and table_line is None:
            text = _inline_text(token)
            marker = PAUSE_MARKER.match(text)
            if marker:
                current.append(Block("pause", "host", marker.group(1) or "", line))
            elif text:
                kind = "item" if list_depth else "paragraph"
                current.append(Block(kind, "cohost" if quote_depth else "host", text, line))
        elif token.type in ("fence", "code_block"):
            if token.type == "fence" and not _fence_closed(body, token):
                problems.append(Problem(shown, line, f"code block opened with {token.markup} is never closed, so the "
                                                     f"rest of the lesson would be read as code; add a line "
                                                     f"{token.markup} where the code ends"))
            current.append(Block("code", "host", token.content.rstrip("\n"), line))
        elif token.type == "table_open":
            table_line = line
            current.append(Block("table", "host", "", line))
        elif token.type == "table_close":
            table_line = None
    frozen = [Section(s.title, s.line, tuple(s.blocks)) for s in sections]
    for section in frozen:
        if not section.blocks:
            problems.append(Problem(shown, section.line, f"section '{section.title}' is empty; write its text "
                                                         "or remove the heading"))
    return intro, frozen, problems


def _fence_closed(body: str, token) -> bool:
    lines = body.split("\n")
    start, end = token.map
    if end - start < 2 or end > len(lines):
        return False
    closing = re.sub(r"^[\s>]*", "", lines[end - 1]).strip()  # a fence inside a blockquote keeps its '>'
    return closing.startswith(token.markup) and set(closing) == {token.markup[0]}


