"""Abbreviations in words, as a reader says them aloud: 'c. 460 BC' 'circa 460 BC', 'e.g.' 'for example',
'Dr Snow' 'Doctor Snow', 'St Paul's' 'Saint Paul's', 'Baker St' 'Baker Street', 'blue/green' 'blue green'.

Each abbreviation is expanded only where its context says what it is: 'c.' before a year, 'No.' before a
number, a title before a name. An abbreviation's full stop is not the sentence's: 'etc. were used' becomes
'et cetera were used', while 'and so on, etc.' at the end keeps its full stop ('et cetera.').
A slash between two words is said as a space ('read/write' 'read write'), or as 'or' between pronouns
('his/her' 'his or her'); addresses, paths, units ('km/h') and numbers ('120/80', '3/4') are left to the
rules that read them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NAME = r"(?=\s*[A-Z][\w'’-])"  # a capitalised word follows: a name
NUMBER = r"(?=\s*(?:\d|[IVXLC]+\b))"  # a number or a Roman numeral follows
# The abbreviation's own full stop: kept when it ends the text (the sentence's full stop), dropped otherwise.
STOP = r"(?P<stop>\.(?P<last>\s*$)?)"


OPENING = re.compile(r"[\s\"'“‘(\[]*")  # what may stand before a sentence's first word


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]


def _rule(pattern: str, words: str, flags: int = 0, label: bool = False) -> Rule:
    """`pattern` said as `words`, its stop kept at the text's end; capitalised where a capital abbreviation
    opens the sentence, or wherever it is written with one for a label ('Fig. 3' 'Figure 3')."""

    def said(match: re.Match[str]) -> str:
        first = match.group(0).lstrip()[:1]
        opens = label or OPENING.fullmatch(match.string, 0, match.start()) is not None
        capital = first.isupper() and words[0].islower() and opens
        spoken = words[0].upper() + words[1:] if capital else words
        last = "last" in match.re.groupindex and match.group("last") is not None
        return spoken + ("." if last else "")

    return re.compile(pattern, flags), said


WORD = r"[A-Za-z][A-Za-z'’]*"  # no hyphen: 'aws-cdk-lib/assertions' is a module's path
PRONOUNS = frozenset(
    {
        ("he", "she"),
        ("she", "he"),
        ("his", "her"),
        ("her", "his"),
        ("him", "her"),
        ("her", "him"),
        ("his", "hers"),
        ("himself", "herself"),
        ("herself", "himself"),
    }
)
# Per-slash units are the unit rules' ("km/h", "mg/kg", "mmol/L"); a time after a slash is a rate.
UNIT_SYMBOLS = _words(
    "m km cm mm nm µm μm s ms h hr hrs min g kg mg µg μg mcg L l mL ml dL dl mol mmol µmol μmol Pa kPa "
    "Hz kHz MHz GHz W kW J kJ cal kcal V A mA N b B KB MB GB TB kB Kb Mb Gb mi ft in lb lbs oz gal yd"
)
RATE = frozenset({"second", "sec", "minute", "hour", "day", "week", "month", "year", "annum", "capita"})
SLASH = re.compile(rf"(?<![\w/.:@~-])(?P<left>{WORD})/(?P<right>{WORD})(?P<more>(?:/{WORD})*)(?![\w/-]|\.\w)")
SAID_SLASHES = {"n/a": "not applicable", "N/A": "not applicable", "c/o": "care of", "s/he": "she or he"}
LEFT_ALONE = frozenset({"w/o", "w/"})


def _slash(match: re.Match[str]) -> str:
    left, right = match.group("left"), match.group("right")
    whole = match.group(0)
    if match.group("more"):
        return whole.replace("/", " ")  # read/write/execute
    if whole in SAID_SLASHES:
        return SAID_SLASHES[whole]
    if len(left) == 1 and len(right) == 1 and left.isupper() and right.isupper():
        return f"{left}.{right}"  # A/B, I/O: letters said by name, dotted as the lexicon spells them
    if whole in LEFT_ALONE or left in UNIT_SYMBOLS or right in UNIT_SYMBOLS:
        return whole
    if len(left) == 1 and len(right) == 1 and left.islower() and right.islower():
        return whole  # x/y: a division, said by the maths rules
    if (left.lower(), right.lower()) in PRONOUNS:
        return f"{left} or {right}"
    if right.lower() in RATE:
        return f"{left} per {right}"
    return f"{left} {right}"


def _saint_or_street(match: re.Match[str]) -> str:
    """'St Paul' 'Saint Paul'; 'Baker St' 'Baker Street'; 'St' before a name is a saint even after one."""
    if match.group("follows") is not None:
        return "Saint"
    if re.search(r"[A-Z][\w'’-]*\s+$", match.string[max(0, match.start() - 80) : match.start()]):
        return "Street" + ("." if match.group("last") is not None else "")
    return match.group(0)


RULES: list[Rule] = [
    # circa before a year or a number ("c. 460 BC", "ca. 1200", "c.1850")
    _rule(r"(?<![\w.])(?:c|ca|circ)\.\s?(?=\d)", "circa "),
    _rule(rf"(?<![\w.])[Ee]tc(?:{STOP}|\b)", "et cetera"),
    _rule(rf"(?<![\w.])[Ee]\.\s?g(?:{STOP}|\b)", "for example"),
    _rule(rf"(?<![\w.])[Ii]\.\s?e(?:{STOP}|\b)", "that is"),
    _rule(rf"(?<![\w.])[Cc]f{STOP}", "compare"),
    _rule(rf"(?<![\w.-])[Vv]s(?:{STOP}|\b(?!-))", "versus"),  # not in an identifier: rest-vs-http
    _rule(r"(?<=\w\s)v\.(?=\s+[A-Z])", "versus"),  # a case's name: "Roe v. Wade"
    _rule(rf"(?<![\w.])[Aa]pprox{STOP}", "approximately"),
    _rule(r"(?<![\w.])et al\.(?!\s*$)", "et al"),
    _rule(r"(?<![\w.])[Nn]os\.(?=\s*\d)", "numbers"),
    _rule(r"(?<![\w.])[Nn]o\.(?=\s*\d)", "number"),
    _rule(r"(?<![\w.])[Pp]p\.(?=\s*\d)", "pages"),
    _rule(r"(?<![\w.])p\.(?=\s*\d)", "page"),
    _rule(rf"(?<![\w.])[Ff]igs\.?{NUMBER}", "figures", label=True),
    _rule(rf"(?<![\w.])[Ff]ig\.?{NUMBER}", "figure", label=True),
    _rule(rf"(?<![\w.])[Vv]ol\.{NUMBER}", "volume", label=True),
    _rule(rf"(?<![\w.])[Cc]h\.{NUMBER}", "chapter", label=True),
    _rule(rf"(?<![\w.])[Oo]p\.{NUMBER}", "opus", label=True),
    _rule(rf"(?<![\w.])Drs\.?{NAME}", "Doctors"),
    _rule(rf"(?<![\w.])Dr\.?{NAME}", "Doctor"),
    _rule(rf"(?<![\w.])Mrs\.?{NAME}", "Missus"),
    _rule(rf"(?<![\w.])Mr\.?{NAME}", "Mister"),
    _rule(rf"(?<![\w.])Ms\.?{NAME}", "Miz"),
    _rule(rf"(?<![\w.])Prof\.?{NAME}", "Professor"),
    _rule(r"(?<![\w.])(?:Revd\.?|Rev\.?)(?=\s*(?:[A-Z][\w'’-]|the\b))", "Reverend"),
    _rule(rf"(?<![\w.])Mt\.?{NAME}", "Mount"),
    _rule(rf"(?<![\w.])Sts\.?{NAME}", "Saints"),
    _rule(rf"(?<![\w.])Capt\.{NAME}", "Captain"),
    _rule(rf"(?<![\w.])Gen\.{NAME}", "General"),
    _rule(rf"(?<![\w.])Col\.{NAME}", "Colonel"),
    _rule(rf"(?<![\w.])Lt\.{NAME}", "Lieutenant"),
    _rule(rf"(?<![\w.])Sgt\.{NAME}", "Sergeant"),
    _rule(rf"(?:(?<=[a-z],\s)|(?<=[a-z]\s))(?:Jr|Jnr)(?:{STOP})?(?![\w.])", "Junior"),
    _rule(r"(?:(?<=[a-z],\s)|(?<=[a-z]\s))(?:Sr\.|Snr\.?)(?![\w.])", "Senior"),
    (
        re.compile(rf"(?<![\w.])St(?:{STOP})?(?![\w.])(?:(?P<follows>{NAME}))?"),
        _saint_or_street,
    ),
    (SLASH, _slash),
]


UNDOTTED = re.compile(r"\b(?:Dr|Mrs?|Ms|Prof|Revd?|St|Mt|[Vv]s|[Ff]igs?|Jn?r|Snr|etc)\b")


def abbreviations(text: str, language: str = "en-US") -> str:
    """The sentence with its abbreviations in words and a slash between two words said as a reader says it
    (`language` is taken for the rules that could differ; the words are the same in en-US and en-GB)."""
    if "." not in text and "/" not in text and not UNDOTTED.search(text):
        return text
    for pattern, said in RULES:
        text = pattern.sub(said, text)
    return text
