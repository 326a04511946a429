"""Opus: a smaller file of each episode for listeners on mobile data, encoded from the same master as the MP3
(never from the MP3), at the MP3's loudness and length, tagged like it, into episodes/ under a name of its
own; the feed announces it as a podcast:alternateEnclosure and the page's player offers it first."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from ..errors import BuildError
from ..fsutil import fingerprint, temporary_sibling, unchanged, write_atomic
from ..model.episode import OPUS_RECORD, TRACK_RECORD, Alternate, Episode, Urls, opus_name
from .base import Scope, Step, digest
from .built import Built, Encoded, load_episode
from .context import Context, EpisodeWork
from .master import Master
from .products import Needs, Product

NAME = "opus"
VERSION = 1
SCOPE: Scope = "episode"
HELP = "Encode each episode's master into a smaller Opus file beside its MP3 in episodes/."
COMMAND: str | None = NAME
BUILT = True
FINISHES = False
REPORT = ""
NEEDS: tuple[type[Product], ...] = (Master, Built)  # the master it encodes, the tagged MP3 it matches
MAKES: tuple[type[Product], ...] = (Encoded,)

MIME = "audio/ogg; codecs=opus"  # Ogg Opus (RFC 7845): what browsers' canPlayType and podcast apps match
CODECS = "opus"  # RFC 6381
TITLE = "Opus (smaller file)"  # what apps show for it: the namespace asks for at most 32 characters


def plan(context: Context, episode: EpisodeWork | None, needs: Needs) -> list[Step]:
    assert episode is not None
    parts = {
        "stage code": str(VERSION),
        # The tagged MP3's key: the master's audio, and the title, show and cover both files are tagged with.
        "tagged": needs.digest(Built, episode.id),
        "opus settings": context.shared("opus settings", lambda: digest(context.show.opus)),
    }
    name = opus_name(episode.id, digest(parts))
    target = context.project.episodes / name
    built, master = needs.of(Built, episode.id), needs.digest(Master, episode.id)
    return [
        Step(
            NAME,
            episode.id,
            parts,
            lambda: encode_episode(context, episode, built, master, target),
            (target,),
            episode=episode.id,
            intact=lambda: opus_intact(context, episode, target),
            verify="always",
            made=Encoded(name, OPUS_RECORD),
        )
    ]


def recorded(context: Context, episode_id: str) -> dict[str, list[object]]:
    """The stage's record of the file it wrote for an episode: its name -> size, time and sha256."""
    found = Alternate.fingerprint(context.cache_dir(episode_id), OPUS_RECORD)
    return dict([found]) if found else {}


def opus_intact(context: Context, episode: EpisodeWork, target: Path) -> bool:
    """Whether episodes/ still holds the bytes this stage wrote (an untouched one: known by size and time)."""
    try:
        return unchanged(target, recorded(context, episode.id)[target.name])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def encode_episode(
    context: Context, episode: EpisodeWork, tagged: Built, master: str, target: Path
) -> float | None:
    """The Opus file of the episode, tagged, into episodes/. Its audio is encoded only when the master or the
    [opus] settings changed; a change to the tags alone (a summary) tags the kept encoding again."""
    from ..formats.vorbis import write_opus_tags  # mutagen loads only when an episode is encoded

    show, folder = context.show, context.cache_dir(episode.id)
    built = load_episode(context, episode, tagged)
    encoded = folder / f"opus-{digest(VERSION, master, show.opus)[:16]}.opus"
    kept = _kept(encoded)
    made = None if kept else _encode(context, episode, built, encoded)
    seconds, bitrate = kept or made or (0.0, 0)
    for other in folder.glob("opus-*"):
        if other.stem != encoded.stem:
            other.unlink(missing_ok=True)
    tmp = temporary_sibling(target)
    try:
        shutil.copyfile(encoded, tmp)
        write_opus_tags(tmp, built, show, page_url=Urls.of(show).page(built))
        data = tmp.read_bytes()
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    size, mtime_ns, sha256 = fingerprint(target)
    alternate = Alternate(
        name=target.name,
        type=MIME,
        codecs=CODECS,
        title=TITLE,
        length=size,
        bitrate=bitrate,  # of the audio alone, measured before the tags (the cover) went in
        duration=round(seconds, 3),
        sha256=sha256,
        sri="sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii"),
    )
    alternate.write(folder, OPUS_RECORD, mtime_ns)
    return seconds if made else None


def _kept(encoded: Path) -> tuple[float, int] | None:
    """The length and bitrate of the kept encoding, if it is whole (its sha256 is the one recorded)."""
    try:
        record = json.loads(encoded.with_suffix(".json").read_text("utf-8"))
        if fingerprint(encoded)[2] != record["sha256"]:
            return None
        return float(record["seconds"]), int(record["bitrate"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _encode(context: Context, episode: EpisodeWork, built: Episode, encoded: Path) -> tuple[float, int]:
    """Encode the episode's master into `encoded` (untagged), with a record of its length and bitrate."""
    # numpy and soxr load only when an episode is encoded, never on a no-op build.
    from ..audio.chapters import ChapterCache
    from ..audio.opus import Track, encode_opus, target_loudness

    show, folder = context.show, context.cache_dir(episode.id)
    track = Track.read(folder)
    chapters = folder / "chapters" / track.chapters if track else folder
    if track is None or not all((chapters / f"{key}.f32").is_file() for key in track.shaped.keys):
        raise BuildError(
            f"{episode.id}: the master the MP3 was made from is not in .cache/episodes/{episode.id}/; delete "
            f".cache/episodes/{episode.id}/{TRACK_RECORD} and run `certquests build` (it is made again)"
        )
    scratch_root = context.project.own(context.project.cache / "scratch")
    scratch_root.mkdir(parents=True, exist_ok=True)
    tmp = temporary_sibling(encoded)
    try:
        with tempfile.TemporaryDirectory(prefix="opus-", dir=scratch_root) as scratch:
            report = encode_opus(
                track,
                ChapterCache(context.project.own(chapters)),
                tmp,
                bitrate=show.opus.bitrate,
                loudness=target_loudness(built.loudness.integrated_lufs, show.audio.channels),
                true_peak=show.audio.true_peak,
                scratch=Path(scratch),
                what=episode.lesson.path,
            )
        tmp.replace(encoded)
    finally:
        tmp.unlink(missing_ok=True)
    record = {"sha256": fingerprint(encoded)[2], "seconds": report.seconds, "bitrate": report.bitrate}
    write_atomic(encoded.with_suffix(".json"), json.dumps(record) + "\n")
    return report.seconds, report.bitrate
