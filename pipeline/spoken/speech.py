"""One sentence as the voice is given it, with notes on what the voice could not say."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

LONG_SENTENCE = 60  # words: past this a listener loses the thread, and a voice reads it in one breath


class Pronouncer(Protocol):
    """The lexicon as speech needs it: its patterns, and its entries kept out of the technical rules."""

    def rewrite(self, text: str) -> str: ...

    def protect(self, text: str, said: list[str]) -> str: ...


@dataclass(frozen=True)
class Spoken:
    """What the voice is given for one sentence, and the parts of it that it cannot say."""

    text: str
    unsayable: tuple[tuple[str, str], ...] = ()  # (the word as written, its script)


PLACEHOLDERS = 0xF0000  # supplementary private use: never in a lesson, never a word character


def placeholder(index: int) -> str:
    return chr(PLACEHOLDERS + index)


def restore(text: str, said: list[str]) -> str:
    return re.sub("[\U000f0000-\U000fffff]", lambda m: said[ord(m.group()) - PLACEHOLDERS], text)


def script_of(char: str) -> str | None:
    """The writing system of a letter the voice cannot read (None for Latin letters and everything else)."""
    if not unicodedata.category(char).startswith(("L", "M")) or ord(char) < 0x250:
        return None
    name = unicodedata.name(char, "")
    if name.startswith(("LATIN", "COMBINING")) or not name:
        return None
    first = name.split()[0]
    return {"CJK": "Chinese", "HIRAGANA": "Japanese", "KATAKANA": "Japanese", "HANGUL": "Korean"}.get(
        first, first.title()
    )


UNSAYABLE_RUN = re.compile(r"[^\s\d!-/:-@\[-`{-~]+")


def _unsayable(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    found: list[tuple[str, str]] = []

    def drop(match: re.Match[str]) -> str:
        word = match.group(0)
        scripts = [script for script in map(script_of, word) if script]
        if not scripts:
            return word
        found.append((word, scripts[0]))
        return ""

    return UNSAYABLE_RUN.sub(drop, text), tuple(found)


def tidy(text: str) -> str:
    """Spaces as a voice expects them: one between words, none before punctuation, no empty clauses."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,;:.!?])(?=\s|$)", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"[,;:]\s*(?=[.!?]$)", "", text)
    text = re.sub(r"\(\s*\)", "", text)
    return re.sub(r"^[,;:.\s]+", "", text).strip()


def speak(text: str, lexicon: Pronouncer, language: str = "en-US") -> Spoken:
    """The sentence as every voice is given it, in words only: the lexicon's patterns, its entries,
    abbreviations and slashes, Roman numerals and formulas by their context, the technical rules and the
    readings of numbers in the show's `language`, the heteronyms, then every digit left said as a number;
    letters of other scripts are left out and reported."""
    from .abbreviations import abbreviations  # their rules compile on import: off the no-op path
    from .chemistry import formulas
    from .heteronyms import heteronyms
    from .readings import in_words
    from .roman import roman_numerals
    from .technical import technical

    said: list[str] = []
    original = text
    text = lexicon.protect(lexicon.rewrite(text), said)
    text = formulas(roman_numerals(abbreviations(text, language), language), language)
    text = heteronyms(technical(text, original, language))
    text = in_words(restore(lexicon.protect(text, said), said), language)
    text, unsayable = _unsayable(text)
    text = tidy(text)
    if text.endswith(" ."):
        text = text[:-2] + "."
    if re.search(r"\bno$", text.removesuffix(".")):
        text = text.removesuffix(".") + " ."  # "yes or no." is not "yes or number"
    return Spoken(text, unsayable)


# Capitals the readings say by rule with the number beside them ("460 BC", "3:45 PM").
RULED_CAPITALS = frozenset({"BC", "BCE", "AD", "CE", "BP", "AM", "PM"})


def ruled_tokens(text: str) -> Callable[[str], bool]:
    """Whether the spoken form reads a token of `text` by a rule of its own (a Roman numeral in its context, a
    chemical formula, an era), so that it needs no lexicon entry."""
    from .chemistry import is_formula
    from .roman import read_numerals

    numerals = read_numerals(text)

    def ruled(token: str) -> bool:
        bare = re.sub(r"['’]s$", "", token)
        return bare in RULED_CAPITALS or bare in numerals or is_formula(bare)

    return ruled


def long_sentence(text: str) -> int:
    """The word count of a sentence too long to follow, else 0."""
    words = len(text.split())
    return words if words > LONG_SENTENCE else 0
