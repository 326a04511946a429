"""Lexicon entries the proof-listen suggests: offered only once the sentence's own voice has said the entry
and the recognizer, told nothing, heard it back better than the sentence as it is."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ContentError, SynthesisError
from ..model.lexicon import DIGIT_WORDS, Lexicon
from ..model.script import Line
from ..spoken.speech import speak
from ..stages.context import Context

if TYPE_CHECKING:
    from ..audio.recognize import Recognizer

from .hearing import LETTER_NAMES, Normalize, score

log = logging.getLogger(__name__)
Listen = Callable[[Line], str]  # the words heard when the line's own voice says line.spoken, told nothing


def _part_said(part: str) -> str:
    """A digit by name, capitals and single letters by their letter names, a word as it is."""
    if part in DIGIT_WORDS:
        return DIGIT_WORDS[part]
    if part.isupper() or len(part) == 1:
        return " ".join(LETTER_NAMES[letter.lower()] for letter in part)
    return part.lower()


# A Roman numeral of two letters or more ("IV", "XVII"): the speech layer reads it by its context ("Chapter
# four", "Henry the Eighth"); an entry would say it one way everywhere ("IV" = "eye vee" broke "Chapter IV").
ROMAN = re.compile(r"(?=[MDCLXVI]{2})M{0,3}(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3})")


def _a_number(core: str) -> bool:
    """A number (2016, 10GiB, Route53, 1st) or a Roman numeral: read by rules in context, not by an entry."""
    return bool(re.match(r"\d", core) or re.search(r"\d\d", core) or ROMAN.fullmatch(core))


def suggested_entry(token: str) -> tuple[str, str] | None:
    """A lexicon [say] entry (token, said) that says `token` in plain words (letters by name, short dotted
    parts spelled), for a token written unlike a word (capitals, inner dots); none for a plain word, which
    lexicons seldom mend, and none for a number or a Roman numeral."""
    from ..audio.vocabulary import bare

    dotted = re.fullmatch(r"\.([A-Za-z][\w-]*)", token.strip(",;:!?()[]\"'"))
    if dotted:  # ".NET", ".fifo": read with their dot
        return dotted.group(0), f"dot {dotted.group(1).lower()}"
    core = bare(token)
    if not core or _a_number(core):
        return None
    if re.fullmatch(r"[A-Z]{2,6}s?", core):
        said = " ".join(LETTER_NAMES[letter] for letter in core.rstrip("s").lower())
        return core, f"{said}{'s' if core.endswith('s') else ''}"
    if re.search(r"[a-z][A-Z0-9]", core):  # SigV4, Auth0: the camel-case parts, letters and digits by name
        parts = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d", core)
        return core, " ".join(_part_said(part) for part in parts)
    if "." in core.strip(".") and re.search(r"[A-Za-z]", core):
        parts = [part for part in core.split(".") if part]
        said = " ".join(
            " ".join(LETTER_NAMES[ch] for ch in part.lower() if ch in LETTER_NAMES)
            if len(part) <= 3
            else part
            for part in parts
        )
        return core, said.lower()
    return None


def entry_line(entry: tuple[str, str]) -> str:
    """An entry as it is written in content/lexicon.toml."""
    return f'[say] "{entry[0]}" = "{entry[1]}"'


def suggestion(token: str) -> str:
    """The lexicon entry `suggested_entry` gives for `token`, as it is written in content/lexicon.toml."""
    entry = suggested_entry(token)
    return entry_line(entry) if entry else ""


@dataclass(frozen=True)
class Trial:
    """A suggested entry voiced with the sentence's own voice and heard back, beside the sentence as it is."""

    entry: str  # as written in content/lexicon.toml
    heard: str  # the sentence said with the entry
    errors: int  # in that hearing (errors only in where words split are not counted)
    before: int  # in the hearing of the sentence as it is, alone, the same way

    @property
    def helps(self) -> bool:
        return self.errors < self.before


