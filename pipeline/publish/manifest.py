"""The publish manifest, kept in the target (beside the feed) and copied under .cache/publish/.

    {"format": 1,
     "objects": {"episodes/x-1a2b.mp3": {"sha256": "...", "size": 123, "type": "audio/mpeg", "cache": "..."}},
     "live": ["feed.xml", "episodes/x-1a2b.mp3", ...],
     "superseded": {"episodes/x-0f0f.mp3": "2026-12-01T21:00:00+00:00"}}

`objects` is every object a publish stored, `live` what the last complete publish's feed and pages use, and
`superseded` when each object left the live set: it is removed once the grace period has passed since then,
and never while the previous or the current feed references it. An object a killed publish stored is in
`objects` but in neither list, and is treated as superseded by the next publish.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

FORMAT = 1
MAX_BYTES = 64 * 1024 * 1024  # far more than any course's manifest: a larger one is damage, read as none


@dataclass(frozen=True)
class Entry:
    sha256: str
    size: int
    content_type: str
    cache_control: str


@dataclass
class Manifest:
    objects: dict[str, Entry] = field(default_factory=dict)
    live: set[str] = field(default_factory=set)
    superseded: dict[str, dt.datetime] = field(default_factory=dict)

    def encode(self) -> bytes:
        data = {
            "format": FORMAT,
            "objects": {
                key: {"sha256": e.sha256, "size": e.size, "type": e.content_type, "cache": e.cache_control}
                for key, e in sorted(self.objects.items())
            },
            "live": sorted(self.live),
            "superseded": {key: when.isoformat() for key, when in sorted(self.superseded.items())},
        }
        return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def decode(cls, raw: bytes) -> Manifest | None:
        """None when the bytes are not a manifest this code can read (then every object is checked anew)."""
        if len(raw) > MAX_BYTES:
            return None
        try:
            data: Any = json.loads(raw)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                return None
            objects = {
                str(key): Entry(str(e["sha256"]), int(e["size"]), str(e["type"]), str(e["cache"]))
                for key, e in data["objects"].items()
            }
            live = {str(key) for key in data["live"]}
            superseded = {str(key): _moment(when) for key, when in data["superseded"].items()}
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError):
            return None
        return cls(objects, live, superseded)


def _moment(text: Any) -> dt.datetime:
    """A date and time with its offset (one without is no moment this tool wrote)."""
    when = dt.datetime.fromisoformat(str(text))
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{text!r} has no offset")
    return when
