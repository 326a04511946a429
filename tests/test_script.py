"""Markdown -> spoken script: sentences, speakers, pauses, chapters, the lexicon."""

from __future__ import annotations

import re

import pytest

from pipeline.model.course import load_course
from pipeline.model.lexicon import Lexicon, load_lexicon, spelled
from pipeline.model.project import Project
from pipeline.model.show import load_show
from pipeline.spoken.sentences import split_sentences
from pipeline.spoken.technical import technical
from pipeline.writing.script import build_script, render_script


@pytest.mark.parametrize(
    "text, expected",
    [
        ("One. Two! Three?", ["One.", "Two!", "Three?"]),
        ("Use e.g. a queue. Then stop.", ["Use e.g. a queue.", "Then stop."]),
        ("It costs 1.5 dollars. Node.js is fast.", ["It costs 1.5 dollars.", "Node.js is fast."]),
        ("Call J. K. Rowling. Done.", ["Call J. K. Rowling.", "Done."]),
        ("Set $LATEST. 10% of traffic moves.", ["Set $LATEST.", "10% of traffic moves."]),
    ],
)
def test_split_sentences(text, expected):
    assert [sentence for _, sentence in split_sentences(text)] == expected


def test_symbols_become_words():
    assert technical("Source → Build → Deploy") == "Source to Build to Deploy"
    assert technical("A — B & C") == "A, B and C"
    assert technical("NEW_AND_OLD_IMAGES") == "NEW AND OLD IMAGES"


LEXICON = Lexicon(
    say={
        "$LATEST": "dollar latest",
        ".fifo": "dot fife-oh",
        "DVA-C02": "D.V.A C zero two",
        "req/sec": "requests per second",
        "p99": "p ninety-nine",
        "us-east-1": "U.S East one",
        "JSON": "jay-son",
        "YAML": "yammel",
        "SSE-KMS": "S.S.E K.M.S",
        "L1": "L one",
        "L2": "L two",
        "L3": "L three",
    },
    spell=("AWS", "SQS"),
    patterns=((re.compile(r"(\d) ?KB\b"), r"\1 kilobytes"),),
)


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("Pass DVA-C02 on AWS.", "Pass D.V.A C zero two on A.W.S."),
        ("Publish $LATEST now", "Publish dollar latest now"),
        ("Name it orders.fifo", "Name it orders dot fife-oh"),
        ("Up to 4 KB per item", "Up to 4 kilobytes per item"),
        ("500 req/sec at p99", "500 requests per second at p ninety-nine"),
        ("Deploy to us-east-1", "Deploy to U.S East one"),
        ("JSON or YAML with SSE-KMS", "jay-son or yammel with S.S.E K.M.S"),
        ("L1/L2/L3 constructs", "L one/L two/L three constructs"),
        ("AWSome SQSX stays", "AWSome SQSX stays"),  # only whole tokens change
    ],
)
def test_lexicon_tricky_strings(text, spoken):
    assert LEXICON.apply(text) == spoken


def test_spelled_letters_keep_a_leading_a_a_letter():
    assert spelled("AWS") == "A.W.S"
    assert spelled("EC2") == "E.C two"


def test_unknown_tokens_skip_covered_words():
    assert LEXICON.unknown_tokens("AWS SQS DVA-C02 API and KMS") == {"API", "KMS"}


def test_script_has_intro_sections_selftest_and_outro(project):
    proj = Project(project)
    show = load_show(proj)
    course = load_course(proj, show)
    lesson = course.lesson("queues-basics")
    script = build_script(
        lesson, show, load_lexicon(project), course.questions_for(lesson.id), "Topics and fan-out"
    )
    assert [c.title for c in script.chapters] == [
        "Introduction",
        "Why queues",
        "Ordering",
        "Recap",
        "Test yourself",
        "Outro",
    ]
    assert script.chapters[1].lines[-2].role == "cohost"
    selftest = script.chapters[4].lines
    assert any(line.pause == show.audio.answer_pause for line in selftest)
    assert selftest[-2].text.startswith("The answer is B: FIFO.")
    assert "orders dot fife-oh" in " ".join(line.spoken for line in script.lines)
    assert script.chapters[-1].lines[-2].text == "Next time: Topics and fan-out."
    text = render_script(script, lesson, show)
    assert "== Test yourself" in text and "GUEST: So the queue is a buffer?" in text
    assert "[pause 1.5 s]" in text


def test_pause_marker_holds_silence_after_the_previous_sentence(project):
    lesson_path = project / "content" / "lessons" / "02-topics.md"
    lesson_path.write_text(
        lesson_path.read_text().replace(
            "Each subscriber gets its own copy.",
            "Each subscriber gets its own copy.\n\n[pause 3]\n\nThink about it.\n\n[pause]",
        )
    )
    proj = Project(project)
    show = load_show(proj)
    course = load_course(proj, show)
    script = build_script(course.lesson("topics-basics"), show, load_lexicon(project))
    lines = {line.text: line.pause for line in script.lines}
    assert lines["Each subscriber gets its own copy."] == 3.0
    assert lines["Think about it."] == show.audio.answer_pause  # a marker with no length: the answer pause
    assert "[pause" not in " ".join(line.text for line in script.lines)


