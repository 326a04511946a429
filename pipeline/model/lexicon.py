"""The pronunciation lexicon (content/lexicon.toml): how acronyms, symbols and identifiers are spoken.

It rewrites text before any engine sees it, so every engine says "DVA-C02" and "$LATEST" the same way.

    spell = ["AWS", "ALB"]            # said letter by letter
    [say]                             # said as written on the right
    "$LATEST" = "dollar latest"
    [patterns]                        # regular expressions, applied first
    '(\\d+) ?KB\\b' = '\\1 kilobytes'
"""
from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError, Problem

LEXICON_NAME = "content/lexicon.toml"
# Upper-case tokens a listener would hear spelled or said oddly: two or more capitals, maybe with digits.
ALL_CAPS = re.compile(r"(?<![\w$.-])\$?[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*(?![\w-])")


@dataclass(frozen=True)
class Lexicon:
    say: dict[str, str] = field(default_factory=dict)
    spell: tuple[str, ...] = ()
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()
    digest: str = ""

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
        """The text as the engines should hear it."""
        for pattern, replacement in self.patterns:
            text = pattern.sub(replacement, text)
        table, matcher = self._table, self._matcher
        if matcher is None:
            return text

        def replace(match: re.Match[str]) -> str:
            spoken = table[match.group(0)]
            # "orders.fifo" -> "orders dot fifo": keep the spoken form apart from the word it was glued to
            glued = match.start() > 0 and text[match.start() - 1].isalnum() and not match.group(0)[0].isalnum()
            return (" " + spoken) if glued else spoken

        return matcher.sub(replace, text)

    def unknown_tokens(self, text: str) -> set[str]:
        """All-caps tokens that no entry covers (for `certquests check`)."""
        covered = self.known
        found = set()
        for match in ALL_CAPS.finditer(text):
            token = match.group(0)
            if token not in covered and not any(pattern.search(token) for pattern, _ in self.patterns):
                found.add(token)
        return found


LETTERS = {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six",
           "7": "seven", "8": "eight", "9": "nine"}


def spelled(word: str) -> str:
    """'AWS' -> 'A.W.S': dotted letters are read as letter names by every engine, even a leading 'A'."""
    letters = [LETTERS.get(ch, ch.upper()) for ch in word if ch.isalnum()]
    out: list[str] = []
    for item in letters:
        if len(item) > 1 and out:
            out.append(" " + item + " ")
        else:
            out.append(item if not out or out[-1].endswith(" ") else "." + item)
    return "".join(out).replace("  ", " ").strip()


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


def load_lexicon(root: Path) -> Lexicon:
    path = root / LEXICON_NAME
    if not path.is_file():
        return Lexicon()
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{LEXICON_NAME}: cannot read it ({exc}); fix the TOML syntax") from None
    problems: list[Problem] = []
    say = data.get("say", {})
    if not isinstance(say, dict) or not all(isinstance(v, str) for v in say.values()):
        problems.append(Problem(LEXICON_NAME, None, "[say] must map words to text, e.g. \"JSON\" = \"jay-son\""))
        say = {}
    spell = data.get("spell", [])
    if not isinstance(spell, list) or not all(isinstance(v, str) and v for v in spell):
        problems.append(Problem(LEXICON_NAME, None, "spell must be a list of words, e.g. spell = [\"AWS\"]"))
        spell = []
    patterns = []
    table = data.get("patterns") or {}
    if not isinstance(table, dict):
        problems.append(Problem(LEXICON_NAME, None, "[patterns] must be a table of 'regex' = 'replacement' lines"))
        table = {}
    for pattern, replacement in table.items():
        try:
            compiled = re.compile(pattern)
            compiled.sub(str(replacement), "")  # compiles the replacement too
            for group in re.findall(r"\\(\d+)|\\g<(\d+)>", str(replacement)):
                if int(group[0] or group[1]) > compiled.groups:
                    raise re.error(f"the replacement uses group {group[0] or group[1]}, which the pattern lacks")
            patterns.append((compiled, str(replacement)))
        except re.error as exc:
            problems.append(Problem(LEXICON_NAME, None, f"[patterns] {pattern!r} is not a valid regular "
                                                        f"expression ({exc}); fix or remove it"))
    unknown = set(data) - {"say", "spell", "patterns"}
    if unknown:
        problems.append(Problem(LEXICON_NAME, None, f"unknown key(s) {', '.join(sorted(unknown))}; "
                                                    "use spell, [say] and [patterns]"))
    if problems:
        raise ConfigError(f"{LEXICON_NAME}: {len(problems)} problem(s)", problems)
    return Lexicon(say=dict(say), spell=tuple(spell), patterns=tuple(patterns),
                   digest=hashlib.sha256(raw).hexdigest())
