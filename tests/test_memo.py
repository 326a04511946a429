"""Digest-first planning: what an unchanged lesson was planned into is taken from the memo, never parsed or
scripted again, and a memo plan is the same plan as one made from the sources."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from pipeline.ffmpeg import system_ffmpeg_stamp
from pipeline.graph.plan import plan_episodes, read_project
from pipeline.model import course as course_module
from pipeline.model.memo import MEMO_NAME, environment_stamp
from pipeline.model.project import Project
from pipeline.stages import script as script_stage
from pipeline.stages.synth import Speech

from .conftest import run


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The lessons parsed and the episodes scripted in a run, by id or file name."""
    calls: dict[str, list[str]] = {"parsed": [], "scripted": []}
    parse, build = course_module.parse_lesson, script_stage.build_script

    def parse_lesson(path, project, show):
        calls["parsed"].append(path.name)
        return parse(path, project, show)

    def build_script(lesson, *args, **kwargs):
        calls["scripted"].append(lesson.id)
        return build(lesson, *args, **kwargs)

    monkeypatch.setattr(course_module, "parse_lesson", parse_lesson)
    monkeypatch.setattr(script_stage, "build_script", build_script)
    return calls


def keys(project: Path) -> dict[str, dict[str, str]]:
    plan = plan_episodes(read_project(Project(project)))
    return {episode: {s.stage: s.key for s in steps} for episode, steps in plan.episodes.items()}


def test_an_unchanged_course_is_planned_without_parsing(project: Path, counted):
    assert run(project, "script").exit_code == 0
    assert sorted(counted["parsed"]) == ["01-queues.md", "02-topics.md"]
    counted["parsed"].clear()
    counted["scripted"].clear()
    result = run(project, "script")
    assert result.exit_code == 0, result.output
    assert counted == {"parsed": [], "scripted": []}


def test_an_edited_lesson_alone_is_parsed_and_scripted_again(project: Path, counted):
    run(project, "script")
    counted["parsed"].clear()
    counted["scripted"].clear()
    lesson = project / "content" / "lessons" / "02-topics.md"
    lesson.write_text(lesson.read_text().replace("One message, many readers.", "One message, many copies."))
    assert run(project, "script").exit_code == 0
    assert counted == {"parsed": ["02-topics.md"], "scripted": ["topics-basics"]}
    assert "One message, many copies." in (project / "scripts" / "topics-basics.txt").read_text()


def test_a_lexicon_change_rescripts_without_reparsing(project: Path, counted):
    run(project, "script")
    counted["parsed"].clear()
    counted["scripted"].clear()
    lexicon = project / "content" / "lexicon.toml"
    text = lexicon.read_text().replace('spell = ["FIFO"]', "")
    lexicon.write_text(text.replace("[say]", '[say]\n"FIFO" = "fife oh"'))
    assert run(project, "script").exit_code == 0
    assert counted["parsed"] == []
    assert sorted(counted["scripted"]) == ["queues-basics", "topics-basics"]
    assert "fife oh" in (project / "scripts" / "queues-basics.txt").read_text()


def test_a_show_config_change_plans_everything_again(project: Path, counted):
    run(project, "script")
    counted["parsed"].clear()
    config = project / "content" / "show.toml"
    config.write_text(config.read_text().replace('name = "Guest"', 'name = "Visitor"'))
    assert run(project, "script").exit_code == 0
    assert sorted(counted["parsed"]) == ["01-queues.md", "02-topics.md"]
    assert "VISITOR:" in (project / "scripts" / "queues-basics.txt").read_text()


def test_the_memo_plan_is_the_plan_made_from_the_sources(project: Path):
    fresh = keys(project)
    assert (project / ".cache" / MEMO_NAME).is_file()
    assert keys(project) == fresh
    (project / ".cache" / MEMO_NAME).unlink()
    assert keys(project) == fresh


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05K\x01."])
def test_a_damaged_memo_is_an_empty_one(project: Path, counted, damage: bytes):
    fresh = keys(project)
    (project / ".cache" / MEMO_NAME).write_bytes(damage)
    counted["parsed"].clear()
    assert keys(project) == fresh
    assert len(counted["parsed"]) == 2


def test_a_problem_found_once_is_found_again(project: Path):
    """Nothing with a problem is remembered: the second run reports it as the first did."""
    lesson = project / "content" / "lessons" / "02-topics.md"
    lesson.write_text(lesson.read_text().replace("module: 1", "module: 9"))
    first, second = run(project, "check"), run(project, "check")
    assert first.exit_code == second.exit_code == 3
    assert "02-topics.md:3" in first.output
    assert first.output == second.output


def test_an_unchanged_episode_is_planned_without_loading_its_script(project: Path):
    assert run(project, "script").exit_code == 0
    remembered = plan_episodes(read_project(Project(project)))
    assert [episode.script for episode in remembered.context.episodes] == [None, None]
    (project / ".cache" / MEMO_NAME).unlink()
    fresh = plan_episodes(read_project(Project(project)))
    for loaded, made in zip(remembered.context.episodes, fresh.context.episodes):
        assert loaded.spoken == made.spoken  # loaded on demand, the same script
        assert loaded.script_text == made.script_text
        assert loaded.planned == made.planned
        heard, said = remembered.products.of(Speech, loaded.id), fresh.products.of(Speech, made.id)
        assert heard.keys == said.keys


def test_the_tools_are_asked_again_when_another_ffmpeg_or_package_would_be_found(tmp_path: Path, monkeypatch):
    system_ffmpeg_stamp.cache_clear()
    before = system_ffmpeg_stamp()
    other = tmp_path / "ffmpeg"
    other.write_text("#!/bin/sh\necho 'ffmpeg version 99'\n")
    other.chmod(0o755)
    monkeypatch.setenv("CERTQUESTS_FFMPEG", str(other))
    system_ffmpeg_stamp.cache_clear()
    assert system_ffmpeg_stamp() != before
    system_ffmpeg_stamp.cache_clear()

    packages = tmp_path / "site-packages"
    packages.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(packages)])
    stamp = environment_stamp()
    time.sleep(0.01)
    (packages / "numpy-9.9.dist-info").mkdir()  # what installing a package does to its folder
    assert environment_stamp() != stamp