def test_a_line_and_its_caption_go_on_past_an_abbreviation(project):
    lesson_path = project / "content" / "lessons" / "02-topics.md"
    written = "Hippocrates, c. 460 BC, used tools, etc. and Dr. Snow mapped them in Vol. II, cf. Fig. 3."
    lesson_path.write_text(
        lesson_path.read_text().replace(
            "Each subscriber gets its own copy.", f"Each subscriber gets its own copy. {written} Then stop."
        )
    )
    proj = Project(project)
    show = load_show(proj)
    course = load_course(proj, show)
    texts = [
        line.text for line in build_script(course.lesson("topics-basics"), show, load_lexicon(project)).lines
    ]
    assert written in texts and "Then stop." in texts


def test_code_blocks_close_together_are_announced_once(project):
    lesson_path = project / "content" / "lessons" / "02-topics.md"
    code = "```\naws sns publish\n```\n\n"
    lesson_path.write_text(
        lesson_path.read_text().replace(
            "Each subscriber gets its own copy.",
            f"Each subscriber gets its own copy.\n\n{code}One more line.\n\n{code}Far later.\n\n"
            f"And later.\n\nMuch later.\n\n{code}",
        )
    )
    proj = Project(project)
    show = load_show(proj)
    course = load_course(proj, show)
    texts = [
        line.text for line in build_script(course.lesson("topics-basics"), show, load_lexicon(project)).lines
    ]
    notice = "There is a code sample for this in the show notes."
    at = [index for index, text in enumerate(texts) if text == notice]
    assert (
        len(at) == 2 and at[1] - at[0] > 3
    )  # the second block, a line after the first, is not announced again


def script_of(project, lesson_id: str, next_title: str | None = None):
    proj = Project(project)
    show = load_show(proj)
    course = load_course(proj, show)
    lesson = course.lesson(lesson_id)
    return build_script(lesson, show, load_lexicon(project), course.questions_for(lesson_id), next_title)


def test_the_built_in_lines_speak_of_an_exam_only_when_the_show_prepares_for_one(project):
    texts = [line.text for line in script_of(project, "topics-basics").lines]
    assert texts[-1] == "Thanks for listening."
    assert not any("exam" in text.lower() for text in texts)
    config = project / "content" / "show.toml"
    config.write_text(
        config.read_text().replace('language = "en"', 'language = "en"\nexam = "the Queues exam"')
    )
    assert (
        script_of(project, "topics-basics").lines[-1].text
        == "Thanks for listening, and good luck on the Queues exam."
    )


def test_the_built_in_lines_come_from_the_show_config(project):
    config = project / "content" / "show.toml"
    config.write_text(
        config.read_text() + '\n[lines]\nintro = "Welcome to {show}, lesson {lesson}: {title}."\n'
        'selftest = "Quiz time: {questions}."\nquestion = "Number {number}."\n'
        'answer = "It is {letter}, {answer}."\noutro = "So much for {title}."\n'
        'next = "Coming up: {next}."\nlast = "Bye from {show}."\n'
    )
    lines = script_of(project, "queues-basics", "Topics and fan-out").lines
    texts = [line.text for line in lines]
    assert texts[0] == "Welcome to Mini Course: Testing, lesson 1: Queues in one minute."
    assert "Quiz time: One question." in texts
    assert next(line for line in lines if line.role == "cohost" and "Number one." in line.text)
    assert any(text.startswith("It is B, FIFO.") for text in texts)
    assert texts[-2:] == ["So much for Queues in one minute.", "Coming up: Topics and fan-out."]
    assert script_of(project, "topics-basics").lines[-1].text == "Bye from Mini Course: Testing."


POEM = (
    "Shall I compare thee to a summer's day?\n"
    "Thou art more lovely and more temperate:\n"
    "Rough winds do shake the darling buds of May,\n"
    "And summer's lease hath all too short a date\n"
)
PROSE = (
    "A topic copies each message to every subscriber, and each subscriber then gets its\n"
    "own copy of it, which it reads at its own pace without waiting for any of the others\n"
    "to finish first.\n"
)


def test_a_paragraph_written_line_by_line_is_said_line_by_line_with_a_pause_after_each(project):
    path = project / "content" / "lessons" / "02-topics.md"
    path.write_text(path.read_text().replace("Topics fan out; queues buffer.", POEM + "\n" + PROSE))
    show = load_show(Project(project))
    lines = script_of(project, "topics-basics").chapters[-3].lines  # the Recap
    assert [line.text for line in lines[1:5]] == [
        "Shall I compare thee to a summer's day?",
        "Thou art more lovely and more temperate:",
        "Rough winds do shake the darling buds of May,",
        "And summer's lease hath all too short a date.",
    ]
    assert [line.pause for line in lines[1:5]] == [show.audio.sentence_pause] * 3 + [
        show.audio.paragraph_pause
    ]
    assert [line.source for line in lines[1:5]] == [
        f"content/lessons/02-topics.md:{n}" for n in (18, 19, 20, 21)
    ]
    # prose wrapped at 80 columns is one sentence, as before
    assert lines[5].text == " ".join(PROSE.split())
