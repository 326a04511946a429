"""A change of audio tools (another ffmpeg, a numpy upgrade) keeps the published episodes, and says so."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from pipeline.stages import master

from .conftest import AS_OF, run

pytestmark = pytest.mark.slow


def audio_files(project: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (project / "episodes").glob("*.mp3")}


def test_new_tools_keep_every_published_byte_until_asked(built: Path, tmp_path: Path, monkeypatch):
    project = tmp_path / "copy"
    shutil.copytree(built, project)
    before = audio_files(project)
    feed = (project / "feed" / "feed.xml").read_bytes()
    # Another ffmpeg on PATH, which reports a new version (the plan memo asks the tools again only when the
    # ffmpeg it would find or the installed packages changed).
    monkeypatch.setattr(master, "system_ffmpeg_stamp", lambda: (("/opt/ffmpeg-99/ffmpeg", 1, 2), None))
    monkeypatch.setattr(master, "tool_versions", lambda: ("ffmpeg version 99.0", "numpy 9.9"))

    result = run(project, "build", "--as-of", AS_OF)
    assert result.exit_code == 0 and result.output.startswith("Nothing to do"), result.output
    assert audio_files(project) == before and (project / "feed" / "feed.xml").read_bytes() == feed

    status = run(project, "status", "--as-of", AS_OF).output
    assert "All 2 episodes are up to date." in status
    assert "tools changed; 2 built episode(s) kept as they are" in status and "--remaster" in status
    explained = run(project, "explain", "master:queues-basics").output
    assert explained.startswith("master:queues-basics: up to date")
    assert "tools" in explained and "changed, kept (--remaster redoes it)" in explained

    redone = run(project, "build", "--as-of", AS_OF, "--remaster")
    assert redone.exit_code == 0 and "master 2" in redone.output, redone.output
    assert "kept as they are" not in run(project, "status", "--as-of", AS_OF).output
