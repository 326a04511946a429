"""A proof-listen's findings for one episode: the sentences whose recognized words differ from the script."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

REPORT_SUFFIX = ".proof.json"  # beside the episode's MP3: episodes/ID-HASH.proof.json


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
    suggestion: str = ""  # a lexicon entry, when one token explains the miss
    spacing: int = 0  # errors only in where words split: "CloudFormation" heard as "cloud formation"

    @property
    def wer(self) -> float:
        return self.errors / max(1, self.words)


@dataclass(frozen=True)
class EpisodeProof:
    episode: str
    audio: str  # the MP3's file name
    model: str
    sentences: int
    words: int
    errors: int
    audio_seconds: float
    seconds: float  # wall time of the recognition
    misses: tuple[Miss, ...]  # worst first
    heard: tuple[tuple[str, float, float], ...] = ()  # every recognized word with its start and end
    spacing: int = 0  # errors only in where words split
    hints: str = ""  # the terms the recognizer was told to expect
    joined: int = 0  # runs of recognized words that spelled one of the episode's terms, written as the term
    filled: tuple[tuple[float, float], ...] = ()  # stretches the recognizer skipped, transcribed again

    @property
    def wer(self) -> float:
        return self.errors / max(1, self.words)

    def encode(self) -> str:
        data = dataclasses.asdict(self)
        data["wer"] = round(self.wer, 5)
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def decode(cls, text: str) -> EpisodeProof:
        data: dict[str, Any] = json.loads(text)
        data.pop("wer", None)
        data["misses"] = tuple(Miss(**miss) for miss in data["misses"])
        heard = data.get("heard", ())
        data["heard"] = tuple((str(text), float(start), float(end)) for text, start, end in heard)
        data["filled"] = tuple((float(start), float(end)) for start, end in data.get("filled", ()))
        return cls(**data)
