"""Audiobook: the released course as one M4B in feed/audiobook/ (AAC, a chapter per episode and one per
section after its first, the show's tags and cover), offered as [audiobook] `when` says. Made from the
released episodes' MP3s (the master stage keeps no other master), each encoded once and kept in
.cache/audiobook/ under its MP3's name: a changed episode is the only one encoded again, and a build that
changes no episode in the book leaves the file as it is."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..audio.aac import CODER, FRAME, PRIMING, RATE, encode_episode, join_episodes, samples
from ..fsutil import temporary_sibling
from ..model.episode import Episode
from ..model.show import Show
from .base import Scope, Step, digest
from .built import Released
from .context import Context, EpisodeWork
from .products import Needs, Product, Staged

NAME = "audiobook"
VERSION = 2
SCOPE: Scope = "show"
HELP = "Join the released episodes into one M4B audiobook in feed/audiobook/."
COMMAND: str | None = NAME
BUILT = True
FINISHES = False
REPORT = "the audiobook"
NEEDS: tuple[type[Product], ...] = (Released,)
MAKES: tuple[type[Product], ...] = (Staged,)  # the book, beside its place, for publish to put live
FOLDER = "audiobook"  # in feed/; the encoded episodes are kept in .cache/audiobook/


@dataclass(frozen=True)
class Offer:
    """The audiobook a build makes: where it goes in the site, what is in it, and the digest of all of it."""

    name: str  # under feed/: "audiobook/SHOW.m4b"
    episodes: tuple[Episode, ...]  # in release order
    key: str


def book_name(show: Show) -> str:
    """The audiobook's path under feed/: the show's title in lower-case ASCII words joined by hyphens."""
    ascii_title = unicodedata.normalize("NFKD", show.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "course"
    return f"{FOLDER}/{slug}.m4b"


def offered(context: Context, released: Released) -> Offer | None:
    """The audiobook of the released episodes (the trailer left out), or None when [audiobook] `when` says
    there is none yet: "complete" waits for every lesson to be out, "released" offers the course so far."""
    show = context.show
    when = show.audiobook.when
    waiting = [lesson for lesson, _day in released.upcoming if lesson.episode_type != "bonus"]
    if when == "never" or (when == "complete" and waiting):
        return None
    out = [e for e in released.episodes if e.lesson.episode_type != "trailer"]
    episodes = tuple(sorted(out, key=lambda e: (e.released, e.lesson.sort_key, e.id)))
    if not episodes:
        return None
    key = digest(
        VERSION,
        [
            (
                e.id,
                e.audio_name,
                e.released.isoformat(),
                e.lesson.title,
                [(c.title, c.start) for c in e.chapters],
            )
            for e in episodes
        ],
        [show.title, show.author, show.description, show.copyright, show.category, show.audiobook.bitrate],
        context.cover_digest,
    )
    return Offer(book_name(show), episodes, key)


def plan(context: Context, episode: EpisodeWork | None, needs: Needs) -> list[Step]:
    offer = offered(context, needs.of(Released))
    live = context.project.site / offer.name if offer else None
    # Last, once the new pages are live: a book no longer offered, or under an old name, goes.
    steps = [Step(NAME, "tidy", {"stage code": str(VERSION)}, lambda: tidy(context, live), when="settled")]
    if offer and live:
        parts = {"stage code": str(VERSION), "book": offer.key}
        steps.insert(0, Step(NAME, None, parts, lambda: make_book(context, offer, live), (live,)))
    return steps


def make_book(context: Context, offer: Offer, target: Path) -> Staged:
    """Encode the episodes not yet kept, join them into the book and tag it, staged beside its place."""
    from ..formats.m4b import write_tags  # mutagen loads only when the book is made

    project, show = context.project, context.show
    kept = project.own(project.cache / FOLDER)
    kept.mkdir(parents=True, exist_ok=True)
    bitrate = show.audiobook.bitrate
    parts = [kept / f"{e.stem}-{bitrate}k-{CODER}.aac" for e in offer.episodes]
    todo = [(e, part) for e, part in zip(offer.episodes, parts) if not whole(part, e)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="audiobook") as pool:
        list(
            pool.map(lambda job: encode_episode(project.episodes / job[0].audio_name, job[1], bitrate), todo)
        )
    lengths = [samples(part) or 0 for part in parts]
    made = temporary_sibling(target)
    scratch_root = project.own(project.cache / "scratch")  # a killed build's leftovers go with the next build
    scratch_root.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="audiobook-", dir=scratch_root) as scratch:
            chapters = book_chapters(offer.episodes, lengths)
            join_episodes(parts, chapters, sum(lengths), made, Path(scratch))
        write_tags(made, show, offer.episodes[-1].released.year)
    except BaseException:
        made.unlink(missing_ok=True)
        raise
    for old in kept.iterdir():
        if old not in parts and old.is_file():
            old.unlink()
    return Staged(((made, target),))  # put live by the publish stage, with the pages that link it


def whole(part: Path, episode: Episode) -> bool:
    """Whether a kept encoding of the episode is whole: frames throughout, as long as the episode (the
    encoder's priming and last frame aside). A damaged or cut one is encoded again."""
    found = samples(part)
    return found is not None and abs(found - PRIMING - episode.duration * RATE) <= 2 * FRAME


def book_chapters(episodes: tuple[Episode, ...], lengths: list[int]) -> list[tuple[str, int]]:
    """Each episode's chapters as (title, first sample) in the book: its first chapter at the episode's start
    under the episode's title, each later one as "Episode: Section" where its sound starts."""
    chapters, offset = [], 0
    for episode, length in zip(episodes, lengths):
        title = episode.lesson.title
        chapters.append((title, offset))
        for mark in episode.chapters[1:]:
            chapters.append((f"{title}: {mark.title}", offset + PRIMING + round(mark.start * RATE)))
        offset += length
    return chapters


def tidy(context: Context, live: Path | None) -> None:
    """Remove from feed/audiobook/ every file but the book now offered (all of them when none is)."""
    folder = context.project.site / FOLDER
    if not folder.is_dir():
        return
    for path in context.project.own(folder).iterdir():
        if path != live and (path.is_file() or path.is_symlink()):
            path.unlink()
