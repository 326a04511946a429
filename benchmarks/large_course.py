"""A generated course of many small lessons, for measuring what planning costs as a course grows.

    python3 benchmarks/large_course.py DIR [--lessons 2000]

Writes a project to DIR: show config (the shipped cover), 40 modules, one short lesson file each with a
quiz question, so `certquests status`, `check` and a no-op build can be timed at a size no real course is
built at in a benchmark run.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = 40
TOPICS = [
    "queues",
    "topics",
    "streams",
    "tables",
    "functions",
    "roles",
    "keys",
    "pipelines",
    "stacks",
    "logs",
]

LESSON = """---
id: {id}
module: {module}
lesson: {number}
title: {title}
domain: basics
summary: A short lesson about {topic}, number {index}.
---

This lesson covers {topic} in a few sentences. It is lesson {number} of module {module}.

## What {topic} do

A producer writes {topic} and a consumer reads them later. The two sides run at their own speed.

> Does the order matter here? Only when the consumer needs it.

## When to use them

Use {topic} when one part of a system must not wait for another. Keep each message small.

- Decouple the writer from the reader.
- Retry what fails, and log what retries.
"""

QUESTION = """- id: q{index}
  lesson: {id}
  domain: basics
  question: Which part of a system reads {topic} in lesson {index}?
  options:
    A: The consumer
    B: The producer
  answer: A
  explanation: The consumer reads what the producer wrote.
"""


def generate(root: Path, lessons: int = 2000) -> Path:
    """A project of `lessons` lessons under root; returns root."""
    content = root / "content"
    (content / "lessons").mkdir(parents=True, exist_ok=True)
    (content / "art").mkdir(exist_ok=True)
    shutil.copy(ROOT / "content" / "art" / "cover.png", content / "art" / "cover.png")
    per_module = -(-lessons // MODULES)
    modules = "".join(f'\n[[modules]]\nnumber = {m}\ntitle = "Module {m}"\n' for m in range(1, MODULES + 1))
    (content / "show.toml").write_text(
        f"""[show]
title = "A Large Generated Course"
author = "Benchmarks"
owner_email = "owner@example.com"
language = "en"
base_url = "https://example.com/large/"
category = "Education"
subcategory = "Courses"
description = "{lessons} generated lessons for timing the planner."
cover = "art/cover.png"

[voices.host]
voice = "heart"

[voices.cohost]
voice = "heart"
rate = 1.15
name = "Guest"

[schedule]
start = 2026-01-05
every_days = 1

[[domains]]
id = "basics"
title = "Basics"
weight = 100
{modules}""",
        "utf-8",
    )
    quiz = []
    for index in range(lessons):
        module, number = index // per_module + 1, index % per_module + 1
        topic = TOPICS[index % len(TOPICS)]
        fields = {
            "id": f"m{module:02d}-l{number:03d}",
            "module": module,
            "number": number,
            "title": f"{topic.title()} part {number}",
            "topic": topic,
            "index": index,
        }
        (content / "lessons" / f"{fields['id']}.md").write_text(LESSON.format(**fields), "utf-8")
        quiz.append(QUESTION.format(**fields))
    (content / "quiz.yaml").write_text("".join(quiz), "utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--lessons", type=int, default=2000)
    args = parser.parse_args()
    generate(args.folder, args.lessons)
    print(f"{args.lessons} lessons written to {args.folder}")


if __name__ == "__main__":
    main()
