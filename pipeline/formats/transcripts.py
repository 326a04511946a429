"""Sidecars beside each MP3: WebVTT, SRT and Podcasting 2.0 JSON transcripts and JSON chapters, from one set
of times."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..model.episode import Cue, Episode

# Podcasting 2.0's caption guidance: a cue shows at most two lines of at most 32 characters (the SRT
# speaker prefix included), so a sentence is split into as many cues as it needs.
LINE_CHARACTERS = 32
CUE_LINES = 2
TIMING = re.compile(
    r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)[.,](\d{3}) --> (?:(\d{2,}):)?([0-5]\d):([0-5]\d)[.,](\d{3})"
)


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
    return [caption for cue in episode.cues for caption in sentence_captions(cue)]


def sentence_captions(cue: Cue) -> list[Caption]:
    """One sentence's caption cues, in order: the first starts with the sentence and the last ends with it."""
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
    # Each piece's share counts the space before the next one, so the shares add up to the whole text:
    # every piece starts before it ends, and the last ends with the sentence.
    lengths = [len(" ".join(group)) + 1 for group in texts]
    total = sum(lengths) - 1 or 1
    position = 0
    span = max(cue.end - cue.start, 0.0)
    out: list[Caption] = []
    for index, group in enumerate(texts):
        start = round(cue.start + span * position / total, 3)
        position += lengths[index]
        end = cue.end if index == len(texts) - 1 else cue.start + span * min(position, total) / total
        # A millisecond at least: a cue that ends as it starts is no cue to a WebVTT parser.
        out.append(Caption(cue.speaker, tuple(group), start, max(round(end, 3), round(start + 0.001, 3))))
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


def render_json(episode: Episode) -> str:
    """The Podcasting 2.0 JSON transcript: a segment per sentence, with its speaker and its time as voiced:
    from the start of its first caption cue to the end of its last (the times the VTT and SRT give)."""
    segments = []
    for cue in episode.cues:
        pieces = sentence_captions(cue)
        if pieces:
            body = " ".join(line for piece in pieces for line in piece.lines)
            segments.append(
                {
                    "speaker": cue.speaker,
                    "startTime": pieces[0].start,
                    "endTime": pieces[-1].end,
                    "body": body,
                }
            )
    return json.dumps({"version": "1.0.0", "segments": segments}, indent=2, ensure_ascii=False) + "\n"


def render_chapters(episode: Episode, page_url: str) -> str:
    chapters = [
        {"startTime": round(c.start, 3), "endTime": round(c.end, 3), "title": c.title, "url": page_url}
        for c in episode.chapters
    ]
    return json.dumps({"version": "1.2.0", "chapters": chapters}, indent=2, ensure_ascii=False) + "\n"


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def cue_problems(text: str) -> list[tuple[int, str]]:
    """(line, problem) for each cue of a WebVTT or SRT file that a player would reject or misplace: one that
    ends at or before it starts, or starts before the cue above it. A cue's timing is the first or second
    line of its block (after an identifier); an arrow further down is the cue's text."""
    problems: list[tuple[int, str]] = []
    previous = 0.0
    lines = text.replace("\r\n", "\n").split("\n")
    number = 0
    while number < len(lines):
        if not lines[number].strip():
            number += 1
            continue
        block_start = number
        while number < len(lines) and lines[number].strip():
            number += 1
        head = [
            (at, lines[at]) for at in range(block_start, min(block_start + 2, number)) if "-->" in lines[at]
        ]
        if not head:
            continue  # the header, a NOTE or STYLE block
        at, line = head[0]
        match = TIMING.match(line)
        if match is None:
            problems.append((at + 1, f"'{line[:60]}' is not a cue timing (HH:MM:SS.mmm --> HH:MM:SS.mmm)"))
            continue
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        if end <= start:
            problems.append((at + 1, f"the cue ends at or before it starts ({line.strip()})"))
        if start < previous:
            problems.append((at + 1, f"the cue starts before the cue above it ({line.strip()})"))
        previous = max(previous, start)
    return problems
