"""What the feed gate's rules read: the feed under check, one of its items, and what a rule finds."""

from __future__ import annotations

import email.utils
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..formats.rss import ITUNES_NS, PODCAST_NS

NAMESPACES = {
    "itunes": ITUNES_NS,
    "content": "http://purl.org/rss/1.0/modules/content/",
    "podcast": PODCAST_NS,
    "atom": "http://www.w3.org/2005/Atom",
}


@dataclass(frozen=True)
class Finding:
    """One broken rule: what is wrong, and the feed's line; `stops` skips the item's later rules."""

    message: str
    line: int | None = None
    stops: bool = False


def _text(parent: Any, path: str) -> str | None:
    found = parent.find(path, NAMESPACES)
    return found.text if found is not None else None


@dataclass
class Feed:
    """The feed under check: its channel, and the site its URLs are served from (`staged`: the files about to
    replace some of them, by their final path)."""

    channel: Any
    base_url: str
    site: Path
    staged: dict[Path, Path]

    def local_file(self, url: str) -> Path | None:
        """The file `url` will be served from (the staged one when it is about to be replaced), or None when
        the URL lies outside the site."""
        target = local_path(url, self.base_url, self.site)
        return self.staged.get(target, target) if target is not None else None

    def text(self, path: str) -> str | None:
        return _text(self.channel, path)

    @functools.cached_property
    def serial(self) -> bool:
        return self.text("itunes:type") == "serial"

    @functools.cached_property
    def first_with_guid(self) -> dict[str, Any]:
        """The first item carrying each guid."""
        first: dict[str, Any] = {}
        for item in self.channel.findall("item"):
            first.setdefault(_text(item, "guid") or "", item)
        return first

    @functools.cached_property
    def first_with_enclosure(self) -> dict[str, Any]:
        """The first item whose enclosure has each URL."""
        first: dict[str, Any] = {}
        for item in self.channel.findall("item"):
            enclosure = item.find("enclosure")
            if enclosure is not None:
                first.setdefault(enclosure.get("url", ""), item)
        return first


@dataclass(frozen=True)
class Item:
    """One <item> under check, named in messages by its title."""

    element: Any

    @property
    def line(self) -> int | None:
        return self.element.sourceline

    @functools.cached_property
    def where(self) -> str:
        return f"item '{(self.text('title') or '')[:40]}'"

    def text(self, path: str) -> str | None:
        return _text(self.element, path)

    def finding(self, message: str, *, stops: bool = False) -> Finding:
        return Finding(f"{self.where}: {message}", self.line, stops)

    @property
    def enclosure(self) -> Any:
        return self.element.find("enclosure")

    @property
    def url(self) -> str:
        return self.enclosure.get("url", "")


def dated(value: str | None) -> bool:
    """Whether `value` is an RFC 2822 date with a timezone."""
    parsed = email.utils.parsedate_tz(value) if value else None
    return parsed is not None and parsed[9] is not None


def local_path(url: str, base_url: str, site: Path) -> Path | None:
    """The file under `site` that `url` will be served from, or None when it lies outside the site."""
    if not url.startswith(base_url):
        return None
    relative = urlparse(url[len(base_url) :]).path
    target = (site / relative).resolve()
    return target if site.resolve() in target.parents else None
