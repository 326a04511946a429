"""Sidecars beside each MP3: WebVTT and SRT transcripts and Podcasting 2.0 JSON chapters, from one set of
times."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..model.episode import Episode

# Podcasting 2.0's caption guidance: a cue shows at most two lines of at most 32 characters (the SRT
# speaker prefix included), so a sentence is split into as many cues as it needs.
LINE_CHARACTERS = 32
CUE_LINES = 2


@dataclass(frozen=True)
class Caption:
    """One caption cue: a speaker, at most CUE_LINES lines of text, and when it shows."""

    speaker: str
    lines: tuple[str, ...]
    start: float
    end: float


def captions(episode: Episode) -> list[Caption]:
    """The episode's sentences split into caption cues at spaces (never inside a word, hyphenated or not),
    each timed in proportion to its share of the sentence's characters."""
    out: list[Caption] = []
    for cue in episode.cues:
        prefix = len(cue.speaker) + 2  # "Name: " on the first line of every SRT cue
        groups: list[list[str]] = [[]]
        line = ""
        for word in cue.text.split():
            limit = LINE_CHARACTERS - (prefix if not groups[-1] else 0)
            if line and len(line) + 1 + len(word) > limit:
                groups[-1].append(line)
                line = ""
                if len(groups[-1]) == CUE_LINES:
                    groups.append([])
            line = f"{line} {word}" if line else word
        groups[-1].append(line)
        texts = [group for group in groups if any(group)]
        total = sum(len(" ".join(group)) for group in texts) or 1
        position = 0
        span = cue.end - cue.start
        for index, group in enumerate(texts):
            start = cue.start + span * position / total
            position += len(" ".join(group)) + 1
            end = cue.end if index == len(texts) - 1 else cue.start + span * min(position, total) / total
            out.append(Caption(cue.speaker, tuple(group), round(start, 3), round(end, 3)))
    return out


def _clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "--&gt;")


def render_vtt(episode: Episode) -> str:
    out = ["WEBVTT", ""]
    for index, caption in enumerate(captions(episode), 1):
        lines = [_vtt_escape(line) for line in caption.lines]
        out.append(str(index))
        out.append(f"{_clock(caption.start, '.')} --> {_clock(caption.end, '.')}")
        out.append(f"<v {_vtt_escape(caption.speaker)}>{lines[0]}")
        out.extend(lines[1:])
        out.append("")
    return "\n".join(out)


def render_srt(episode: Episode) -> str:
    out = []
    for index, caption in enumerate(captions(episode), 1):
        out.append(str(index))
        out.append(f"{_clock(caption.start, ',')} --> {_clock(caption.end, ',')}")
        out.append(f"{caption.speaker}: {caption.lines[0]}")
        out.extend(caption.lines[1:])
        out.append("")
    return "\n".join(out)


def render_chapters(episode: Episode, page_url: str) -> str:
    chapters = [
        {"startTime": round(c.start, 3), "endTime": round(c.end, 3), "title": c.title, "url": page_url}
        for c in episode.chapters
    ]
    return json.dumps({"version": "1.2.0", "chapters": chapters}, indent=2, ensure_ascii=False) + "\n"
