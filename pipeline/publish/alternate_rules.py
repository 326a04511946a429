"""The feed gate's rule for an item's other encodings (podcast:alternateEnclosure): each file is in the site,
whole, as declared, and as long as the MP3."""

from __future__ import annotations

import base64
import functools
import hashlib
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.mp3 import MP3

from .feed_check import NAMESPACES, Feed, Finding, Item
from .item_rules import audio_file

OPUS_FRAME = 0.02  # seconds: how far an Opus alternate's length may be from the MP3's


def alternate_enclosures(feed: Feed, item: Item) -> list[Finding]:
    """Each podcast:alternateEnclosure file is in the site, as long (in bytes) as declared, matches its
    integrity hash and lasts as long as the MP3 within a frame."""
    seconds = float(getattr(MP3(audio_file(feed, item)).info, "length", 0.0))
    return [item.finding(problem) for problem in _problems(feed, item, seconds)]


def _problems(feed: Feed, item: Item, seconds: float) -> list[str]:
    problems = []
    local_file = feed.local_file
    for alternate in item.element.findall("podcast:alternateEnclosure", NAMESPACES):
        sources = [source.get("uri", "") for source in alternate.findall("podcast:source", NAMESPACES)]
        integrity = alternate.find("podcast:integrity", NAMESPACES)
        if not alternate.get("type") or not sources:
            problems.append("podcast:alternateEnclosure needs a type and a podcast:source")
            continue
        for uri in sources:
            name = uri.rsplit("/", 1)[-1]
            local = local_file(uri)
            fix = f"build the episode again (`certquests build` makes episodes/{name} anew)"
            if local is None or not local.is_file():
                problems.append(f"alternate enclosure {uri} is not in the site; {fix}")
                continue
            size = local.stat().st_size
            if alternate.get("length") != str(size):
                problems.append(
                    f"alternate enclosure {name}: length {alternate.get('length')} but the file has "
                    f"{size} bytes; {fix}"
                )
            elif integrity is None or integrity.get("type") != "sri" or integrity.get("value") != _sri(local):
                problems.append(
                    f"alternate enclosure {name} does not match its podcast:integrity hash; {fix}"
                )
            elif local.suffix == ".opus" and abs(_opus_seconds(local) - seconds) > OPUS_FRAME:
                problems.append(
                    f"alternate enclosure {name} lasts {_opus_seconds(local):.3f} s but the MP3 "
                    f"{seconds:.3f} s; {fix}"
                )
    return problems


@functools.lru_cache(maxsize=4096)
def _sri_of(path: Path, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as handle:
        return "sha384-" + base64.b64encode(hashlib.file_digest(handle, "sha384").digest()).decode("ascii")


def _sri(path: Path) -> str:
    """The file's SHA-384 Subresource Integrity string (a file checked again is read again only if it moved:
    the gate checks the show's feed and each topic feed)."""
    status = path.stat()
    return _sri_of(path, status.st_size, status.st_mtime_ns)


def _opus_seconds(path: Path) -> float:
    from mutagen.oggopus import OggOpus

    try:
        info: Any = OggOpus(path).info
        return float(info.length)
    except MutagenError:
        return -1.0
