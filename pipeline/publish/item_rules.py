"""The gate's rules for each item (in order: a finding that `stops` skips the item's later rules) and for
each transcript it links, by type."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.mp3 import MP3

from ..formats.transcripts import cue_problems
from .feed_check import NAMESPACES, Feed, Finding, Item, dated

ALLOWED_DESCRIPTION_TAGS = {"p", "ol", "ul", "li", "a"}
CAPTION_TYPES = ("text/vtt", "application/x-subrip", "application/srt")
SHOWN_PER_FILE = 5  # problems named per transcript file: the first few say what to do


# Each item, in order


def guid_once(feed: Feed, item: Item) -> list[Finding]:
    guid = item.text("guid")
    if not guid:
        return [item.finding("<guid> missing")]
    if feed.first_with_guid[guid] is not item.element:
        return [item.finding(f"guid {guid} is used twice")]
    return []


def pub_date(feed: Feed, item: Item) -> list[Finding]:
    value = item.text("pubDate")
    if not dated(value):
        return [item.finding(f"<pubDate> must be RFC 2822 with a timezone, got {value!r}")]
    return []


def description_fits(feed: Feed, item: Item) -> list[Finding]:
    if len((item.text("description") or "").encode()) > 4000:
        return [item.finding("<description> is over 4000 bytes")]
    return []


def description_markup(feed: Feed, item: Item) -> list[Finding]:
    """The notes use only the markup podcast apps show (checked when they fit)."""
    from lxml import html

    description = item.text("description") or ""
    if not description or len(description.encode()) > 4000:
        return []
    tags = {element.tag for element in html.fragment_fromstring(description, create_parent="div").iter()}
    extra = tags - ALLOWED_DESCRIPTION_TAGS - {"div"}
    if extra:
        return [
            item.finding(f"<description> may only use p, ol, ul, li, a; found {', '.join(sorted(extra))}")
        ]
    return []


def episode_type(feed: Feed, item: Item) -> list[Finding]:
    if item.text("itunes:episodeType") not in ("full", "trailer", "bonus"):
        return [item.finding("<itunes:episodeType> must be full, trailer or bonus")]
    return []


def episode_numbers(feed: Feed, item: Item) -> list[Finding]:
    findings = []
    for tag in ("itunes:episode", "itunes:season"):
        value = item.text(tag)
        if value is None:
            if feed.serial and item.text("itunes:episodeType") == "full":
                findings.append(item.finding(f"<{tag}> is required in a serial show"))
        elif not value.isdigit() or int(value) == 0:
            findings.append(item.finding(f"<{tag}> must be a non-zero integer, got {value!r}"))
    return findings


def enclosure_present(feed: Feed, item: Item) -> list[Finding]:
    return [] if item.enclosure is not None else [item.finding("<enclosure> missing", stops=True)]


def enclosure_url_ascii(feed: Feed, item: Item) -> list[Finding]:
    return [] if item.url.isascii() else [item.finding(f"enclosure URL must be ASCII: {item.url}")]


def enclosure_url_once(feed: Feed, item: Item) -> list[Finding]:
    if feed.first_with_enclosure[item.url] is not item.element:
        return [item.finding(f"enclosure URL {item.url} is used twice")]
    return []


def enclosure_type(feed: Feed, item: Item) -> list[Finding]:
    if item.enclosure.get("type") != "audio/mpeg":
        return [item.finding("enclosure type must be audio/mpeg")]
    return []


def enclosure_in_site(feed: Feed, item: Item) -> list[Finding]:
    local = feed.local_file(item.url)
    if local is None or not local.is_file():
        return [item.finding(f"enclosure {item.url} is not in the site", stops=True)]
    return []


def enclosure_length(feed: Feed, item: Item) -> list[Finding]:
    size = audio_file(feed, item).stat().st_size
    if item.enclosure.get("length") != str(size):
        return [
            item.finding(f"enclosure length {item.enclosure.get('length')} but the file has {size} bytes")
        ]
    return []


def audio_whole(feed: Feed, item: Item) -> list[Finding]:
    """The MP3 holds the audio its Info frame declares: players trust the frame for the length and seeking."""
    local = audio_file(feed, item)
    declared = _declared_audio_bytes(local)
    if declared is not None and declared != audio_bytes(local):
        message = (
            f"enclosure {item.url} holds {audio_bytes(local)} bytes of audio but its Info frame declares "
            f"{declared}: the file is damaged or cut short; build the episode again"
        )
        return [item.finding(message, stops=True)]
    return []


def duration_matches_audio(feed: Feed, item: Item) -> list[Finding]:
    duration = item.text("itunes:duration")
    try:
        length = float(getattr(MP3(audio_file(feed, item)).info, "length", 0.0))
    except MutagenError as exc:
        message = f"enclosure {item.url} is not a readable MP3 ({exc}); build the episode again"
        return [item.finding(message, stops=True)]
    if not duration or not duration.isdigit() or abs(int(duration) - length) > 1.0:
        return [
            item.finding(f"<itunes:duration> {duration!r} is not within 1 s of the audio ({length:.1f} s)")
        ]
    return []


def sidecars(feed: Feed, item: Item) -> list[Finding]:
    """Each transcript and chapters file is in the site, and a transcript reads as its type says."""
    findings = []
    linked = item.element.findall("podcast:transcript", NAMESPACES)
    linked += item.element.findall("podcast:chapters", NAMESPACES)
    for sidecar in linked:
        target = feed.local_file(sidecar.get("url", ""))
        if target is None or not target.is_file():
            kind = sidecar.tag.split("}")[1]
            findings.append(item.finding(f"{kind} file {sidecar.get('url')} is not in the site"))
            continue
        check = SIDECAR_CHECKS.get(sidecar.get("type"))
        if check is not None:
            name = sidecar.get("url", "").rsplit("/", 1)[-1]
            problems = check(target.read_text("utf-8", errors="replace"))[:SHOWN_PER_FILE]
            findings += [item.finding(f"{name}{problem}; build the episode again") for problem in problems]
    return findings


def audio_file(feed: Feed, item: Item) -> Path:
    """The enclosure's file, once enclosure_in_site found it."""
    local = feed.local_file(item.url)
    assert local is not None
    return local


