"""Roman numerals, chemical formulas, powers and abbreviations in the words a voice is given, and how the
voices' own phonemizers read those words."""

from __future__ import annotations

import re

import pytest

from pipeline.spoken.abbreviations import abbreviations
from pipeline.spoken.chemistry import formulas, is_formula
from pipeline.spoken.roman import is_read_numeral, roman_numerals, value


@pytest.mark.parametrize(
    "written, said",
    [
        ("Henry VIII married six times.", "Henry the Eighth married six times."),
        ("Louis XIV built Versailles.", "Louis the Fourteenth built Versailles."),
        ("Elizabeth I never married.", "Elizabeth the First never married."),
        ("Elizabeth I was queen.", "Elizabeth the First was queen."),
        ("Pope John XXIII opened the council.", "Pope John the Twenty-Third opened the council."),
        ("George III's madness.", "George the Third's madness."),
        ("Charles I’s head.", "Charles the First’s head."),
        ("King Henry V won at Agincourt.", "King Henry the Fifth won at Agincourt."),
        ("Mithridates VI fought Rome.", "Mithridates the Sixth fought Rome."),
        ("Then Ariarathes IV ruled.", "Then Ariarathes the Fourth ruled."),
        ("Give IV fluids.", "Give I.V fluids."),
        ("Chapter IV begins here.", "Chapter four begins here."),
        ("Book II and Part III.", "Book two and Part three."),
        ("World War II ended in 1945.", "World War two ended in 1945."),
        ("Meditation XVII is by Donne.", "Meditation seventeen is by Donne."),
        ("Act III, Scene ii.", "Act three, Scene two."),
        ("Act I, Scene i.", "Act one, Scene one."),
        ("Type I diabetes and type II diabetes.", "Type one diabetes and type two diabetes."),
        ("A type I error.", "A type one error."),
        ("A phase I trial and a class I teach.", "A phase one trial and a class I teach."),
        ("Psalm XXIII is short.", "Psalm twenty-three is short."),
        ("Symphony No. IX and Op. XII.", "Symphony No. nine and Op. twelve."),
        ("Factor VIII is missing.", "Factor eight is missing."),
        ("In Appendix C and Volume III.", "In Appendix C and Volume three."),
        ("It is (i) cheap and (ii) fast.", "It is (one) cheap and (two) fast."),
        (
            "In MCMXVIII it ended, MDCCLXXVI times.",
            "In nineteen eighteen it ended, one thousand seven hundred seventy-six times.",
        ),
        ("See (c) and (I) here.", "See (c) and (I) here."),
        ("In part I agree; intravenous (IV) fluids.", "In part I agree; intravenous (I.V) fluids."),
        ("Medicare Part D and Schedule C.", "Medicare Part D and Schedule C."),
    ],
)
def test_roman_numerals_are_read_by_the_word_before_them(written: str, said: str):
    assert roman_numerals(written) == said
    if "hundred" not in said:
        assert roman_numerals(written, "en-GB") == said


@pytest.mark.parametrize(
    "written",
    [
        "I went home.",
        "Then I saw it.",
        "So I think it works.",
        "Elizabeth I think so.",  # a pronoun after a ruler's name
        "In this chapter I show how.",
        "MIX it well.",
        "Burn a CD and a DVD.",
        "Use DC power in Washington DC.",
        "An MD read my CV.",
        "The LCD panel.",
        "Use a DIV element.",
        "MIL spec parts.",
        "Malcolm X spoke.",
        "Let X be a set.",
        "Then V equals IR.",
        "Vitamin C helps.",
        "Use XML and CLI tools.",
        "The IIII on a clock face.",  # not a canonical numeral
    ],
)
def test_letters_that_are_a_word_or_an_acronym_stay_as_written(written: str):
    assert roman_numerals(written) == written
    assert roman_numerals(written, "en-GB") == written


