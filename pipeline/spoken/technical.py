"""Technical tokens in words: addresses, identifiers, units, versions, flags, arrows, cron schedules, symbols.

Each rule is one regular expression over a sentence's words with the spoken form it gives; they run in the
order of RULES, so an address is spoken before its dots could be taken for an identifier's.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from linkify_it.tlds import TLDS

from .readings import MONTHS, readings

TOP_LEVEL_DOMAINS = frozenset(tld.lower() for tld in TLDS)
# Endings said as a word; every other short ending is spelled ("helm dot s h").
SAID_ENDINGS = frozenset({"com", "org", "net", "dev", "app", "gov", "edu", "info", "cloud", "tech", "aws"})
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U0001fb00-\U0001fbff\u2600-\u266c\u2670-\u26ff\u2700-\u27bf\u2b00-\u2bff\ufe0f\u200d\u20e3"
    "\U000e0020-\U000e007f]"
)
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL = re.compile(rf"(?<![\w.+-])([\w.+-]+)@((?:{LABEL}\.)+[A-Za-z]{{2,}})(?![\w-])")
# A web address: a scheme or a known top-level domain, a path that is never said.
URL = re.compile(
    rf"(?<![\w@/.-])(?:[A-Za-z][\w+.-]*://)?(?:www\.)?((?:{LABEL}\.)+([A-Za-z]{{2,}}))(?::\d+)?"
    r"(/[^\s]*?)?(?=[.,;:!?)\]'\"]*(?:\s|$))"
)
# Entries of the lexicon stand in the text as one character of this range until the end (see speech.py).
HELD = "\U000f0000-\U000fffff"
DOTTED = re.compile(
    rf"(?<![\w.])([A-Za-z_${HELD}][\w${HELD}-]*(?:\.[A-Za-z_${HELD}][\w${HELD}-]*)+)(?![\w])(?!\.\w)"
)
SCOPED = re.compile(r"::(?=\w)")
# A code span of symbols only (`-->`, `]]>`), marked by markup.py: each symbol said by its name.
CODE_SYMBOLS = re.compile("\u2063([^\u2063]*)\u2063")
SYMBOL_NAMES = {
    "-": "dash",
    ">": "greater than",
    "<": "less than",
    "[": "open bracket",
    "]": "close bracket",
    "=": "equals",
    "!": "bang",
    "&": "ampersand",
    "*": "star",
    "/": "slash",
    "|": "pipe",
    ":": "colon",
    ".": "dot",
    "{": "open brace",
    "}": "close brace",
    "$": "dollar",
    "#": "hash",
    "%": "percent",
    "@": "at",
    "~": "tilde",
    "^": "caret",
    "_": "underscore",
    "+": "plus",
    "?": "question mark",
    ";": "semicolon",
    ",": "comma",
    "(": "open parenthesis",
    ")": "close parenthesis",
    "'": "quote",
    '"': "double quote",
    "`": "backtick",
    "\\": "backslash",
}
CAMEL = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2})|(?<=[a-z])(?=\d)(?<!v)|(?<=\d)(?=[A-Z][a-z])"
    r"|(?<=[A-Z])(?=v\d)"
)
CAMEL_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[A-Z])[A-Za-z][A-Za-z0-9]*[a-z0-9][A-Za-z0-9]*\b")
HEADER = re.compile(rf"(?<![\w-])[A-Z{HELD}][\w{HELD}]*(?:-[A-Z{HELD}][\w{HELD}]*){{2,}}(?![\w-])")
VERSION = re.compile(r"(?<![\w.])([vV])?(\d+)((?:\.\d+){1,3})(?:-([A-Za-z][\w.]*[\w])?)?(?!\w|\.\d)")
SCIENTIFIC = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)[eE]([+-]?\d+)\b")
BARE_VERSION = re.compile(r"(?<![\w.])v(\d+)\b")
# A date written year first (2016-10-31), as the proof-listen scores it; readings.py says it to the voice.
ISO_DATE = re.compile(r"(?<![\d.])(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?![\d-])")
FLAG = re.compile(r"(?<![^\s(\[\"'])(--?)([A-Za-z][\w-]*)")
# A hyphen between words ("dead-letter", "bisect-on-error", "content-based"): a space, or some voices run the
# words into one ("bisecton"); kept after a prefix that is no word of its own ("re-run", "co-host").
COMPOUND = re.compile(rf"(?<![A-Za-z{HELD}])([A-Za-z]{{2,}}|[{HELD}])-(?=[A-Za-z]{{2}})")
BOUND_PREFIXES = frozenset({"re", "de", "co", "pre", "un", "non", "sub", "mis"})
# "ninety-nine", "twenty-first": numbers in words keep their hyphen, which every voice reads as one number.
TENS = frozenset({"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"})
KEPT_HYPHENS = BOUND_PREFIXES | TENS
CRON_FIELD = r"(?:\*(?:/\d+)?|\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*(?:/\d+)?)"
CRON = re.compile(rf"(?<![\w*/])({CRON_FIELD}(?:\s+{CRON_FIELD}){{4}})(?![\w*/])")
ARROW_BETWEEN = re.compile(r"(?<=[\w)\]'\"])\s*(?:-->|->|=>|→|⇒|⟶)\s*(?=[\w(\['\"])")
ARROW = re.compile(r"-->|->|=>|→|⇒|⟶")
UNIT_WORDS = {
    "Ki": "kibibytes",
    "Mi": "mebibytes",
    "Gi": "gibibytes",
    "Ti": "tebibytes",
    "KiB": "kibibytes",
    "MiB": "mebibytes",
    "GiB": "gibibytes",
    "TiB": "tebibytes",
    "KB": "kilobytes",
    "kB": "kilobytes",
    "MB": "megabytes",
    "GB": "gigabytes",
    "TB": "terabytes",
    "PB": "petabytes",
    "Kbps": "kilobits per second",
    "kbps": "kilobits per second",
    "Mbps": "megabits per second",
    "Gbps": "gigabits per second",
    "ms": "milliseconds",
    "µs": "microseconds",
    "us": "microseconds",
    "ns": "nanoseconds",
    "s": "seconds",
    "min": "minutes",
    "h": "hours",
    "d": "days",
    "GHz": "gigahertz",
    "MHz": "megahertz",
    "kHz": "kilohertz",
    "Hz": "hertz",
    "k": "thousand",
    "%": "percent",
    "m": "minutes",  # said "millicores" where the sentence is about CPU
}
# Units that are also words ("5 s", "2 us") are units only when glued to their number.
GLUED_ONLY = frozenset({"s", "m", "h", "d", "k", "us", "min"})
UNIT = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)(\s?)("
    + "|".join(sorted(map(re.escape, UNIT_WORDS), key=len, reverse=True))
    + r")(?![\w%])"
)
CPU = re.compile(r"\b(?:cpu|cpus|cores?|millicores?|requests?|limits?)\b", re.IGNORECASE)
SYMBOLS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"(?<![\w#])([A-G])(?:#|♯)(?![\w#])"), r"\1 sharp"),  # C#, F♯: the language, the note
    (re.compile(r"(?<![\w])([A-G])♭(?!\w)"), r"\1 flat"),
    (re.compile(r"(?<![\w])([A-G])♮(?!\w)"), r"\1 natural"),
    (re.compile(r"\s*(?:<=|≤|=<)\s*"), " at most "),
    (re.compile(r"\s*(?:>=|≥|=>)\s*"), " at least "),
    (re.compile(r"\s*(?:!=|≠|<>|!==)\s*"), " is not equal to "),
    (re.compile(r"\s*(?:===|==)\s*"), " equals "),
    (re.compile(r"</?([A-Za-z][\w-]*)\s*/?>"), r" \1 "),  # a tag written as code: "the details element"
    (re.compile(r"(?<=[\w)])\s*<\s*(?=[\w(-])"), " less than "),
    (re.compile(r"(?<=[\w)])\s*>\s*(?=[\w(-])"), " greater than "),
    (re.compile(r"(?<![\w)])<\s*(?=\d)"), "under "),
    (re.compile(r"(?<![\w)])>\s*(?=\d)"), "over "),
    (re.compile(r"(?<=\w)\s*=\s*(?=\S)"), " equals "),
    (re.compile(r"\s*(?:&&|\|\|)\s*"), lambda m: " and " if "&" in m.group(0) else " or "),
    (re.compile(r"(?<=\d)\s*[x×*]\s*(?=\d)"), " times "),
    (re.compile(r"\s*×\s*"), " times "),
    (re.compile(r"(?<=\d)\s*÷\s*(?=\d)"), " divided by "),
    (re.compile(r"(?<=[\w)])\s*\+\s*(?=[\w(])"), " plus "),
    (re.compile(r"(?<=\w)\s*\^\s*(?=\d)"), " to the power of "),
    (re.compile(r"±\s*"), "plus or minus "),
    (re.compile(r"\s*≈\s*"), " is approximately "),
    (re.compile(r"(?<=[\w)])\s*−\s*(?=[\w(])"), " minus "),
    (re.compile(r"−\s*(?=\w)"), "minus "),
    (re.compile(r"~\s*(?=\d)"), "about "),
    (re.compile(r"(?<!&)#(?=\d)"), " number "),  # USER#123, userId#0: "user number 123", "user Id number 0"
    (re.compile(r"(?<![\w$])\$(?=\{[A-Za-z_])"), "dollar "),  # a template's ${stageVariables.alias}
    (re.compile(r"\s+@\s+"), " at "),
    (re.compile(r"\s*(?:—|–)\s*"), ", "),
    (re.compile(r"&(?:amp;)?"), " and "),
    (re.compile(r"(?<=\w)_(?=\w)"), " "),
    (re.compile(r"\.{3}|…"), ", "),
    (re.compile(r"[*_#`|\\{}<>~^]"), " "),
    (re.compile(r"\s*[\[\]]\s*"), " "),
]
CRON_NAMES = ("minute", "hour", "day of the month", "month", "day of the week")


def said_ending(label: str) -> str:
    """A domain's last label: 'com' said as a word, 'sh' spelled 's h'."""
    lower = label.lower()
    if lower in SAID_ENDINGS or len(lower) > 3:
        return label
    return " ".join(lower)


