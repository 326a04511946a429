"""Sidecars beside each MP3: WebVTT and SRT transcripts and Podcasting 2.0 JSON chapters, from one set of
times."""

from __future__ import annotations

import json
import textwrap

from ..model.episode import Episode

LINE_LIMIT = 65


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
    for index, cue in enumerate(episode.cues, 1):
        speaker = _vtt_escape(cue.speaker)
        lines = textwrap.wrap(_vtt_escape(cue.text), LINE_LIMIT - len(speaker) - 4) or [""]
        out.append(str(index))
        out.append(f"{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}")
        out.append(f"<v {speaker}>{lines[0]}")
        out.extend(lines[1:])
        out.append("")
    return "\n".join(out)


def render_srt(episode: Episode) -> str:
    out = []
    for index, cue in enumerate(episode.cues, 1):
        out.append(str(index))
        out.append(f"{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}")
        out.extend(textwrap.wrap(f"{cue.speaker}: {cue.text}", LINE_LIMIT))
        out.append("")
    return "\n".join(out)


def render_chapters(episode: Episode, page_url: str) -> str:
    chapters = [
        {"startTime": round(c.start, 3), "endTime": round(c.end, 3), "title": c.title, "url": page_url}
        for c in episode.chapters
    ]
    return json.dumps({"version": "1.2.0", "chapters": chapters}, indent=2, ensure_ascii=False) + "\n"