# Each transcript, by its type: what is wrong, each after the file's name


def caption_problems(text: str) -> list[str]:
    return [f":{at}: {problem}" for at, problem in cue_problems(text)]


def json_transcript_problems(text: str) -> list[str]:
    """A Podcasting 2.0 JSON transcript: a version and segments, each with its body and a start, ending after
    it starts and starting no earlier than the one above it."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [f": not JSON ({exc})"]
    if not isinstance(data, dict) or not isinstance(data.get("version"), str):
        return [': not a JSON transcript (an object with a "version" and its "segments")']
    if not isinstance(data.get("segments"), list):
        return [': "segments" must be a list']
    problems, previous = [], 0.0
    for number, segment in enumerate(data["segments"], 1):
        problem = segment_problem(segment, previous)
        if problem:
            problems.append(f": segment {number} {problem}")
        else:
            previous = segment["startTime"]
    return problems


def segment_problem(segment: Any, previous: float) -> str | None:
    """What is wrong with one segment of a JSON transcript, or None."""
    if not isinstance(segment, dict) or not isinstance(segment.get("body"), str):
        return 'needs a "body" of text'
    if not isinstance(segment.get("speaker", ""), str):
        return '"speaker" must be text'
    start, end = segment.get("startTime"), segment.get("endTime")
    begins = _seconds(start)
    if begins is None:
        return 'needs a "startTime" in seconds'
    if end is not None and (_seconds(end) is None or end <= begins):
        return f"ends at or before it starts ({start} s to {end} s)"
    if begins < previous:
        return f"starts before the segment above it ({start} s, after {previous} s)"
    return None


def _seconds(value: Any) -> float | None:
    """A time in seconds, or None when `value` is not one."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


SIDECAR_CHECKS: dict[str | None, Callable[[str], list[str]]] = {
    **dict.fromkeys(CAPTION_TYPES, caption_problems),
    "application/json": json_transcript_problems,
}


def _id3_size(head: bytes) -> int:
    if head[:3] != b"ID3" or len(head) < 10:
        return 0
    return 10 + ((head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9])


def audio_bytes(path: Path) -> int:
    """The MP3 stream's size: the file less its ID3v2 tag."""
    with open(path, "rb") as handle:
        return path.stat().st_size - _id3_size(handle.read(10))


def _declared_audio_bytes(path: Path) -> int | None:
    """The stream size the Xing/LAME Info frame declares (players trust it for the length and seeking), or
    None when the file has no such frame. Mutagen reads the length from it, so a file cut short passes
    mutagen; this compares it with the bytes really there."""
    with open(path, "rb") as handle:
        head = handle.read(10)
        handle.seek(_id3_size(head))
        frame = handle.read(256)
    for magic in (b"Info", b"Xing"):
        at = frame.find(magic, 4, 64)
        if at >= 0 and len(frame) >= at + 16:
            flags = int.from_bytes(frame[at + 4 : at + 8], "big")
            if flags & 0x2:
                offset = at + 8 + (4 if flags & 0x1 else 0)
                return int.from_bytes(frame[offset : offset + 4], "big")
    return None