@pytest.mark.parametrize(
    "written, said",
    [
        ("Start an IV drip.", "Start an I.V drip."),
        ("Give IV fluids and IV antibiotics.", "Give I.V fluids and I.V antibiotics."),
        ("The XX chromosomes.", "The X.X chromosomes."),
    ],
)
def test_an_acronym_of_numeral_letters_is_given_as_letters(written: str, said: str):
    """Piper reads "IV" as "roman four" wherever it stands; dotted, as the lexicon spells, it is letters."""
    assert roman_numerals(written) == said


def test_a_numeral_above_a_hundred_takes_the_shows_forms():
    assert roman_numerals("Psalm CXIX is long.") == "Psalm one hundred nineteen is long."
    assert roman_numerals("Psalm CXIX is long.", "en-GB") == "Psalm one hundred and nineteen is long."
    assert roman_numerals("Henry VIII.", "en-GB") == "Henry the Eighth."


@pytest.mark.parametrize(
    "numeral, number", [("I", 1), ("IV", 4), ("XIV", 14), ("XC", 90), ("MCMXVIII", 1918), ("IIII", None)]
)
def test_only_canonical_numerals_have_a_value(numeral: str, number: int | None):
    assert value(numeral) == number


def test_check_knows_which_numerals_the_spoken_form_reads():
    assert is_read_numeral("VIII", "Henry VIII married six times.")
    assert is_read_numeral("XIV's", "Louis XIV's court.")
    assert is_read_numeral("XVII", "Meditation XVII is by Donne.")
    assert is_read_numeral("IV", "Start an IV drip.")  # as its letters
    assert not is_read_numeral("CD", "Burn a CD.")
    assert not is_read_numeral("MIX", "MIX it well.")
    assert not is_read_numeral("XIV", "Henry VIII married.")


@pytest.mark.parametrize(
    "written, said",
    [
        ("Water is H₂O.", "Water is H two O."),
        ("CO2 warms the air.", "C.O two warms the air."),
        ("N2O is laughing gas.", "N two O is laughing gas."),
        ("C6H12O6 is glucose.", "C six H twelve O six is glucose."),
        ("CHCl₃ is chloroform.", "C.H.C.L three is chloroform."),
        ("Ca(OCl)2 bleaches.", "C.A, O.C.L twice bleaches."),
        ("Mg3(PO4)2 and (NH4)2SO4.", "M.G three, P.O four twice and N.H four twice, S.O four."),
        ("H2SO4 and Fe2O3.", "H two S.O four and F.E two O three."),
        ("NaCl, KCl, HCl and NaOH.", "N.A.C.L, K.C.L, H.C.L and N.A.O.H."),
        ("Bleach is NaOCl.", "Bleach is N.A.O.C.L."),
        ("NH4+ ions.", "N.H four plus ions."),
        ("SO₄²⁻ ions.", "S.O four, two minus ions."),
        ("Fe³⁺ ions.", "F.E three plus ions."),
        ("CO2-rich air.", "C.O two-rich air."),
        ("C60 is a fullerene.", "C sixty is a fullerene."),
    ],
)
def test_formulas_are_said_as_element_letters_and_counts(written: str, said: str):
    assert formulas(written) == said
    assert formulas(written, "en-GB") == said


@pytest.mark.parametrize(
    "written",
    [
        "NASA and the CPU.",
        "IT runs the CO-OP.",
        "I think CO is toxic.",
        "NaN is not a number.",
        "HeLa cells divide.",
        "Use C++ and K8s.",
        "Use EC2 and SHA256.",
        "The NHS and the BBC.",
        "He is In charge.",
    ],
)
def test_words_and_acronyms_are_not_formulas(written: str):
    assert formulas(written) == written
    assert formulas(written, "en-GB") == written


