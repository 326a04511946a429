"""A proof-listen's findings for one episode: how it was heard as a listener hears it (no hints), and, when
asked, as a listener told the episode's terms hears it; the sentences heard differently from the script."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

REPORT_SUFFIX = ".proof.json"  # beside the episode's MP3: episodes/ID-HASH.proof.json
RATES = ("wer", "wer_as_heard")  # written beside the counts for a reader of the report, not read back


@dataclass(frozen=True)
class Tally:
    """Word errors over some of an episode's sentences (one voice's, the quiz's)."""

    words: int = 0
    errors: int = 0
    spelling: int = 0  # of the errors, those only in how heard words are written ("web socket", "Q")

    @property
    def wer(self) -> float:
        """Strict: every word written differently is an error."""
        return self.errors / max(1, self.words)

    @property
    def as_heard(self) -> float:
        """The listener's figure: a word heard with the same letters split or joined otherwise ("web socket"
        for "WebSocket"), or written as a word that sounds the same ("Q" for "queue"), is right."""
        return (self.errors - self.spelling) / max(1, self.words)

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.words + other.words, self.errors + other.errors, self.spelling + other.spelling)


@dataclass(frozen=True)
class Miss:
    """One sentence the recognizer heard differently from the script."""

    number: int  # of the sentence in the episode, from 1
    role: str
    text: str  # as the transcript shows it
    source: str  # file:line it comes from
    heard: str
    errors: int  # word errors against the transcript text
    words: int
    suggestion: str = ""  # a lexicon entry, voiced and heard back better than the sentence as it is
    spelling: int = 0  # errors only in how the heard words are written: "cloud formation", "right"
    tried: str = ""  # a lexicon entry voiced and heard back no better: no fix found
    tried_heard: str = ""  # what was heard when the voice said the sentence with `tried`

    @property
    def wer(self) -> float:
        return self.errors / max(1, self.words)


@dataclass(frozen=True)
class Hearing:
    """One pass of the recognizer over an episode, scored sentence by sentence."""

    hints: str  # the terms the recognizer was told to expect; "" for the listener's hearing (no hints)
    words: int
    errors: int
    seconds: float  # wall time of the recognition
    misses: tuple[Miss, ...] = ()  # worst first
    heard: tuple[tuple[str, float, float], ...] = ()  # every recognized word with its start and end
    spelling: int = 0  # errors only in how the heard words are written
    joined: int = 0  # runs of recognized words that spelled one of the episode's terms, written as the term
    filled: tuple[tuple[float, float], ...] = ()  # stretches the recognizer skipped, transcribed again
    voices: dict[str, Tally] = field(default_factory=dict)  # by the role that reads each sentence
    quiz: Tally = Tally()  # the sentences from content/quiz.yaml (the self-test)

    @property
    def total(self) -> Tally:
        """Its words and errors over every sentence, as a tally."""
        return Tally(self.words, self.errors, self.spelling)

    @property
    def wer(self) -> float:
        return self.total.wer

    @property
    def as_heard(self) -> float:
        return self.total.as_heard

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Hearing:
        data = _renamed(data)
        data["misses"] = tuple(Miss(**_renamed(miss)) for miss in data["misses"])
        data["heard"] = tuple((str(text), float(start), float(end)) for text, start, end in data["heard"])
        data["filled"] = tuple((float(start), float(end)) for start, end in data.get("filled", ()))
        data["voices"] = {role: _tally(tally) for role, tally in data.get("voices", {}).items()}
        data["quiz"] = _tally(data.get("quiz", {}))
        return cls(**data)


def _tally(data: dict[str, Any]) -> Tally:
    return Tally(int(data.get("words", 0)), int(data.get("errors", 0)), int(data.get("spelling", 0)))


def _renamed(data: dict[str, Any]) -> dict[str, Any]:
    """A saved hearing or miss without the rates, its "spacing" (reports before sounds were compared) read as
    "spelling": those are its words heard with the same letters, which still count as right."""
    out = {key: value for key, value in data.items() if key not in RATES and key != "spacing"}
    if "spacing" in data:
        out.setdefault("spelling", data["spacing"])
    return out


def _with_rates(data: Any) -> Any:
    """`data` (from dataclasses.asdict) with a "wer" beside every pair of words and errors, and with
    "wer_as_heard" where the errors only in how heard words are written are not counted."""
    if isinstance(data, dict):
        out = {key: _with_rates(value) for key, value in data.items()}
        if "words" in data and "errors" in data:
            out["wer"] = round(data["errors"] / max(1, data["words"]), 5)
        if "words" in data and "spelling" in data:
            out["wer_as_heard"] = round((data["errors"] - data["spelling"]) / max(1, data["words"]), 5)
        return out
    if isinstance(data, list):
        return [_with_rates(item) for item in data]
    return data


@dataclass(frozen=True)
class EpisodeProof:
    episode: str
    audio: str  # the MP3's file name
    model: str
    sentences: int
    audio_seconds: float
    unhinted: Hearing  # as a listener hears it: the episode's figure
    hinted: Hearing | None = None  # told the episode's terms, heard words written as the terms
    listed: str = "unhinted"  # the hearing whose misses `certquests proof` printed

    @property
    def shown(self) -> Hearing:
        return self.hinted if self.listed == "hinted" and self.hinted else self.unhinted

    @property
    def misses(self) -> tuple[Miss, ...]:
        return self.shown.misses

    @property
    def words(self) -> int:
        return self.unhinted.words

    @property
    def errors(self) -> int:
        return self.unhinted.errors

    @property
    def wer(self) -> float:
        return self.unhinted.wer

    def encode(self) -> str:
        data = _with_rates(dataclasses.asdict(self))
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def decode(cls, text: str) -> EpisodeProof:
        data: dict[str, Any] = json.loads(text)
        data.pop("wer", None)
        data["unhinted"] = Hearing.decode(data["unhinted"])
        data["hinted"] = Hearing.decode(data["hinted"]) if data.get("hinted") else None
        return cls(**data)
