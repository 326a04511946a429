"""Tag: the mastered MP3 copied into episodes/ under its content-hashed name, tagged (ID3v2.3 with chapters
and cover), with its transcripts, chapters file and loudness report beside it."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import BuildError
from ..fsutil import fingerprint, temporary_sibling, unchanged, write_atomic
from ..model.episode import (
    OPUS_RECORD,
    Alternate,
    Episode,
    MasterRecord,
    Urls,
    audio_name,
    opus_name,
    page_name,
    sidecar_names,
)
from .base import Context, EpisodeWork, Scope, Step, digest

NAME = "tag"
VERSION = 3
# The transcripts' own version: bumped when only the captions change. It is part of the step's key (the
# sidecars are written again) but not of the MP3's name, which changes only with what the MP3 holds.
CAPTIONS_VERSION = 2
SCOPE: Scope = "episode"
HELP = "Tag the MP3s and write their sidecars into episodes/."
COMMAND: str | None = NAME
BUILT = True
FINISHES = False
REPORT = ""


def plan(context: Context, episode: EpisodeWork | None) -> list[Step]:
    assert episode is not None
    show, lesson, outline = context.show, episode.lesson, episode.planned
    roles = sorted(set(outline.roles) & set(show.voices))
    parts = {
        "stage code": str(VERSION),
        "audio": episode.keys["master"],
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
    episode.audio_name = audio_name(episode.id, named)
    return [
        Step(
            NAME,
            episode.id,
            parts,
            lambda: tag_episode(context, episode),
            (context.project.episodes / episode.audio_name,),
            episode=episode.id,
            intact=lambda: files_intact(context, episode),
            verify="always",
        )
    ]


def built_files(context: Context, episode: EpisodeWork) -> list[Path]:
    """What the tag stage writes into episodes/ and the site publishes: the MP3, its sidecars, its report."""
    stem = episode.audio_name.removesuffix(".mp3")
    folder = context.project.episodes
    return [
        folder / episode.audio_name,
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


def files_intact(context: Context, episode: EpisodeWork) -> bool:
    """Whether episodes/ still holds the bytes this stage wrote (its record: size, time and sha256 of each
    file). Sizes and times settle it for untouched files; a file whose time moved is read and hashed."""
    record = recorded_files(context, episode.id)
    try:
        return all(unchanged(path, record[path.name]) for path in built_files(context, episode))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def readable(context: Context, episode: EpisodeWork) -> bool:
    """Whether the master stage's record of the episode can be read (it is what load_episode reads)."""
    return MasterRecord.read(context.cache_dir(episode.id)) is not None


def load_episode(context: Context, episode: EpisodeWork) -> Episode:
    """The built episode, from the master stage's record and the tagged file on disk."""
    record = MasterRecord.read(context.cache_dir(episode.id))
    if record is None:
        raise BuildError(f"{episode.id}: its master record is missing or damaged; run `certquests build`")
    path = context.project.episodes / episode.audio_name
    names = {role: voice.name for role, voice in context.show.voices.items()}
    return Episode(
        lesson=episode.lesson,
        guid=episode.guid,
        season=episode.season,
        number=episode.number,
        released=episode.released,
        audio_name=episode.audio_name,
        page_name=page_name(episode.id),
        length=path.stat().st_size if path.exists() else 0,
        duration=record.loudness.duration_s,
        chapters=record.chapters,
        cues=tuple(replace(cue, speaker=names.get(cue.speaker, cue.speaker)) for cue in record.cues),
        loudness=record.loudness,
        alternates=alternates(context, episode),
    )


def alternates(context: Context, episode: EpisodeWork) -> tuple[Alternate, ...]:
    """The other encodings made of the episode's current audio, as the opus stage recorded them (none while
    it has not made them: a record of an older file is not this audio's)."""
    key = episode.keys.get("opus")
    found = (
        Alternate.read(context.cache_dir(episode.id), OPUS_RECORD, opus_name(episode.id, key))
        if key
        else None
    )
    return (found,) if found else ()


def tag_episode(context: Context, episode: EpisodeWork) -> None:
    # mutagen and the transcript writers load only when an episode is tagged, never on a no-op build.
    from ..formats.id3 import write_tags
    from ..formats.transcripts import render_chapters, render_srt, render_vtt

    project, show = context.project, context.show
    built = load_episode(context, episode)
    urls = Urls.of(show)
    target = project.episodes / built.audio_name
    tmp = temporary_sibling(target)
    try:
        shutil.copyfile(context.cache_dir(episode.id) / "master.mp3", tmp)
        write_tags(tmp, built, show, page_url=urls.page(built), quiz_url=urls.quiz(built))
        sidecars = built.sidecars
        write_atomic(project.episodes / sidecars["vtt"], render_vtt(built))
        write_atomic(project.episodes / sidecars["srt"], render_srt(built))
        write_atomic(project.episodes / sidecars["chapters"], render_chapters(built, urls.page(built)))
        write_atomic(
            project.episodes / f"{built.stem}.loudness.json",
            json.dumps(built.loudness.as_dict(), indent=2) + "\n",
        )
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    record = {path.name: fingerprint(path) for path in built_files(context, episode)}
    write_atomic(context.cache_dir(episode.id) / RECORD, json.dumps(record, indent=1) + "\n")
