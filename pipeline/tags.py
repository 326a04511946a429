"""ID3v2.3 tags, the one place that talks to mutagen's ID3 API: text frames, cover, URLs, GUID, chapters."""
from __future__ import annotations

from pathlib import Path

from .config import Show
from .episode import Episode
from .errors import ToolError


def write_tags(path: Path, episode: Episode, show: Show, *, page_url: str, quiz_url: str) -> None:
    """Tag a finished MP3 in place (after all audio work, so nothing strips the cover or chapters)."""
    from mutagen.id3 import (APIC, CHAP, COMM, CTOC, ID3, PCST, TALB, TCON, TDES, TDRC, TGID, TIT2, TPE1, TRCK,
                             TXXX, WFED, WOAR, WXXX, CTOCFlags)

    lesson = episode.lesson
    tags = ID3()  # a fresh tag: saving replaces whatever the file had
    tags.add(TIT2(encoding=1, text=lesson.title))
    tags.add(TPE1(encoding=1, text=show.author))
    tags.add(TALB(encoding=1, text=show.title))
    if episode.number:
        tags.add(TRCK(encoding=1, text=str(episode.number)))
    tags.add(TCON(encoding=1, text="Podcast"))
    tags.add(TDRC(encoding=1, text=str(episode.released.year)))
    tags.add(COMM(encoding=1, lang="eng", desc="", text=lesson.summary))
    tags.add(TDES(encoding=1, text=lesson.summary))
    tags.add(PCST(value=1))
    tags.add(TGID(encoding=1, text=episode.guid))
    tags.add(WFED(url=show.feed_url))
    tags.add(WOAR(url=page_url))
    tags.add(WXXX(encoding=1, desc="Show notes", url=page_url))
    tags.add(WXXX(encoding=1, desc="Quiz", url=quiz_url))
    tags.add(TXXX(encoding=1, desc="GUID", text=episode.guid))
    cover = show.cover.read_bytes()
    mime = "image/png" if cover[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    tags.add(APIC(encoding=0, mime=mime, type=3, desc="Cover", data=cover))

    ids = [f"chp{index}" for index in range(len(episode.chapters))]
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                  sub_frames=[TIT2(encoding=1, text="Chapters")]))
    for element_id, chapter in zip(ids, episode.chapters):
        tags.add(CHAP(element_id=element_id, start_time=int(round(chapter.start * 1000)),
                      end_time=int(round(chapter.end * 1000)), start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                      sub_frames=[TIT2(encoding=1, text=chapter.title),
                                  WXXX(encoding=1, desc="Show notes", url=page_url)]))
    tags.update_to_v23()
    try:
        tags.save(path, v2_version=3)
    except OSError as exc:
        raise ToolError(f"{path}: could not write ID3 tags ({exc})") from None