def domain(name: str) -> str:
    """'helm.sh' -> 'helm dot s h'; 'lambda.amazonaws.com' -> 'lambda dot amazonaws dot com'."""
    labels = name.removeprefix("www.").split(".")
    return " dot ".join([*(label.replace("-", " ") for label in labels[:-1]), said_ending(labels[-1])])


def _email(match: re.Match[str]) -> str:
    local = re.sub(
        r"[.+_-]",
        lambda m: {".": " dot ", "+": " plus ", "_": " underscore ", "-": " dash "}[m.group()],
        match.group(1),
    )
    return f"{local} at {domain(match.group(2))}"


def _url(match: re.Match[str]) -> str:
    whole, name, ending = match.group(0), match.group(1), match.group(2)
    if "://" not in whole and ending.lower() not in TOP_LEVEL_DOMAINS:
        return whole  # pod.spec.containers: not an address; DOTTED says it
    if "://" not in whole and not match.group(3) and ending.lower() in ("py", "md", "sh", "rs", "go", "pl"):
        # 'app.py' and 'setup.sh' are files; said as identifiers
        return whole
    return domain(name)


def _dotted(match: re.Match[str]) -> str:
    parts = match.group(1).split(".")
    if all(len(part) == 1 and part.isupper() for part in parts):
        return match.group(0)  # letters said by name: "B.C", "P.M", "C.H.C.L"
    if len(parts) == 2 and len(parts[1]) <= 3 and parts[1].islower():
        return f"{parts[0]} dot {said_ending(parts[1])}"  # a file name: app.py, values.yaml
    return " dot ".join(parts)


