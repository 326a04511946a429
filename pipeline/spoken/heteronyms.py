"""Words written alike and said two ways, respelled where the context decides the reading.

Each rule is checked against the phonemes the default voice (hibari's G2P) gives for the respelling, so
every engine hears an unambiguous word: "read capacity" is "reed capacity", "goes live" is "goes lyve".
Anything the rules leave alone goes to the voice's own part-of-speech tagger; a project's lexicon can
override any of them with a `[say]` entry such as "read capacity" = "reed capacity".
"""

from __future__ import annotations

import re

# Nouns that "read", "write" and "lead" modify as the present-tense reading ("reed capacity units").
READ_NOUNS = (
    "capacity|replicas?|requests?|units?|throughput|operations?|access|paths?|traffic|latency|heavy|only|model"
    "|consistency|side|load|queries|query|calls?|permissions?|locks?|timeouts?|endpoints?|workloads?"
    "|and write"
    "|or write|write|/write|receipts?|isolation|committed|uncommitted|after|your|scaling|cost|costs|quota"
)
LIVE_NOUNS = (
    "traffic|version|versions|alias|aliases|environment|stage|data|streams?|updates?|demo|site|events?|endpoints?"
    "|production|system|copy|reload|tail|migration|users?|feed|session|dashboard|metrics|logs?"
)
RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b([Rr])ead(?=[\s-]+(?:{READ_NOUNS})\b|/write)"), r"\1eed"),
    (re.compile(rf"\b([Ll])ive(?=[\s-]+(?:{LIVE_NOUNS})\b)"), r"\1yve"),
    (
        re.compile(
            r"\b((?:go|goes|went|going|gone|is|are|was|were|be|been|stays?|already)\s+)live\b(?!\s+(?:in|on|with)\b)"
        ),
        r"\1lyve",
    ),
    (
        re.compile(
            r"\b([Ll])ead(?=[\s-]+(?:time|times|engineer|engineers|developer|developers|architect|role)\b)"
        ),
        r"\1eed",
    ),
]


def heteronyms(text: str) -> str:
    """The sentence with the heteronyms whose reading the context settles respelled."""
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return text
