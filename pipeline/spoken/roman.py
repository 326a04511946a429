"""Roman numerals in words, by the word before them: a ruler's ("Henry VIII": "Henry the Eighth"), a part's
or a title's ("Chapter IV": "Chapter four", "World War II": "World War two").

Letters that only look like a numeral are not read as one: a word or an acronym ("I", "MIX", "an IV drip",
"CD", "Washington DC", "Malcolm X"). A numeral is read only when it is well formed (canonical: IV not IIII,
XC not LXXXX) and the word before it says what it counts, or it numbers a clause in brackets ("(ii)").
An acronym of I, V and X only ("an IV drip", "XX chromosomes") is given as letters said by name, dotted as
the lexicon spells them ("I.V", "X.X"): Piper's espeak-ng reads those letters as a number wherever they stand
("an roman four drip").
"""

from __future__ import annotations

import re

from .numbers import cardinal, ordinal, year

# A canonical numeral from 1 to 3999; every other run of these letters is not a number.
CANONICAL = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")


def _words(text: str, lower: bool = False) -> frozenset[str]:
    return frozenset(word.lower() if lower else word for word in text.split())


VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
# A ruler's numeral is small and of I, V and X only: "DC" after "Washington" is no king.
REGNAL_MOST = 39

# Words after which a numeral numbers a part, a title or a kind; read as a cardinal ("Chapter four").
TITLES = _words(
    """
    Chapter Book Part Volume Vol. Act Scene Canto Meditation Psalm Symphony Op. Opus No. Number War
    Phase Stage Type Class Article Appendix Section Plate Figure Fig. Table Lesson Unit Level Grade
    Series Title Schedule Factor Form Category Division Tier Round Year Movement Sonata Quartet Concerto
    Letter Epistle Sermon Ode Sonnet Elegy Essay Lecture Question Problem Exercise Tome Fascicle Annex
    Amendment Clause Rule Step Mark Block Room Ward Lot Hall Gate Legion Dynasty Council Crusade
    Olympiad Pattern Apollo Gemini Bowl Fantasy Rocky Episode
    """,
    lower=True,
)
# A capitalised name before "I" is a ruler only when it is a known ruler's name: "Then I" is a pronoun.
RULERS = _words(
    """
    Adrian Afonso Alexander Alexios Alfonso Amadeus Amenhotep Andronikos Anne Antiochus Artaxerxes
    Baldwin Basil Benedict Boniface Caesar Callixtus Canute Carlos Casimir Catherine Celestine Charles
    Christian Christina Clement Cnut Conrad Constantine Cyrus Darius David Demetrius Duarte Duncan
    Edmund Edward Elizabeth Eric Erik Ethelred Eugene Eugenius Felipe Felix Ferdinand Fernando Francis
    Franz Frederick Frederik Friedrich George Gregory Gustav Gustavus Haakon Hadrian Harald Harold Henri
    Henry Honorius Innocent Isabella Ivan James Jaime Joan Johann John Joseph Juan Julius Justinian Karl
    Kenneth Lajos Leo Leopold Louis Ludwig Magnus Mahmud Malcolm Manuel Margaret Maria Martin Mary
    Matthias Maximilian Mehmed Menelik Michael Murad Napoleon Nicholas Olaf Osman Otto Paul Pedro Peter
    Philip Philippe Pius Ptolemy Rama Ramesses Ramses Richard Robert Rudolf Rudolph Sancho Selim
    Senusret Sergius Seti Sigismund Sixtus Stephen Suleiman Theodosius Thutmose Tiglath-Pileser Umberto
    Urban Valdemar Vasily Victor Victoria Vittorio Wilhelm William Xerxes Yaroslav Zog Cleopatra Herod
    Seleucus Tigranes Nicomedes Attalus Eumenes Amenemhat Mentuhotep Psamtik Nectanebo Vladimir Boris
    Dmitry Feodor Albert Andrew Alexei Vlad Wenceslaus Ladislaus Oscar Faisal Fuad Farouk Hussein
    Abdullah Mohammed Muhammad Edgar Aethelred Æthelred Ethelbert Harthacnut Anastasius Marcellus Isaac
    Theodore Romanos Bolesław Boleslaw Władysław Wladyslaw Stanisław Stanislaw Mieszko Béla Bela
    Ottokar Albrecht Rupert Carol Mircea Jean Pierre Carlo Luigi Jacques Guillaume Alaric Theodoric
    Mithridates Ariobarzanes Pharnaces Polemon Juba Ptolemaeus Arsaces Shapur Khosrow Bahram Yazdegerd
    """
)
# Capitalised words that open a clause and are no one's name: "So IV" is not a king.
NOT_NAMES = _words(
    """
    A An And As At But By For From He Her His How If In Is It Its Let My No Not Now Of On Or Our She So
    Such That The Their Then There These They This Those Thus To We What When Where Which While Who Why
    With You Your Since Until After Before Because Although Though Also Here Every Each Both All Some
    """
)
# "Malcolm X" is a name, not a tenth king.
NAMED = frozenset({("Malcolm", "X")})
# After a ruler's name, "I" is the pronoun when the next word is one a pronoun takes.
PRONOUN_NEXT = _words(
    """
    am think thought know knew guess believe mean meant hope feel felt want wanted suppose say said 'm
    ’m 've ’ve 'll ’ll 'd ’d
    """
)
YEAR_BEFORE = _words("in since from until till by of before after circa")
# Before a title word, these make "I" the pronoun: "In this chapter I show...".
POINTING = _words("this that these those which what each every any the")
# Lower-case words that take "I" as a numeral ("type I diabetes", "a phase I trial"); after any other
# lower-case title word "I" is the pronoun ("in part I agree", "an act I regret").
KINDS = _words("type phase stage class grade schedule factor category level tier war")
# After a lower-case title word, "I" is the pronoun when a verb follows: "a class I teach", "the stage I
# reached"; "a phase I trial" is a numeral.
VERBS_AFTER_I = PRONOUN_NEXT | _words(
    """
    teach taught take took had have was like liked love loved did do made make wrote write read use used
    can could will would should must need see saw found find got get went go tried try chose choose gave
    give prefer remember attended attend mentioned described showed show explain explained present
    presented cover covered reached reach call called started start learned learnt enjoy enjoyed
    """
)

