"""`certquests check` finds what a build would stop on before any audio is made."""

from __future__ import annotations

from pathlib import Path

from .conftest import run


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
