"""Numbers in words, as the show's language says them (num2words, with the en-US and en-GB habits).

en-GB puts "and" after the hundreds ("one hundred and twenty"), en-US does not ("one hundred twenty").
No commas are left inside a number: a voice would pause at them.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal


def british(language: str) -> bool:
    """Whether the show's language takes the British forms (en-GB, en-IE, en-AU, en-NZ, en-IN, en-ZA...)."""
    return language.lower().replace("_", "-") not in ("en", "en-us", "en-ca", "en-ph")


@functools.cache
def _converter() -> object:
    from num2words import num2words  # loaded when a sentence holds a number, off the no-op path

    return num2words


def _words(value: int | float | Decimal, language: str, to: str = "cardinal") -> str:
    said = str(_converter()(value, lang="en", to=to))  # type: ignore[operator]
    said = said.replace(",", "")
    if not british(language):
        said = re.sub(r"(?<=hundred) and (?=\w)|(?<=thousand) and (?=\w)|(?<=illion) and (?=\w)", " ", said)
    return " ".join(said.split())


def cardinal(value: int | float | Decimal | str, language: str = "en-US") -> str:
    """'120' -> 'one hundred and twenty' (en-GB), 'one hundred twenty' (en-US); '1.5' -> 'one point five'."""
    if isinstance(value, str):
        value = Decimal(value.replace(",", "")) if "." in value else int(value.replace(",", ""))
    return _words(value, language)


def ordinal(value: int | str, language: str = "en-US") -> str:
    """'21' -> 'twenty-first'."""
    return _words(int(value), language, "ordinal")


def year(value: int | str, language: str = "en-US") -> str:
    """'1918' -> 'nineteen eighteen', '2005' -> 'two thousand five' (en-US), '1905' -> 'nineteen oh-five'."""
    return _words(int(value), language, "year")


def digits(text: str) -> str:
    """'02' -> 'zero two': each digit by name, for codes and identifiers."""
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    return " ".join(names[int(d)] for d in text if d.isdigit())
