"""Vorbis comments in an Ogg Opus file, the one place that talks to mutagen's Ogg API: the same title, artist,
show, cover and chapters the MP3's ID3 tags carry, in the names players read from Ogg files."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from ..errors import ToolError
from ..model.episode import Episode
from ..model.show import Show


def write_opus_tags(path: Path, episode: Episode, show: Show, *, page_url: str) -> None:
    """Tag an Ogg Opus file in place: title, artist, album, track, date, genre, comment, the show-notes URL,
    the GUID, the cover (METADATA_BLOCK_PICTURE) and the chapters (CHAPTERxxx, as VLC and foobar2000 read)."""
    from mutagen import MutagenError
    from mutagen.flac import Picture
    from mutagen.oggopus import OggOpus

    lesson = episode.lesson
    cover = show.cover.read_bytes()
    picture = Picture()
    picture.type, picture.desc, picture.data = 3, "Cover", cover
    picture.mime = "image/png" if cover[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    tags: dict[str, list[str]] = {
        "TITLE": [lesson.title],
        "ARTIST": [show.author],
        "ALBUM": [show.title],
        "GENRE": ["Podcast"],
        "DATE": [str(episode.released.year)],
        "COMMENT": [lesson.summary],
        "DESCRIPTION": [lesson.summary],
        "CONTACT": [page_url],
        "GUID": [episode.guid],
        "METADATA_BLOCK_PICTURE": [base64.b64encode(picture.write()).decode("ascii")],
    }
    if episode.number:
        tags["TRACKNUMBER"] = [str(episode.number)]
    for index, chapter in enumerate(episode.chapters, start=1):
        tags[f"CHAPTER{index:03d}"] = [_timestamp(chapter.start)]
        tags[f"CHAPTER{index:03d}NAME"] = [chapter.title]
    try:
        audio = OggOpus(path)
        audio.delete()
        comments: Any = audio.tags
        comments.update(tags)
        audio.save()
    except (MutagenError, OSError) as exc:
        raise ToolError(f"{path}: could not write the Opus file's tags ({exc})") from None


def _timestamp(seconds: float) -> str:
    """HH:MM:SS.mmm, as the Vorbis chapter extension writes a chapter's start."""
    millis = round(seconds * 1000)
    return (
        f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"
    )
