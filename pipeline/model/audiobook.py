"""The [audiobook] table of show.toml: whether and when the course is offered as one M4B."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic.dataclasses import dataclass

from .schema import SCHEMA


@dataclass(frozen=True, config=SCHEMA)
class AudiobookSettings:
    """The [audiobook] table: the course as one M4B in feed/audiobook/, and when it is offered."""

    # "complete": once every lesson is out; "released": the course so far, from the first lesson; "never".
    when: Literal["complete", "released", "never"] = "complete"
    bitrate: int = Field(default=64, ge=32, le=128, description="kbps of AAC, mono: 64 suits speech")
