"""What every hosting target offers the upload, and the headers each kind of file is served with.

A target holds objects by key (a path relative to the site's root: `feed.xml`, `episodes/ID-HASH.mp3`).
Adding a target is a module with `open_target(url, settings) -> Target` and one line in the registry
(`pipeline/publish/__init__.py`).
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..model.show import CachePolicy, PublishSettings

MANIFEST = ".publish-manifest.json"  # beside the feed: what was published, and what waits to be removed
LOCK = ".publish-lock"  # beside the feed while a publish runs: one publish at a time per target
LOCK_STALE = 6 * 3600  # seconds after which a lock left by a publish that was killed elsewhere is taken over
FEED = "feed.xml"
TOPICS_FOLDER = "topics/"  # a feed per topic
MEDIA_FOLDER = "episodes/"  # every name in it carries a content hash: it never changes once written

TYPES = {
    ".mp3": "audio/mpeg",
    ".m4b": "audio/mp4",  # the registered type (RFC 4337): browsers play it, audiobook apps go by the name
    ".opus": "audio/ogg",  # Ogg Opus (RFC 7845)
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}


def content_type(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    if name == FEED or (key.startswith(TOPICS_FOLDER) and name.endswith(".xml")):  # the feed, a topic's feed
        return "application/rss+xml; charset=utf-8"
    if name.endswith(".chapters.json"):
        return "application/json+chapters"
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def cache_control(key: str, policy: CachePolicy) -> str:
    """Long and immutable for the content-hashed media and sidecars; short for everything that keeps its name
    while its content changes (the feed, the pages, the cover, the assets)."""
    return policy.media if key.startswith(MEDIA_FOLDER) else policy.pages


@dataclass(frozen=True)
class Upload:
    """One file of the site as it should be stored."""

    key: str
    path: Path
    size: int
    sha256: str
    content_type: str
    cache_control: str


@dataclass(frozen=True)
class Stored:
    """What a target says it holds under a key; a field it cannot tell is None."""

    sha256: str | None
    content_type: str | None = None
    cache_control: str | None = None


class Target(Protocol):
    url: str  # as the producer wrote it, for messages
    keeps_headers: bool  # False for a folder: its web server chooses the headers

    def check(self) -> None:
        """Reachable, allowed, and there: raise PublishError naming the fix otherwise."""

    def lock(self, holder: str, token: str) -> None:
        """Take the target's lock (the object LOCK, created only if absent) or raise LockedError naming who
        holds it; a lock with this `token` (left by a killed publish of this checkout) or older than
        LOCK_STALE is taken over."""

    def unlock(self, token: str) -> None:
        """Release the lock taken with `token`."""

    def tidy(self) -> int:
        """Remove what a killed publish of this tool left half-written (never anything else); how many."""

    def listing(self) -> dict[str, int]:
        """Every key under the target's root, with its size in bytes."""

    def stored(self, key: str) -> Stored | None:
        """The recorded sha256 (and headers) of one object, without downloading it."""

    def read(self, key: str) -> bytes | None:
        """A small object's bytes (the manifest), or None when there is none."""

    def send(self, item: Upload, sent: Callable[[int], None]) -> None:
        """Store one file; `sent(bytes)` is called as its bytes go."""

    def write(self, key: str, data: bytes, content_type: str, cache_control: str) -> None:
        """Store a small object from memory."""

    def remove(self, keys: list[str]) -> None:
        """Delete objects; a key that is already gone is not an error."""

    def allow_cors(self) -> str:
        """Let in-browser players GET and HEAD from any origin; returns what it did."""


OpenTarget = Callable[[str, PublishSettings], Target]


def lock_body(holder: str, token: str) -> bytes:
    """What the lock object holds: who took it, when, and the token of the checkout that took it."""
    since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return json.dumps({"holder": holder[:200], "since": since, "token": token}).encode()


def lock_holder(held: bytes, token: str, modified: dt.datetime | None) -> tuple[str, bool, float]:
    """(who holds a lock, whether it is this checkout's own, its age in seconds) from the lock object."""
    try:
        data = json.loads(held)
        who = f"{str(data['holder'])[:200]}, since {str(data['since'])[:40]}"
        own = data.get("token") == token
    except (ValueError, KeyError, TypeError):
        who, own = "a lock this tool cannot read", False
    age = (dt.datetime.now(dt.UTC) - modified).total_seconds() if modified else 0.0
    return who, own, age
