"""`certquests new PATH`: a course project that builds as it is (a commented show config naming voices this
machine has, a trailer and one example lesson, a quiz bank with one example question and a cover), and the
cover art that `certquests cover` draws from the show's title."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path

from .errors import CertQuestsError, ConfigError
from .fsutil import write_atomic
from .model.art import cover_problem, draw_cover
from .model.project import Project
from .model.show import Voice
from .speech import get_engine

# Voices to offer each role, best first: those that ship in their wheels, then Debian's espeak-ng.
CANDIDATES = {
    "host": [("hibari", "heart"), ("piper", "joe"), ("espeak", "en-us")],
    "cohost": [("piper", "joe"), ("hibari", "heart"), ("espeak", "en-gb")],
}

SHOW = """\
# The show: what podcast apps display, how it sounds, and when episodes are released. Every key is in the
# README under "Show config"; `certquests check` validates this file and every lesson.

[show]
title = {title}
subtitle = "One line under the title in podcast apps"
description = "What the course covers and who it is for, for podcast apps and the index page."
author = {author}
owner_email = "you@example.com"        # podcast directories write here: use your own address
language = "en"                         # ISO 639, with a region when it matters ("en-GB")
base_url = "https://example.com/{slug}/"  # where feed/ will be hosted (the CDN's address)
category = "Education"                  # and subcategory, from Apple's list
subcategory = "Courses"
cover = "art/cover.png"                 # square PNG or JPEG, 1400-3000 px; `certquests cover` redraws it
type = "serial"                         # serial: listened to in order; episodic: in any order
# exam = "the exam"                     # a course for an exam names it; the last lesson wishes luck with it

[audio]
channels = 1            # mono speech at -19 LUFS sounds as loud as stereo at -16 LUFS
loudness = -19.0        # integrated LUFS of the finished MP3
sentence_pause = 0.35   # seconds of silence after a sentence
paragraph_pause = 0.7   # after a paragraph
section_pause = 1.2     # after a chapter
answer_pause = 5.0      # the "pause and answer" gap in the self-test, and [pause]
music = true            # an intro sting, a chime before each chapter, an outro

# [opus]                # the smaller Opus file beside each MP3, for mobile data: README "Formats"
# bitrate = 24          # kbit/s (the default: measured to be heard as well as the MP3)

# One table per script role. These voices were found on this machine when the project was made; README
# "Voices and engines" lists the others.
{voices}
[script]
selftest_questions = 1  # quiz questions spoken at the end of each lesson (at most those it has)

[study]                 # the quiz bank heard: README "Studying by ear"
drills = false          # a bonus episode per domain (per module without domains): every question of it
reviews = false         # a lesson's questions come back review_weeks after its release
topic_feeds = false     # feed/topics/TOPIC.xml: each topic's lessons and its drill
review_weeks = [1, 3, 8]

[audiobook]             # the course as one M4B in feed/audiobook/: README "The audiobook"
when = "complete"       # once every lesson is out; "released": the course so far; "never"

[schedule]
start = {start}     # the trailer's day; then one lesson every `every_days`
every_days = 7
time = 06:00:00

[[modules]]
number = 1
title = "Getting started"
"""

VOICE = """\
[voices.{role}]{comment}
engine = "{engine}"
voice = "{voice}"
name = "{name}"
"""

TRAILER = """\
---
id: trailer
type: trailer
title: {title}
summary: What this course covers and how to follow it.
---

Hello, and thanks for pressing play. This short episode says what the course is and who it is for.

## How the course works

Each lesson is one short episode. Two voices take you through it: a host who explains, and a co-host who \
asks the questions you would ask.

> And every lesson ends with a question to answer before you hear the solution.
"""

LESSON = """\
---
id: first-lesson
module: 1
lesson: 1
title: Your first lesson
summary: One sentence for podcast apps and the index page.
---

Opening paragraphs say what the listener will learn. This lesson shows how a lesson is written.

## Sections become chapters

Each heading like the one above starts a chapter. Paragraphs and list items are read by the host.

