"""What listeners have: each released episode's audio file and sentences as the last `certquests publish`
uploaded them, kept in .cache/publish/ so the review page can mark what changed since."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..fsutil import write_atomic
from .episode import Episode

PUBLISHED_NAME = "published.json"  # under .cache/publish/


@dataclass(frozen=True)
class PublishedEpisode:
    audio: str  # the MP3's file name
    sentences: tuple[str, ...]  # every sentence as the transcript shows it, in order


def save_published(folder: Path, episodes: Sequence[Episode]) -> None:
    """Record the episodes a publish put live (all of them: an episode left out was not published)."""
    data = {
        "episodes": {
            episode.id: {"audio": episode.audio_name, "sentences": [cue.text for cue in episode.cues]}
            for episode in episodes
        }
    }
    write_atomic(folder / PUBLISHED_NAME, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def load_published(folder: Path) -> dict[str, PublishedEpisode] | None:
    """Episode id -> what was published; None when nothing has been published (or the record is damaged)."""
    try:
        data = json.loads((folder / PUBLISHED_NAME).read_text("utf-8"))
        return {
            str(key): PublishedEpisode(str(value["audio"]), tuple(str(text) for text in value["sentences"]))
            for key, value in data["episodes"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
