"""What every hosting target offers the upload, and the headers each kind of file is served with.

A target holds objects by key (a path relative to the site's root: `feed.xml`, `episodes/ID-HASH.mp3`).
Adding a target is a module with `open_target(url, settings) -> Target` and one line in the registry
(`pipeline/publish/__init__.py`).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..model.show import CachePolicy, PublishSettings

MANIFEST = ".publish-manifest.json"  # beside the feed: what was published, and what waits to be removed
FEED = "feed.xml"
TOPICS_FOLDER = "topics/"  # a feed per topic
MEDIA_FOLDER = "episodes/"  # every name in it carries a content hash: it never changes once written

TYPES = {
    ".mp3": "audio/mpeg",
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
