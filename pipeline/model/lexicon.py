"""The pronunciation lexicon (content/lexicon.toml): how acronyms, symbols and identifiers are spoken.

It rewrites text before any engine sees it, so every engine says "DVA-C02" and "$LATEST" the same way.

    spell = ["AWS", "ALB"]            # said letter by letter
    [say]                             # said as written on the right
    "$LATEST" = "dollar latest"
    [patterns]                        # regular expressions, applied first
    '(\\d+) ?KB\\b' = '\\1 kilobytes'
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

import regex
from pydantic import Field, field_validator
from pydantic.dataclasses import dataclass

from ..errors import ConfigError, Problem
from ..spoken.speech import placeholder, restore, ruled_tokens
from .schema import SCHEMA, read, toml_where

PATTERN_SECONDS = 0.5  # for one use of one pattern on one sentence: far more than any sane pattern needs
LEXICON_NAME = "content/lexicon.toml"
# Upper-case tokens a listener would hear spelled or said oddly: two or more capitals, maybe with digits.
ALL_CAPS = re.compile(r"(?<![\w$.-])\$?[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*(?![\w-])")


@dataclass(frozen=True, config=SCHEMA)
class Lexicon:
    """lexicon.toml: `spell`, `[say]` and `[patterns]` (regular expression -> replacement, compiled here)."""

    say: dict[str, str] = dataclasses.field(default_factory=dict)
    spell: tuple[Annotated[str, Field(min_length=1)], ...] = ()
    patterns: tuple[tuple[Any, str], ...] = ()  # (compiled `regex` pattern, replacement)
    digest: str = ""  # of the file, which load_lexicon gives

    @field_validator("spell", mode="before")
    @classmethod
    def _a_list(cls, spell: Any) -> Any:
        return tuple(spell) if isinstance(spell, list) else spell

    @field_validator("patterns", mode="before")
    @classmethod
    def _compiled(cls, patterns: Any) -> Any:
        if isinstance(patterns, tuple | list) and all(isinstance(pair, tuple) for pair in patterns):
            # (pattern, replacement) pairs given in code: their patterns run on the bounded engine too
            patterns = {
                getattr(pattern, "pattern", pattern): replacement for pattern, replacement in patterns
            }
        if not isinstance(patterns, dict):
            return patterns
        compiled, wrong = [], []
        for pattern, replacement in patterns.items():
            try:
                # The `regex` engine, for its time bound: a pattern that backtracks without end stops the
                # build with its name instead of hanging it.
                expression = regex.compile(pattern, flags=regex.VERSION0)
                expression.sub(str(replacement), "")  # compiles the replacement too
                for group in re.findall(r"\\(\d+)|\\g<(\d+)>", str(replacement)):
                    if int(group[0] or group[1]) > expression.groups:
                        missing = group[0] or group[1]
                        raise regex.error(f"the replacement uses group {missing}, which the pattern lacks")
                compiled.append((expression, replacement))
            except (re.error, regex.error) as exc:
                wrong.append(f"{pattern!r} is not a valid regular expression ({exc})")
        if wrong:
            raise ValueError("; ".join(wrong) + "; fix or remove " + ("it" if len(wrong) == 1 else "them"))
        return tuple(compiled)

    @property
    def known(self) -> set[str]:
        return set(self.say) | set(self.spell)

    @functools.cached_property
    def _table(self) -> dict[str, str]:
        table = {word: spelled(word) for word in self.spell}
        table.update(self.say)
        return table

    @functools.cached_property
    def _matcher(self) -> re.Pattern[str] | None:
        return _matcher(tuple(sorted(self._table, key=len, reverse=True))) if self._table else None

    def apply(self, text: str) -> str:
        """The text as the engines should hear it: the patterns, then the entries (no other rule)."""
        said: list[str] = []
        return restore(self.protect(self.rewrite(text), said), said)

    def rewrite(self, text: str) -> str:
        """The text with the `[patterns]` applied."""
        for pattern, replacement in self.patterns:
            text = _bounded(pattern, text, replacement)
        return text

    def protect(self, text: str, said: list[str]) -> str:
        """The text with each entry replaced by a placeholder character whose spoken form is appended to
        `said`, so no later rule changes what the lexicon says."""
        table, matcher = self._table, self._matcher
        if matcher is None:
            return text

        def replace(match: re.Match[str]) -> str:
            said.append(table[match.group(0)])
            # "orders.fifo" -> "orders dot fifo": keep the spoken form apart from the word it was glued to
            glued = (
                match.start() > 0 and text[match.start() - 1].isalnum() and not match.group(0)[0].isalnum()
            )
            return (" " if glued else "") + placeholder(len(said) - 1)

        return matcher.sub(replace, text)

    def unknown_tokens(self, text: str) -> set[str]:
        """All-caps tokens that no entry covers (for `certquests check`)."""
        covered = self.known
        found = set()
        for match in ALL_CAPS.finditer(text):
            token = match.group(0)
            if token not in covered and not any(_bounded(pattern, token) for pattern, _ in self.patterns):
                found.add(token)
        if found:
            ruled = ruled_tokens(text)  # read by the spoken form's own rules: no entry is needed
            found = {token for token in found if not ruled(token)}
        return found


DIGIT_WORDS = {  # a digit as it is said when a word is spelled out ("EC2" -> "E.C two")
    "0": "zero",
    "1": "one",
    "2": "two",
    "3": "three",
    "4": "four",
    "5": "five",
    "6": "six",
    "7": "seven",
    "8": "eight",
    "9": "nine",
}


def spelled(word: str) -> str:
    """'AWS' -> 'A.W.S': dotted letters are read as letter names by every engine, even a leading 'A'.
    A plural keeps its s as a plural: 'APIs' -> "A.P.I's"."""
    if len(word) > 2 and word.endswith("s") and word[:-1].isupper():
        return spelled(word[:-1]) + "'s"
    letters = [DIGIT_WORDS.get(ch, ch.upper()) for ch in word if ch.isalnum()]
    out: list[str] = []
    for item in letters:
        if len(item) > 1 and out:
            out.append(" " + item + " ")
        else:
            out.append(item if not out or out[-1].endswith(" ") else "." + item)
    return "".join(out).replace("  ", " ").strip()


def _bounded(pattern: Any, text: str, replacement: str | None = None) -> Any:
    """`pattern` used on `text` (substituted when a replacement is given, else searched), stopped with a clear
    error when it exceeds its time bound."""
    try:
        if replacement is None:
            return pattern.search(text, timeout=PATTERN_SECONDS)
        return pattern.sub(replacement, text, timeout=PATTERN_SECONDS)
    except TimeoutError:
        raise ConfigError(
            f"{LEXICON_NAME}: [patterns] {pattern.pattern!r} takes over {PATTERN_SECONDS} s on "
            f"{text[:60]!r}: it backtracks without bound; rewrite it (nested repeats like '(a+)+' do this)"
        ) from None


def _matcher(words: tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression for all entries (longest first); a word boundary is required only where the
    entry has a word edge. Entries with word characters at both ends share one pair of boundary checks."""
    plain = [re.escape(w) for w in words if re.match(r"[\w$]", w) and re.search(r"\w$", w)]
    other = []
    for word in words:
        if re.match(r"[\w$]", word) and re.search(r"\w$", word):
            continue
        left = r"(?<![\w$])" if re.match(r"[\w$]", word) else ""
        right = r"(?![\w])" if re.search(r"\w$", word) else ""
        other.append(left + re.escape(word) + right)
    alternatives = other + ([r"(?<![\w$])(?:" + "|".join(plain) + r")(?!\w)"] if plain else [])
    return re.compile("|".join(alternatives))


