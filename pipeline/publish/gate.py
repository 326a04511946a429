"""The publishing gate: a feed is only put in place when it passes every rule podcast apps depend on.

The rules are tables of small functions, each checking one thing and returning what it found: ROOT_RULES read
the document, CHANNEL_RULES the channel, ITEM_RULES each item in order (a finding that `stops` skips that
item's later rules, which read what it found broken), and SIDECAR_CHECKS a transcript linked from an item, by
its type. A new check is a function and its line in a table.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from mutagen import MutagenError
from mutagen.mp3 import MP3

from ..errors import Problem
from ..formats.rss import ITUNES_NS, NODE_LIMIT, PODCAST_NS
from ..formats.transcripts import cue_problems
from ..model.art import artwork_problem
from ..model.show import MEDIUMS

NAMESPACES = {
    "itunes": ITUNES_NS,
    "content": "http://purl.org/rss/1.0/modules/content/",
    "podcast": PODCAST_NS,
    "atom": "http://www.w3.org/2005/Atom",
}
ALLOWED_DESCRIPTION_TAGS = {"p", "ol", "ul", "li", "a"}
REQUIRED_CHANNEL_ELEMENTS = (
    "title",
    "description",
    "link",
    "language",
    "copyright",
    "itunes:author",
    "itunes:explicit",
    "itunes:type",
    "podcast:guid",
    "podcast:locked",
)
CAPTION_TYPES = ("text/vtt", "application/x-subrip", "application/srt")
SHOWN_PER_FILE = 5  # problems named per transcript file: the first few say what to do


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
        target = _local(url, self.base_url, self.site)
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


def validate_feed(
    xml: bytes,
    base_url: str,
    site: Path,
    shown: str = "feed/feed.xml",
    pending: dict[Path, Path] | None = None,
) -> list[Problem]:
    """Every rule broken by this feed, checked against the files it points at under `site` (or, for files
    about to replace them, `pending`: final path -> the staged file)."""
    from lxml import etree

    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, recover=False))
    except etree.XMLSyntaxError as exc:
        return [Problem(shown, exc.lineno, f"not well-formed XML: {exc.msg}")]
    findings = [finding for rule in ROOT_RULES for finding in rule(root)]
    channel = root.find("channel")
    if channel is None:
        findings.append(Finding("no <channel>"))
    else:
        staged = {final.resolve(): temporary for final, temporary in (pending or {}).items()}
        feed = Feed(channel, base_url, site, staged)
        findings += [finding for rule in CHANNEL_RULES for finding in rule(feed)]
        for element in channel.findall("item"):
            findings += item_findings(feed, Item(element))
    return [Problem(shown, finding.line, finding.message) for finding in findings]


def item_findings(feed: Feed, item: Item) -> list[Finding]:
    """The item's rules in order, until one finds what the rest cannot be checked without."""
    findings: list[Finding] = []
    for rule in ITEM_RULES:
        found = rule(feed, item)
        findings += found
        if any(finding.stops for finding in found):
            break
    return findings


# The document


def rss_root(root: Any) -> list[Finding]:
    if root.tag != "rss" or root.get("version") != "2.0":
        return [Finding('root element must be <rss version="2.0">')]
    return []


def namespaces_declared(root: Any) -> list[Finding]:
    return [
        Finding(f"namespace {prefix} must be declared as {uri}")
        for prefix, uri in NAMESPACES.items()
        if root.nsmap.get(prefix) != uri
    ]


# The channel


def required_elements(feed: Feed) -> list[Finding]:
    return [
        Finding(f"channel: <{path}> missing or empty", feed.channel.sourceline)
        for path in REQUIRED_CHANNEL_ELEMENTS
        if not (feed.text(path) or "").strip()
    ]


def channel_description_fits(feed: Feed) -> list[Finding]:
    if len((feed.text("description") or "").encode()) > 4000:
        return [Finding("channel: <description> is over 4000 bytes")]
    return []


def explicit_true_or_false(feed: Feed) -> list[Finding]:
    if feed.text("itunes:explicit") not in ("true", "false"):
        return [Finding("channel: <itunes:explicit> must be true or false")]
    return []


def owner_email(feed: Feed) -> list[Finding]:
    if feed.channel.find("itunes:owner/itunes:email", NAMESPACES) is None:
        return [Finding("channel: <itunes:owner> needs an <itunes:email>")]
    return []


