"""The show's tables for the formats published beside the MP3: the Opus file and the audiobook."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic.dataclasses import dataclass

from .schema import SCHEMA

# The Opus file's bitrate (kbit/s): the lowest at which the proof-listen's recognizer hears the shipped course
# as well as in the MP3 and wideband PESQ rates it "good" (benchmarks/opus_bitrate.py; README, "Formats").
OPUS_BITRATE = 24
OPUS_BITRATES = (16, 24, 32, 40, 48, 64)


@dataclass(frozen=True, config=SCHEMA)
class Opus:
    """The [opus] table: the smaller Opus file published beside each MP3, for listeners on mobile data."""

    bitrate: int = OPUS_BITRATE  # kbit/s, average

    @field_validator("bitrate")
    @classmethod
    def _speech_bitrate(cls, bitrate: int) -> int:
        if bitrate not in OPUS_BITRATES:
            raise ValueError(
                f"must be one of {', '.join(map(str, OPUS_BITRATES))} (kbit/s), got {bitrate}; "
                f"{OPUS_BITRATE} is the lowest measured to be heard as well as the MP3"
            )
        return bitrate


@dataclass(frozen=True, config=SCHEMA)
class AudiobookSettings:
    """The [audiobook] table: the course as one M4B in feed/audiobook/, and when it is offered."""

    # "complete": once every lesson is out; "released": the course so far, from the first lesson; "never".
    when: Literal["complete", "released", "never"] = "complete"
    bitrate: int = Field(default=64, ge=32, le=128, description="kbps of AAC, mono: 64 suits speech")
