"""The gate's rules for the document and its channel: each checks one thing and returns what it found."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..formats.rss import NODE_LIMIT
from ..model.art import artwork_problem
from ..model.medium import MEDIUMS
from .feed_check import NAMESPACES, Feed, Finding, dated

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
    frequency's `complete` when the feed has one."""
    value = feed.text("itunes:complete")
    frequency = feed.channel.find("podcast:updateFrequency", NAMESPACES)
    if value is not None and value != "Yes":
        return [
            Finding(
                f"channel: <itunes:complete> must be Yes, or left out while episodes are to come; "
                f"got {value!r}"
            )
        ]
    if frequency is not None and (frequency.get("complete") == "true") != (value == "Yes"):
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
    if not dated(trailer.get("pubdate")):
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