TOKEN = re.compile(
    r"(?<![\w.’'-])(?P<numeral>[IVXLCDM]+|[ivxlc]+)(?P<possessive>['’]s)?(?![\w-]|\.\w|['’](?!s\b))"
)
WORD_BEFORE = re.compile(r"(?P<word>[A-Za-z][\w'’-]*\.?)(?P<gap>,?\s+)$")
LOOK_BACK = 80  # characters: a word is never longer
OPENING = re.compile(r"[\s\"'“‘(\[]*")
WORD_AFTER = re.compile(r"\s*(?P<word>['’]?[\w']+)")


def value(numeral: str) -> int | None:
    """'XIV' -> 14; None when the letters are no well-formed numeral ('IIII', 'MIL', 'LCD')."""
    numeral = numeral.upper()
    if not numeral or not CANONICAL.fullmatch(numeral):
        return None
    total = 0
    for letter, following in zip(numeral, [*numeral[1:], ""]):
        amount = VALUES[letter]
        total += -amount if following and VALUES[following] > amount else amount
    return total


def _title_case(words: str) -> str:
    return "-".join(part.capitalize() for part in words.split("-"))


def _before(text: str, start: int) -> tuple[str, str, int]:
    """The word before `start`, the word before that (empty when none) and where the first begins."""
    found = WORD_BEFORE.search(text, max(0, start - LOOK_BACK), start)
    if not found or found.end() != start:
        return "", "", start
    earlier = WORD_BEFORE.search(text, max(0, found.start() - LOOK_BACK), found.start())
    previous = earlier.group("word") if earlier and earlier.end() == found.start() else ""
    return found.group("word"), previous, found.start()


def _after(text: str, end: int) -> str:
    found = WORD_AFTER.match(text, end)
    return found.group("word") if found else ""


def _opens(text: str, start: int) -> bool:
    """Whether the word at `start` opens the sentence (nothing but quotes or brackets before it)."""
    return OPENING.fullmatch(text, 0, start) is not None


