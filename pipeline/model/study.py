"""The [study] table of the show config: which study episodes and feeds a show has (see drills.py)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic.dataclasses import dataclass

from .schema import SCHEMA


@dataclass(frozen=True, config=SCHEMA)
class Study:
    """The [study] table: which study episodes and feeds the show has, and when reviews come back."""

    drills: bool = False  # one bonus episode per topic asking every question of it
    reviews: bool = False  # a released lesson's questions come back `review_weeks` after its release
    topic_feeds: bool = False  # feed/topics/TOPIC.xml: a topic's lessons and its drill
    review_weeks: tuple[int, ...] = (1, 3, 8)
    # At most this many questions in one review (eight last at most about nine and a half minutes).
    review_questions: int = Field(default=8, ge=1, le=30)

    @field_validator("review_weeks", mode="before")
    @classmethod
    def _growing(cls, weeks: object) -> object:
        if isinstance(weeks, list):
            weeks = tuple(weeks)
        if isinstance(weeks, tuple) and (
            not weeks
            or not all(isinstance(w, int) and 1 <= w <= 104 for w in weeks)
            or list(weeks) != sorted(set(weeks))
        ):
            raise ValueError("must be whole numbers of weeks from 1 to 104, growing, like [1, 3, 8]")
        return weeks
