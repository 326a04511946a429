"""What the speech pass changed in a course, grouped for a producer to review: each change between a
sentence as written and as said is put under the rule that made it (addresses, identifiers, numbers, ...),
with counts."""

from __future__ import annotations

import difflib
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field

WIDTH, INDENT = 110, " " * 6  # a terminal's width, and the changes' indent under their rule
EDGES = "\"'“”‘’()[],.;:!?"


@dataclass(frozen=True)
class Change:
    """One sentence said differently from how it is written: where it is, as written, as said."""

    source: str
    text: str
    said: str


UNIT = (
    r"(?:[kKMGTPmµμnc]?(?:B|b|bps|g|m|s|L|l|Hz|W|V|J|mol)|min|mins|hr|h|°[CF]?|mmHg|mmol|ms|µs|ns)"
    r"(?:/[a-zA-Z]+)?"
)
ROMAN = re.compile(
    r"^(?:.*\s)?(?=[IVXLCDM]{2,}\b|[IVX]\b)M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$"
)
# Abbreviations written with a period (the period is left off the pieces compared).
PERIODS = r"^(?:c|ca|etc|cf|vs|approx|Dr|St|Mr|Mrs|Ms|Prof|Revd|Fig|e\.g|i\.e)$"
# Each rule, and the test a changed piece of text (as written) passes to fall under it: the first one wins.
RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("addresses and paths", re.compile(r"://|\w@\w|^www\.|\w\.[a-z]{2,}(?:/|$)|^~?/\w|\w/\w+/")),
    ("units", re.compile(rf"\d\s*{UNIT}(?![\w/])|^[µμ°]|^{UNIT}/[a-zA-Z]+$")),
    ("identifiers (joined words said apart)", re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]|\w_\w|[a-z]\d+[A-Z]")),
    ("money", re.compile(r"[£€$¥]\s?\d|\d\s?[£€¥]")),
    ("percentages", re.compile(r"\d\s?%")),
    ("formulas and powers", re.compile(r"[₀-₉⁰-⁹]")),
    ("names with digits (S3, EC2)", re.compile(r"\b[A-Za-z]+\d+[A-Za-z\d]*\b")),
    ("numbers, dates and times", re.compile(r"\d")),
    ("abbreviations and letters said by name", re.compile(rf"[A-Z]{{2}}|[A-Z]\.|{PERIODS}")),
    ("symbols", re.compile(r"[^\w\s'’-]|--|\s-|^-")),
    ("hyphens", re.compile(r"\w-\w")),
)
OTHER = "other words (the lexicon, heteronyms)"


def rule_of(written: str, said: str) -> str:
    """The rule that turned `written` into `said`."""
    if ROMAN.match(written) and "." not in said:  # "Henry VIII" is "Henry the Eighth", "an IV" is "an I.V"
        return "Roman numerals"
    if len(written) > 1 and re.fullmatch(UNIT, written) and not re.fullmatch(PERIODS, written):
        return "units"  # "5 ms": the number is said as written, the unit is not
    for name, pattern in RULES:
        if pattern.search(written):
            return name
    if not written and not said:
        return "punctuation and spacing"
    return OTHER if written else "added words"


def pieces(text: str, said: str) -> list[tuple[str, str]]:
    """The runs of words that differ between a sentence as written and as said, (written, said) each."""
    written, spoken = text.split(), said.split()
    plain = [word.strip(EDGES) for word in written]
    heard = [word.strip(EDGES) for word in spoken]
    matcher = difflib.SequenceMatcher(None, plain, heard, autojunk=False)
    return [
        (" ".join(written[i1:i2]).strip(EDGES), " ".join(spoken[j1:j2]).strip(EDGES))
        for kind, i1, i2, j1, j2 in matcher.get_opcodes()
        if kind != "equal" and " ".join(plain[i1:i2]) != " ".join(heard[j1:j2])
    ]


@dataclass
class Group:
    """The changes one rule made: the sentences it changed and how often each piece changed."""

    rule: str
    changes: list[Change] = field(default_factory=list)
    pieces: Counter[tuple[str, str]] = field(default_factory=Counter)


def grouped(changes: list[Change]) -> list[Group]:
    """The changes by rule, the rule that changed the most sentences first."""
    groups: dict[str, Group] = {}
    for change in changes:
        for written, said in pieces(change.text, change.said) or [("", "")]:
            group = groups.setdefault(rule_of(written, said), Group(rule_of(written, said)))
            if not group.changes or group.changes[-1] is not change:
                group.changes.append(change)
            group.pieces[written, said] += 1
    return sorted(groups.values(), key=lambda group: (-len(group.changes), group.rule))


def _wrapped(text: str) -> list[str]:
    """Text in lines that fit a terminal, under the rule they belong to; a change is never cut in two."""
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=INDENT,
        subsequent_indent=INDENT,
        break_long_words=False,
        break_on_hyphens=False,
    )


def review_lines(changes: list[Change], *, most: int = 4) -> list[str]:
    """The grouped review list as `certquests check` prints it: per rule, its count, the pieces it changed
    most often, and one sentence as written and as said."""
    out: list[str] = []
    shown: set[int] = set()
    for group in grouped(changes):
        kinds = len(group.pieces)
        out.append(f"  {group.rule}: {len(group.changes)} sentence(s), {kinds} different change(s)")
        common = ", ".join(
            f"{written or '(nothing)'} → {said or '(nothing)'}" + (f" ({count}×)" if count > 1 else "")
            for (written, said), count in group.pieces.most_common(most)
        )
        if any(written or said for written, said in group.pieces):
            common += ", ..." if kinds > most else ""
            out += _wrapped(common)
        example = next((c for c in group.changes if id(c) not in shown), group.changes[0])
        shown.add(id(example))  # each group shows a sentence of its own where it can
        out += [f"      e.g. {example.source}: {example.text}", f"           said: {example.said}"]
    return out