def category(feed: Feed) -> list[Finding]:
    if feed.channel.find("itunes:category", NAMESPACES) is None:
        return [Finding("channel: <itunes:category> missing")]
    return []


def self_link(feed: Feed) -> list[Finding]:
    if feed.channel.find("atom:link[@rel='self']", NAMESPACES) is None:
        return [Finding('channel: <atom:link rel="self"> missing')]
    return []


def artwork(feed: Feed) -> list[Finding]:
    image = feed.channel.find("itunes:image", NAMESPACES)
    if image is None or not image.get("href"):
        return [Finding("channel: <itunes:image href> missing")]
    local = feed.local_file(image.get("href"))
    if local is None or not local.is_file():
        return [Finding(f"channel: artwork {image.get('href')} is not in the site")]
    issue = artwork_problem(local) if local.suffix.lower() in (".png", ".jpg", ".jpeg") else None
    if issue:
        return [Finding(f"channel: artwork {image.get('href').rsplit('/', 1)[-1]} {issue}")]
    return []


def medium(feed: Feed) -> list[Finding]:
    """podcast:medium, when given, is one of the namespace's mediums for a feed of episodes."""
    value = feed.text("podcast:medium")
    if value is None or value in MEDIUMS:
        return []
    return [Finding(f"channel: <podcast:medium> must be one of {', '.join(MEDIUMS)}, got {value!r}")]


def update_frequency(feed: Feed) -> list[Finding]:
    """podcast:updateFrequency, when given: a short text, a boolean `complete`, an ISO 8601 `dtstart`, and an
    iCalendar `rrule` (with the dtstart its COUNT requires)."""
    element = feed.channel.find("podcast:updateFrequency", NAMESPACES)
    if element is None:
        return []
    tag = "channel: <podcast:updateFrequency>"
    findings = []
    text = (element.text or "").strip()
    if not text or len(text) > NODE_LIMIT:
        findings.append(Finding(f"{tag} needs a text of 1 to {NODE_LIMIT} characters", element.sourceline))
    if element.get("complete") not in (None, "true", "false"):
        findings.append(Finding(f"{tag} complete must be true or false", element.sourceline))
    problem = recurrence_problem(element.get("rrule"), element.get("dtstart"))
    if problem:
        findings.append(Finding(f"{tag} {problem}", element.sourceline))
    return findings


def recurrence_problem(rule: str | None, start: str | None) -> str | None:
    """What is wrong with an updateFrequency's rrule and dtstart, or None."""
    from dateutil.rrule import rrulestr

    try:
        begins = dt.datetime.fromisoformat(start) if start is not None else None
    except ValueError:
        return f"dtstart must be an ISO 8601 date or time, got {start!r}"
    if rule is None:
        return None
    if "COUNT=" in rule.upper() and begins is None:
        return "needs a dtstart: its rrule has a COUNT"
    try:
        rrulestr(rule, dtstart=begins)
    except (ValueError, TypeError) as exc:
        return f"rrule {rule!r} is not an iCalendar recurrence rule (RFC 5545): {exc}"
    return None


def complete(feed: Feed) -> list[Finding]:
    """itunes:complete, when given, says Yes (anything else has no effect), and agrees with the update
    frequency's `complete`."""
    value = feed.text("itunes:complete")
    frequency = feed.channel.find("podcast:updateFrequency", NAMESPACES)
    said = frequency is not None and frequency.get("complete") == "true"
    if value is not None and value != "Yes":
        return [
            Finding(
                f"channel: <itunes:complete> must be Yes, or left out while episodes are to come; "
                f"got {value!r}"
            )
        ]
    if said != (value == "Yes"):
        return [
            Finding(
                "channel: <itunes:complete> and <podcast:updateFrequency complete> disagree: "
                "both say the show is complete, or neither does"
            )
        ]
    return []


def trailers(feed: Feed) -> list[Finding]:
    """Each podcast:trailer: a title, a dated pubdate, and a file in the site of the length it says."""
    findings = []
    for trailer in feed.channel.findall("podcast:trailer", NAMESPACES):
        problem = trailer_problem(feed, trailer)
        if problem:
            findings.append(Finding(f"channel: <podcast:trailer> {problem}", trailer.sourceline))
    return findings


