"""The publishing gate: a feed is only put in place when it passes every rule podcast apps depend on."""

from __future__ import annotations

import base64
import email.utils
import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from mutagen import MutagenError
from mutagen.mp3 import MP3

from ..errors import Problem
from ..formats.rss import ITUNES_NS, PODCAST_NS
from ..formats.transcripts import cue_problems
from ..model.art import artwork_problem

OPUS_FRAME = 0.02  # seconds: how far an Opus alternate's length may be from the MP3's

NAMESPACES = {
    "itunes": ITUNES_NS,
    "content": "http://purl.org/rss/1.0/modules/content/",
    "podcast": PODCAST_NS,
    "atom": "http://www.w3.org/2005/Atom",
}
ALLOWED_DESCRIPTION_TAGS = {"p", "ol", "ul", "li", "a"}


def validate_feed(
    xml: bytes,
    base_url: str,
    site: Path,
    shown: str = "feed/feed.xml",
    pending: dict[Path, Path] | None = None,
) -> list[Problem]:
    """Every rule broken by this feed, checked against the files it points at under `site` (or, for files
    about to replace them, `pending`: final path -> the staged file)."""
    staged = {final.resolve(): temporary for final, temporary in (pending or {}).items()}

    def local_file(url: str) -> Path | None:
        target = _local(url, base_url, site)
        return staged.get(target, target) if target is not None else None

    from lxml import etree, html

    problems: list[Problem] = []

    def fail(message: str, line: int | None = None) -> None:
        problems.append(Problem(shown, line, message))

    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, recover=False))
    except etree.XMLSyntaxError as exc:
        return [Problem(shown, exc.lineno, f"not well-formed XML: {exc.msg}")]
    if root.tag != "rss" or root.get("version") != "2.0":
        fail('root element must be <rss version="2.0">')
    for prefix, uri in NAMESPACES.items():
        if root.nsmap.get(prefix) != uri:
            fail(f"namespace {prefix} must be declared as {uri}")
    channel = root.find("channel")
    if channel is None:
        return [*problems, Problem(shown, None, "no <channel>")]

    def text(parent: Any, path: str) -> str | None:
        found = parent.find(path, NAMESPACES)
        return found.text if found is not None else None

    for path in (
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
    ):
        if not (text(channel, path) or "").strip():
            fail(f"channel: <{path}> missing or empty", channel.sourceline)
    if len((text(channel, "description") or "").encode()) > 4000:
        fail("channel: <description> is over 4000 bytes")
    if text(channel, "itunes:explicit") not in ("true", "false"):
        fail("channel: <itunes:explicit> must be true or false")
    if channel.find("itunes:owner/itunes:email", NAMESPACES) is None:
        fail("channel: <itunes:owner> needs an <itunes:email>")
    if channel.find("itunes:category", NAMESPACES) is None:
        fail("channel: <itunes:category> missing")
    self_link = channel.find("atom:link[@rel='self']", NAMESPACES)
    if self_link is None:
        fail('channel: <atom:link rel="self"> missing')
    image = channel.find("itunes:image", NAMESPACES)
    if image is None or not image.get("href"):
        fail("channel: <itunes:image href> missing")
    else:
        local = local_file(image.get("href"))
        if local is None or not local.is_file():
            fail(f"channel: artwork {image.get('href')} is not in the site")
        else:
            issue = artwork_problem(local) if local.suffix.lower() in (".png", ".jpg", ".jpeg") else None
            if issue:
                fail(f"channel: artwork {image.get('href').rsplit('/', 1)[-1]} {issue}")
    serial = text(channel, "itunes:type") == "serial"

    guids: set[str] = set()
    enclosures: set[str] = set()
    for item in channel.findall("item"):
        line = item.sourceline
        title = text(item, "title") or ""
        where = f"item '{title[:40]}'"
        guid = text(item, "guid")
        if not guid:
            fail(f"{where}: <guid> missing", line)
        elif guid in guids:
            fail(f"{where}: guid {guid} is used twice", line)
        guids.add(guid or "")
        pub_date = text(item, "pubDate")
        if not pub_date or (parsed := email.utils.parsedate_tz(pub_date)) is None or parsed[9] is None:
            fail(f"{where}: <pubDate> must be RFC 2822 with a timezone, got {pub_date!r}", line)
        description = text(item, "description") or ""
        if len(description.encode()) > 4000:
            fail(f"{where}: <description> is over 4000 bytes", line)
        elif description:
            tags = {
                element.tag for element in html.fragment_fromstring(description, create_parent="div").iter()
            }
            extra = tags - ALLOWED_DESCRIPTION_TAGS - {"div"}
            if extra:
                fail(
                    f"{where}: <description> may only use p, ol, ul, li, a; found {', '.join(sorted(extra))}",
                    line,
                )
        episode_type = text(item, "itunes:episodeType")
        if episode_type not in ("full", "trailer", "bonus"):
            fail(f"{where}: <itunes:episodeType> must be full, trailer or bonus", line)
        for tag in ("itunes:episode", "itunes:season"):
            value = text(item, tag)
            if value is None:
                if serial and episode_type == "full":
                    fail(f"{where}: <{tag}> is required in a serial show", line)
            elif not value.isdigit() or int(value) == 0:
                fail(f"{where}: <{tag}> must be a non-zero integer, got {value!r}", line)
        enclosure = item.find("enclosure")
        if enclosure is None:
            fail(f"{where}: <enclosure> missing", line)
            continue
        url = enclosure.get("url", "")
        if not url.isascii():
            fail(f"{where}: enclosure URL must be ASCII: {url}", line)
        if url in enclosures:
            fail(f"{where}: enclosure URL {url} is used twice", line)
        enclosures.add(url)
        if enclosure.get("type") != "audio/mpeg":
            fail(f"{where}: enclosure type must be audio/mpeg", line)
        local = local_file(url)
        if local is None or not local.is_file():
            fail(f"{where}: enclosure {url} is not in the site", line)
            continue
        if enclosure.get("length") != str(local.stat().st_size):
            fail(
                f"{where}: enclosure length {enclosure.get('length')} but the file has "
                f"{local.stat().st_size} bytes",
                line,
            )
        declared = _declared_audio_bytes(local)
        if declared is not None and declared != audio_bytes(local):
            fail(
                f"{where}: enclosure {url} holds {audio_bytes(local)} bytes of audio but its Info frame "
                f"declares {declared}: the file is damaged or cut short; build the episode again",
                line,
            )
            continue
        duration = text(item, "itunes:duration")
        try:
            length = float(getattr(MP3(local).info, "length", 0.0))
        except MutagenError as exc:
            fail(f"{where}: enclosure {url} is not a readable MP3 ({exc}); build the episode again", line)
            continue
        if not duration or not duration.isdigit() or abs(int(duration) - length) > 1.0:
            fail(
                f"{where}: <itunes:duration> {duration!r} is not within 1 s of the audio ({length:.1f} s)",
                line,
            )
        for problem in alternate_problems(item, local_file, length):
            fail(f"{where}: {problem}", line)
        for sidecar in item.findall("podcast:transcript", NAMESPACES) + item.findall(
            "podcast:chapters", NAMESPACES
        ):
            target = local_file(sidecar.get("url", ""))
            if target is None or not target.is_file():
                fail(
                    f"{where}: {sidecar.tag.split('}')[1]} file {sidecar.get('url')} is not in the site", line
                )
            elif sidecar.get("type") in ("text/vtt", "application/x-subrip", "application/srt"):
                name = sidecar.get("url", "").rsplit("/", 1)[-1]
                for at, problem in cue_problems(target.read_text("utf-8", errors="replace"))[:5]:
                    fail(f"{where}: {name}:{at}: {problem}; build the episode again", line)
    return problems


def alternate_problems(item: Any, local_file: Callable[[str], Path | None], seconds: float) -> list[str]:
    """What is wrong with an item's podcast:alternateEnclosure files: each must be in the site, as long (in
    bytes) as declared, match its integrity hash, and last as long as the MP3 (`seconds`) within a frame."""
    problems = []
    for alternate in item.findall("podcast:alternateEnclosure", NAMESPACES):
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
