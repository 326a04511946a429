"""Numbers as a person reads them aloud: years, dates, times, money, ranges, units, fractions and the rest.

`readings` runs before the technical rules and reads what it recognises in context, in words, in the show's
language; `in_words` runs last and says every digit that is left as a number. Between them no digit, currency,
degree, micro, fraction or sub/superscript sign reaches a voice, so every engine is given the same words.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal

from .numbers import british, cardinal, digits, ordinal, year
from .units import SPACED_ONLY, UNIT_NAMES, UNITS

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MONTH_NAMES = "|".join(MONTHS)
MONTH_ABBREVIATIONS = {name[:3]: name for name in MONTHS} | {"Sept": "September"}
MONTH = rf"(?:{MONTH_NAMES}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?)"
NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
# A number that is a word of its own: not inside an identifier, a version or an address.
ALONE = r"(?<![\w.,/:#$£€¥-])"
AFTER = r"(?![\w]|[.,]\d)"

# Units that are also words or letters: "in" and "t" are never read as units after a space, the others only
# when no word follows them ("100 m" is metres, "2 s of it" is left as written).
WORDLIKE = frozenset({"in", "m", "s", "h", "t", "g"})
DEGREES = {"C": "Celsius", "F": "Fahrenheit", "K": "kelvin"}
CURRENCIES = {
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "$": ("dollar", "dollars", "cent", "cents"),
    "¥": ("yen", "yen", "", ""),
    "₹": ("rupee", "rupees", "paisa", "paise"),
}
SCALES = {
    "k": "thousand",
    "K": "thousand",
    "m": "million",
    "M": "million",
    "bn": "billion",
    "billion": "billion",
    "million": "million",
    "thousand": "thousand",
    "trillion": "trillion",
    "tn": "trillion",
}
OLD_PENCE = {"1": "one penny", "2": "twopence", "3": "threepence", "6": "sixpence"}
FRACTIONS = {2: ("half", "halves"), 4: ("quarter", "quarters")}
VULGAR = "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅐⅛⅜⅝⅞⅑⅒"
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
ERAS = {
    "BC": "B.C",
    "BCE": "B.C.E",
    "AD": "A.D",
    "CE": "C.E",
    "B.C.": "B.C",
    "A.D.": "A.D",
    "B.C.E.": "B.C.E",
    "C.E.": "C.E",
    "BP": "B.P",
}
ERA = r"(?:B\.C\.E\.|B\.C\.|A\.D\.|C\.E\.|BCE|BC|AD|CE|BP)"
# Words after which a four-digit number is a year ("in 1918", "the summer of 1854").
YEAR_CUES = re.compile(
    r"(?:\b(?:in|since|from|until|till|by|of|during|before|after|around|circa|year|years|summer|winter|"
    r"spring|autumn|fall|early|late|mid|between|and|to|through|c\.|ca\.)|[(\[]|" + MONTH_NAMES + r")\W*$",
    re.IGNORECASE,
)
# Words after which a four-digit number is a year, not a count ("1918 was", "1854 et cetera").
YEAR_FOLLOWERS = frozenset(
    {"was", "saw", "brought", "marked", "is", "will", "had", "and", "or", "to", "et", "onwards", "onward"}
)
TIME = re.compile(
    rf"{ALONE}([01]?\d|2[0-4]):([0-5]\d)(?::([0-5]\d))?(?:\s?([AaPp])\.?\s?[Mm]\b\.?(?!\w))?(?![\d:])"
)


class Reader:
    """The reading rules for one show's language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.british = british(language)
        self.compiled = self.rules()

    # --- numbers ---------------------------------------------------------------------------------
    def number(self, written: str) -> str:
        """A quantity: '1,250' -> 'one thousand two hundred fifty'; '3.14' -> 'three point one four'."""
        written = written.replace(",", "")
        if len(written) > 1 and written.startswith("0") and "." not in written:
            return digits(written)
        return cardinal(Decimal(written) if "." in written else int(written), self.language)

    def year(self, written: str) -> str:
        return year(int(written), self.language)

    def unit(self, name: str, plural: bool) -> str:
        singular, many = UNITS[name]
        said = many if plural else singular
        if not self.british:
            said = re.sub(r"(met|lit)re", r"\1er", said).replace("tonne", "metric ton")
        return said

    # --- rules -----------------------------------------------------------------------------------
    def rules(self) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
        return [
            (re.compile(r"(?<![\w])(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?![\d-])"), self._iso_date),
            (re.compile(rf"{ALONE}(\d{{1,2}})/(\d{{1,2}})/(\d{{4}}){AFTER}"), self._slashed_date),
            (
                re.compile(rf"{ALONE}(\d{{1,2}})(?:st|nd|rd|th)?\s+({MONTH})(?:,?\s+(\d{{3,4}}))?(?![\w])"),
                self._day_month,
            ),
            (
                re.compile(rf"\b({MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,\s*(\d{{3,4}}))?(?![\w:])"),
                self._month_day,
            ),
            (TIME, self._time),
            (re.compile(r"\b([Pp]orts?)\s+(\d{3,4})\b"), lambda m: f"{m.group(1)} {self.year(m.group(2))}"),
            (re.compile(r"(?<![\w.])([1-5])(XX|xx)(?=\b|[A-Z])"), lambda m: f"{digits(m.group(1))} X.X "),
            (re.compile(rf"{ALONE}(?:£\s?(\d+)\s+)?(\d+)s\.?\s?(\d+)d\b"), self._shillings),
            (
                re.compile(
                    rf"(?<![\w])([£€$¥₹])\s?({NUMBER})(?:\s?(bn|tn|[kKmM]|million|billion|thousand|trillion))?"
                    r"(?![\w])"
                ),
                self._money,
            ),
            (
                re.compile(
                    rf"{ALONE}([-−]?{NUMBER})(?:\s?[–—]\s?|-|\s+to\s+)([-−]?{NUMBER}){AFTER}"
                    rf"(?:(\s?%)|\s?[°º˚]\s?([CFK])\b|(\s?)({UNIT_NAMES})(?:/({UNIT_NAMES}))?(?![\w/]))?"
                ),
                self._range,
            ),
            (re.compile(rf"{ALONE}({NUMBER})/({NUMBER})\s?(mmHg|mm Hg)"), self._blood_pressure),
            (re.compile(rf"{ALONE}([-−]?{NUMBER})\s?[°º˚]\s?([CFK])\b"), self._degrees),
            (re.compile(rf"{ALONE}([-−]?{NUMBER})\s?[°º˚]"), lambda m: self._plain(m.group(1)) + " degrees"),
            (
                re.compile(rf"{ALONE}({NUMBER})(\s?)({UNIT_NAMES})(?:/({UNIT_NAMES}))?(?![\w/])"),
                self._measure,
            ),
            (re.compile(rf"{ALONE}({NUMBER})\s?%"), lambda m: self._plain(m.group(1)) + " percent"),
            (re.compile(rf"{ALONE}(\d+)?\s?([{VULGAR}])"), self._vulgar),
            (re.compile(rf"{ALONE}(\d+)/(\d+){AFTER}(?!/)"), self._fraction),
            (re.compile(rf"{ALONE}(\d{{1,3}}0)s\b|'(\d0)s\b|\bthe (\d0)s\b"), self._decade),
            (re.compile(rf"{ALONE}(\d+)(st|nd|rd|th)\b"), lambda m: ordinal(int(m.group(1)), self.language)),
            (re.compile(rf"\b{ERA}\s?(\d{{1,4}}){AFTER}"), self._era_first),
            (re.compile(rf"{ALONE}(\d{{1,4}})\s?({ERA})(?![\w])"), self._era_after),
            (re.compile(rf"{ALONE}([-−])(?=\d)"), lambda m: "minus "),
            (re.compile(rf"{ALONE}(1\d\d\d|20\d\d)(?!\w|,\d{{3}}|\.\d)"), self._maybe_year),
            (re.compile(r"(?<=\w)([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)"), self._power),
        ]

    def read(self, text: str) -> str:
        for pattern, said in self.compiled:
            text = pattern.sub(said, text)
        return text

    def _plain(self, written: str) -> str:
        negative = written[:1] in "-−"
        return ("minus " if negative else "") + self.number(written.lstrip("-−"))

    def _date(self, day: int, month: str, when: str | None) -> str:
        said = (
            f"the {ordinal(day, self.language)} of {month}"
            if self.british
            else (f"{month} {ordinal(day, self.language)}")
        )
        return said + (f", {self.year(when)}" if when else "")

    def _iso_date(self, match: re.Match[str]) -> str:
        when, month, day = match.groups()
        return self._date(int(day), MONTHS[int(month) - 1], when)

    def _slashed_date(self, match: re.Match[str]) -> str:
        first, second, when = (int(part) for part in match.groups())
        day, month = (first, second) if self.british else (second, first)
        if not (1 <= month <= 12 and 1 <= day <= 31):
            day, month = month, day
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return match.group(0)
        return self._date(day, MONTHS[month - 1], str(when))

    @staticmethod
    def _month(written: str) -> str:
        return MONTH_ABBREVIATIONS.get(written.rstrip("."), written.rstrip("."))

    def _day_month(self, match: re.Match[str]) -> str:
        day, month, when = match.groups()
        if not 1 <= int(day) <= 31:
            return match.group(0)
        return self._date(int(day), self._month(month), when)

    def _month_day(self, match: re.Match[str]) -> str:
        month, day, when = match.groups()
        if not 1 <= int(day) <= 31:
            return match.group(0)
        return self._date(int(day), self._month(month), when)

    def _time(self, match: re.Match[str]) -> str:
        hours, minutes, seconds, half = match.groups()
        hour, minute = int(hours), int(minutes)
        if half:
            said = cardinal(hour, self.language)
        elif hours.startswith("0") or hour >= 13 or minute == 0:
            said = digits(hours) if hours.startswith("0") and hour else cardinal(hour, self.language)
        else:
            said = cardinal(hour, self.language)
        if minute == 0:
            said += (
                " o'clock"
                if (half is None and hour <= 12 and not hours.startswith("0"))
                else ("" if half else " hundred")
            )
        elif minute < 10:
            said += f" oh {cardinal(minute, self.language)}"
        else:
            said += f" {cardinal(minute, self.language)}"
        if seconds:
            said += f" and {cardinal(int(seconds), self.language)} seconds"
        if half:
            said += " A.M" if half.lower() == "a" else " P.M"
        return said

    def _shillings(self, match: re.Match[str]) -> str:
        pounds, shillings, pence = match.groups()
        parts = []
        if pounds:
            parts.append(f"{cardinal(int(pounds), self.language)} pound{'s' if pounds != '1' else ''}")
        parts.append(f"{cardinal(int(shillings), self.language)} shilling{'s' if shillings != '1' else ''}")
        parts.append(OLD_PENCE.get(pence) or f"{cardinal(int(pence), self.language)} pence")
        return ", ".join(parts[:-1]) + " and " + parts[-1]

    def _money(self, match: re.Match[str]) -> str:
        sign, amount, scale = match.groups()
        one, many, minor_one, minor_many = CURRENCIES[sign]
        amount = amount.replace(",", "")
        if scale:
            return f"{self.number(amount)} {SCALES[scale]} {many}"
        whole, _, cents = amount.partition(".")
        major = int(whole)
        if cents and len(cents) == 2 and minor_many:
            minor = int(cents)
            if major == 0:
                return f"{cardinal(minor, self.language)} {minor_one if minor == 1 else minor_many}"
            said = f"{cardinal(major, self.language)} {one if major == 1 else many}"
            return said + (f" {cardinal(minor, self.language)}" if minor else "")
        if cents:
            return f"{self.number(amount)} {many}"
        return f"{cardinal(major, self.language)} {one if major == 1 else many}"

    def _range(self, match: re.Match[str]) -> str:
        first, second, percent, scale, space, unit, per = match.groups()
        plain = [value.replace(",", "").lstrip("-−") for value in (first, second)]
        if unit and unit in SPACED_ONLY and not space and not per:
            unit = None  # "5-10m": the technical rules say "10m"
            tail = match.group(0)[match.end(2) - match.start() :]
        else:
            tail = ""
        if all(re.fullmatch(r"1\d\d\d|20\d\d", value) for value in plain) and not (percent or unit):
            return f"{self.year(plain[0])} to {self.year(plain[1])}{tail}"
        if re.fullmatch(r"1\d\d\d|20\d\d", plain[0]) and re.fullmatch(r"\d\d", plain[1]) and not tail:
            return f"{self.year(plain[0])} to {self.number(plain[1])}"  # 1914-18
        said = f"{self._plain(first)} to {self._plain(second)}"
        if percent:
            return said + " percent"
        if scale:
            return said + f" degrees {DEGREES[scale]}"
        if unit:
            said += f" {self.unit(unit, True)}" + (f" per {self.unit(per, False)}" if per else "")
            return said
        return said + tail

    def _blood_pressure(self, match: re.Match[str]) -> str:
        high, low, _ = match.groups()
        return f"{self.number(high)} over {self.number(low)} {self.unit('mmHg', True)}"

    def _degrees(self, match: re.Match[str]) -> str:
        value, scale = match.groups()
        said = self._plain(value)
        plural = value.lstrip("-−") != "1"
        return f"{said} degree{'s' if plural else ''} {DEGREES[scale]}"

    def _measure(self, match: re.Match[str]) -> str:
        value, space, unit, per = match.groups()
        if unit in SPACED_ONLY and not space and not per:
            return match.group(0)  # "10m", "30s", "5h": the technical rules say them
        if unit in WORDLIKE and not per:
            following = match.string[match.end() :].lstrip()
            if unit in ("in", "t") or (following[:1].isalpha() and unit != "m"):
                return match.group(0)  # "5 in total", "2 s of", "a 3 t shirt": words, not units
        plural = value not in ("1", "1.0")
        said = f"{self._plain(value)} {self.unit(unit, plural)}"
        if per:
            said += f" per {self.unit(per, False)}"
        return said

    def _vulgar(self, match: re.Match[str]) -> str:
        whole, sign = match.groups()
        fraction = self._fraction_words(*_ratio(sign))
        if whole:
            article = "an" if fraction.startswith(("one eighth", "one eleventh")) else "a"
            return f"{cardinal(int(whole), self.language)} and {fraction.replace('one ', article + ' ', 1)}"
        return fraction

    def _fraction_words(self, top: int, bottom: int) -> str:
        if bottom in FRACTIONS:
            one, many = FRACTIONS[bottom]
        else:
            one = ordinal(bottom, self.language)
            many = one + "s"
        return f"{cardinal(top, self.language)} {one if top == 1 else many}"

    def _fraction(self, match: re.Match[str]) -> str:
        top, bottom = int(match.group(1)), int(match.group(2))
        if (top, bottom) == (24, 7):
            return f"{cardinal(24, self.language)} {cardinal(7, self.language)}"  # all day, every day
        if 0 < top < bottom <= 16 or (bottom < top < 100 and 2 <= bottom <= 12):
            return self._fraction_words(top, bottom)
        return f"{self.number(match.group(1))} over {self.number(match.group(2))}"

    def _decade(self, match: re.Match[str]) -> str:
        full, short, bare = match.groups()
        if full:
            said = self.year(full) if len(full) == 4 else cardinal(int(full), self.language)
        else:
            said = cardinal(int(short or bare), self.language)
        said = re.sub(r"y$", "ies", said)
        return said if said.endswith("ies") else said + "s"

    def _era_first(self, match: re.Match[str]) -> str:
        era = re.match(ERA, match.group(0))
        assert era is not None
        return f"{ERAS[era.group(0)]} {self._era_year(match.group(1))}"

    def _era_after(self, match: re.Match[str]) -> str:
        return f"{self._era_year(match.group(1))} {ERAS[match.group(2)]}"

    def _era_year(self, written: str) -> str:
        return self.year(written) if len(written) == 4 else cardinal(int(written), self.language)

    def _maybe_year(self, match: re.Match[str]) -> str:
        before = match.string[: match.start()]
        after = match.string[match.end() :]
        following = re.match(r"\s*([A-Za-z]+)", after)
        if YEAR_CUES.search(before) or not following:
            return self.year(match.group(1))
        word = following.group(1)
        if word[0].isupper() or word in YEAR_FOLLOWERS or re.search(r"\b1\d{3}\W*$", before):
            return self.year(match.group(1))
        return match.group(0)  # "1918 patients": a quantity, said by in_words

    def _power(self, match: re.Match[str]) -> str:
        exponent = match.group(1).translate(SUPERSCRIPTS)
        if exponent == "2":
            return " squared"
        if exponent == "3":
            return " cubed"
        sign = "minus " if exponent.startswith("-") else ""
        return f" to the power of {sign}{cardinal(int(exponent.lstrip('-')), self.language)}"