def trailer_problem(feed: Feed, trailer: Any) -> str | None:
    title, url = (trailer.text or "").strip(), trailer.get("url", "")
    if not title or len(title) > NODE_LIMIT:
        return f"needs a title of 1 to {NODE_LIMIT} characters"
    if not _dated(trailer.get("pubdate")):
        return f"pubdate must be RFC 2822 with a timezone, got {trailer.get('pubdate')!r}"
    if not trailer.get("type"):
        return f"{url}: type missing (the file's MIME type, like audio/mpeg)"
    local = feed.local_file(url)
    if local is None or not local.is_file():
        return f"{url} is not in the site"
    if trailer.get("length") is not None and trailer.get("length") != str(local.stat().st_size):
        return f"{url}: length {trailer.get('length')} but the file has {local.stat().st_size} bytes"
    return None


def ai_content(feed: Feed) -> list[Finding]:
    """podcast:txt purpose="ai-content" holds true or false, as itunes:explicit does."""
    return [
        Finding(f'channel: <podcast:txt purpose="ai-content"> must be true or false, got {txt.text!r}')
        for txt in feed.channel.findall("podcast:txt[@purpose='ai-content']", NAMESPACES)
        if txt.text not in ("true", "false")
    ]


def _dated(value: str | None) -> bool:
    """Whether `value` is an RFC 2822 date with a timezone."""
    parsed = email.utils.parsedate_tz(value) if value else None
    return parsed is not None and parsed[9] is not None


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
    if not _dated(value):
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
    size = _audio(feed, item).stat().st_size
    if item.enclosure.get("length") != str(size):
        return [
            item.finding(f"enclosure length {item.enclosure.get('length')} but the file has {size} bytes")
        ]
    return []


def audio_whole(feed: Feed, item: Item) -> list[Finding]:
    """The MP3 holds the audio its Info frame declares: players trust the frame for the length and seeking."""
    local = _audio(feed, item)
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
        length = float(getattr(MP3(_audio(feed, item)).info, "length", 0.0))
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


def _audio(feed: Feed, item: Item) -> Path:
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


ROOT_RULES: tuple[Callable[[Any], list[Finding]], ...] = (rss_root, namespaces_declared)
CHANNEL_RULES: tuple[Callable[[Feed], list[Finding]], ...] = (
    required_elements,
    channel_description_fits,
    explicit_true_or_false,
    owner_email,
    category,
    self_link,
    artwork,
    medium,
    update_frequency,
    complete,
    trailers,
    ai_content,
)
ITEM_RULES: tuple[Callable[[Feed, Item], list[Finding]], ...] = (
    guid_once,
    pub_date,
    description_fits,
    description_markup,
    episode_type,
    episode_numbers,
    enclosure_present,  # stops when missing: the rules below read the enclosure
    enclosure_url_ascii,
    enclosure_url_once,
    enclosure_type,
    enclosure_in_site,  # stops when the file is not there
    enclosure_length,
    audio_whole,  # stops when the file is cut short
    duration_matches_audio,  # stops when the file is no MP3
    sidecars,
)
SIDECAR_CHECKS: dict[str | None, Callable[[str], list[str]]] = {
    **dict.fromkeys(CAPTION_TYPES, caption_problems),
    "application/json": json_transcript_problems,
}


def topic_feeds(site: Path) -> list[Path]:
    """The topic feeds in place in the site (feed/topics/*.xml)."""
    return sorted((site / "topics").glob("*.xml"))


def validate_topic_feeds(base_url: str, site: Path, pending: dict[Path, Path] | None = None) -> list[Problem]:
    """Every rule broken by the topic feeds (feed/topics/*.xml): those in place, or about to replace them."""
    pending = pending or {}
    folder = site / "topics"
    feeds = {*topic_feeds(site), *(final for final in pending if final.parent == folder)}
    problems: list[Problem] = []
    for feed in sorted(feeds):
        xml = pending.get(feed, feed).read_bytes()
        problems += validate_feed(xml, base_url, site, f"feed/topics/{feed.name}", pending=pending)
    return problems


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


def _local(url: str, base_url: str, site: Path) -> Path | None:
    """The file under `site` that `url` will be served from, or None when it lies outside the site."""
    if not url.startswith(base_url):
        return None
    relative = urlparse(url[len(base_url) :]).path
    target = (site / relative).resolve()
    return target if site.resolve() in target.parents else None
