"""Lesson Markdown -> validated Lessons (the class is the front matter's schema), errors with file:line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import unquote

import yaml
from pydantic import Field, ValidationInfo, ValidatorFunctionWrapHandler, field_validator, model_validator
from pydantic.dataclasses import dataclass
from pydantic_core import ArgsKwargs

from ..errors import Problem, relative
from ..spoken.markup import html_block_text, inline_text, markdown_parser
from ..spoken.markup import shown as unmarked
from .project import Project
from .schema import SCHEMA, Where, hidden_character, not_utf8, read, yaml_hazards, yaml_problem
from .show import Show

if TYPE_CHECKING:
    from markdown_it.token import Token

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# Ids name episode files and pages, so nothing else may get into a path.
ID = "lowercase letters, digits and '-', at most 64"
Id = Annotated[str, Field(pattern=ID_PATTERN.pattern, description=ID)]
PAUSE_MARKER = re.compile(r"^\[pause(?:\s+(\d+(?:\.\d+)?)\s*s?)?\]$", re.IGNORECASE)
MAX_LESSON_BYTES = 512 * 1024
# Chapters are these sections, the introduction, the self-test and the outro; ID3's CTOC counts in a byte.
MAX_SECTIONS = 250
SPOKEN_KINDS = {"paragraph", "item", "note"}  # what a listener hears as the lesson's own words
PRIVATE_FILES = {"show.toml", "quiz.yaml", "lexicon.toml"}  # under content/: a lesson may not link them
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML was built with it


@dataclasses.dataclass(frozen=True)
class Block:
    """One spoken unit of a lesson: a paragraph, a list item or a sub-heading."""

    kind: str  # paragraph | item | heading | note | code | table | image | pause (text: its seconds, or "")
    role: str  # host, or cohost for blockquotes
    text: str  # as a listener hears it, before symbols are spoken: markup, links and footnote marks resolved
    line: int
    breaks: tuple[int, ...] = ()  # offsets in text where a new source line starts


@dataclasses.dataclass(frozen=True)
class Section:
    title: str
    line: int
    blocks: tuple[Block, ...]


@dataclass(frozen=True, kw_only=True, config=SCHEMA)
class Lesson:
    """A lesson: its front matter, checked against the show, then its parsed body (parse_lesson gives it)."""

    id: Id
    path: str  # relative to the project
    episode_type: Literal["full", "trailer", "bonus"] = Field(default="full", alias="type")
    module: int = Field(ge=1, le=99)  # 0 for a trailer, which belongs to no module
    number: int = Field(alias="lesson", ge=1, le=99)
    title: str = Field()
    domain: str = Field(default="", validate_default=True)
    summary: str = Field()
    publish: dt.date | None = Field(default=None, ge=dt.date(2000, 1, 1), le=dt.date(2999, 12, 31))
    retired: bool = False
    intro: tuple[Block, ...] = ()
    sections: tuple[Section, ...] = ()
    body: str = ""  # the Markdown after the front matter, for the show notes
    body_line: int = 1  # file line where the body starts
    files: tuple[tuple[str, int], ...] = ()  # relative image and link targets, with their lines
    digest: str = ""

    @model_validator(mode="before")
    @classmethod
    def _trailer_defaults(cls, data: Any) -> Any:
        """A trailer may leave out its module and lesson number."""
        if isinstance(data, ArgsKwargs) and data.kwargs and data.kwargs.get("type") == "trailer":
            return ArgsKwargs(data.args, {"module": 0, "lesson": 0, **data.kwargs})
        return data

    @field_validator("module", "number", mode="wrap")
    @classmethod
    def _zero_for_a_trailer(
        cls, number: object, next_: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> int:
        return 0 if number == 0 and info.data.get("episode_type") == "trailer" else int(next_(number))

    @field_validator("module")
    @classmethod
    def _defined_in_the_show(cls, module: int, info: ValidationInfo) -> int:
        show = show_in(info)
        if module and show and show.modules and show.module(module) is None:
            defined = ", ".join(str(m.number) for m in show.modules)
            raise ValueError(
                f"module {module} is not defined in content/show.toml (defined: {defined}); "
                "add a [[modules]] entry or fix the number"
            )
        return module

    @field_validator("title", "summary", "domain")
    @classmethod
    def _one_line(cls, text: str, info: ValidationInfo) -> str:
        text = " ".join(text.split())
        if not text and info.field_name != "domain":
            raise ValueError(f"'{info.field_name}' must be non-empty text")
        control = next((char for char in text if unicodedata.category(char) == "Cc"), None)
        if control is not None:  # no feed, tag or caption may carry one (XML refuses most of them)
            raise ValueError(f"'{info.field_name}' holds the control character {control!r}; remove it")
        hidden = hidden_character(text, one_line=True)
        if (
            hidden is not None
        ):  # shown in podcast apps, the feed and the ID3 tags, it would mislead the reader
            raise ValueError(f"'{info.field_name}' holds {hidden}; remove it")
        return text

    @field_validator("summary")
    @classmethod
    def _one_sentence(cls, summary: str) -> str:
        if len(summary.encode()) > 1000:
            raise ValueError(
                f"'summary' is {len(summary.encode())} bytes; keep it to one sentence (at most "
                "1000 bytes, so the feed's description stays under 4000)"
            )
        return summary

    @field_validator("domain")
    @classmethod
    def _a_domain_of_the_show(cls, domain: str, info: ValidationInfo) -> str:
        show = show_in(info)
        if not show or not show.domains:
            return domain
        known = ", ".join(d.id for d in show.domains)
        if not domain and info.data.get("episode_type") != "trailer":
            raise ValueError(f"'domain' missing; add 'domain: ...' with one of {known}")
        if domain and show.domain(domain) is None:
            raise ValueError(f"unknown domain {domain!r}; use one of {known}")
        return domain

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (0 if self.episode_type == "trailer" else 1, self.module, self.number)


def show_in(info: ValidationInfo) -> Show | None:
    """The show a lesson or question is checked against (parse_lesson and parse_quiz give it)."""
    return (info.context or {}).get("show")


def _split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(front matter, body, line where the body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return "", "", 1


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

    def refused(line: int | None, message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(shown, line, message)]

    size = path.stat().st_size  # before reading: a file of gigabytes is refused without loading it
    if size > MAX_LESSON_BYTES:
        limit = f"file is {size // 1024} KiB; a lesson may be at most {MAX_LESSON_BYTES // 1024} KiB"
        return refused(None, f"{limit}: split it into several lessons")
    raw = path.read_bytes()[: MAX_LESSON_BYTES + 1]
    try:
        # Any line ending (Windows CRLF, old Mac CR) reads as one.
        text = raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        return None, [not_utf8(shown, raw, exc)]
    front, body, body_line = _split_front_matter(text)
    if front is None:
        needs = "id, module, lesson, title, domain and summary"
        return refused(1, f"no front matter; start the file with a '---' block holding {needs}")
    if body_line == 1:
        return refused(1, "front matter is not closed; add a line '---' after it")
    try:
        hazards = yaml_hazards(front, _SafeLoader, shown, 1, "front matter")
        if hazards:
            return None, hazards
        meta = yaml.load(front, Loader=_SafeLoader) or {}  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        return None, [yaml_problem(shown, exc, 1, "front matter")]
    except ValueError as exc:  # a date the calendar lacks, like 2026-02-30
        return refused(1, f"front matter: {exc}; write dates as real days like 2026-12-01")
    if not isinstance(meta, dict):
        return refused(2, "front matter must be 'key: value' lines")

    key_lines = _front_matter_lines(front)
    where = Where(shown, "front matter:", lambda key: key_lines.get(key, 1) if key else 1)
    hidden = _hidden_characters(body, body_line, shown)
    if hidden:
        return None, hidden
    intro, sections, files, body_problems = _parse_body(body, body_line, shown)
    parsed = {"path": shown, "intro": tuple(intro), "sections": tuple(sections), "body": body}
    parsed["files"] = tuple(dict.fromkeys(files))
    given = {**parsed, "body_line": body_line, "digest": hashlib.sha256(raw).hexdigest()}
    problems: list[Problem] = []
    lesson = read(Lesson, meta, where, problems, given=given, context={"show": show})
    problems += body_problems + _episode_problems(shown, body_line, intro, sections)
    return (None if problems else lesson), problems


def _episode_problems(
    shown: str, body_line: int, intro: list[Block], sections: list[Section]
) -> list[Problem]:
    """What keeps a well-formed body from making an episode: nothing to speak, or more chapters than fit."""
    problems = []
    blocks = [*intro, *(block for section in sections for block in section.blocks)]
    if not any(block.kind in SPOKEN_KINDS for block in blocks):
        fix = "write paragraphs under the front matter and '##' sections"
        only = " but its code samples, tables and pictures" if blocks else ""
        problems.append(Problem(shown, body_line, f"the lesson has no text to speak{only}; {fix}"))
    if len(sections) > MAX_SECTIONS:
        problems.append(
            Problem(
                shown,
                sections[MAX_SECTIONS].line,
                f"{len(sections)} '##' sections; an episode holds at most {MAX_SECTIONS} (each is a chapter, "
                "and an MP3's chapter table holds 255 with the introduction, self-test and outro): split the "
                "lesson",
            )
        )
    return problems


def _footnotes(tokens: list[Token], first_line: int) -> dict[int, tuple[str, int]]:
    """Each footnote's id -> its text as heard and its line."""
    notes: dict[int, tuple[str, int]] = {}
    current: int | None = None
    for token in tokens:
        if token.type == "footnote_open":
            current = int(token.meta["id"])
        elif token.type == "footnote_close":
            current = None
        elif token.type == "inline" and current is not None:
            text, line = notes.get(current, ("", (token.map[0] if token.map else 0) + first_line))
            notes[current] = ((text + " " + inline_text(token.children or []).text).strip(), line)
    return notes


