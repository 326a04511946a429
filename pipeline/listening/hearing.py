"""How a sentence heard by the proof-listen is scored: both sides normalized word by word, aligned over a
whole episode, every word error counted (and those only in how the heard words are written, apart)."""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..model.script import Line
from .sounds import sound_alike

if TYPE_CHECKING:
    from ..audio.recognize import Word

log = logging.getLogger(__name__)
Normalize = Callable[[str], str]

# How these written abbreviations are read aloud, whoever reads them: a hearing of the reading is right.
READINGS = {
    "e.g.": "for example",
    "i.e.": "that is",
    "vs.": "versus",
    "vs": "versus",
    "etc.": "et cetera",
    "ms": "milliseconds",
    "KB": "kilobytes",
    "MB": "megabytes",
    "GB": "gigabytes",
    "TB": "terabytes",
    "&": "and",
}
READING = re.compile(r"(?<![\w.])(" + "|".join(re.escape(k) for k in READINGS) + r")(?![\w])")

# Letter names, for a suggested entry that spells a token out in words.
LETTER_WORDS = (
    "ay bee see dee ee eff jee aitch eye jay kay el em en oh pee cue ar ess tee you vee double-you ex why zee"
)
LETTER_NAMES = dict(zip(string.ascii_lowercase, LETTER_WORDS.split()))


@dataclass
class Scored:
    """One sentence's share of the episode's alignment."""

    words: int = 0  # of its transcript text, normalized
    errors: int = 0
    spelling: int = 0  # of those, errors only in how the heard words are written ("cloud formation", "Q")
    heard: list[int] = field(default_factory=list)  # indexes of the recognized words given to it
    tokens: set[int] = field(default_factory=set)  # its text's tokens that the other errors touch


def normalizer() -> Normalize:
    from whisper_normalizer.english import EnglishTextNormalizer  # loaded only for a proof-listen

    normalize: Normalize = EnglishTextNormalizer()
    return normalize


def _words(normalize: Normalize, text: str) -> list[str]:
    from ..spoken.technical import ISO_DATE, iso_date

    text = READING.sub(lambda match: READINGS[match.group(1)], text)
    text = re.sub(r"(?<![\w.])\.(?=[A-Za-z])", "dot ", text)  # ".fifo", ".NET": read with the dot
    text = re.sub(r"#(?=\d)", " number ", text)  # USER#123, #42: read "user number 123", "number 42"
    text = re.sub(r"(?<=\w)_(?=\w)", " ", text)  # KEYS_ONLY: read "keys only"
    text = ISO_DATE.sub(iso_date, text)  # 2016-10-31: read "October 31, 2016"
    return normalize(re.sub(r"\$\{?(?=[A-Za-z])", "dollar ", text)).split()


def _script_words(normalize: Normalize, lines: tuple[Line, ...]) -> list[tuple[str, int, int]]:
    """Each word the script says, normalized as the recognizer's words are: (word, sentence, token of the
    sentence's text it comes from)."""
    return [
        (word, number, token)
        for number, line in enumerate(lines)
        for token, text in enumerate(line.text.split())
        for word in _words(normalize, text)
    ]


def score(
    normalize: Normalize, lines: tuple[Line, ...], heard: list[Word], spans: list[tuple[float, float]]
) -> list[Scored]:
    """Align the episode's recognized words with all of its sentences' words at once (so a word the recognizer
    timed early still meets its own sentence), then give each sentence its words and errors. A word heard in
    a pause between two sentences goes to the one whose span holds it."""
    import jiwer

    reference = _script_words(normalize, lines)
    hypothesis = [(word, index) for index, item in enumerate(heard) for word in _words(normalize, item.text)]
    scored = [Scored() for _ in lines]
    for _, number, _ in reference:
        scored[number].words += 1
    if not reference or not hypothesis:
        for _, number, token in reference:
            scored[number].errors += 1
            scored[number].tokens.add(token)
        return scored
    result = jiwer.process_words(" ".join(w for w, _, _ in reference), " ".join(w for w, _ in hypothesis))
    chunks = result.alignments[0]
    region: list[tuple[int, int, int, int, int]] = []  # (sentence, errors, ref word, hyp word, token)

    def close_region() -> None:
        """Errors of a run of unequal chunks whose letters agree ("F-I-F-O" for "FIFO": the normalizer
        writes a lone O as a zero) or whose words sound the same ("Q" for "queue") are only in spelling."""
        said = [reference[r][0] for *_, r, _, _ in region if r >= 0]
        written = [hypothesis[h][0] for *_, h, _ in region if h >= 0]
        letters = "".join(said).replace("0", "o") == "".join(written).replace("0", "o")
        same = letters or sound_alike(said, written)
        for number, errors, _, _, token in region:
            if same:
                scored[number].spelling += errors
            else:
                scored[number].tokens.add(token)
        region.clear()

    for chunk in chunks:
        if chunk.type == "equal":
            close_region()
        for offset in range(
            max(chunk.ref_end_idx - chunk.ref_start_idx, chunk.hyp_end_idx - chunk.hyp_start_idx)
        ):
            r = chunk.ref_start_idx + offset if chunk.type != "insert" else -1
            h = chunk.hyp_start_idx + offset if chunk.type != "delete" else -1
            if r >= 0:
                number, token = reference[r][1], reference[r][2]
            else:  # an inserted word: the sentence around it, or by time between two sentences
                before = reference[chunk.ref_start_idx - 1] if chunk.ref_start_idx > 0 else reference[0]
                after = reference[min(chunk.ref_start_idx, len(reference) - 1)]
                word = heard[hypothesis[h][1]]
                later = (word.start + word.end) / 2 >= spans[after[1]][0]
                number, token = (after[1], after[2]) if later or before == after else (before[1], before[2])
            sentence = scored[number]
            if h >= 0 and hypothesis[h][1] not in sentence.heard:
                sentence.heard.append(hypothesis[h][1])
            if chunk.type != "equal":
                sentence.errors += 1
                region.append((number, 1, r, h, token))
    close_region()
    return scored
