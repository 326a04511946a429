"""`certquests check` finds what a build would stop on before any audio is made."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from pipeline.model.show import Voice
from pipeline.speech import get_engine
from pipeline.spoken.review import Change, review_lines, rule_of

from .conftest import AS_OF, cover_png, run


def test_check_names_a_voice_this_machine_cannot_speak(project: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("HIBARI_HOME", str(tmp_path / "empty-voice-cache"))
    config = project / "content" / "show.toml"
    config.write_text(
        config.read_text().replace('engine = "piper"\nvoice = "joe"', 'engine = "hibari"\nvoice = "emma"')
    )
    result = run(project, "check")
    assert result.exit_code == 2
    assert "[voices.cohost] hibari voice 'emma' is not on this machine" in result.output
    assert "Traceback" not in result.output


def test_check_passes_a_valid_project(project: Path):
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert "2 lessons and 2 quiz questions are valid." in result.output


def test_a_mistyped_project_folder_is_named_and_not_created(tmp_path: Path):
    missing = tmp_path / "no-such-course"
    result = run(missing, "status")
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not missing.exists()


def set_language(project: Path, language: str) -> None:
    config = project / "content" / "show.toml"
    config.write_text(re.sub(r'(?m)^language = ".*"$', f'language = "{language}"', config.read_text()))


def test_check_says_once_when_no_voice_has_the_shows_accent_and_how_to_get_one(project: Path):
    set_language(project, "en-GB")
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    [warning] = warnings
    assert warning.startswith(
        "warning: content/show.toml:5: [show] language is en-GB, but no voice of the show"
    )
    assert "host: hibari 'heart', en-US; cohost: piper 'joe', en-US" in warning
    assert "hibari voice = 'emma' or 'fable' (downloaded on first use" in warning
    assert "python3 -m piper.download_voices" in warning and "en_GB-alan-medium" in warning
    assert "gtts voice = 'co.uk'" in warning
    for language in ("en-US", "en"):  # a voice has it; no region asked for
        set_language(project, language)
        assert "warning:" not in run(project, "check").output


@pytest.mark.parametrize(
    "engine, voice, accent",
    [
        ("hibari", "heart", "en-US"),
        ("hibari", "emma", "en-GB"),
        ("hibari", "fable", "en-GB"),
        ("piper", "joe", "en-US"),
        ("piper", "en_GB-alan-medium", "en-GB"),
        ("gtts", "co.uk", "en-GB"),
        ("gtts", "com.au", "en-AU"),
        ("espeak", "en-us", "en-US"),
        ("espeak", "en", "en-GB"),
    ],
)
def test_each_engine_says_which_accent_a_voice_has(engine: str, voice: str, accent: str):
    assert get_engine(engine).accent(Voice(role="host", engine=engine, voice=voice)) == accent


def test_check_lists_words_with_letters_from_other_languages_with_counts(project: Path):
    lesson = project / "content" / "lessons" / "02-topics.md"
    lesson.write_text(
        lesson.read_text().replace(
            "Topics fan out; queues buffer.",
            "Röntgen saw bones. Röntgen's rays, Laënnec's stethoscope and Skłodowska. Ehrlich too.",
        )
    )
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    listed = result.output.split("letters from other languages")[1]
    assert "  Röntgen (2)\n" in listed  # Röntgen's is the same word
    assert "  Laënnec (1)\n" in listed and "  Skłodowska (1)\n" in listed
    assert "Ehrlich" not in listed
    lexicon = project / "content" / "lexicon.toml"
    lexicon.write_text(lexicon.read_text() + '"Skłodowska" = "skwo-dof-ska"\n')
    assert "Skłodowska (" not in run(project, "check").output


def test_check_groups_the_sentences_said_differently_by_rule_and_lists_every_one_with_all(project: Path):
    lesson = project / "content" / "lessons" / "02-topics.md"
    lesson.write_text(
        lesson.read_text().replace(
            "Topics fan out; queues buffer.",
            "Topics fan out to 100% of subscribers. Send 50% to the DeadLetterQueue. "
            "Use the SendMessage call. Read docs.example.com/sns first. Ask 中文 twice.",
        )
    )
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "sentence(s) are said differently from how they are written; by rule" in out
    assert (
        "  percentages: 2 sentence(s), 2 different change(s)\n"
        "      100% → one hundred percent, 50% → fifty percent" in out
    )
    assert "  identifiers (joined words said apart): 2 sentence(s)" in out
    assert "DeadLetterQueue → Dead Letter Queue" in out and "SendMessage → Send Message" in out
    assert "  addresses and paths: 1 sentence(s)" in out
    assert "  hyphens: 1 sentence(s), 1 different change(s)\n      Fan-out → Fan out" in out
    assert "      e.g. content/lessons/02-topics.md:" in out
    # what the voice cannot say is listed in full, each with its line
    assert "content/lessons/02-topics.md:18: the voice cannot say '中文' (Chinese script)" in out
    every = run(project, "check", "--all").output
    assert "  content/lessons/02-topics.md:18: Send 50% to the DeadLetterQueue.\n" in every
    assert "      said: Send fifty percent to the Dead Letter Queue.\n" in every
    assert "by rule" not in every


NON_EXAM_SHOW = """\
[show]
title = "Medicine Through Time"
author = "A. Historian"
owner_email = "owner@example.com"
language = "en-GB"
base_url = "https://example.com/medicine/"
category = "History"

[voices.host]
voice = "heart"

[voices.cohost]
engine = "piper"
voice = "joe"