def errors_alone(normalize: Normalize, line: Line, heard: str) -> int:
    """Word errors of one sentence heard on its own, not counting those only in where words split."""
    from ..audio.recognize import Word

    words = [Word(text, 0.0, 0.0) for text in heard.split()]
    (sentence,) = score(normalize, (line,), words, [(0.0, float("inf"))])
    return sentence.errors - sentence.spelling


def with_entry(lexicon: Lexicon, entry: tuple[str, str]) -> Lexicon:
    """The lexicon with `entry` under [say], over whatever it held for that token."""
    word, said = entry
    return dataclasses.replace(
        lexicon, say={**lexicon.say, word: said}, spell=tuple(w for w in lexicon.spell if w != word)
    )


@dataclass
class Verifier:
    """Offers a lexicon entry only once the sentence's own voice has said it and the recognizer, told nothing,
    has heard it back better than the sentence as it is (both heard alone, the same way). Earlier trials are
    kept by sentence, entry and voice (`known`), so each is voiced and heard once."""

    lexicon: Lexicon
    normalize: Normalize
    listen: Listen
    voice_key: Callable[[Line], str]  # what a line is voiced from: its spoken text, voice and engine version
    model: str
    known: dict[str, dict[str, object]] = field(default_factory=dict)
    language: str = "en-US"  # the show's: the readings of numbers and dates

    def trial(self, line: Line, token: str) -> Trial | None:
        """The trial of the entry suggested for `token`; None when there is none, or it changes nothing the
        voice is given."""
        entry = suggested_entry(token)
        if entry is None:
            return None
        candidate = speak(line.text, with_entry(self.lexicon, entry), self.language).text
        if candidate in {line.spoken, speak(line.text, self.lexicon, self.language).text}:
            return None
        tried = dataclasses.replace(line, spoken=candidate)
        key = json.dumps([self.model, line.text, self.voice_key(line), self.voice_key(tried)])
        key = hashlib.sha256(key.encode("utf-8")).hexdigest()
        if key not in self.known:
            try:
                said = self.listen(line)
                heard = self.listen(tried)
            except SynthesisError as exc:  # a voice that fails on the entry: it is no fix
                log.warning("%s: the entry %s could not be voiced: %s", line.source, entry_line(entry), exc)
                return None
            self.known[key] = {
                "sentence": line.text,
                "entry": entry_line(entry),
                "said": candidate,
                "heard": heard,
                "errors": errors_alone(self.normalize, line, heard),
                "before": errors_alone(self.normalize, line, said),
                "heard_before": said,
            }
        found = self.known[key]
        return Trial(
            entry_line(entry), str(found["heard"]), int(str(found["errors"])), int(str(found["before"]))
        )


def listener(context: Context, recognizer: Recognizer) -> tuple[Listen, Callable[[Line], str]]:
    """How a line sounds in its own voice (the engine and settings of its role, through the speech cache, so a
    sentence voiced for a trial is kept for the build that takes the entry), heard by `recognizer` told
    nothing; and the key a line is voiced under."""
    from ..speech import SAMPLE_RATE, engine_version, sentence_key

    voices = context.show.voices

    def key_of(line: Line) -> str:
        voice = voices[line.role]
        return sentence_key(line.spoken, voice, engine_version(voice.engine))

    def listen(line: Line) -> str:
        key = key_of(line)
        context.voicer.ensure(line, key, 0, lesson_path=line.source)
        samples = context.voicer.cache.get(key)
        if samples is None:
            raise ContentError(
                f"{line.source}: the speech cache lost the sentence voiced for a trial; run again"
            )
        return " ".join(word.text for word in recognizer.hear(samples, SAMPLE_RATE))

    return listen, key_of


TRIALS = "proof-trials.json"  # in the project's cache: suggested entries voiced and heard back


def _known_trials(path: Path) -> dict[str, dict[str, object]]:
    try:
        known = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}
