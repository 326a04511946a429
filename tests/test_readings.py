"""Numbers as a person reads them, in the show's language: the readings' rules one by one, and what every
voice is given for a whole sentence (words only)."""

from __future__ import annotations

import re

import pytest

from pipeline.model.lexicon import Lexicon, with_defaults
from pipeline.spoken.numbers import british, cardinal, digits, year
from pipeline.spoken.readings import in_words, readings
from pipeline.spoken.speech import speak


@pytest.mark.parametrize(
    "written, us, gb",
    [
        ("In 1918 it spread.", "In nineteen eighteen it spread.", None),
        ("It began in 2005.", "It began in two thousand five.", "It began in two thousand and five."),
        ("We saw 1918 patients.", "We saw one thousand nine hundred eighteen patients.", None),
        (
            "In 1832, 1849 and 1854.",
            "In eighteen thirty-two, eighteen forty-nine and eighteen fifty-four.",
            None,
        ),
        ("The 1914–18 war.", "The nineteen fourteen to eighteen war.", None),
        ("The 1660s and the '90s.", "The sixteen sixties and the nineties.", None),
        ("The 1900s.", "The nineteen hundreds.", None),
        ("Born 460 BC, died AD 43.", "Born four hundred sixty B.C, died A.D forty-three.", None),
        ("On 8 September 1854.", "On September eighth, eighteen fifty-four.", None),
        ("On September 8, 1854.", None, "On the eighth of September, eighteen fifty-four."),
        ("Due 2026-12-07.", "Due December seventh, twenty twenty-six.", None),
        (
            "Due 07/12/2026.",
            "Due July twelfth, twenty twenty-six.",
            "Due the seventh of December, twenty twenty-six.",
        ),
        ("At 3:45 pm or 15:30.", "At three forty-five P.M or fifteen thirty.", None),
        ("At 9:05 or 10:00 or 18:00.", "At nine oh five or ten o'clock or eighteen hundred.", None),
        ("It cost £1.", "It cost one pound.", None),
        ("It cost £2.50 or $0.99.", "It cost two pounds fifty or ninety-nine cents.", None),
        ("A grant of £2.5m.", "A grant of two point five million pounds.", None),
        ("A loaf at 1s 6d.", "A loaf at one shilling and sixpence.", None),
        (
            "Keep it at 4 °C, not -5 °C.",
            "Keep it at four degrees Celsius, not minus five degrees Celsius.",
            None,
        ),
        ("Set 5 mmol/L.", "Set five millimoles per liter.", "Set five millimoles per litre."),
        ("About 5–10 µm.", "About five to ten micrometers.", "About five to ten micrometres."),
        ("From 1–2%.", "From one to two percent.", None),
        (
            "A pressure of 120/80 mmHg.",
            None,
            "A pressure of one hundred and twenty over eighty millimetres of mercury.",
        ),
        (
            "Add 2½ cups, ¾ of a pint or 3/8 of it.",
            "Add two and a half cups, three quarters of a pint or three eighths of it.",
            None,
        ),
        ("Open 24/7.", "Open twenty-four seven.", None),
        ("The 21st and 2nd.", "The twenty-first and second.", None),
        ("Code 007 and 3.14.", "Code zero zero seven and three point one four.", None),
    ],
)
def test_numbers_are_read_in_context_in_the_shows_language(written: str, us: str | None, gb: str | None):
    lexicon = with_defaults(Lexicon())
    if us:
        assert speak(written, lexicon, "en-US").text == us
    if gb:
        assert speak(written, lexicon, "en-GB").text == gb


@pytest.mark.parametrize(
    "written",
    [
        "Run at 30 10 * * 1 with v1.29.3 on 10.0.0.1:8080 and 1e6 rows.",
        "The SSE-S3 key, EC2 and x86 builds, and 4XXError alarms.",
        "Pay $1,250,000 or €3.20 in 2026, 25% by 5 June.",
        "It took 2 h 30 min, 45 s and 300 ms at 2.4 GHz.",
    ],
)
def test_no_digit_or_sign_reaches_a_voice(written: str):
    said = speak(written, with_defaults(Lexicon()), "en-GB").text
    assert not re.search(r"[0-9£€$¥%°µ/]", said), said


def test_the_languages_own_forms():
    assert british("en-GB") and british("en-AU") and not british("en") and not british("en-US")
    assert (
        cardinal(120, "en-GB") == "one hundred and twenty" and cardinal(120, "en-US") == "one hundred twenty"
    )
    assert year(1905) == "nineteen oh-five" and digits("02") == "zero two"


def test_readings_leave_a_sentence_without_numbers_alone():
    sentence = "Queues decouple producers from consumers."
    assert readings(sentence) is sentence and in_words(sentence) is sentence
