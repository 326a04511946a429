"""An episode's own vocabulary, for the proof-listen: the terms the recognizer is told to expect, and the
spellings it is given for what it heard (a transcription service's custom vocabulary)."""

from __future__ import annotations

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


def spell_terms(
    words: list[Word], vocabulary: Counter[str], script_lines: tuple[Line, ...]
) -> tuple[list[Word], int]:
    """The recognized words with each run of them that spells one of the episode's terms letter for letter
    ("receive message wait time seconds") written as the term ("ReceiveMessageWaitTimeSeconds"), as a
    transcription service's custom vocabulary writes it; and how many runs were joined. A word heard wrong
    spells no term, so it stays wrong."""
    wanted = {_letters(term): term for term in vocabulary if len(_letters(term)) > 3}
    # A term the script also writes as separate words ("content-based deduplication" beside
    # "ContentBasedDeduplication") could be either: it is left as heard.
    for line in script_lines:
        tokens = [_letters(token) for token in line.text.split()]
        for start in range(len(tokens)):
            for end in range(start + 2, min(len(tokens), start + 8) + 1):
                wanted.pop("".join(tokens[start:end]), None)
    longest = max((len(key) for key in wanted), default=0)
    out: list[Word] = []
    joined, index = 0, 0
    while index < len(words):
        match, term, letters = 0, "", ""
        for end in range(index, min(len(words), index + 8)):
            letters += _letters(words[end].text)
            if len(letters) > longest:
                break
            if letters in wanted and (end > index or words[index].text.strip(".,;:!?") != wanted[letters]):
                match, term = end + 1, wanted[letters]
        if match:
            trail = re.search(r"[.,;:!?]+$", words[match - 1].text)
            spelled = term + (trail.group(0) if trail else "")
            out.append(Word(spelled, words[index].start, words[match - 1].end))
            joined += 1
            index = match
        else:
            out.append(words[index])
            index += 1
    return out, joined
