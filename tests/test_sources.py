"""Sources as producers' editors write them: a byte-order mark, old Mac line endings, a file far too big."""

from __future__ import annotations

import resource
from pathlib import Path

from .conftest import run


def test_a_byte_order_mark_in_the_show_config_and_the_quiz_is_read_as_text(project: Path):
    for name in ("show.toml", "quiz.yaml"):
        path = project / "content" / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = run(project, "check")
    assert result.exit_code == 0, result.output


def test_a_lesson_with_cr_line_endings_reads_like_any_other(project: Path):
    path = project / "content" / "lessons" / "01-queues.md"
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    result = run(project, "check")
    assert result.exit_code == 0, result.output


def test_a_lesson_of_gigabytes_is_refused_without_being_read(project: Path):
    huge = project / "content" / "lessons" / "03-huge.md"
    with open(huge, "wb") as handle:
        handle.truncate(3 * 1024**3)  # sparse: three gigabytes that take no disk space
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = run(project, "check")
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.exit_code == 3
    assert "content/lessons/03-huge.md: file is 3145728 KiB; a lesson may be at most 512 KiB" in result.output
    assert grown_mib < 100  # the file was never read into memory


def test_a_lexicon_pattern_that_backtracks_without_end_is_named_not_run_forever(project: Path):
    lexicon = project / "content" / "lexicon.toml"
    lexicon.write_text(
        lexicon.read_text().replace("[patterns]", "[patterns]\n'(a|aa)+$' = 'many'", 1)
        if "[patterns]" in lexicon.read_text()
        else lexicon.read_text() + "\n[patterns]\n'(a|aa)+$' = 'many'\n"
    )
    lesson = project / "content" / "lessons" / "01-queues.md"
    lesson.write_text(lesson.read_text() + "\nThe sound of it is " + "a" * 40 + "!\n")
    for command in ("check", "status"):
        result = run(project, command)
        assert result.exit_code == 2, result.output
        assert "content/lexicon.toml: [patterns] '(a|aa)+$' takes over 0.5 s" in result.output
