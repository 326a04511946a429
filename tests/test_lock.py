"""The build lock: one build at a time, and a lock file that can never be turned against another file."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest

from pipeline.errors import CertQuestsError, LockedError
from pipeline.graph.lock import BuildLock
from pipeline.model.project import Project


def test_a_second_lock_is_refused_naming_the_holder(tmp_path: Path):
    project = Project(tmp_path)
    with BuildLock(project), pytest.raises(LockedError, match=r"running \(pid \d+\)"):
        BuildLock(project).__enter__()
    with BuildLock(project):  # released on exit
        pass


def test_a_symlinked_lock_is_refused_and_its_target_left_alone(tmp_path: Path):
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    project = Project(tmp_path / "project")
    project.cache.mkdir(parents=True)
    (project.cache / "build.lock").symlink_to(outside)
    with pytest.raises(CertQuestsError, match=r"is a symbolic link; .* delete it"):
        BuildLock(project).__enter__()
    assert outside.read_text() == "keep me"


def test_a_hard_linked_lock_never_changes_the_file(tmp_path: Path):
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    project = Project(tmp_path / "project")
    project.cache.mkdir(parents=True)
    (project.cache / "build.lock").hardlink_to(outside)
    with BuildLock(project):
        assert outside.read_text() == "keep me"
    assert outside.read_text() == "keep me"


def test_the_holder_file_is_replaced_not_followed(tmp_path: Path):
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    project = Project(tmp_path / "project")
    project.cache.mkdir(parents=True)
    (project.cache / "build.holder").symlink_to(outside)
    with BuildLock(project):
        assert (project.cache / "build.holder").read_text().startswith("pid ")
    assert outside.read_text() == "keep me"


def test_the_lock_is_a_real_flock(tmp_path: Path):
    project = Project(tmp_path)
    with BuildLock(project), open(project.cache / "build.lock") as other, pytest.raises(BlockingIOError):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
