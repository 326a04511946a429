"""Master: the voiced sentences assembled with pauses and sound design, then mastered to the loudness."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..ffmpeg import ffmpeg_version
from ..fsutil import fingerprint, unchanged, write_atomic
from ..model.episode import ChapterMark, Cue, MasterRecord
from .base import Context, EpisodeWork, Scope, Step, digest

if TYPE_CHECKING:
    from ..audio.assemble import Assembly

NAME = "master"
VERSION = 10
SCOPE: Scope = "episode"
HELP = "Assemble and master the episodes (runs the stages before it if needed)."
AUDIO_LIBRARIES = ("numpy", "scipy", "soxr", "lameenc", "soundfile", "pyebur128")


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


def plan(context: Context, episode: EpisodeWork | None) -> list[Step]:
    assert episode is not None
    script = episode.spoken
    folder = context.cache_dir(episode.id)
    parts = {
        "stage code": str(VERSION),
        "speech": episode.keys["synth"],
        "pauses and chapters": digest(
            [[line.pause for line in c.lines] for c in script.chapters], [c.kind for c in script.chapters]
        ),
        "audio settings": digest(context.show.audio),
    }
    return [
        Step(
            NAME,
            episode.id,
            parts,
            lambda: master_episode(context, episode),
            (folder / "master.mp3", folder / "master.json"),
            episode=episode.id,
            intact=lambda: master_intact(folder),
            verify="always",
            kept={"tools": digest(tool_versions())},
        )
    ]


def master_intact(folder: Path) -> bool:
    """The cached master is the one its record describes, and the record is whole: a damaged one is made
    again, never published. Size and time settle it for an untouched file; a moved time means a read."""
    try:
        record = MasterRecord.decode((folder / "master.json").read_text("utf-8"))
        return unchanged(folder / "master.mp3", (record.size, record.mtime_ns, record.sha256))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def master_episode(context: Context, episode: EpisodeWork) -> float:
    # numpy and the DSP load only when an episode is mastered, never on a no-op build.
    from ..audio.assemble import MissingSentence, assemble
    from ..audio.master import master
    from ..audio.sound import cues

    show, script, keys = context.show, episode.spoken, episode.sentence_keys
    folder = context.cache_dir(episode.id)
    voicer = context.voicer
    lesson_path = episode.lesson.path

    def voice_all(trust_cache: bool) -> None:
        for index, line in enumerate(script.lines):
            voicer.ensure(line, keys[index], index, lesson_path=lesson_path, trust_cache=trust_cache)

    # Scratch space under the project's .cache: a killed build's leftovers are removed by the next build.
    scratch_root = context.project.cache / "scratch"
    scratch_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="master-", dir=scratch_root) as scratch:

        def assembled() -> Assembly:
            return assemble(
                script,
                keys,
                voicer.cache,
                Path(scratch) / "track.wav",
                cues() if show.audio.music else None,
                bed=show.audio.music,
            )

        # Usually every sentence is cached already; one removed or damaged since the synth step is made again.
        voice_all(trust_cache=True)
        try:
            assembly = assembled()
        except MissingSentence:
            voice_all(trust_cache=False)
            assembly = assembled()
        report = master(assembly, show.audio, folder / "master.mp3", what=lesson_path, scratch=Path(scratch))
    starts = assembly.chapter_starts
    chapters = []
    for index, chapter in enumerate(script.chapters):
        end = starts[index + 1] if index + 1 < len(starts) else report.duration_s
        chapters.append(
            ChapterMark(chapter.title, round(starts[index], 3), round(min(end, report.duration_s), 3))
        )
    size, mtime_ns, sha256 = fingerprint(folder / "master.mp3")
    record = MasterRecord(
        chapters=tuple(chapters),
        # Roles, not names: a renamed speaker is re-tagged, not re-mastered.
        cues=tuple(Cue(t.role, t.text, round(t.start, 3), round(t.end, 3)) for t in assembly.timings),
        loudness=report,
        sha256=sha256,
        size=size,
        mtime_ns=mtime_ns,
    )
    write_atomic(folder / "master.json", record.encode())
    return report.duration_s