DEFAULTS = Path(__file__).parent.parent / "spoken" / "lexicon.toml"


@functools.cache
def _defaults() -> tuple[tuple[str, ...], dict[str, str], str]:
    raw = DEFAULTS.read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    return tuple(data.get("spell", ())), dict(data.get("say", {})), hashlib.sha256(raw).hexdigest()


def with_defaults(lexicon: Lexicon) -> Lexicon:
    """The project's lexicon over the technical lexicon the tool ships: a project's entry always wins."""
    spell, say, digest = _defaults()
    ours = lexicon.known
    merged_say = {word: said for word, said in say.items() if word not in ours} | lexicon.say
    merged_spell = tuple(word for word in spell if word not in ours and word not in merged_say)
    return Lexicon(
        say=merged_say,
        spell=merged_spell + lexicon.spell,
        patterns=lexicon.patterns,
        digest=hashlib.sha256((digest + lexicon.digest).encode()).hexdigest(),
    )


def load_lexicon(root: Path) -> Lexicon:
    """The project's lexicon (content/lexicon.toml) over the tool's technical lexicon."""
    path = root / LEXICON_NAME
    if not path.is_file():
        return with_defaults(Lexicon())
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark, as some editors write
        data = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{LEXICON_NAME}: cannot read it ({exc}); fix the TOML syntax") from None
    problems: list[Problem] = []
    digest = hashlib.sha256(raw).hexdigest()
    lexicon = read(Lexicon, data, toml_where(LEXICON_NAME, text), problems, given={"digest": digest})
    if lexicon is None or problems:
        raise ConfigError(f"{LEXICON_NAME}: {len(problems)} problem(s)", problems)
    return with_defaults(lexicon)
