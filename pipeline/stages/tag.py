"""Tag: the mastered MP3 copied into episodes/ under its content-hashed name, tagged (ID3v2.3 with chapters
and cover), with its transcripts (WebVTT, SRT, JSON), chapters file and loudness report beside it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from .. import __version__
from ..fsutil import fingerprint, temporary_sibling, unchanged, write_atomic
from ..model.episode import Urls, audio_name, sidecar_names
from .base import Scope, Step, digest
from .built import Built, load_episode
from .context import Context, EpisodeWork
from .master import Master
from .products import Needs, Product

NAME = "tag"
VERSION = 3
# The transcripts' own version: bumped when only the captions change. It is part of the step's key (the
# sidecars are written again) but not of the MP3's name, which changes only with what the MP3 holds.
CAPTIONS_VERSION = 3  # 3: the JSON transcript
SCOPE: Scope = "episode"
HELP = "Tag the MP3s and write their sidecars into episodes/."
COMMAND: str | None = NAME
BUILT = True
FINISHES = False
REPORT = ""
NEEDS: tuple[type[Product], ...] = (Master,)
MAKES: tuple[type[Product], ...] = (Built,)


def plan(context: Context, episode: EpisodeWork | None, needs: Needs) -> list[Step]:
    assert episode is not None
    show, lesson, outline = context.show, episode.lesson, episode.planned
    roles = sorted(set(outline.roles) & set(show.voices))
    master = needs.of(Master, episode.id)
    parts = {
        "stage code": str(VERSION),
        "audio": needs.digest(Master, episode.id),
        "episode details": digest(
            lesson.title,
            lesson.summary,
            episode.guid,
            episode.season,
            episode.number,
            episode.released.isoformat(),
            list(outline.chapters),
        ),
        "show details": context.shared(
            "show details", lambda: digest(show.title, show.author, show.base_url, show.feed_url)
        ),
        "cover": context.cover_digest,
        "speaker names": digest([show.voices[r].name for r in roles]),
        "version": __version__,
    }
    named = digest(parts)  # what the MP3 holds: its name
    parts["captions code"] = str(CAPTIONS_VERSION)
    built = Built(audio_name(episode.id, named), master.folder)
    return [
        Step(
            NAME,
            episode.id,
            parts,
            lambda: tag_episode(context, episode, master, built),
            (context.project.episodes / built.audio_name,),
            episode=episode.id,
            intact=lambda: files_intact(context, episode.id, built),
            verify="always",
            made=built,
        )
    ]


def built_files(context: Context, built: Built) -> list[Path]:
    """What the tag stage writes into episodes/ and the site publishes: the MP3, its sidecars, its report."""
    stem = built.audio_name.removesuffix(".mp3")
    folder = context.project.episodes
    return [
        folder / built.audio_name,
        *(folder / name for name in sidecar_names(stem).values()),
        folder / f"{stem}.loudness.json",
    ]


RECORD = "tag.json"  # in the episode's cache folder: size, time and sha256 of each file the stage wrote


def recorded_files(context: Context, episode_id: str) -> dict[str, list[Any]]:
    """This stage's record of the files it wrote for an episode, by name; empty when missing or damaged."""
    try:
        record = json.loads((context.cache_dir(episode_id) / RECORD).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict):
        return {}
    return {name: value for name, value in record.items() if isinstance(value, list) and len(value) == 3}


def files_intact(context: Context, episode_id: str, built: Built) -> bool:
    """Whether episodes/ still holds the bytes this stage wrote (its record: size, time and sha256 of each
    file). Sizes and times settle it for untouched files; a file whose time moved is read and hashed."""
    record = recorded_files(context, episode_id)
    try:
        return all(unchanged(path, record[path.name]) for path in built_files(context, built))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def tag_episode(context: Context, episode: EpisodeWork, master: Master, made: Built) -> None:
    """Copy the mastered MP3 into episodes/ under the name this step makes (`made`), tag it and write its
    sidecars beside it, then record the files' fingerprints."""
    # mutagen and the transcript writers load only when an episode is tagged, never on a no-op build.
    from ..formats.id3 import write_tags
    from ..formats.transcripts import render_chapters, render_json, render_srt, render_vtt

    project, show = context.project, context.show
    built = load_episode(context, episode, made)
    urls = Urls.of(show)
    target = project.episodes / built.audio_name
    tmp = temporary_sibling(target)
    try:
        shutil.copyfile(master.mp3, tmp)
        write_tags(tmp, built, show, page_url=urls.page(built), quiz_url=urls.quiz(built))
        sidecars = built.sidecars
        write_atomic(project.episodes / sidecars["vtt"], render_vtt(built))
        write_atomic(project.episodes / sidecars["srt"], render_srt(built))
        write_atomic(project.episodes / sidecars["json"], render_json(built))
        write_atomic(project.episodes / sidecars["chapters"], render_chapters(built, urls.page(built)))
        write_atomic(
            project.episodes / f"{built.stem}.loudness.json",
            json.dumps(built.loudness.as_dict(), indent=2) + "\n",
        )
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    record = {path.name: fingerprint(path) for path in built_files(context, made)}
    write_atomic(context.cache_dir(episode.id) / RECORD, json.dumps(record, indent=1) + "\n")