def _camel(match: re.Match[str]) -> str:
    word = match.group(0)
    if len(word) < 4 or re.fullmatch(r"[A-Z][a-z]+s?|[a-z]+|[A-Z]+s?", word):
        return word
    pieces = CAMEL.sub(" ", word).split()
    if any(len(piece) < 2 and not piece.isdigit() for piece in pieces[1:]):
        return word  # SaaS, iOS: one word, not two
    return " ".join(pieces)


def _version(match: re.Match[str]) -> str:
    prefix, major, rest, tag = match.groups()
    parts = [major, *rest.lstrip(".").split(".")]
    if not prefix and len(parts) == 2:
        return match.group(0)  # 1.5 is a number
    if not prefix and len(parts) == 4:
        return " dot ".join(parts)  # an IP address
    spoken = ("version " if prefix else "") + " point ".join(parts)
    return spoken + (f" {tag}" if tag else "")


def iso_date(match: re.Match[str]) -> str:
    """'2016-10-31' -> 'October 31, 2016'."""
    year, month, day = match.groups()
    return f"{MONTHS[int(month) - 1]} {int(day)}, {year}"


def _scientific(match: re.Match[str]) -> str:
    mantissa, exponent = match.group(1), int(match.group(2))
    try:
        value = Decimal(mantissa) * (Decimal(10) ** exponent)
    except InvalidOperation:
        return match.group(0)
    if 0 <= exponent <= 12 and value == value.to_integral_value():
        return str(int(value))  # 1e6 -> 1000000, which every voice says "one million"
    return f"{mantissa} times ten to the power of {'minus ' if exponent < 0 else ''}{abs(exponent)}"


