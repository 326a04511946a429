"""Reading a source into its schema class, and the one place pydantic's errors become Problems.

Each source (a table of show.toml, lexicon.toml, a lesson's front matter, a quiz question) has one frozen
pydantic dataclass: its fields, types, defaults, constraints and validators are the schema, and its instances
are what the rest of the package uses. `read` checks a mapping against such a class and reports every problem
at once, each naming the file, the line, the key and the fix.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import yaml
from annotated_types import Ge, Le
from pydantic import ConfigDict, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ArgsKwargs, ErrorDetails, SchemaValidator

from ..errors import ConfigError, Problem

# Unknown keys are refused, and a value must already have its type: TOML and YAML give typed values, so "5"
# is not 5 and 1 is not true. By name as well as by alias, so dataclasses.replace works on aliased fields.
SCHEMA = ConfigDict(extra="forbid", strict=True, populate_by_name=True, defer_build=True)

T = TypeVar("T")

KINDS = {
    "string_type": "plain text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "date_type": "a date like 2026-12-01",
    "time_type": "a time like 06:00:00",
    "dict_type": "a table",
    "list_type": "a list",
    "tuple_type": "a list",
}


@dataclass(frozen=True)
class Where:
    """Where a mapping was read from: the file, how messages name the mapping, and the line of each key.

    For TOML the label is the table ("audio", "voices.host", "" at the top) and messages name the key first
    ("[audio] loudness: ..."); for YAML it is "front matter:" or "question q1:" and messages quote the key.
    """

    path: str
    label: str
    line: Callable[[str | None], int | None]
    toml: bool = False

    def problem(self, key: str | None, text: str, *, names_key: bool = False, table: bool = False) -> Problem:
        """`text` about `key` (a dotted path below this mapping, or None for the mapping itself); `names_key`
        when the text already names the key, `table` when the key holds a table."""
        if not self.toml:
            message = f"{self.label} {text}" if key is None or names_key else f"{self.label} '{key}' {text}"
        else:
            path = ".".join(part for part in (self.label, key) if part)
            parent, _, leaf = path.rpartition(".")
            if key is None or table:
                message = f"[{path}] {text}" if path else text
            else:
                message = f"[{parent}] {leaf}: {text}" if parent else f"{leaf}: {text}"
        return Problem(self.path, self.line(key), message)

    def unknown(self, key: str, known: list[str]) -> Problem:
        """A misspelt key would silently fall back to its default: name it, with the likely intended key."""
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(known))}"
        return replace(self.problem(None, f"unknown key '{key}' ({hint})"), line=self.line(key))


def toml_where(path: str, text: str, table: str | None = None, index: int = 0) -> Where:
    """A table of a TOML file (the index-th one of an array of tables); lines are looked up in `text`."""

    def line(key: str | None) -> int | None:
        if key is None:
            return None
        inner, _, leaf = key.rpartition(".")
        below = ".".join(part for part in (table, inner) if part) or None
        return toml_line(text, below, leaf.split("[")[0], index)

    return Where(path, table or "", line, toml=True)


def read(
    kind: type[T],
    data: Mapping[Any, Any],
    where: Where,
    problems: list[Problem],
    *,
    given: Mapping[str, object] | None = None,
    context: object = None,
) -> T | None:
    """`data` checked against `kind`, or None if it does not pass; every problem is added to `problems`.

    `given` are fields the loader fills (a voice's role, a question's line): the source may not set them.
    `context` reaches the validators as `info.context` (the show a lesson is checked against).
    """
    given = given or {}
    known = [key for key in keys(kind) if key not in given]
    problems.extend(where.unknown(str(key), known) for key in data if key not in known)
    values = {**{key: value for key, value in data.items() if key in known}, **given}
    instance = kind.__new__(kind)
    try:
        # What the dataclass's own __init__ does, plus the context: in strict mode a dataclass is validated
        # from keyword arguments, not from a dict.
        validator: SchemaValidator = kind.__pydantic_validator__  # type: ignore[attr-defined]
        validator.validate_python(ArgsKwargs((), values), self_instance=instance, context=context)
    except ValidationError as exc:
        problems.extend(_problem(kind, error, where) for error in exc.errors())
        return None
    return instance


def keys(kind: type) -> list[str]:
    """The keys a source may use for `kind`: its fields' names, or their aliases."""
    return [info.alias or name for name, info in _fields(kind).items()]


def _fields(kind: type) -> dict[str, FieldInfo]:
    fields: dict[str, FieldInfo] = kind.__pydantic_fields__  # type: ignore[attr-defined]
    return fields


def _problem(kind: type, error: ErrorDetails, where: Where) -> Problem:
    loc, value, context = error["loc"], error.get("input"), error.get("ctx") or {}
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".") or None
    if error["type"] in ("value_error", "assertion_error"):  # a validator's own message
        return where.problem(key, str(context["error"]), names_key=True, table=isinstance(value, dict))
    return where.problem(key, _explain(kind, error, where.toml))


