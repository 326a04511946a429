"""The episodes as built: what the tag stage makes of each (Built) and what the show's stages plan from
(Released), which the graph makes from every episode's Built once the episodes' steps are done."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildError
from ..model.episode import Alternate, Cue, Episode, MasterRecord, page_name
from ..model.lesson import Lesson
from .base import digest
from .context import Context, EpisodeWork
from .products import Needs, Product


@dataclass(frozen=True)
class Built(Product):
    """An episode's tagged MP3 in episodes/ (its name changes with what it holds) and the folder holding the
    master stage's record of where everything is in it."""

    audio_name: str
    records: Path


@dataclass(frozen=True)
class Encoded(Product):
    """Another encoding of an episode's audio published beside its MP3 (the Opus file): its name in episodes/
    and the record its stage keeps of it in the episode's cache folder."""

    name: str
    record: str


@dataclass(frozen=True)
class Released(Product):
    """The episodes out (as built) and the lessons still to come, with their days."""

    episodes: tuple[Episode, ...]
    upcoming: tuple[tuple[Lesson, dt.date], ...] = ()

    @property
    def key(self) -> str:
        """Its digest, for the steps keyed on it: each episode's audio file (whose name changes with
        everything tagged into it) and day, and the lessons to come."""
        return digest(
            [
                (e.id, e.audio_name, e.released.isoformat(), [a.name for a in e.alternates])
                for e in self.episodes
            ],
            [(lesson.id, day.isoformat()) for lesson, day in self.upcoming],
        )


def readable(context: Context, episode: EpisodeWork) -> bool:
    """Whether the master stage's record of the episode can be read (it is what load_episode reads)."""
    return MasterRecord.read(context.cache_dir(episode.id)) is not None


def load_episode(
    context: Context, episode: EpisodeWork, built: Built, encoded: Encoded | None = None
) -> Episode:
    """The built episode, from the master stage's record and the tagged file on disk, with its other encoding
    once its stage recorded it (a record of an older file is not this audio's)."""
    record = MasterRecord.read(built.records)
    if record is None:
        raise BuildError(f"{episode.id}: its master record is missing or damaged; run `certquests build`")
    path = context.project.episodes / built.audio_name
    names = {role: voice.name for role, voice in context.show.voices.items()}
    return Episode(
        lesson=episode.lesson,
        guid=episode.guid,
        season=episode.season,
        number=episode.number,
        released=episode.released,
        audio_name=built.audio_name,
        page_name=page_name(episode.id),
        length=path.stat().st_size if path.exists() else 0,
        duration=record.loudness.duration_s,
        chapters=record.chapters,
        cues=tuple(Cue(names.get(t.role, t.role), t.text, t.start, t.end) for t in record.cues),
        loudness=record.loudness,
        alternates=alternates(context, episode, encoded),
    )


def alternates(context: Context, episode: EpisodeWork, encoded: Encoded | None) -> tuple[Alternate, ...]:
    found = Alternate.read(context.cache_dir(episode.id), encoded.record, encoded.name) if encoded else None
    return (found,) if found else ()


def release(context: Context, products: Needs) -> Released:
    """The episodes out by `as_of` (a published one stays out whatever the clock says: only `retire` drops
    it), loaded as built, and the rest with their days."""
    out, upcoming = [], []
    for episode in context.episodes:
        if episode.released <= context.as_of or context.registry.first_published(episode.id) is not None:
            built, encoded = products.of(Built, episode.id), products.get(Encoded, episode.id)
            out.append(load_episode(context, episode, built, encoded))
        else:
            upcoming.append((episode.lesson, episode.released.date()))
    return Released(tuple(out), tuple(upcoming))
