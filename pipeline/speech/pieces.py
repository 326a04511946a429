"""A very long sentence voiced in pieces: cut after its clauses' punctuation and joined with a clause's pause.

An engine holds a whole sentence's audio and its model's buffers for it at once (Piper's decoder takes about
7 MB of working memory for each word), so a sentence of a thousand words would take gigabytes. A sentence
past LONG_SENTENCE words (the length `check` asks to split) is given to the engine as pieces of at most
PIECE_WORDS words, cut after a comma, semicolon, colon or dash where it has them, else between words; each
piece is trimmed of the engine's silence and the pieces are joined with CLAUSE_PAUSE of silence, each edge
faded over FADE so no step in the waveform is heard at a join. A sentence up to LONG_SENTENCE words is given
whole, as before.
"""

from __future__ import annotations

import math
import re

import numpy as np

from ..spoken.speech import LONG_SENTENCE
from . import SAMPLE_RATE

PIECE_WORDS = 30  # the course's longest lines: a piece needs no more memory than they do
CLAUSE_PAUSE = 0.18  # seconds: about what the voices leave at a comma
FADE = 0.01  # seconds
CLAUSE_END = re.compile(r"(?<=[,;:\u2013\u2014])\s+")


def pieces(text: str, limit: int = PIECE_WORDS) -> list[str]:
    """`text` as the pieces it is voiced in: itself when it has at most LONG_SENTENCE words."""
    if len(text.split()) <= LONG_SENTENCE:
        return [text]
    out: list[str] = []
    current: list[str] = []
    for clause in CLAUSE_END.split(text.strip()):
        words = clause.split()
        if current and len(current) + len(words) > limit:
            out.append(" ".join(current))
            current = []
        if len(words) > limit:  # a clause too long by itself: cut into equal runs of words
            runs = math.ceil(len(words) / limit)
            size = math.ceil(len(words) / runs)
            out += [" ".join(words[start : start + size]) for start in range(0, len(words), size)]
            continue
        current += words
    if current:
        out.append(" ".join(current))
    return out


def join(parts: list[np.ndarray]) -> np.ndarray:
    """The pieces' audio in order, CLAUSE_PAUSE apart, each faded in and out over FADE."""
    if len(parts) == 1:
        return parts[0]
    fade = round(FADE * SAMPLE_RATE)
    gap = np.zeros(round(CLAUSE_PAUSE * SAMPLE_RATE), dtype=np.float32)
    total = sum(len(part) for part in parts) + len(gap) * (len(parts) - 1)
    out = np.empty(total, dtype=np.float32)
    position = 0
    for index, part in enumerate(parts):
        if index:
            out[position : position + len(gap)] = gap
            position += len(gap)
        piece = out[position : position + len(part)]
        piece[:] = part
        edge = min(fade, len(part) // 2)
        ramp = np.linspace(0.0, 1.0, edge, dtype=np.float32)
        if index:
            piece[:edge] *= ramp
        if index < len(parts) - 1:
            piece[len(piece) - edge :] *= ramp[::-1]
        position += len(part)
    return out