def _explain(kind: type, error: ErrorDetails, toml: bool) -> str:
    """What is wrong with the value and the fix, in the project's words rather than pydantic's."""
    kind_of_error, loc = error["type"], error["loc"]
    value, context = error.get("input"), error.get("ctx") or {}
    field = _field(kind, str(loc[0])) if loc else None
    description = field.description if field else None
    if kind_of_error == "missing":
        add = f"`{loc[-1]} = ...`" if toml else f"'{loc[-1]}: ...'"
        return f"missing; add {add}" + (f" ({description})" if description else "")
    got = f", got {_shown(value, toml)}"
    if kind_of_error in ("greater_than_equal", "less_than_equal"):
        metadata = field.metadata if field else []
        low = next((m.ge for m in metadata if isinstance(m, Ge)), context.get("ge"))
        high = next((m.le for m in metadata if isinstance(m, Le)), context.get("le"))
        if low is not None and high is not None:
            return f"must be between {low} and {high}{got}"
        return f"must be at least {low}{got}" if low is not None else f"must be at most {high}{got}"
    if kind_of_error == "literal_error":
        return f"must be {context['expected']}{got}"
    if kind_of_error == "string_pattern_mismatch":
        return f"must be {description or 'like ' + repr(context['pattern'])}{got}"
    if kind_of_error == "string_too_short":
        return "must not be empty"
    if kind_of_error in KINDS:
        # In YAML an unquoted ': ' or a leading '[' turns text into a mapping or a list.
        quote = not toml and isinstance(value, (dict, list))
        hint = "; write it on one line (quote it if it holds ':' or '#')" if quote else ""
        return f"must be {KINDS[kind_of_error]}{got}{hint}"
    return f"{error['msg'][:1].lower()}{error['msg'][1:]}{got}"


def _shown(value: object, toml: bool) -> str:
    if isinstance(value, dict):
        return "table" if toml else "mapping"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return "list" if isinstance(value, list) else repr(value)


def _field(kind: type, key: str) -> FieldInfo | None:
    return next((info for name, info in _fields(kind).items() if key in (name, info.alias)), None)


def toml_line(text: str, table: str | None, key: str, index: int = 0) -> int | None:
    """The line where `key =` is set inside `[table]`, or in the index-th `[[table]]`, or where the top-level
    table `[key]` starts (best effort: TOML parsers keep no positions)."""
    current, seen = None, -1
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            current = header.group(1)
            seen += current == table
            if table is None and current == key:
                return number
            continue
        in_table = current == table and (table is None or seen == index)
        if in_table and re.match(rf"^{re.escape(key)}\s*=", line):
            return number
    return None


def yaml_problem(path: str, exc: yaml.YAMLError, line_offset: int, what: str) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 + line_offset if mark else None
    reason = getattr(exc, "problem", None) or str(exc)
    fix = "check quoting and indentation (values containing ':' need quotes)"
    return Problem(path, line, f"{what}: invalid YAML ({reason}); {fix}")


def yaml_hazards(text: str, loader: type, path: str, line_offset: int, what: str) -> list[Problem]:
    """What a YAML source may not hold, found from its events before any value is built: aliases (a few
    hundred bytes of them expand to gigabytes) and a key given twice in one mapping (the last would win)."""
    problems: list[Problem] = []
    # Each open node: whether it is a mapping, whether its next node is a key, the keys it has had.
    open_nodes: list[tuple[bool, list[bool], dict[str, int | None]]] = []

    def node_done() -> None:
        if open_nodes and open_nodes[-1][0]:
            expect = open_nodes[-1][1]
            expect[0] = not expect[0]

    for event in yaml.parse(text, Loader=loader):
        line = event.start_mark.line + 1 + line_offset if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            alias = f"{what}: YAML aliases ('*name') are not allowed; write the value out where it is used"
            return [*problems, Problem(path, line, alias)]
        if isinstance(event, yaml.ScalarEvent):
            if open_nodes and open_nodes[-1][0] and open_nodes[-1][1][0]:
                seen = open_nodes[-1][2]
                if event.value in seen:
                    twice = f"'{event.value}' is given twice (first on line {seen[event.value]}); keep one"
                    problems.append(Problem(path, line, f"{what}: {twice}"))
                seen.setdefault(event.value, line)
            node_done()
        elif isinstance(event, yaml.MappingStartEvent):
            open_nodes.append((True, [True], {}))
        elif isinstance(event, yaml.SequenceStartEvent):
            open_nodes.append((False, [False], {}))
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            open_nodes.pop()
            node_done()
    return problems


def not_utf8(path: str, raw: bytes, exc: UnicodeDecodeError) -> Problem:
    line = raw[: exc.start].count(b"\n") + 1
    return Problem(path, line, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8")


# Characters that reorder text or cannot be seen, which no course needs; in one-line texts shown by podcast
# apps (titles, summaries, names) the zero-width ones too. Marks such as U+200F and joiners such as U+200D
# are kept: right-to-left text and emoji need them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
HIDDEN_IN_TITLES = BIDI_CONTROLS | frozenset("\u200b\u2060\ufeff\u00ad")


def hidden_character(text: str, *, one_line: bool) -> str | None:
    """The first character of `text` a reader would not see, or would see reordered, named for a message
    (`U+202E (right-to-left override)`); control characters other than tab and line ends count."""
    hidden = HIDDEN_IN_TITLES if one_line else BIDI_CONTROLS
    for char in text:
        if (unicodedata.category(char) == "Cc" and char not in "\t\n") or char in hidden:
            return f"U+{ord(char):04X} ({unicodedata.name(char, 'a control character').lower()})"
    return None


def read_config(path: Path, root: Path, shown: str) -> tuple[str, dict[str, Any]]:
    """The show config's text and tables; a missing file says how to make one."""
    if not path.is_file():
        fix = "create it (see README, 'Show config') or pass --project PATH"
        raise ConfigError(f"{shown}: not found in {root}; {fix}")
    return read_toml(path, shown)


def read_toml(path: Path, shown: str) -> tuple[str, dict[str, Any]]:
    """A TOML file's text and its tables; bad bytes or bad TOML is a ConfigError naming `shown`."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark, as some editors write
    except UnicodeDecodeError as exc:
        raise ConfigError(str(not_utf8(shown, raw, exc))) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML: {exc}; fix the syntax") from None
