"""Chemical formulas, powers and squared or cubed units in words.

A formula is said as a chemist reads it aloud: each element symbol by its letters, each count as a number
('CO2': 'C.O two', 'C6H12O6': 'C six H twelve O six', 'CHCl₃': 'C.H.C.L three'). Letters said by name follow
the lexicon's convention: a run of them dotted ('C.H.C.L', as `spelled()` writes 'A.P.I'), a single capital as
it is. A bracketed group is its own short phrase after a comma, its count said as a multiple:
'Ca(OH)2': 'C.A, O.H twice', 'Mg3(PO4)2': 'M.G three, P.O four twice'. A charge is said after the formula:
'NH4+': 'N.H four plus', 'SO₄²⁻': 'S.O four, two minus'.

Letters are taken for a formula only when every capital-led piece is an element's symbol and the token has a
count (a digit or a subscript) or is a salt written with a lower-case letter (NaCl, KCl, HCl, NaOH): 'NASA',
'CPU', 'IT', 'CO-OP', 'I' and 'CO' stay as they are written.

Powers: 'x²' 'x squared', 'x³' 'x cubed', '10⁶' and '10^6' 'ten to the power of six', '2⁻³' 'two to the power
of minus three'. A unit with a power is an area or a volume: '5 m²' '5 square meters' ('square metres' in
en-GB), 'cm³' 'cubic centimeters'; after a unit and a slash it is a rate: 'kg/m³' 'kg per cubic meter',
'm/s²' 'm per second squared' (the units before the slash are the unit rules'). A superscript figure after
a longer word or a full stop is a footnote mark and is left out ('as Snow showed.³').
"""

from __future__ import annotations

import re

from .numbers import british, cardinal


def _symbols_of(text: str) -> frozenset[str]:
    return frozenset(text.split())


ELEMENTS = _symbols_of(
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr Rb Sr "
    "Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta "
    "W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs "
    "Mt Ds Rg Cn Nh Fl Mc Lv Ts Og"
)
# Without a count, a formula is a salt or a base: a metal or hydrogen, then these.
# (Not N, P or H: "NaN" is no sodium nitride.)
ANIONS = ("F", "Cl", "Br", "I", "O", "S", "Se", "OH", "CN", "SCN", "ClO", "OCl")
NONMETALS = _symbols_of("H He B C N O F Ne Si P S Cl Ar As Se Br Kr Te I Xe At Rn")

SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
SUB = "₀₁₂₃₄₅₆₇₈₉"
SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹"

COUNT = rf"(?:[1-9]\d{{0,2}}|[{SUB}]+)"
PIECE = rf"[A-Z][a-z]?{COUNT}?"
GROUP = rf"\((?:{PIECE})+\){COUNT}?"
CHARGE = rf"(?:[{SUP}]*[⁺⁻]|\d?[+−-](?![\w-]))"
FORMULA = re.compile(rf"(?<![\w.+/-])(?P<formula>(?:{PIECE}|{GROUP})+)(?P<charge>{CHARGE})?(?![\w(]|\.\w)")
PIECES = re.compile(
    rf"(?P<group>\((?P<inner>[^)]*)\)(?P<times>{COUNT})?)|(?P<symbol>[A-Z][a-z]?)(?P<count>{COUNT})?"
)
TIMES = {2: "twice", 3: "three times"}

