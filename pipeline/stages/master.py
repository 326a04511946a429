"""Master: the voiced sentences assembled with pauses and sound design, then mastered to the loudness, a
chapter at a time: the chapters' work and the episode's levels are kept in its cache folder, so an edit
re-masters only the chapter it is in."""

from __future__ import annotations

import functools
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..ffmpeg import ffmpeg_version, system_ffmpeg_stamp
from ..fsutil import unchanged
from ..model.episode import MASTER_RECORD, TRACK_RECORD, MasterRecord, track_intact
from .base import Scope, Step, digest
from .context import Context, EpisodeWork
from .products import Needs, Product
from .synth import Speech

if TYPE_CHECKING:
    from ..audio.assemble import Assembly
    from ..audio.master import Levels

log = logging.getLogger(__name__)

NAME = "master"
VERSION = 14
SCOPE: Scope = "episode"
HELP = "Assemble and master the episodes (runs the stages before it if needed)."
AUDIO_LIBRARIES = ("numpy", "scipy", "soxr", "lameenc", "soundfile", "pyebur128")
COMMAND: str | None = NAME
BUILT = True
FINISHES = False
REPORT = ""


@dataclass(frozen=True)
class Master(Product):
    """The episode's mastered MP3 and, beside it, the record of where each chapter and line is in it."""

    folder: Path  # holds master.mp3 and master.json

    @property
    def mp3(self) -> Path:
        return self.folder / "master.mp3"


NEEDS: tuple[type[Product], ...] = (Speech,)
MAKES: tuple[type[Product], ...] = (Master,)


@functools.cache
def tool_versions() -> tuple[str, ...]:
    """ffmpeg (the one that will run) and the libraries that shape the audio."""
    from importlib import metadata

    out = [ffmpeg_version()]
    for package in AUDIO_LIBRARIES:
        try:
            out.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            out.append(f"{package} missing")
    return tuple(out)


def tools_digest(context: Context) -> str:
    """The digest of tool_versions(), kept in the plan memo while the installed software and the system's
    ffmpeg are as they were: asking ffmpeg its version costs a process."""
    memo = context.memo
    if memo is None:
        return digest(tool_versions())
    return memo.remember("tools", memo.key("tools", system_ffmpeg_stamp()), lambda: digest(tool_versions()))


def plan(context: Context, episode: EpisodeWork | None, needs: Needs) -> list[Step]:
    assert episode is not None
    folder = context.cache_dir(episode.id)
    speech = needs.of(Speech, episode.id)
    parts = {
        "stage code": str(VERSION),
        "speech": needs.digest(Speech, episode.id),
        "pauses and chapters": episode.planned.pauses,
        "audio settings": context.shared("audio settings", lambda: digest(context.show.audio)),
    }
    return [
        Step(
            NAME,
            episode.id,
            parts,
            lambda: master_episode(context, episode, speech),
            # The master itself stays in the chapter cache; the track record says how the MP3 was made of it.
            (folder / "master.mp3", folder / MASTER_RECORD, folder / TRACK_RECORD),
            episode=episode.id,
            intact=lambda: master_intact(folder),
            verify="always",
            kept={"tools": context.shared("tools", lambda: tools_digest(context))},
            made=Master(folder),
        )
    ]


def master_intact(folder: Path) -> bool:
    """The cached master is the one its record describes, and the record is whole: a damaged one is made
    again, never published. Size and time settle it for an untouched file; a moved time means a read."""
    record = MasterRecord.read(folder)
    if record is None:
        return False
    try:
        return unchanged(
            folder / "master.mp3", (record.size, record.mtime_ns, record.sha256)
        ) and track_intact(folder)
    except (OSError, ValueError):
        return False


def master_episode(context: Context, episode: EpisodeWork, speech: Speech) -> float:
    # numpy and the DSP load only when an episode is mastered, never on a no-op build.
    from ..audio.chapters import ChapterCache, Mastering
    from ..audio.master import master_chapters
    from ..audio.opus import Track
    from ..audio.record import kept_levels, master_record, save_levels

    show, folder = context.show, context.cache_dir(episode.id)
    # New audio tools make new chapters: `--remaster` then redoes the whole episode with them.
    tools = digest(tool_versions())
    settings = digest(VERSION, show.audio, tools)
    chapters = ChapterCache(context.project.own(folder / "chapters" / tools[:16]))
    # Scratch space under the project's .cache: a killed build's leftovers are removed by the next build.
    scratch_root = context.project.own(context.project.cache / "scratch")
    scratch_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="master-", dir=scratch_root) as scratch:
        levels = kept_levels(folder, settings)
        assembly, kept = _assembled(context, episode, speech.keys, Path(scratch), levels)
        mastered = master_chapters(
            assembly,
            show.audio,
            folder / "master.mp3",
            chapters,
            what=episode.lesson.path,
            kept=kept,
            scratch=Path(scratch),
        )
    made, count = len(mastered.remastered), len(mastered.chapter_starts)
    log.info("%s: %d of %d chapters re-mastered", episode.id, made, count)
    record = master_record(episode.spoken, assembly, mastered, folder / "master.mp3")
    save_levels(folder, settings, mastered)
    levels, audio = mastered.levels, show.audio
    mastering = Mastering(levels.ceiling, levels.gain_db, audio.bitrate, audio.channels)
    Track(chapters.folder.name, mastered.shaped, mastering).write(folder)
    record.write(folder)
    chapters.prune(mastered.keys)
    for other in context.project.own(folder / "chapters").iterdir():
        if other != chapters.folder and not other.is_symlink():
            shutil.rmtree(other, ignore_errors=True)
    return mastered.report.duration_s


def _assembled(
    context: Context, episode: EpisodeWork, keys: tuple[str, ...], scratch: Path, kept: Levels | None
) -> tuple[Assembly, Levels | None]:
    """The episode's track, assembled at the kept levels while the speech's level holds (and the levels it
    was assembled at: None when they no longer held)."""
    from ..audio.assemble import MissingSentence, assemble
    from ..audio.master import LOUDNESS_TOLERANCE
    from ..audio.sound import cues

    show, script = context.show, episode.spoken
    voicer, lesson_path = context.voicer, episode.lesson.path

    def voice_all(trust_cache: bool) -> None:
        for index, line in enumerate(script.lines):
            voicer.ensure(line, keys[index], index, lesson_path=lesson_path, trust_cache=trust_cache)

    def assembled(level: float | None) -> Assembly:
        return assemble(
            script,
            keys,
            voicer.cache,
            scratch / "track.wav",
            cues() if show.audio.music else None,
            bed=show.audio.music,
            level=level,
        )

    def assembled_at_kept_level() -> Assembly:
        nonlocal kept
        assembly = assembled(kept.speech_level if kept else None)
        # The cues and the compressor keep the level they were set from while the speech's level holds.
        if kept and not abs(assembly.measured_level - kept.speech_level) <= LOUDNESS_TOLERANCE:
            kept = None
            assembly = assembled(None)
        return assembly

    # Usually every sentence is cached already; one removed or damaged since the synth step is made again.
    voice_all(trust_cache=True)
    try:
        assembly = assembled_at_kept_level()
    except MissingSentence:
        voice_all(trust_cache=False)
        assembly = assembled_at_kept_level()
    return assembly, kept