[schedule]
start = 2026-01-05
"""
NON_EXAM_LESSON = """\
---
id: {id}
lesson: {number}
module: 1
title: {title}
summary: {title}, in one sentence.
---

{body}

## Recap

The recap of {title}.
"""
NON_EXAM_QUIZ = """\
- id: q1
  lesson: humours
  question: Who wrote of four humours?
  options:
    A: Galen
    B: Lister
  answer: A
  explanation: Galen built on Hippocrates.
- id: q2
  lesson: poems
  question: Which poem is quoted?
  options:
    A: A sonnet
    B: A limerick
  answer: A
  explanation: It has fourteen lines.
"""


def test_a_course_that_prepares_for_no_exam_checks_clean_and_never_speaks_of_one(tmp_path: Path):
    project = tmp_path / "medicine"
    (project / "content" / "lessons").mkdir(parents=True)
    (project / "content" / "art").mkdir()
    (project / "content" / "art" / "cover.png").write_bytes(cover_png())
    (project / "content" / "show.toml").write_text(NON_EXAM_SHOW)
    (project / "content" / "quiz.yaml").write_text(NON_EXAM_QUIZ)
    for number, (lesson_id, title, body) in enumerate(
        [
            ("humours", "The four humours", "Galen taught that health was a balance of four humours."),
            (
                "poems",
                "Poems of the sickroom",
                "A poet wrote:\n\nO Rose, thou art sick.\nThe invisible worm\nThat flies in the night\n",
            ),
        ],
        1,
    ):
        path = project / "content" / "lessons" / f"0{number}-{lesson_id}.md"
        path.write_text(NON_EXAM_LESSON.format(id=lesson_id, number=number, title=title, body=body))
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert "2 lessons and 2 quiz questions are valid." in result.output
    assert [line for line in result.output.splitlines() if line.startswith("warning:")] == [
        line for line in result.output.splitlines() if "language is en-GB" in line
    ]
    assert (
        "cannot say" not in result.output
        and "Every all-caps word has a pronunciation entry." in result.output
    )
    assert "letters from other languages" not in result.output
    assert run(project, "script").exit_code == 0
    scripts = {path.name: path.read_text() for path in (project / "scripts").glob("*.txt")}
    assert len(scripts) == 2 and not any("exam" in text.lower() for text in scripts.values())
    assert "HOST: Thanks for listening." in scripts["poems.txt"]
    assert (
        "HOST: O Rose, thou art sick.\nHOST: The invisible worm\nHOST: That flies in the night.\n"
        in (scripts["poems.txt"])
    )


def test_a_build_says_once_that_no_voice_has_the_shows_accent(project: Path, monkeypatch):
    from pipeline.speech.hibari import HibariEngine
    from pipeline.speech.piper import PiperEngine

    silent = lambda self, text, voice: np.zeros(100, np.float32)  # noqa: E731 - fails fast, after the warnings
    monkeypatch.setattr(HibariEngine, "synthesize", silent)
    monkeypatch.setattr(PiperEngine, "synthesize", silent)
    set_language(project, "en-GB")
    result = run(project, "build", "--as-of", AS_OF, "--jobs", "1")
    assert result.exit_code == 6
    assert result.output.count("language is en-GB, but no voice of the show has that accent") == 1


@pytest.mark.parametrize(
    "written, said, rule",
    [
        ("lambda.amazonaws.com", "lambda dot amazon A.W.S dot com", "addresses and paths"),
        ("DeadLetterQueue", "Dead Letter Queue", "identifiers (joined words said apart)"),
        ("£1.20", "one pound twenty", "money"),
        ("1–2%", "one to two percent", "percentages"),
        ("H₂O", "H two O", "formulas and powers"),
        ("5–10 µm", "five to ten micrometres", "units"),
        ("120/80 mmHg", "one hundred and twenty over eighty millimetres of mercury", "units"),
        ("EC2", "E.C two", "names with digits (S3, EC2)"),
        ("1918–1919", "nineteen eighteen to nineteen nineteen", "numbers, dates and times"),
        ("Henry VIII", "Henry the Eighth", "Roman numerals"),
        ("XVII", "seventeen", "Roman numerals"),
        ("IV", "I.V", "abbreviations and letters said by name"),
        ("etc", "et cetera", "abbreviations and letters said by name"),
        ("blue/green", "blue green", "symbols"),
        ("six-week", "six week", "hyphens"),
        ("read", "reed", "other words (the lexicon, heteronyms)"),
    ],
)
def test_each_change_is_grouped_under_the_rule_that_made_it(written: str, said: str, rule: str):
    assert rule_of(written, said) == rule


def test_a_sentence_is_counted_once_per_rule_with_each_change_counted():
    changes = [
        Change(
            "a.md:1",
            "Send 10% and 10% to the DeadLetterQueue.",
            "Send 10 percent and 10 percent to the Dead Letter Queue.",
        ),
        Change("a.md:2", "Then 5% more.", "Then 5 percent more."),
    ]
    lines = review_lines(changes)
    assert lines[:2] == [
        "  percentages: 2 sentence(s), 2 different change(s)",
        "      10% → 10 percent (2×), 5% → 5 percent",
    ]
    assert lines[2:4] == [
        "      e.g. a.md:1: Send 10% and 10% to the DeadLetterQueue.",
        "           said: Send 10 percent and 10 percent to the Dead Letter Queue.",
    ]
    assert "  identifiers (joined words said apart): 1 sentence(s), 1 different change(s)" in lines