UNITS = {  # symbol: (singular, plural) as en-US writes them; en-GB writes -metre
    "m": ("meter", "meters"),
    "km": ("kilometer", "kilometers"),
    "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"),
    "µm": ("micrometer", "micrometers"),
    "μm": ("micrometer", "micrometers"),
    "nm": ("nanometer", "nanometers"),
    "dm": ("decimeter", "decimeters"),
    "ft": ("foot", "feet"),
    "in": ("inch", "inches"),
    "yd": ("yard", "yards"),
    "mi": ("mile", "miles"),
}
POWER_WORDS = {2: ("square", "squared"), 3: ("cubic", "cubed")}
NUMBER_BEFORE = re.compile(r"(?P<number>\d[\d,]*(?:\.\d+)?)\s?$")
UNIT_POWER = re.compile(
    r"(?:(?<=[A-Za-zµμ])(?P<per>/)|(?<![\w/]))(?P<unit>"
    + "|".join(sorted(map(re.escape, [*UNITS, "s"]), key=len, reverse=True))
    + r")(?:(?P<sup>[²³])|\^(?P<caret>[23]))(?![\w/])"
)
# A power of a number, a letter or two, a trigonometric function or a bracket: '10⁶', 'x^2', 'sin²', '(a+b)²'.
POWER = re.compile(
    rf"(?:(?<![\w.])(?P<base>\d+(?:\.\d+)?|sin|cos|tan|[A-Za-z]{{1,2}})|(?<=\)))"
    rf"(?:(?P<sup>[⁻⁺]?[{SUP}]+)|\^(?P<caret>[-−]?\d+|[A-Za-z]\b))"
)
# A footnote mark: a superscript figure after a word of three letters or more, or after punctuation.
FOOTNOTE = re.compile(rf"(?:(?<=[A-Za-z]{{3}})(?<!sin|cos|tan|log)|(?<=[.,;:”\"’]))[{SUP}]+(?![\w{SUP}⁻⁺])")
# An index: 'x₁' 'x one', 'log₂' 'log base two'.
SUBSCRIPT_AFTER = re.compile(rf"(?<![\w.])(?P<base>[A-Za-z]{{1,3}})(?P<sub>[{SUB}]+)(?!\w)")


def _letters(symbols: list[str]) -> str:
    """'C', 'H', 'Cl' -> 'C.H.C.L'; 'H' -> 'H'."""
    return ".".join(letter.upper() for symbol in symbols for letter in symbol)


def _count(digits: str, language: str) -> str:
    return cardinal(int(digits.translate(SUBSCRIPTS)), language)


def _symbols(formula: str) -> list[str]:
    return re.findall(r"[A-Z][a-z]?", formula)


def is_formula(token: str) -> bool:
    """Whether `token` is read as a chemical formula ('H₂O', 'CO2', 'NaCl', 'Ca(OCl)2'; not 'NASA', 'CO')."""
    match = FORMULA.fullmatch(token)
    return match is not None and _is_formula(match.group("formula"), match.group("charge") or "")


def _is_salt(formula: str) -> bool:
    """A metal or hydrogen written with its anion and at least one lower-case letter: NaCl, HCl, NaOH."""
    if formula.isupper() or "(" in formula:
        return False
    symbols = _symbols(formula)
    first, rest = symbols[0], "".join(symbols[1:])
    return (first not in NONMETALS or first == "H") and rest in ANIONS and len(symbols) >= 2


def _is_formula(formula: str, charge: str) -> bool:
    if not all(symbol in ELEMENTS for symbol in _symbols(formula)):
        return False
    counted = bool(re.search(rf"[\d{SUB}]", formula)) or bool(re.search(f"[{SUP}⁺⁻]", charge))
    return counted or _is_salt(formula)


def _said_charge(charge: str, after_count: bool, language: str) -> str:
    """'²⁻' -> 'two minus'; after a count, its own phrase: 'SO₄²⁻' 'S.O four, two minus'."""
    charge = charge.translate(SUPERSCRIPTS).replace("−", "-")
    sign = "plus" if charge.endswith("+") else "minus"
    size = charge[:-1]
    if not size or size == "1":
        return f" {sign}"
    return f"{',' if after_count else ''} {cardinal(int(size), language)} {sign}"