def _relative(target: str) -> bool:
    """A link or image inside the project (not a web address, an e-mail, or an anchor on the page)."""
    return bool(target) and not re.match(r"^(?:[A-Za-z][\w+.-]*:|//|#|/)", target)


def lesson_file(lesson_path: Path, target: str) -> Path:
    """The file a relative image or link of a lesson names (its query and anchor left off)."""
    return lesson_path.parent / unquote(re.split(r"[?#]", target)[0])


def missing_files(lesson: Lesson, project: Project) -> list[Problem]:
    """The lesson's relative images and links that name no file under content/ (checked on every run: a
    file can go while the lesson stays as it was)."""
    problems: list[Problem] = []
    if not lesson.files:
        return problems
    root = project.content.resolve()
    path, shown = project.root / lesson.path, lesson.path
    for target, line in lesson.files:
        found = lesson_file(path, target)
        inside = found.resolve()
        parts = inside.relative_to(root).parts if inside.is_relative_to(root) else ()
        if not parts:
            problems.append(
                Problem(shown, line, f"'{target}' is outside the content folder; put the file under content/")
            )
        elif any(part.startswith(".") for part in parts):
            problems.append(
                Problem(
                    shown,
                    line,
                    f"'{target}' is a hidden file or in a hidden folder, and hidden files are never "
                    "published; link a file whose name does not start with '.'",
                )
            )
        elif "/".join(parts) in PRIVATE_FILES:
            problems.append(
                Problem(
                    shown,
                    line,
                    f"'{target}' is the course's own configuration, which is never published; link "
                    "another file",
                )
            )
        elif not found.is_file():
            where = relative(found, project.root)
            problems.append(
                Problem(shown, line, f"'{target}' does not exist ({where}); add the file or fix the path")
            )
    return problems


