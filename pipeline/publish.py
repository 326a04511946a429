"""Feed and site: render, pass the gate, then replace what is published (pages first, the feed last)."""
from __future__ import annotations

import datetime as dt
import hashlib
import os

from .build import VERSIONS, Context, State, audio_name, digest, load_episode
from .episode import Episode
from .errors import ValidationError
from .fsutil import write_atomic


def released_episodes(context: Context) -> tuple[list[Episode], list]:
    released, upcoming = [], []
    for item in context.plans:
        if item.released <= context.as_of:
            released.append(load_episode(context.project, item))
        else:
            upcoming.append((item.lesson, item.released.date()))
    return released, upcoming


def _record(episode: Episode) -> list:
    return [episode.id, episode.guid, episode.audio_name, episode.length, episode.duration, episode.released.isoformat(),
            episode.lesson.title, episode.lesson.summary, episode.season, episode.number, episode.lesson.digest,
            [(c.title, c.start) for c in episode.chapters]]


def publish(context: Context, until: str, cover_file: str) -> tuple[list[str], int]:
    """Bring feed/ up to date: only the pages whose inputs changed are rendered; the feed passes the gate first."""
    from .feed import render_feed
    from .site import Urls, plan_pages, publish_files, remove_stale_pages, render_pages
    from .validate import validate_feed

    project, show = context.project, context.show
    episodes, upcoming = released_episodes(context)
    state = State(project.cache / "state.json")
    study_plan_path = project.content / "study-plan.md"
    study_plan = study_plan_path.read_text("utf-8") if study_plan_path.is_file() else None
    site = project.site
    feed_path = site / "feed.xml"

    feed_parts = {"stage code": str(VERSIONS["feed"]), "episodes": digest([_record(e) for e in episodes]),
                  "show config": hashlib.sha256(project.config_path.read_bytes()).hexdigest(),
                  "cover": context.cover_digest, "show guid": context.show_guid}
    pages = plan_pages(show, context.course, episodes, upcoming, f"certquests-quiz:{context.show_guid}", study_plan,
                       digest) if until == "site" else []
    stale_pages = [page for page in pages if state.fresh(f"page:{page.name}", page.parts, [site / page.name])]
    feed_reason = state.fresh("feed", feed_parts, [feed_path])
    if not stale_pages and not feed_reason:
        return [], len(episodes)

    # New audio files have new names, so putting them in place touches nothing live. The pages are rendered
    # beside their places; the gate checks the feed; the feed goes live, then the pages.
    staged = publish_files(site, project.episodes, show, episodes) + render_pages(site, show, stale_pages)
    try:
        xml = render_feed(show, episodes, Urls(show.base_url, cover_file), context.show_guid)
        problems = validate_feed(xml, show.base_url, site,
                                 pending={final: temporary for temporary, final in staged})
        if problems:
            raise ValidationError("the new feed breaks publishing rules; the published feed was left as it was",
                                  problems)
        if feed_reason:
            write_atomic(feed_path, xml)
        for temporary, final in staged:
            os.replace(temporary, final)
    finally:
        for temporary, _ in staged:
            if temporary.exists():
                temporary.unlink()
    published = [f"{len(stale_pages)} page(s)"] if stale_pages else []
    if feed_reason:
        published.append("the feed")
    for episode in episodes:
        context.registry.published(episode.id, episode.guid, episode.released)
    state.record("feed", feed_parts)
    for page in stale_pages:
        state.record(f"page:{page.name}", page.parts)
    if pages:
        remove_stale_pages(site, pages)
    _prune(context, episodes, site_too=until == "site")
    return published, len(episodes)


def _prune(context: Context, released: list[Episode], *, site_too: bool) -> None:
    """Once the new feed is in place: drop superseded audio from episodes/ and, when the pages were brought up
    to date too, the files in feed/episodes/ that neither the feed nor the pages use."""
    current = {audio_name(item).removesuffix(".mp3") for item in context.plans}
    ids = {item.id for item in context.plans}
    for path in context.project.episodes.glob("*"):
        stem = path.name.split(".", 1)[0]
        owner, _, _hash = stem.rpartition("-")
        if owner in ids and stem not in current:
            path.unlink()
    if not site_too:
        return
    live = {name for episode in released for name in (episode.audio_name, *episode.sidecars.values())}
    folder = context.project.site / "episodes"
    for path in folder.glob("*") if folder.is_dir() else ():
        if path.name not in live:
            path.unlink()


def as_of_date(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    day = dt.date.fromisoformat(value)
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.timezone.utc)