def _segment(pieces: list[re.Match[str]], language: str) -> str:
    """Pieces without brackets: 'C', 'H', 'Cl3' -> 'C.H.C.L three'."""
    words: list[str] = []
    run: list[str] = []
    for piece in pieces:
        run.append(piece.group("symbol"))
        if piece.group("count"):
            words += [_letters(run), _count(piece.group("count"), language)]
            run = []
    if run:
        words.append(_letters(run))
    return " ".join(words)


def _said_formula(formula: str, language: str) -> str:
    """Each bracketed group its own phrase with its multiple, the pieces between as letters and counts."""
    segments: list[str] = []
    plain: list[re.Match[str]] = []
    for piece in PIECES.finditer(formula):
        if not piece.group("group"):
            plain.append(piece)
            continue
        if plain:
            segments.append(_segment(plain, language))
            plain = []
        times = int(piece.group("times").translate(SUBSCRIPTS)) if piece.group("times") else 1
        multiple = TIMES.get(times, f"{cardinal(times, language)} times") if times > 1 else ""
        segments.append(f"{_said_formula(piece.group('inner'), language)} {multiple}".strip())
    if plain:
        segments.append(_segment(plain, language))
    return ", ".join(segments)


def _formula(match: re.Match[str], language: str) -> str:
    formula, charge = match.group("formula"), match.group("charge") or ""
    if not _is_formula(formula, charge):
        return match.group(0)
    said = _said_formula(formula, language)
    if not charge:
        return said
    return said + _said_charge(charge, bool(re.search(rf"[\d{SUB}]$", formula)), language)


def _unit_power(match: re.Match[str], text: str, language: str) -> str:
    unit = match.group("unit")
    power = int((match.group("sup") or "").translate(SUPERSCRIPTS) or match.group("caret"))
    number = NUMBER_BEFORE.search(text, 0, match.start())
    per = match.group("per")
    if unit == "s":  # an acceleration: 'm/s²' 'm per second squared'
        return f" per second {POWER_WORDS[power][1]}" if per else match.group(0)
    if len(unit) == 1 and not number and not per:
        return match.group(0)  # 'm²' alone is a quantity squared, said by the power rule
    singular, plural = UNITS[unit]
    if british(language):
        singular, plural = (word.replace("meter", "metre") for word in (singular, plural))
    one = per or (number is not None and number.group("number") == "1")
    return f"{' per ' if per else ''}{POWER_WORDS[power][0]} {singular if one else plural}"


def _power(match: re.Match[str], language: str) -> str:
    base = match.group("base") or ""
    exponent = match.group("sup").translate(SUPERSCRIPTS) if match.group("sup") else match.group("caret")
    exponent = exponent.replace("−", "-").lstrip("+")
    if base[:1].isdigit():
        said_base = cardinal(base, language)
    else:
        said_base = base if base in ("sin", "cos", "tan") else " ".join(base)
    if exponent in ("2", "3"):
        return f"{said_base} {POWER_WORDS[int(exponent)][1]}"
    if re.fullmatch(r"-?\d+", exponent):
        exponent = ("minus " if exponent.startswith("-") else "") + cardinal(exponent.lstrip("-"), language)
    return f"{said_base} to the power of {exponent}"


def _subscript(match: re.Match[str], language: str) -> str:
    base, sub = match.group("base"), _count(match.group("sub"), language)
    return f"log base {sub}" if base == "log" else f"{base} {sub}"


def formulas(text: str, language: str = "en-US") -> str:
    """The sentence with its chemical formulas, powers and squared or cubed units in words; digits outside
    them are left for the number rules."""
    if not re.search(rf"[A-Z]|[{SUB}{SUP}^]", text):
        return text
    text = FORMULA.sub(lambda m: _formula(m, language), text)
    if not re.search(rf"[{SUB}{SUP}^]", text):
        return text
    text = UNIT_POWER.sub(lambda m: _unit_power(m, text, language), text)
    text = FOOTNOTE.sub("", text)
    text = POWER.sub(lambda m: _power(m, language), text)
    return SUBSCRIPT_AFTER.sub(lambda m: _subscript(m, language), text)
