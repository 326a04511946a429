from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.model.art import draw_cover

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
AS_OF = "2026-12-01"


@functools.cache
def cover_png() -> bytes:
    """The fixture's cover art, drawn once per run: drawing it takes a quarter of a second."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cover.png"
        draw_cover("Mini Course: Testing", "", path)
        return path.read_bytes()


def make_project(tmp: Path) -> Path:
    """A fresh copy of the two-lesson fixture project, with its cover drawn."""
    project = tmp / "mini"
    shutil.copytree(FIXTURE, project)
    cover = project / "content" / "art" / "cover.png"
    cover.parent.mkdir(parents=True, exist_ok=True)
    cover.write_bytes(cover_png())
    return project


def add_question(project: Path, lesson_id: str, question_id: str = "q3") -> None:
    """Give a new lesson the quiz question every lesson needs."""
    quiz = project / "content" / "quiz.yaml"
    quiz.write_text(
        quiz.read_text() + f"- id: {question_id}\n  lesson: {lesson_id}\n  domain: basics\n"
        "  question: Q?\n  options:\n    A: one\n    B: two\n  answer: A\n  explanation: E.\n"
    )


def run(project: Path, *args: str):
    """Run the CLI as a producer would; returns click's Result (exit_code, output). An exception the CLI does
    not turn into a message is raised here and fails the test (test_bad_inputs checks, in a real process,
    that a producer's error reaches them as a message and never as a traceback)."""
    return CliRunner().invoke(main, ["--project", str(project), *args], catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


@pytest.fixture
def copy_of_built(built: Path, tmp_path: Path) -> Path:
    """A copy of the built fixture project that a test may change."""
    project = tmp_path / "copy"
    shutil.copytree(built, project)
    return project


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The fixture project built once with the real engine and real ffmpeg, shared by the read-only tests."""
    project = make_project(tmp_path_factory.mktemp("built"))
    result = run(project, "build", "--as-of", AS_OF, "--jobs", "2")
    assert result.exit_code == 0, result.output
    return project
