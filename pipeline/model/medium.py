"""What a feed is, for podcast apps: the Podcasting 2.0 mediums (podcast:medium) a show may declare."""

from __future__ import annotations

import difflib
from typing import Annotated

from pydantic import AfterValidator

# The namespace's mediums for a feed of episodes. Each also has a list form ('podcastL'), and there are
# 'publisher' and 'mixed', but those feeds link to other feeds and hold no episodes of their own.
MEDIUMS = ("podcast", "course", "audiobook", "music", "video", "film", "newsletter", "blog")
LIST_MEDIUMS = ("publisher", "mixed", *(f"{medium}L" for medium in MEDIUMS))


def medium_problem(medium: str) -> str:
    """Why `medium` cannot be this show's, and what to write instead."""
    choices = ", ".join(f"'{m}'" for m in MEDIUMS)
    if medium in LIST_MEDIUMS:
        return (
            f"'{medium}' is a medium for a feed that lists other feeds, and this feed holds episodes; "
            f"use one of {choices}"
        )
    close = difflib.get_close_matches(medium.lower(), MEDIUMS, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"not a Podcasting 2.0 medium: {medium!r}{hint}; use one of {choices}"


def _a_medium(medium: str) -> str:
    if medium not in MEDIUMS:
        raise ValueError(medium_problem(medium))
    return medium


Medium = Annotated[str, AfterValidator(_a_medium)]  # a show's [show] medium, checked as it is read