def _reading(text: str, match: re.Match[str], language: str) -> str | None:
    """How the numeral at `match` is read, or None when it stays as written."""
    numeral = match.group("numeral")
    number = value(numeral)
    if number is None:
        return None
    word, previous, word_start = _before(text, match.start())
    gap = text[match.start() - 1] if match.start() else ""
    bare = word.rstrip(".").lower()
    if word.lower() in TITLES or bare in TITLES:
        if len(numeral) == 1 and numeral.upper() in "LCDM":
            return None  # "Appendix C", "Part D", "Type L": a letter
        if numeral.islower() and len(numeral) < 2 and word.islower():
            return None  # "section i" reads as a letter as often as a number; "Scene i" is a scene
        pronoun = previous.lower() in POINTING or _after(text, match.end()).lower() in VERBS_AFTER_I
        if numeral == "I" and word.islower() and (bare not in KINDS or (bare != "type" and pronoun)):
            return None  # "In this chapter I show", "in part I agree", "a class I teach"
        if bare == "war" and previous.lower() != "world":
            return None
        return cardinal(number, language)
    if numeral.islower() or not gap.isspace() or word.endswith("."):
        return None
    if not re.fullmatch(r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?", word) or word in NOT_NAMES:
        return None
    if (word, numeral) in NAMED or not re.fullmatch(r"[IVX]+", numeral) or number > REGNAL_MOST:
        return None
    if word not in RULERS and (len(numeral) < 2 or _opens(text, word_start)):
        # "Then V equals IR", "Let X be": a single letter after an unknown word is a letter; "Give IV
        # fluids": a sentence's first word is a verb as often as a name
        return None
    if numeral == "I" and _after(text, match.end()).lower() in PRONOUN_NEXT:
        return None
    return "the " + _title_case(ordinal(number, language))


def _long(text: str, match: re.Match[str], number: int, language: str) -> str:
    """A numeral of four letters or more is no word or acronym: a year after 'in' or 'since' ('In MCMXVIII'
    'In nineteen eighteen'), else a number."""
    word = _before(text, match.start())[0].lower()
    return year(number, language) if number >= 1000 and word in YEAR_BEFORE else cardinal(number, language)


def _enumerator(text: str, match: re.Match[str]) -> bool:
    """'(ii)' numbering a clause: 'it is (i) cheap and (ii) fast'; not '(c)', nor '(IV)' after the words it
    abbreviates."""
    numeral = match.group("numeral")
    bracketed = text[match.start() - 1 : match.start()] == "(" and text[match.end() : match.end() + 1] == ")"
    return bracketed and numeral.islower() and (len(numeral) > 1 or numeral in "ivx")


def _readings(text: str, language: str) -> list[tuple[re.Match[str], str]]:
    """Each numeral token with what is said for it: a number in words, or its letters by name where the
    letters are an acronym that a voice would otherwise read as a number ('an IV drip': 'an I.V drip')."""
    found = []
    for match in TOKEN.finditer(text):
        numeral = match.group("numeral")
        said = _reading(text, match, language)
        if said is None and value(numeral) and _enumerator(text, match):
            said = cardinal(value(numeral) or 0, language)
        if said is None and len(numeral) >= 4 and numeral.isupper() and value(numeral):
            said = _long(text, match, value(numeral) or 0, language)
        if said is None and re.fullmatch(r"[IVX]{2,}", numeral) and value(numeral):
            # espeak-ng reads IV, XI, XX as numbers ("roman four") wherever they stand
            said = ".".join(numeral)
        if said is not None:
            found.append((match, said))
    return found


def roman_numerals(text: str, language: str = "en-US") -> str:
    """The sentence with its Roman numerals in words where the word before them says they count:
    'Henry VIII's court' -> "Henry the Eighth's court", 'Act III, Scene ii' -> 'Act three, Scene two'."""
    if not re.search(r"[IVXLCDMivxlc]", text):
        return text
    pieces: list[str] = []
    position = 0
    for match, said in _readings(text, language):
        pieces += [text[position : match.start()], said, match.group("possessive") or ""]
        position = match.end()
    return "".join([*pieces, text[position:]])


def read_numerals(text: str) -> set[str]:
    """The Roman numerals `roman_numerals` reads in `text`, as written."""
    return {match.group("numeral") for match, _ in _readings(text, "en-US")}


def is_read_numeral(token: str, sentence: str) -> bool:
    """Whether `roman_numerals` reads `token` (as the sentence writes it) in `sentence`, as a number or as an
    acronym's letters: such a token needs no lexicon entry."""
    bare = re.sub(r"['’]s$", "", token)
    return any(match.group("numeral") == bare for match, _ in _readings(sentence, "en-US"))
