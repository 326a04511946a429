"""Lesson and quiz parsing: what producers write, and the errors they get when it is wrong."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from pipeline.model.course import load_course, parse_lesson
from pipeline.model.project import Project
from pipeline.model.show import load_show
from pipeline.spelling import spelled

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


@pytest.mark.parametrize(
    "front, expected",
    [
        (
            "id: x\nmodule: 9\nlesson: 1\ntitle: T\ndomain: basics\nsummary: S",
            ":3: front matter: module 9 is not defined",
        ),
        (
            "id: Bad/../id\nmodule: 1\nlesson: 1\ntitle: T\ndomain: basics\nsummary: S",
            ":2: front matter: 'id' must be",
        ),
        ("module: 1\nlesson: 1\ntitle: T\ndomain: basics\nsummary: S", "'id' missing"),
        (
            "id: x\nmodule: 1\nlesson: 1\ntitle: T\ndomain: nope\nsummary: S",
            ":6: front matter: unknown domain 'nope'",
        ),
        (
            "id: x\nmodule: 1\nlesson: 1\ntitle: T\nsummary: S",
            ":1: front matter: 'domain' missing; add 'domain: ...' with one of basics",
        ),
        (
            "id: x\nmodule: 1\nlesson: 1\ntitel: T\ndomain: basics\nsummary: S",
            "unknown key 'titel' (did you mean 'title'?)",
        ),
        ("id: x\nmodule: 1\nlesson: 1\ntitle: a: b: c\ndomain: basics\nsummary: S", "invalid YAML"),
    ],
)
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
    quiz.write_text(
        quiz.read_text() + "- id: q3\n  lesson: ghost\n  domain: basics\n  question: Q?\n"
        "  options:\n    A: one\n    B: two\n  answer: C\n  explanation: E.\n"
    )
    result = run(project, "check")
    assert result.exit_code == 3
    assert (
        "content/quiz.yaml:19: question q3: 'answer' must be exactly one of the option letters (A, B)"
        in result.output
    )


def test_lesson_without_question_is_reported(project: Path):
    quiz = project / "content/quiz.yaml"
    quiz.write_text(quiz.read_text().split("- id: q2")[0])
    result = run(project, "check")
    assert "lesson 'topics-basics' (content/lessons/02-topics.md) has no quiz question" in result.output


def test_check_lists_words_missing_from_the_lexicon(project: Path):
    write_third_lesson(project, "03-acronyms.md", "acr", "Use SQS and FIFO with JSON and SNS.\n")
    add_question(project, "acr")
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert "SNS  (content/lessons/03-acronyms.md)" in result.output
    assert "SQS  (content/lessons/03-acronyms.md)" in result.output
    assert "FIFO  (" not in result.output  # the project's lexicon has it
    assert "JSON  (" not in result.output  # the tool's technical lexicon has it


class TestShippedCourse:
    """The real course in content/: complete, consistent and in proportion."""

    @pytest.fixture(scope="class")
    def course(self):
        project = Project(REPO)
        show = load_show(project)
        return show, load_course(project, show)

    def test_it_has_a_trailer_and_24_lessons_in_8_modules(self, course):
        _, loaded = course
        kinds = [lesson.episode_type for lesson in loaded.lessons]
        assert kinds[0] == "trailer" and kinds.count("full") == 24
        full = [lesson for lesson in loaded.lessons if lesson.episode_type == "full"]
        assert sorted({(lesson.module, lesson.number) for lesson in full}) == [
            (m, n) for m in range(1, 9) for n in (1, 2, 3)
        ]

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
        assert "The voice can say every sentence." in result.output

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


@pytest.mark.parametrize(
    "name, old, new, expected, exit_code",
    [
        (
            "show.toml",
            "every_days = 7",
            "every_day = 7",
            "[schedule] unknown key 'every_day' (did you mean",
            2,
        ),
        ("lexicon.toml", "spell = [", "spel = [", ":1: unknown key 'spel' (did you mean 'spell'?)", 2),
        (
            "quiz.yaml",
            "  explanation: FIFO",
            "  explanaton: FIFO",
            "question q1: unknown key 'explanaton'",
            3,
        ),
    ],
)
def test_a_misspelt_key_is_named_with_the_intended_one_in_every_source(
    project: Path, name: str, old: str, new: str, expected: str, exit_code: int
):
    source = project / "content" / name
    assert old in source.read_text()
    source.write_text(source.read_text().replace(old, new, 1))
    result = run(project, "check")
    assert result.exit_code == exit_code, result.output
    assert f"content/{name}:" in result.output and expected in result.output


def test_every_problem_in_one_table_is_reported_with_its_line(project: Path):
    config = project / "content/show.toml"
    config.write_text(
        config.read_text().replace("answer_pause = 1.5", "answer_pause = 99\nbitrate = 192\nmusic = 1")
    )
    result = run(project, "check")
    assert result.exit_code == 2
    for line, message in (
        (17, "answer_pause: must be between 0.5 and 30.0, got 99"),
        (18, "bitrate: must be one of 64, 80, 96 (kbps)"),
        (19, "music: must be true or false"),
    ):
        assert f"content/show.toml:{line}: [audio] {message}" in result.output


def test_a_trailer_needs_no_module_but_a_lesson_does(project: Path):
    write(project, "00-trailer.md", "---\nid: trailer\ntype: trailer\ntitle: T\nsummary: S\n---\n\nHello.\n")
    show = load_show(Project(project))
    trailer, problems = parse_lesson(project / "content/lessons/00-trailer.md", Project(project), show)
    assert problems == [] and trailer is not None
    assert (trailer.module, trailer.number, trailer.domain) == (0, 0, "")
    write(project, "03-full.md", "---\nid: full\ntitle: T\nsummary: S\n---\n\nHello.\n")
    result = run(project, "check")
    for key in ("module", "lesson", "domain"):
        assert (
            f"content/lessons/03-full.md:1: front matter: '{key}' missing; add '{key}: ..." in result.output
        )


def test_a_date_the_calendar_lacks_is_reported(project: Path):
    write(
        project,
        "03-date.md",
        "---\nid: d\nmodule: 1\nlesson: 3\ntitle: T\ndomain: basics\nsummary: S\n"
        "publish: 2026-02-30\n---\n\nText.\n",
    )
    result = run(project, "check")
    assert result.exit_code == 3
    assert "content/lessons/03-date.md:1: front matter: day is out of range for month" in result.output


def test_quiz_values_stay_text(project: Path):
    quiz = project / "content/quiz.yaml"
    quiz.write_text(quiz.read_text().replace("A: Standard", "A: Yes").replace("B: FIFO", "B: No"))
    show = load_show(Project(project))
    course = load_course(Project(project), show)
    assert course.questions[0].options == (("A", "Yes"), ("B", "No"))
    assert course.questions[0].answer_text == "No"


def test_the_models_keep_the_text_cache_keys_are_made_of(project: Path):
    show = load_show(Project(project))
    assert spelled(show.audio) == (
        "Audio(loudness=-19.0, true_peak=-1.0, channels=1, bitrate=96, sample_rate=44100, "
        "sentence_pause=0.2, paragraph_pause=0.4, section_pause=0.6, answer_pause=1.5, music=True)"
    )
    assert [spelled(domain) for domain in show.domains] == [
        "Domain(id='basics', title='Basics', weight=100.0)"
    ]
    assert [voice.settings for voice in show.voices.values()] == [
        ("hibari", "heart", 1.0),
        ("piper", "joe", 0.9),
    ]
    assert hash(show) == hash(dataclasses.replace(show, source=""))
    assert show.base_url.endswith("/") and show.cover == project / "content/art/cover.png"


def test_a_question_needs_a_domain_only_when_the_show_defines_domains(project: Path):
    quiz = project / "content/quiz.yaml"
    quiz.write_text(quiz.read_text().replace("  domain: basics\n", "", 1))
    result = run(project, "check")
    assert result.exit_code == 3
    assert (
        "content/quiz.yaml:1: question q1: 'domain' missing; add 'domain: ...' with one of basics"
        in result.output
    )
    config = project / "content/show.toml"
    config.write_text(
        config.read_text().replace('[[domains]]\nid = "basics"\ntitle = "Basics"\nweight = 100\n', "")
    )
    quiz.write_text(quiz.read_text().replace("  domain: basics\n", ""))
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert "2 lessons and 2 quiz questions are valid." in result.output


@pytest.mark.parametrize(
    "lines, expected",
    [
        (
            'outro = "That was {titel}."',
            "[lines] outro: {titel} is not known here; use {show}, {exam}, {title}",
        ),
        ('intro = "Hello {"', "[lines] intro: has a '{' or '}' without its pair; write {{ or }} for a brace"),
        ('next = ""', "[lines] next: must not be empty; leave the key out for the default"),
        (
            'last = "Good luck on {exam}."',
            '[lines] last: uses {exam}, but the show names no exam; set exam = "the ... exam" under [show]',
        ),
    ],
)
def test_a_bad_built_in_line_is_named_with_its_line_and_fix(project: Path, lines: str, expected: str):
    config = project / "content/show.toml"
    config.write_text(config.read_text() + f"\n[lines]\n{lines}\n")
    line = len(config.read_text().splitlines())
    result = run(project, "check")
    assert result.exit_code == 2, result.output
    assert f"content/show.toml:{line}: {expected}" in result.output