def test_a_count_above_a_hundred_takes_the_shows_forms():
    assert formulas("U235 and C120 here.") == "U two hundred thirty-five and C one hundred twenty here."
    assert formulas("U235 and C120 here.", "en-GB") == (
        "U two hundred and thirty-five and C one hundred and twenty here."
    )


@pytest.mark.parametrize(
    "token, formula",
    [
        *[("H₂O", True), ("CO2", True), ("NaCl", True), ("Ca(OCl)2", True), ("NH4+", True)],
        *[("CO", False), ("NASA", False), ("CPU", False), ("IT", False), ("I", False), ("HeLa", False)],
    ],
)
def test_check_knows_which_tokens_are_formulas(token: str, formula: bool):
    assert is_formula(token) is formula


@pytest.mark.parametrize(
    "written, us, gb",
    [
        ("x² + y³", "x squared + y cubed", "x squared + y cubed"),
        ("10⁶ cells", "ten to the power of six cells", "ten to the power of six cells"),
        ("10^6 cells", "ten to the power of six cells", "ten to the power of six cells"),
        ("2⁻³ of it", "two to the power of minus three of it", "two to the power of minus three of it"),
        ("e^x grows", "e to the power of x grows", "e to the power of x grows"),
        ("E = mc²", "E = m c squared", "E = m c squared"),
        ("(a+b)² here", "(a+b) squared here", "(a+b) squared here"),
        ("a 5 m² room", "a 5 square meters room", "a 5 square metres room"),
        ("the 1 m² plot", "the 1 square meter plot", "the 1 square metre plot"),
        ("50 cm³ of blood", "50 cubic centimeters of blood", "50 cubic centimetres of blood"),
        (
            "in cm³ or km^2",
            "in cubic centimeters or square kilometers",
            "in cubic centimetres or square kilometres",
        ),
        ("120 ft² of floor", "120 square feet of floor", "120 square feet of floor"),
        ("1000 kg/m³ water", "1000 kg per cubic meter water", "1000 kg per cubic metre water"),
        ("9.8 m/s² down", "9.8 m per second squared down", "9.8 m per second squared down"),
        ("log₂ n and x₁", "log base two n and x one", "log base two n and x one"),
        ("as Snow showed.³ Next", "as Snow showed. Next", "as Snow showed. Next"),
        ("many studies² agree", "many studies agree", "many studies agree"),
        ("101 m² rooms", "101 square meters rooms", "101 square metres rooms"),
        ("10¹² bytes", "ten to the power of twelve bytes", "ten to the power of twelve bytes"),
        ("10¹⁰⁰ atoms", "ten to the power of one hundred atoms", "ten to the power of one hundred atoms"),
        ("10^100 atoms", "ten to the power of one hundred atoms", "ten to the power of one hundred atoms"),
    ],
)
def test_powers_and_units_with_a_power_are_words(written: str, us: str, gb: str):
    assert formulas(written) == us
    assert formulas(written, "en-GB") == gb