> A blockquote is read by the co-host. Is that all there is to it? Nearly.

## Recap

- Headings make chapters.
- Blockquotes give the co-host a line.
"""

QUIZ = """\
# The quiz bank: the quiz page shows every question, and each lesson ends with some of its own.
- id: q01
  lesson: first-lesson
  question: Who reads a blockquote?
  options:
    A: The host
    B: The co-host
  answer: B
  explanation: Paragraphs and list items go to the host; blockquotes go to the co-host.
"""


def _voice(role: str, taken: set[tuple[str, str]]) -> tuple[str, str, str | None]:
    """The first candidate voice for `role` this machine has (one not taken yet, when there is one); else
    the first candidate, with why it cannot be used."""
    usable = []
    for engine, name in CANDIDATES[role]:
        if get_engine(engine).problem(Voice(role=role, engine=engine, voice=name)) is None:
            usable.append((engine, name))
    fresh = [choice for choice in usable if choice not in taken]
    if fresh or usable:
        return (*(fresh or usable)[0], None)
    engine, name = CANDIDATES[role][0]
    return engine, name, get_engine(engine).problem(Voice(role=role, engine=engine, voice=name))


def new_project(root: Path, title: str | None = None) -> list[str]:
    """Write a new project at `root`; returns the lines that tell the producer what was made and what next."""
    project = Project(root)
    if project.content.exists():
        raise ConfigError(
            f"{project.content}: already exists; `certquests new` never writes over a project. "
            "Choose a new folder, or edit the project that is there"
        )
    title = title or (re.sub(r"[-_]+", " ", root.resolve().name).strip().title() or "My Course")
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "course"
    voices, warnings = [], []
    taken: set[tuple[str, str]] = set()
    roles = (("host", "Host", ""), ("cohost", "Co-host", "   # reads blockquotes and the quiz's questions"))
    for role, shown, comment in roles:
        engine, voice, problem = _voice(role, taken)
        taken.add((engine, voice))
        voices.append(VOICE.format(role=role, comment=comment, engine=engine, voice=voice, name=shown))
        if problem:
            warnings.append(f"warning: [voices.{role}] {problem}")
    quoted = json.dumps(title, ensure_ascii=False)  # a TOML string, and a YAML one
    text = SHOW.format(
        title=quoted,
        author=quoted,
        slug=slug,
        voices="\n".join(voices),
        # Yesterday, so the trailer is out at the first build whatever the hour (it is released at `time`).
        start=(dt.date.today() - dt.timedelta(days=1)).isoformat(),
    )
    project.content.mkdir(parents=True)
    files = {
        "content/show.toml": text,
        "content/lessons/00-trailer.md": TRAILER.format(
            title=json.dumps(f"Welcome to {title}", ensure_ascii=False)
        ),
        "content/lessons/01-first-lesson.md": LESSON,
        "content/quiz.yaml": QUIZ,
    }
    for name, body in files.items():
        write_atomic(root / name, body)
    draw_cover(title, "", project.content / "art" / "cover.png")
    return [
        f"Wrote a new project in {root}: {', '.join(files)} and content/art/cover.png.",
        *warnings,
        f"Next: cd {root} && certquests build (then certquests serve, and open /_review/ to hear it).",
    ]


def draw_show_cover(project: Project, size: int) -> Path:
    """Draw cover art from the show's title into the path the show config names; returns that path."""
    try:
        data = tomllib.loads(project.config_path.read_text("utf-8")).get("show", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CertQuestsError(
            f"content/show.toml: cannot read it ({exc}); fix it, then draw the cover"
        ) from None
    cover = data.get("cover", "art/cover.png")
    problem = cover_problem(project.content, cover) if isinstance(cover, str) else "must be a file name"
    if problem:
        raise ConfigError(f"content/show.toml: [show] cover {problem}; nothing was drawn")
    target = project.content / cover
    draw_cover(data.get("title", "Podcast"), data.get("subtitle", ""), target, size)
    return target
