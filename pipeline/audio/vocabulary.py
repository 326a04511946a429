"""An episode's own vocabulary, for the proof-listen: the terms the recognizer is told to expect, and the
spellings it is given for what it heard (a transcription service's custom vocabulary)."""

from __future__ import annotations

import bisect
import re
from collections import Counter

from ..model.script import Line, Script
from .recognize import Word

HINT_CHARACTERS = 240  # about 60 tokens: the decoder's prompt holds 223, and the previous window's text too
# Title words that name no subject: a hint is a term, not a common word.
TITLE_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        """about after again all also and another any are back been before being best between both but can
        each every exam first from have here how into just like many more most much must need never next none
        not now only other over same some such than that their them then there these they this those three
        through two under used using what when where which while who why will with without work works would
        you your four five one six""",
    )
)


def bare(token: str) -> str:
    """A token of a sentence without the punctuation around it."""
    return token.strip(".,;:!?()[]\"'")


def _written_unlike_a_word(token: str) -> bool:
    """An acronym, a camel-case name, a name with digits or inner dots: SQS, DynamoDB, SigV4, Node.js, and a
    name that starts with its number: 4XXError."""
    if re.fullmatch(r"\d+[A-Z]{2,}[a-z]\w*", token):
        return True
    return bool(
        re.fullmatch(r"[A-Za-z][\w./-]*", token)
        and re.search(r"[A-Z].*[A-Z]|[a-z][A-Z]|[A-Za-z]\d|\w\.\w", token)
    )


def terms(script: Script) -> Counter[str]:
    """The episode's own vocabulary, spelled as its script spells it, with how often each is used: the tokens
    written unlike plain words, and the words of its title and chapter titles that its sentences use again."""
    tokens = [bare(token) for line in script.lines for token in line.text.split()]
    counts = Counter(token for token in tokens if _written_unlike_a_word(token))
    spellings: dict[str, Counter[str]] = {}
    for token in tokens:
        spellings.setdefault(token.lower(), Counter())[token] += 1
    for title in [script.title, *(chapter.title for chapter in script.chapters)]:
        for found in re.findall(r"[A-Za-z][\w'-]*", title):
            word = found.lower().removesuffix("'s")
            seen = spellings.get(word, Counter())
            if len(word) > 3 and word not in TITLE_STOPWORDS and seen.total() > 2:
                spelling = seen.most_common(1)[0][0]
                counts[spelling] = max(counts[spelling], seen.total())
    return counts


def hints(show_title: str, vocabulary: Counter[str]) -> str:
    """What the recognizer is told to expect: the show's name, then the episode's terms, most used first, as
    many as fit. Told these, it writes "CORS" and "queue" where it would write "cores" and "Q"; a word the
    voice got badly wrong still sounds wrong, so it is still heard wrong (a near miss can be heard as the
    term: the cost of hints)."""
    chosen = [show_title.strip()]
    for term, _ in sorted(vocabulary.items(), key=lambda item: (-item[1], item[0])):
        if len(", ".join([*chosen, term])) > HINT_CHARACTERS:
            break
        if term.lower() not in {c.lower() for c in chosen}:
            chosen.append(term)
    return ", ".join(chosen)


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower().replace("%", "percent"))


def tidied(words: list[Word]) -> list[Word]:
    """The recognized words with the numbers that Whisper's word timing splits ("10" "%", "5" ",432", "1"
    ".5") made whole again."""
    out: list[Word] = []
    for word in words:
        if out and re.match(r"%|,\d{3}\b|\.\d", word.text) and re.search(r"\d$", out[-1].text):
            before = out.pop()
            out.append(Word(before.text + word.text, before.start, word.end))
        else:
            out.append(word)
    return out


def _written_apart(line: Line, letters: str) -> list[str] | None:
    """The words of `line` that spell `letters` written apart ("order id" for orderId), or None."""
    tokens = [bare(token) for token in line.text.split()]
    for first in range(len(tokens)):
        for end in range(first + 2, min(len(tokens), first + 8) + 1):
            if "".join(_letters(token) for token in tokens[first:end]) == letters:
                return tokens[first:end]
    return None


def _also_apart(wanted: dict[str, str], script_lines: tuple[Line, ...]) -> dict[str, str]:
    """The terms (by their letters) the script also writes as separate words, taken out of `wanted`."""
    either: dict[str, str] = {}
    for line in script_lines:
        tokens = [_letters(token) for token in line.text.split()]
        for start in range(len(tokens)):
            for end in range(start + 2, min(len(tokens), start + 8) + 1):
                letters = "".join(tokens[start:end])
                if letters in wanted:
                    either[letters] = wanted.pop(letters)
    return either


def _spread(parts: list[str], start: float, end: float, ending: str) -> list[Word]:
    """Words written apart, sharing the time from `start` to `end` evenly; the last keeps the punctuation."""
    step = (end - start) / len(parts)
    return [
        Word(part + (ending if n == len(parts) - 1 else ""), start + n * step, start + (n + 1) * step)
        for n, part in enumerate(parts)
    ]


def spell_terms(
    words: list[Word],
    vocabulary: Counter[str],
    script_lines: tuple[Line, ...],
    spans: list[tuple[float, float]] | None = None,
) -> tuple[list[Word], int]:
    """The recognized words with each run of them that spells one of the episode's terms letter for letter
    ("receive message wait time seconds") written as the term ("ReceiveMessageWaitTimeSeconds"), as a
    transcription service's custom vocabulary writes it; and how many runs were rewritten. A word heard wrong
    spells no term, so it stays wrong.

    A term the script also writes as separate words ("order id" beside "orderId") is written as the sentence
    it is heard in writes it, joined or apart, when the sentences' `spans` are given; without them it is left
    as heard."""
    wanted = {_letters(term): term for term in vocabulary if len(_letters(term)) > 3}
    either = _also_apart(wanted, script_lines)
    starts = [start for start, _ in spans or ()]
    if starts:
        wanted |= either

    def written(letters: str, at: float) -> tuple[str, list[str] | None]:
        """How the sentence heard at `at` writes the term: (the term, None) joined, or its words apart."""
        if letters not in either:
            return wanted[letters], None
        sentence = max(0, bisect.bisect_right(starts, at) - 1)
        line = script_lines[min(sentence, len(script_lines) - 1)]
        if either[letters] in {bare(token) for token in line.text.split()}:
            return either[letters], None
        return either[letters], _written_apart(line, letters)

    longest = max((len(key) for key in wanted), default=0)
    out: list[Word] = []
    joined, index = 0, 0
    while index < len(words):
        match, letters = 0, ""
        for end in range(index, min(len(words), index + 8)):
            letters += _letters(words[end].text)
            if len(letters) > longest:
                break
            if letters in wanted:
                match = end + 1
                found = letters
        if not match:
            out.append(words[index])
            index += 1
            continue
        first, last = words[index], words[match - 1]
        term, apart = written(found, (first.start + last.end) / 2)
        trail = re.search(r"[.,;:!?]+$", last.text)
        ending = trail.group(0) if trail else ""
        if apart and match - index != len(apart):
            out += _spread(apart, first.start, last.end, ending)
            joined += 1
        elif not apart and (match > index + 1 or first.text.strip(".,;:!?") != term):
            out.append(Word(term + ending, first.start, last.end))
            joined += 1
        else:
            out += words[index:match]
        index = match
    return out, joined