@pytest.mark.parametrize(
    "written, said",
    [
        ("Hippocrates (c. 460 BC) wrote it.", "Hippocrates (circa 460 BC) wrote it."),
        ("Built ca. 1200 in Kent.", "Built circa 1200 in Kent."),
        ("Born c.1850 in Kent.", "Born circa 1850 in Kent."),
        ("Saws, knives, etc. were used.", "Saws, knives, et cetera were used."),
        ("Saws, knives, etc., were used.", "Saws, knives, et cetera, were used."),
        ("Saws, knives and so on, etc.", "Saws, knives and so on, et cetera."),
        ("Use tools (e.g. knives).", "Use tools (for example knives)."),
        ("E.g. this one.", "For example this one."),
        ("Use one, i.e. the first.", "Use one, that is the first."),
        ("Cf. the next chapter.", "Compare the next chapter."),
        ("Blue vs. green and red vs blue.", "Blue versus green and red versus blue."),
        ("Roe v. Wade was decided.", "Roe versus Wade was decided."),
        ("Take approx. 5 ml.", "Take approximately 5 ml."),
        ("See No. 5 and no. 6.", "See number 5 and number 6."),
        ("Dr. Snow mapped it.", "Doctor Snow mapped it."),
        ("Dr Snow mapped it.", "Doctor Snow mapped it."),
        ("Mr Smith met Mrs. Smith and Ms Jones.", "Mister Smith met Missus Smith and Miz Jones."),
        ("Prof. Lister washed.", "Professor Lister washed."),
        ("Revd Jones met the Rev. Smith.", "Reverend Jones met the Reverend Smith."),
        ("Fig. 3 shows it; see fig. 4.", "Figure 3 shows it; see figure 4."),
        ("See Fig. IV.", "See Figure IV."),
        ("St Paul's Cathedral.", "Saint Paul's Cathedral."),
        ("St. Thomas' Hospital trained nurses.", "Saint Thomas' Hospital trained nurses."),
        ("He lived at 221B Baker St.", "He lived at 221B Baker Street."),
        ("Baker St, London.", "Baker Street, London."),
        ("King's Cross St Pancras.", "King's Cross Saint Pancras."),
        ("Climb Mt Everest.", "Climb Mount Everest."),
        ("Martin Luther King, Jr. spoke.", "Martin Luther King, Junior spoke."),
        ("Smith et al. found it.", "Smith et al found it."),
        ("Read pp. 12 to 15 of Vol. 2 and ch. 3.", "Read pages 12 to 15 of Volume 2 and chapter 3."),
    ],
)
def test_abbreviations_are_said_in_words(written: str, said: str):
    assert abbreviations(written) == said
    assert abbreviations(written, "en-GB") == said


@pytest.mark.parametrize(
    "written, said",
    [
        ("A blue/green deployment.", "A blue green deployment."),
        ("Use one and/or the other.", "Use one and or the other."),
        ("A read/write volume.", "A read write volume."),
        ("Ask his/her name; he/she knows.", "Ask his or her name; he or she knows."),
        ("A read/write/execute bit.", "A read write execute bit."),
        ("Run A/B tests on I/O.", "Run A.B tests on I.O."),
        ("Ten requests/second.", "Ten requests per second."),
        ("Mark it n/a.", "Mark it not applicable."),
    ],
)
def test_a_slash_between_words_is_said_as_a_reader_says_it(written: str, said: str):
    assert abbreviations(written) == said


@pytest.mark.parametrize(
    "written",
    [
        "Drive at 60 km/h.",
        "Give 10 mg/kg or 5 mmol/L.",
        "Blood pressure of 120/80.",
        "Three in 3/4 of cases.",
        "Look in /usr/bin now.",
        "Open docs/index.md now.",
        "See https://example.com/a/b now.",
        "Coffee w/o sugar.",
        "Import aws-cdk-lib/assertions now.",
        "Solve x/y first.",
        "VS Code is an editor.",
        "See apigw-rest-vs-http.",
        "Pay the ETC toll; patients with CF. cough.",
        "The answer is no.",
        "No one came.",
        "Dr Who?",
        "The St Lawrence.",
    ],
)
def test_what_is_no_abbreviation_or_belongs_to_other_rules_stays(written: str):
    expected = {"Dr Who?": "Doctor Who?", "The St Lawrence.": "The Saint Lawrence."}.get(written, written)
    assert abbreviations(written) == expected


@pytest.fixture(scope="module")
def g2p():
    """The default voice's own phonemizer (hibari's G2P), loaded once."""
    from hibari.g2p import G2P

    return G2P()


@pytest.fixture(scope="module")
def piper_phonemes():
    """What Piper's espeak-ng phonemizer makes of a line, as the engine is given it."""
    from pipeline.speech.piper import _model, piper_text

    voice = _model("joe")
    return lambda text: " ".join("".join(sentence) for sentence in voice.phonemize(piper_text(text)))


