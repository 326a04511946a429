"""`certquests new PATH`: a project that passes `check` and builds as it is, with voices this machine has, and
that never writes over a project."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from pipeline.cli import main
from pipeline.model.show import Voice
from pipeline.speech import get_engine
from tests.conftest import run


def new(path: Path, *args: str):
    return CliRunner().invoke(main, ["new", str(path), *args], catch_exceptions=False)


def test_new_writes_a_project_that_check_passes(tmp_path: Path):
    root = tmp_path / "cloud-basics"
    result = new(root)
    assert result.exit_code == 0, result.output
    assert f"Next: cd {root} && certquests build" in result.output
    show = tomllib.loads((root / "content" / "show.toml").read_text())
    assert show["show"]["title"] == "Cloud Basics"
    assert show["schedule"]["every_days"] == 7
    for role, voice in show["voices"].items():  # voices this machine can speak with
        engine = get_engine(voice["engine"])
        assert engine.problem(Voice(role=role, engine=voice["engine"], voice=voice["voice"])) is None
    assert show["voices"]["host"] != show["voices"]["cohost"]
    lessons = sorted(path.name for path in (root / "content" / "lessons").iterdir())
    assert lessons == ["00-trailer.md", "01-first-lesson.md"]
    with Image.open(root / "content" / "art" / "cover.png") as cover:
        assert cover.size == (1400, 1400)
    checked = run(root, "check")
    assert checked.exit_code == 0, checked.output
    assert "2 lessons and 1 quiz questions are valid." in checked.output
    assert "The voice can say every sentence." in checked.output


def test_a_title_with_quotes_and_colons_stays_valid(tmp_path: Path):
    result = new(tmp_path / "x", "--title", 'Kafka: the "hard" parts')
    assert result.exit_code == 0, result.output
    assert tomllib.loads((tmp_path / "x" / "content" / "show.toml").read_text())["show"]["title"] == (
        'Kafka: the "hard" parts'
    )
    assert run(tmp_path / "x", "check").exit_code == 0


def test_new_never_writes_over_a_project(tmp_path: Path):
    root = tmp_path / "course"
    assert new(root).exit_code == 0
    config = root / "content" / "show.toml"
    config.write_text(config.read_text() + "# mine\n")
    result = CliRunner().invoke(main, ["new", str(root)])
    assert result.exit_code == 2
    assert "content: already exists; `certquests new` never writes over a project" in result.output
    assert config.read_text().endswith("# mine\n")


@pytest.mark.slow
def test_a_new_project_builds_first_time(tmp_path: Path):
    root = tmp_path / "fresh"
    assert new(root).exit_code == 0
    result = run(root, "build", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert (root / "feed" / "feed.xml").is_file() and (root / "feed" / "trailer.html").is_file()
    assert len(list((root / "episodes").glob("*.mp3"))) == 2
