"""The publishing gate: a feed is only put in place when it passes every rule podcast apps depend on.

The rules are tables of small functions, each checking one thing and returning what it found: ROOT_RULES read
the document and CHANNEL_RULES the channel (in channel_rules.py), ITEM_RULES each item in order (in
item_rules.py: a finding that `stops` skips that item's later rules, which read what it found broken, and
SIDECAR_CHECKS read a transcript an item links, by its type). A new check is a function and its line in a
table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import Problem
from .alternate_rules import alternate_enclosures
from .channel_rules import (
    ai_content,
    artwork,
    category,
    channel_description_fits,
    complete,
    explicit_true_or_false,
    medium,
    namespaces_declared,
    owner_email,
    required_elements,
    rss_root,
    self_link,
    trailers,
    update_frequency,
)
from .feed_check import Feed, Finding, Item
from .item_rules import (
    audio_whole,
    description_fits,
    description_markup,
    duration_matches_audio,
    enclosure_in_site,
    enclosure_length,
    enclosure_present,
    enclosure_type,
    enclosure_url_ascii,
    enclosure_url_once,
    episode_numbers,
    episode_type,
    guid_once,
    pub_date,
    sidecars,
)

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
    alternate_enclosures,
    sidecars,
)


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
