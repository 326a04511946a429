"""ID3v2.3 tags, the one place that talks to mutagen's ID3 API: text frames, cover, URLs, GUID, chapters."""

from __future__ import annotations

from pathlib import Path

from ..errors import ToolError
from ..model.episode import Episode
from ..model.show import Show


def write_tags(path: Path, episode: Episode, show: Show, *, page_url: str, quiz_url: str) -> None:
    """Tag a finished MP3 in place (after all audio work, so nothing strips the cover or chapters)."""
    from mutagen.id3 import (
        APIC,
        CHAP,
        COMM,
        CTOC,
        PCST,
        TALB,
        TCON,
        TDES,
        TGID,
        TIT2,
        TPE1,
        TRCK,
        TXXX,
        TYER,
        WOAR,
        WXXX,
        CTOCFlags,
    )

    lesson = episode.lesson
    tags: list = []
    tags.append(TIT2(encoding=1, text=lesson.title))
    tags.append(TPE1(encoding=1, text=show.author))
    tags.append(TALB(encoding=1, text=show.title))
    if episode.number:
        tags.append(TRCK(encoding=1, text=str(episode.number)))
    tags.append(TCON(encoding=1, text="Podcast"))
    tags.append(TYER(encoding=1, text=str(episode.released.year)))
    tags.append(COMM(encoding=1, lang="eng", desc="", text=lesson.summary))
    tags.append(TDES(encoding=1, text=lesson.summary))
    tags.append(PCST(value=1))
    tags.append(TGID(encoding=1, text=episode.guid))
    # iTunes and TagLib read WFED as a text frame (an encoding byte, then the URL), not as a URL frame.
    tags.append((b"WFED", TIT2(encoding=0, text=show.feed_url)))
    tags.append(WOAR(url=page_url))
    tags.append(WXXX(encoding=1, desc="Show notes", url=page_url))
    tags.append(WXXX(encoding=1, desc="Quiz", url=quiz_url))
    tags.append(TXXX(encoding=1, desc="GUID", text=episode.guid))
    cover = show.cover.read_bytes()
    mime = "image/png" if cover[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    tags.append(APIC(encoding=0, mime=mime, type=3, desc="Cover", data=cover))

    ids = [f"chp{index}" for index in range(len(episode.chapters))]
    tags.append(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=1, text="Chapters")],
        )
    )
    for element_id, chapter in zip(ids, episode.chapters):
        tags.append(
            CHAP(
                element_id=element_id,
                start_time=round(chapter.start * 1000),
                end_time=round(chapter.end * 1000),
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[
                    TIT2(encoding=1, text=chapter.title),
                    WXXX(encoding=1, desc="Show notes", url=page_url),
                ],
            )
        )
    try:
        audio = path.read_bytes()
        if audio[:3] == b"ID3":
            raise ToolError(f"{path}: already tagged; tag the untagged master")
        path.write_bytes(_id3v23(tags) + audio)
    except OSError as exc:
        raise ToolError(f"{path}: could not write ID3 tags ({exc})") from None


def _id3v23(frames: list) -> bytes:
    """An ID3v2.3 tag with the frames in the order given (a frame, or a (frame ID, frame) pair to save one
    under another ID): mutagen's own writer orders frames by size, which would put the CHAP frames out of
    time order, and some players read chapters in file order."""
    from mutagen.id3._tags import save_frame
    from mutagen.id3._util import BitPaddedInt, ID3SaveConfig

    config = ID3SaveConfig(3, "/")
    body = b"".join(
        save_frame(frame[1], name=frame[0], config=config)
        if isinstance(frame, tuple)
        else save_frame(frame, config=config)
        for frame in frames
    )
    padding = bytes(1024)  # room for a later in-place edit by another tool
    size = BitPaddedInt.to_str(len(body) + len(padding), width=4, bits=7)
    return b"ID3" + bytes([3, 0, 0]) + size + body + padding