def _flag(match: re.Match[str]) -> str:
    dashes, name = match.groups()
    said = " ".join(name) if len(name) == 1 else name.replace("-", " ")
    return ("dash dash " if len(dashes) == 2 else "dash ") + said


def _cron_field(value: str, name: str) -> str:
    if value == "*":
        return f"every {name}"
    if value.startswith("*/"):
        return (
            f"every {value[2:]} {name}s" if name in ("minute", "hour", "month") else f"every {value[2:]} days"
        )
    value = value.replace(",", " and ").replace("-", " to ").replace("/", " every ")
    return f"{name} {value}"


def _cron(match: re.Match[str]) -> str:
    fields = match.group(1).split()
    if "*" not in match.group(1):
        return match.group(1)  # five plain numbers are just numbers
    return ", ".join(_cron_field(value, name) for value, name in zip(fields, CRON_NAMES)) + ","


def _unit(match: re.Match[str], sentence: str) -> str:
    number, space, unit = match.groups()
    if (space and unit in GLUED_ONLY) or (unit == "s" and len(number) == 4 and number.endswith("0")):
        return match.group(0)  # "2 us", "the 1990s"
    if unit == "m" and CPU.search(sentence):
        return f"{number} millicores"
    word = UNIT_WORDS[unit]
    if number == "1" and word.endswith("s") and unit not in ("%",):
        word = word[:-1]
    return f"{number} {word}"


def _symbols(text: str) -> str:
    for pattern, replacement in SYMBOLS:
        text = pattern.sub(replacement, text)
    return text


def rules(context: str) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    return [
        (EMAIL, _email),
        (URL, _url),
        (CODE_SYMBOLS, lambda m: " " + " ".join(SYMBOL_NAMES.get(c, "") for c in m.group(1)) + " "),
        (SCOPED, lambda m: " "),
        (CRON, _cron),
        (SCIENTIFIC, _scientific),
    ]


def later_rules(context: str) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    return [
        (VERSION, _version),
        (BARE_VERSION, lambda m: f"v {m.group(1)}"),
        (DOTTED, _dotted),
        (HEADER, lambda m: m.group(0).replace("-", " ")),
        (CAMEL_WORD, _camel),
        (UNIT, lambda m: _unit(m, context)),
        (ARROW_BETWEEN, lambda m: " to "),
        (ARROW, lambda m: " arrow "),
        (FLAG, _flag),
        (COMPOUND, lambda m: m.group(0) if m.group(1).lower() in KEPT_HYPHENS else m.group(1) + " "),
    ]


def technical(text: str, context: str = "", language: str | None = None) -> str:
    """The sentence with its technical tokens and symbols in words, emoji left out (`context`: the sentence
    as written, when `text` holds lexicon placeholders). With a `language`, the numbers that context reads
    (dates, times, money, ranges, units) are said in its words once addresses and schedules are."""
    text = EMOJI.sub("", html.unescape(text) if "&" in text else text)
    for pattern, spoken in rules(context or text):
        text = pattern.sub(spoken, text)
    if language is not None:
        text = readings(text, language)
    for pattern, spoken in later_rules(context or text):
        text = pattern.sub(spoken, text)
    return " ".join(_symbols(text).split())