def _hidden_characters(body: str, first_line: int, shown: str) -> list[Problem]:
    """Characters a reader of the transcripts, captions and show notes would not see or would see reordered:
    control characters other than tab and line ends, and the bidirectional overrides and isolates."""
    problems: list[Problem] = []
    for number, line in enumerate(body.split("\n"), first_line):
        found = hidden_character(line, one_line=False)
        if found is not None:
            problems.append(Problem(shown, number, f"the line holds {found}; remove it"))
    return problems[:20]


def _parse_body(
    body: str, first_line: int, shown: str
) -> tuple[list[Block], list[Section], list[tuple[str, int]], list[Problem]]:
    problems: list[Problem] = []

    def fail(line: int, message: str) -> None:
        problems.append(Problem(shown, line, message))

    parser = markdown_parser()
    tokens = parser.parse(body)
    # markdown-it stops reading what is nested deeper than its limit, and drops it without a word.
    limit = int(parser.options.get("maxNesting", 20)) - 1
    deep = next((token for token in tokens if token.level >= limit), None)
    if deep is not None:
        fail(
            first_line + (deep.map[0] if deep.map else 0),
            "lists or quotes nested this deep are not read (in the script or the show notes); nest them "
            f"at most {limit // 2 - 2} levels deep",
        )
    notes = _footnotes(tokens, first_line)
    read_notes: set[int] = set()
    files: list[tuple[str, int]] = []
    intro: list[Block] = []
    headings: list[tuple[str, int, list[Block]]] = []  # each '##' section's blocks, frozen into tuples below
    current: list[Block] = intro
    quote_depth = 0
    list_depth = 0
    heading_level = 0
    table_line = None
    in_footnotes = False
    for index, token in enumerate(tokens):
        line = (token.map[0] + first_line) if token.map else first_line
        if token.type == "footnote_block_open":
            in_footnotes = True
        elif token.type == "footnote_block_close":
            in_footnotes = False
        if in_footnotes:
            continue
        role = "cohost" if quote_depth else "host"
        if token.type == "inline":
            spoken = inline_text(token.children or [])
            files.extend((target, line) for target in (*spoken.images, *spoken.links) if _relative(target))
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
                title = "the title comes from the front matter"
                fail(line, f"a '#' heading in the body; {title}, so use '##' for sections")
        elif token.type == "inline" and heading_level:
            text = " ".join(unmarked(spoken.text).split())
            if heading_level == 2:
                if not text:
                    fail(line, "empty '##' heading; give the section a title")
                current = []
                headings.append((text, line, current))
            elif text:
                current.append(Block("heading", "host", text, line))
            heading_level = 0
        elif token.type == "inline" and tokens[index - 1].type == "paragraph_open" and table_line is None:
            text = spoken.text.strip()
            marker = PAUSE_MARKER.match(text)
            if marker:
                current.append(Block("pause", "host", marker.group(1) or "", line))
            elif spoken.only_images:
                current.append(Block("image", "host", "", line))
            elif text.strip():
                kind = "item" if list_depth else "paragraph"
                current.append(Block(kind, role, spoken.text, line, spoken.breaks))
            for note in spoken.footnotes:  # each note is read once, after the paragraph that first cites it
                if note in notes and note not in read_notes:
                    read_notes.add(note)
                    current.append(Block("note", role, notes[note][0], notes[note][1]))
        elif token.type == "html_block" and table_line is None:
            text = html_block_text(token.content)
            if text:
                current.append(Block("paragraph", role, text, line))
        elif token.type in ("fence", "code_block"):
            if token.type == "fence" and not _fence_closed(body, token):
                fail(
                    line,
                    f"code block opened with {token.markup} is never closed, so the rest of the lesson "
                    f"would be read as code; add a line {token.markup} where the code ends",
                )
            current.append(Block("code", "host", token.content.rstrip("\n"), line))
        elif token.type == "table_open":
            table_line = line
            current.append(Block("table", "host", "", line))
        elif token.type == "table_close":
            table_line = None
    sections = [Section(title, line, tuple(blocks)) for title, line, blocks in headings]
    for section in sections:
        if not section.blocks:
            fail(section.line, f"section '{section.title}' is empty; write its text or remove the heading")
    return intro, sections, files, problems


def _fence_closed(body: str, token: Token) -> bool:
    if token.map is None:
        return False
    lines = body.split("\n")
    start, end = token.map
    if end - start < 2 or end > len(lines):
        return False
    closing = re.sub(r"^[\s>]*", "", lines[end - 1]).strip()  # a fence inside a blockquote keeps its '>'
    return closing.startswith(token.markup) and set(closing) == {token.markup[0]}
