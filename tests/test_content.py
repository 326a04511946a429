"""Lesson and quiz parsing: what producers write, and the errors they get when it is wrong."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline.model.project import Project
from pipeline.model.show import load_show
from pipeline.model.course import load_course, parse_lesson

from .conftest import add_question, run

REPO = Path(__file__).resolve().parents[1]


def write(project: Path, name: str, text: str) -> Path:
    path = project / "content" / "lessons" / name
    path.write_text(text, encoding="utf-8")
    return path


def write_third_lesson(project: Path, name: str, lesson_id: str, body: str = "") -> Path:
    """A minimal lesson 3 of module 1 with `body` under its front matter."""
    front = f"---\nid: {lesson_id}\nmodule: 1\nlesson: 3\ntitle: T\ndomain: basics\nsummary: S\n---\n"
    return write(project, name, front + (f"\n{body}" if body else ""))


def test_lesson_parses_sections_quotes_and_lines(project: Path):
    proj = Project(project)
    show = load_show(proj)
    lesson, problems = parse_lesson(project / "content/lessons/01-queues.md", proj, show)
    assert problems == []
    assert lesson.id == "queues-basics" and lesson.module == 1 and lesson.number == 1
    assert [s.title for s in lesson.sections] == ["Why queues", "Ordering", "Recap"]
    quote = lesson.sections[0].blocks[1]
    assert quote.role == "cohost" and quote.text.startswith("So the queue is a buffer?")
    assert lesson.sections[0].line == 12  # file line of '## Why queues'
    assert [b.kind for b in lesson.sections[2].blocks] == ["item", "item"]


@pytest.mark.parametrize("front, expected", [
    ("id: x\nmodule: 9\nlesson: 1\ntitle: T\ndomain: basics\nsummary: S", ":3: front matter: module 9 is not defined"),
    ("id: Bad/../id\nmodule: 1\nlesson: 1\ntitle: T\ndomain: basics\nsummary: S", ":2: front matter: 'id' must be"),
    ("module: 1\nlesson: 1\ntitle: T\ndomain: basics\nsummary: S", "'id' missing"),
    ("id: x\nmodule: 1\nlesson: 1\ntitle: T\ndomain: nope\nsummary: S", ":6: front matter: unknown domain 'nope'"),
    ("id: x\nmodule: 1\nlesson: 1\ntitel: T\ndomain: basics\nsummary: S", "unknown key 'titel' (did you mean 'title'?)"),
    ("id: x\nmodule: 1\nlesson: 1\ntitle: a: b: c\ndomain: basics\nsummary: S", "invalid YAML"),
])
def test_bad_front_matter_names_file_line_and_fix(project: Path, front: str, expected: str):
    write(project, "03-bad.md", f"---\n{front}\n---\n\nSome text.\n")
    result = run(project, "check")
    assert result.exit_code == 3
    assert "content/lessons/03-bad.md" in result.output and expected in result.output
    assert "Traceback" not in result.output


def test_every_problem_is_reported_at_once(project: Path):
    write(project, "03-bad.md", "no front matter here\n")
    (project / "content/lessons/04-bad.bin.md").write_bytes(b"---\nid: x\n---\n\xff\xfe broken")
    result = run(project, "check")
    assert result.exit_code == 3
    assert "03-bad.md:1: no front matter" in result.output
    assert "04-bad.bin.md:4: not valid UTF-8" in result.output


def test_duplicate_ids_and_numbers_are_rejected(project: Path):
    text = (project / "content/lessons/01-queues.md").read_text()
    write(project, "03-copy.md", text)
    result = run(project, "check")
    assert result.exit_code == 3
    assert "id 'queues-basics' is also used by" in result.output
    assert "module 1 lesson 1 is also" in result.output


def test_empty_section_and_empty_lesson(project: Path):
    write_third_lesson(project, "03-empty.md", "empty")
    result = run(project, "check")
    assert "03-empty.md:9: the lesson has no text to speak" in result.output


def test_quiz_errors_carry_lines(project: Path):
    quiz = project / "content/quiz.yaml"
    quiz.write_text(quiz.read_text() + "- id: q3\n  lesson: ghost\n  domain: basics\n  question: Q?\n"
                    "  options:\n    A: one\n    B: two\n  answer: C\n  explanation: E.\n")
    result = run(project, "check")
    assert result.exit_code == 3
    assert "content/quiz.yaml:19: question q3: 'answer' must be exactly one of the option letters (A, B)" in result.output


def test_lesson_without_question_is_reported(project: Path):
    quiz = project / "content/quiz.yaml"
    quiz.write_text(quiz.read_text().split("- id: q2")[0])
    result = run(project, "check")
    assert "lesson 'topics-basics' (content/lessons/02-topics.md) has no quiz question" in result.output


def test_check_lists_words_missing_from_the_lexicon(project: Path):
    write_third_lesson(project, "03-acronyms.md", "acr", "Use SQS and FIFO with JSON.\n")
    add_question(project, "acr")
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert "JSON  (content/lessons/03-acronyms.md)" in result.output
    assert "SQS  (content/lessons/03-acronyms.md)" in result.output
    assert "FIFO  (" not in result.output


class TestShippedCourse:
    """The real course in content/: complete, consistent and in proportion."""

    @pytest.fixture(scope="class")
    def course(self):
        project = Project(REPO)
        show = load_show(project)
        return show, load_course(project, show)

    def test_it_has_a_trailer_and_24_lessons_in_8_modules(self, course):
        show, loaded = course
        kinds = [lesson.episode_type for lesson in loaded.lessons]
        assert kinds[0] == "trailer" and kinds.count("full") == 24
        full = [lesson for lesson in loaded.lessons if lesson.episode_type == "full"]
        assert sorted({(lesson.module, lesson.number) for lesson in full}) == [(m, n) for m in range(1, 9) for n in (1, 2, 3)]

    def test_quiz_has_60_questions_in_domain_proportion(self, course):
        show, loaded = course
        assert len(loaded.questions) == 60
        counts = {d.id: sum(1 for q in loaded.questions if q.domain == d.id) for d in show.domains}
        assert counts == {"development": 19, "security": 16, "deployment": 14, "troubleshooting": 11}
        for domain in show.domains:
            assert abs(100 * counts[domain.id] / 60 - domain.weight) < 2.0

    def test_every_question_points_at_a_real_lesson_and_every_lesson_is_tested(self, course):
        _, loaded = course
        ids = {lesson.id for lesson in loaded.lessons}
        assert all(q.lesson in ids for q in loaded.questions)
        for lesson in loaded.lessons:
            if lesson.episode_type == "full":
                assert 2 <= len(loaded.questions_for(lesson.id)) <= 3, lesson.id
        assert all(sum(1 for _, text in q.options if text) == 4 for q in loaded.questions)

    def test_lessons_are_episode_length(self, course):
        _, loaded = course
        for lesson in loaded.lessons:
            if lesson.episode_type == "full":
                words = len(lesson.body.split())
                assert 750 <= words <= 1300, (lesson.id, words)

    def test_check_passes_with_every_word_in_the_lexicon(self):
        result = run(REPO, "check")
        assert result.exit_code == 0, result.output
        assert "Every all-caps word has a pronunciation entry." in result.output

    def test_content_is_in_our_own_words(self):
        tool = REPO.parent / "shared" / "tools" / "own-words"
        if not tool.exists():
            pytest.skip("../shared/tools/own-words is not beside this checkout")
        done = subprocess.run([str(tool), "content"], cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout
        assert " 0 passages" in done.stdout


def test_a_closed_code_block_inside_a_quote_is_fine(project: Path):
    write_third_lesson(project, "03-quote.md", "quoted", "Intro.\n\n> ```\n> code\n> ```\n\nMore text.\n")
    add_question(project, "quoted")
    result = run(project, "check")
    assert result.exit_code == 0, result.output