def _ratio(sign: str) -> tuple[int, int]:
    """'¾' -> (3, 4), from the character's own name ('VULGAR FRACTION THREE QUARTERS')."""
    value = Decimal(str(unicodedata.numeric(sign)))
    for bottom in range(2, 11):
        top = value * bottom
        if abs(top - round(top)) < Decimal("0.001"):
            return round(top), bottom
    return 1, 1


# "1 MB", said through the lexicon as "megabytes": one of a unit is singular.
PLURAL_UNITS = sorted(
    {plural for _, plural in UNITS.values() if plural.endswith("s")}
    | {
        "kilobytes",
        "megabytes",
        "gigabytes",
        "terabytes",
        "petabytes",
        "kibibytes",
        "mebibytes",
        "gibibytes",
        "tebibytes",
        "millicores",
        "minutes",
        "seconds",
        "hours",
        "days",
        "weeks",
        "months",
        "years",
    },
    key=len,
    reverse=True,
)
ONE_OF = re.compile(r"(?<![\w-])(one )(" + "|".join(PLURAL_UNITS) + r")\b")
DIGITS = re.compile(r"(?<![\d.,])(\d+(?:,\d{3})*(?:\.\d+)?)(?![\d])")
GLUED = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def in_words(text: str, language: str = "en-US") -> str:
    """Every digit left in the sentence as a number in words; digits glued to letters apart from them
    ('S3' -> 'S three', 'x86' -> 'x eighty-six')."""
    if not any(character.isdigit() for character in text):
        return text
    reader = _reader(language)
    text = GLUED.sub(" ", text)
    text = DIGITS.sub(lambda match: reader.number(match.group(1)), text)
    return ONE_OF.sub(lambda match: match.group(1) + match.group(2)[:-1], text)


def readings(text: str, language: str = "en-US") -> str:
    """The numbers of a sentence that context reads (dates, times, money, ranges, units...) in words."""
    if not any(character.isdigit() or character in VULGAR for character in text):
        return text
    return _reader(language).read(text)


@functools.cache
def _reader(language: str) -> Reader:
    """One reader per language, its rules compiled once."""
    return Reader(language)
