"""Feed and site: render, pass the gate, then replace what is published (pages first, the feed last)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

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
    from .feed import render_feed
    from .site import Urls, publish_files, render_site, templates_digest
    from .validate import validate_feed

    project, show = context.project, context.show
    episodes, upcoming = released_episodes(context)
    state = State(project.cache / "state.json")
    records = [_record(e) for e in episodes]
    show_digest = hashlib.sha256(project.config_path.read_bytes()).hexdigest()
    cover_digest = hashlib.sha256(show.cover.read_bytes()).hexdigest()
    study_plan_path = project.content / "study-plan.md"
    study_plan = study_plan_path.read_text("utf-8") if study_plan_path.is_file() else None
    published: list[str] = []
    site = project.site
    feed_path = site / "feed.xml"

    site_key = digest("site", VERSIONS["site"], templates_digest(), records, show_digest, cover_digest,
                      [(lesson.id, date.isoformat()) for lesson, date in upcoming], study_plan,
                      [(q.id, q.lesson, q.domain, q.question, q.options, q.answer, q.explanation)
                       for q in context.course.questions])
    feed_key = digest("feed", VERSIONS["feed"], records, show_digest, cover_digest, context.show_guid)
    site_reason = state.fresh("site", site_key, [site / "index.html"])
    feed_reason = state.fresh("feed", feed_key, [feed_path]) if until == "site" or until == "feed" else None
    if not site_reason and not feed_reason:
        return [], len(episodes)

    urls = Urls(show.base_url, cover_file)
    xml = render_feed(show, episodes, urls, context.show_guid)
    # Files and pages first (new audio files have new names, so nothing live is touched)...
    publish_files(site, project.episodes, show, episodes)
    if until == "site" and site_reason:
        render_site(site, show, context.course, episodes, upcoming, f"certquests-quiz:{context.show_guid}",
                    study_plan)
        published.append("site")
    # ...then the gate, and the feed last, so apps never see a feed pointing at files that are not there.
    problems = validate_feed(xml, show.base_url, site)
    if problems:
        raise ValidationError("the new feed breaks publishing rules; the published feed was left as it was",
                              problems)
    if feed_reason or not feed_path.exists():
        write_atomic(feed_path, xml)
        published.append("feed")
    for episode in episodes:
        context.registry.published(episode.id, episode.guid, episode.released)
    state.record("feed", feed_key)
    if until == "site":
        state.record("site", site_key)
    _prune(context, episodes)
    return published, len(episodes)


def _prune(context: Context, released: list[Episode]) -> None:
    """Once the new feed is in place: drop superseded audio from episodes/, and unreleased files from the site."""
    current = {audio_name(item).removesuffix(".mp3") for item in context.plans}
    ids = {item.id for item in context.plans}
    for path in context.project.episodes.glob("*"):
        stem = path.name.split(".", 1)[0]
        owner, _, _hash = stem.rpartition("-")
        if owner in ids and stem not in current:
            path.unlink()
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


def read_json(path: Path):
    return json.loads(path.read_text("utf-8"))