def test_a_ruler_reaches_piper_as_an_ordinal_not_as_roman(piper_phonemes, g2p):
    written = "Henry VIII married six times."
    assert "ɹˌoʊmən" in piper_phonemes(written) or "ɹˈoʊmən" in piper_phonemes(written)
    for phonemes in (piper_phonemes(roman_numerals(written)), g2p(roman_numerals(written))):
        assert "oʊmən" not in phonemes and re.search("(?:eɪ|A)tθ|ˈAθ", phonemes), phonemes


def test_an_iv_drip_reaches_piper_as_letters_not_as_roman_four(piper_phonemes, g2p):
    written = "Start an IV drip."
    assert "oʊmən" in piper_phonemes(written)
    said = roman_numerals(written)
    for phonemes in (piper_phonemes(said), g2p(said)):
        assert "oʊmən" not in phonemes and "fˈɔ" not in phonemes, phonemes
        assert re.search("(?:aɪ|I)vˈi", phonemes), phonemes


def test_a_title_numeral_reaches_both_voices_as_a_number(piper_phonemes, g2p):
    said = roman_numerals("Meditation XVII is by Donne.")
    for phonemes in (piper_phonemes(said), g2p(said)):
        assert re.search(r"sˈɛvəntˌiːn|sˌɛvəntˈin", phonemes), phonemes


# Each letter's name as the phonemizers write it, stress marks removed: (Piper's espeak-ng, hibari's G2P).
LETTER_NAMES = {
    "A": ("eɪ", "A"),
    "C": ("siː", "si"),
    "H": ("eɪtʃ", "Aʧ"),
    "L": ("ɛl", "ɛl"),
    "N": ("ɛn", "ɛn"),
    "O": ("oʊ", "O"),
    "S": ("ɛs", "ɛs"),
    "G": ("dʒiː", "ʤi"),
    "M": ("ɛm", "ɛm"),
    "K": ("keɪ", "kA"),
    "F": ("ɛf", "ɛf"),
    "E": ("iː", "i"),
    "P": ("piː", "pi"),
}


@pytest.mark.parametrize(
    "written, letters",
    [
        ("CHCl₃ is chloroform.", "CHCL"),
        ("CO2 warms the air.", "CO"),
        ("NaCl is salt.", "NACL"),
        ("Ca(OCl)2 bleaches.", "CAOCL"),
        ("Mg3(PO4)2 dissolves.", "MGPO"),
        ("NaOH and KCl dissolve.", "NAOHKCL"),
        ("Fe2O3 is rust.", "FEO"),
    ],
)
def test_formula_letters_reach_both_voices_each_by_its_name(piper_phonemes, g2p, written: str, letters: str):
    """Every letter of a formula is said by its name, none as the article 'a' (ɐ) or run into a word."""
    said = formulas(written)
    for index, phonemes in enumerate((piper_phonemes(said), g2p(said))):
        plain = re.sub("[ˈˌʲ ,.]", "", phonemes)
        names = "".join(f"(?:{re.escape(LETTER_NAMES[letter][index])})" + ".*?" for letter in letters)
        assert re.search(names, plain), (said, phonemes)
        assert "ɐ" not in phonemes, (said, phonemes)


@pytest.mark.parametrize(
    "written, piper, hibari",
    [
        ("Hippocrates (c. 460 BC) wrote it.", "sˈɜːkə", "sˈɜɹkə"),
        ("Saws, etc. were used.", "ˈɛt sˈɛɾɚɹə", "ˈɛt sˈɛTəɹɹə"),
        ("Then Ms Jones came.", "mˈɪz", "mˈɪz"),
    ],
)
def test_abbreviations_reach_both_voices_as_words(piper_phonemes, g2p, written: str, piper: str, hibari: str):
    said = abbreviations(written)
    assert piper in piper_phonemes(said) and hibari in g2p(said), (piper_phonemes(said), g2p(said))
