"""The audiobook's MP4 tags, the one place that talks to mutagen's MP4 API: what audiobook players show of
the course (title, author, description, year, genre, cover) and that it is an audiobook."""

from __future__ import annotations

from pathlib import Path

from ..model.show import Show

AUDIOBOOK = 2  # the iTunes media kind (stik) of an audiobook


def write_tags(path: Path, show: Show, year: int) -> None:
    """Tag a finished M4B in place: the show's title as the book's and its album, its author, description,
    copyright, category as the genre, `year`, and the cover."""
    from mutagen.mp4 import MP4, MP4Cover

    book = MP4(path)
    if book.tags is None:
        book.add_tags()
    assert book.tags is not None
    cover = show.cover.read_bytes()
    kind = MP4Cover.FORMAT_PNG if cover[:8] == b"\x89PNG\r\n\x1a\n" else MP4Cover.FORMAT_JPEG
    book.tags.update(
        {
            "©nam": [show.title],
            "©alb": [show.title],
            "©ART": [show.author],
            "aART": [show.author],
            "desc": [show.description],
            "ldes": [show.description],
            "©day": [str(year)],
            "©gen": [show.category],
            "cprt": [show.copyright],
            "stik": [AUDIOBOOK],
            "covr": [MP4Cover(cover, imageformat=kind)],
        }
    )
    book.save()
