"""Sentence boundaries, by pysbd (rule-based, with English abbreviations, initials, decimals and names)."""

from __future__ import annotations

import functools
import itertools
import re
from typing import Any

# A boundary pysbd proposes is kept only where a sentence really ends: end punctuation, maybe closing
# quotes or brackets, then a space. It merges "a ./src folder" and "the .aws-sam folder" back together.
ENDS = re.compile(r"[.!?…][\"'”’)\]]*$")
# Abbreviations that never end a sentence, though pysbd may split after them: Latin ones and titles. Written
# as they are, not in capitals: "diagnosed with MS. Then" and "in Chapter V. The" end there.
NEVER_LAST = re.compile(
    r"(?<![\w.])(?:[Ee]\.g|[Ii]\.e|[Vv]s|v|[Cc]f|[Aa]pprox|[Ii]ncl|[Vv]iz|Mrs?|Ms|Drs?|Prof|Revd?|Capt|Gen|Col"
    r"|Lt|Sgt|Mt|Sts?)\.$"
)
# Abbreviations that end no sentence when a number follows: "c. 460 BC", "ca. 1200", "No. 5", "Fig. 3",
# "Vol. II", "pp. 12" ("Vitamin C. 500 people" ends).
BEFORE_NUMBER = re.compile(
    r"(?<![\w.])(?:c|ca|circ|[Nn]os?|pp?|[Ff]igs?|[Vv]ol|[Cc]h|[Oo]p|[Aa]rt|[Ss]ec)\.$"
)
NUMBER_NEXT = re.compile(r"\s*(?:\d|[IVXLC]+\b)")
# Abbreviations that end a sentence only when a capital follows: "tools, etc. were used" goes on,
# "and so on, etc. Then..." ends.
BEFORE_CAPITAL = re.compile(r"(?<![\w.])(?:[Ee]tc|et al|Jr|Sr|Jnr|Snr)\.$")
CAPITAL_NEXT = re.compile(r"\s*[\"'“‘(\[]?[A-Z]")


def goes_on(before: str, after: str) -> bool:
    """Whether the text goes on after `before`'s full stop: an abbreviation's, not the sentence's."""
    if NEVER_LAST.search(before):
        return True
    if BEFORE_NUMBER.search(before):
        return bool(NUMBER_NEXT.match(after))
    if BEFORE_CAPITAL.search(before):
        return bool(after.strip()) and not CAPITAL_NEXT.match(after)
    return False


# Apostrophes that open no quotation ("the '90s", "St Thomas' Hospital"), which pysbd would pair as one,
# joining every sentence between them.
APOSTROPHES = re.compile(r"['’](?=\d0s\b)|(?<=[a-z]s)['’](?=\s)")
NUMERAL_STOP = re.compile(r"\b([IVXLCDM]{1,7})\.(?=\s+[\"'“‘(]?[A-Z])")


def _after_numerals(text: str) -> list[int]:
    """Ends of sentences that end in a Roman numeral read as a number ("World War I. Droplets..."), which
    pysbd takes for a name's initial."""
    if not NUMERAL_STOP.search(text):
        return []
    from .roman import read_numerals

    numerals = read_numerals(text)
    return [match.end() for match in NUMERAL_STOP.finditer(text) if match.group(1) in numerals]


@functools.cache
def _segmenter() -> Any:
    import pysbd  # its rules compile on first use; only the script stage and check split text

    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[tuple[int, str]]:
    """The sentences of a paragraph with their offsets: a sentence may start with code or a lowercase word."""
    text = text.strip()
    if not text:
        return []
    cuts = [0]
    position = 0
    masked = APOSTROPHES.sub("x", text)  # of the same length, so the offsets hold for the text
    for piece in _segmenter().segment(masked):
        found = masked.find(piece.strip(), position)
        if found < 0:
            continue
        position = found + len(piece.strip())
        cuts.append(position)
    cuts += _after_numerals(text)
    cuts.sort()
    starts = [0]
    for proposed in cuts[1:-1]:
        cut = proposed
        # pysbd may leave a sentence's leading '!' or '.' on the one before ("resource. !GetAtt")
        while cut >= 2 and text[cut - 1] in "!.?" and text[cut - 2] == " ":
            cut -= 1
        before, after = text[:cut].rstrip(), text[cut:]
        if ENDS.search(before) and not goes_on(before, after) and (after[:1].isspace() or not after):
            starts.append(len(before) + (len(text[len(before) :]) - len(text[len(before) :].lstrip())))
    starts = sorted(set(starts))
    bounds = [*starts, len(text)]
    return [
        (start, text[start:end].strip())
        for start, end in itertools.pairwise(bounds)
        if text[start:end].strip()
    ]
