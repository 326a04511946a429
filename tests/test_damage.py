"""Damaged build outputs are made again, never published: episodes/ is verified on every build, the site
holds copies of its own, and the gate checks an MP3's bytes against its Info frame."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from .conftest import AS_OF, run

pytestmark = pytest.mark.slow


@pytest.fixture
def project(copy_of_built: Path) -> Path:
    return copy_of_built


def digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
    }


def damage_truncated(path: Path) -> None:
    with open(path, "r+b") as handle:  # in place: the same inode, as a failing disk or an editor would
        handle.truncate(path.stat().st_size // 2)


def damage_random(path: Path) -> None:
    path.write_bytes(os.urandom(200_000))


def damage_text(path: Path) -> None:
    path.write_text("garbage")


@pytest.mark.parametrize(
    ("suffix", "damage"), [(".mp3", damage_truncated), (".mp3", damage_random), (".vtt", damage_text)]
)
def test_a_damaged_build_output_is_made_again_and_never_published(project: Path, suffix, damage):
    episodes, published = project / "episodes", project / "feed" / "episodes"
    before, site_before = digests(episodes), digests(published)
    target = next(episodes.glob(f"queues-basics-*{suffix}"))
    damage(target)

    status = run(project, "status", "--as-of", AS_OF).output
    assert "queues-basics: tag (output damaged: its bytes differ from what the step wrote)" in status
    result = run(project, "build", "--as-of", AS_OF)
    assert result.exit_code == 0 and "queues-basics: tag" in result.output, result.output
    assert digests(episodes) == before  # made again, byte for byte
    assert digests(published) == site_before  # the published copies never changed
    assert run(project, "status", "--as-of", AS_OF).output.strip() == "All 2 episodes are up to date."
    assert run(project, "validate").exit_code == 0


def test_the_site_holds_copies_of_its_own(project: Path):
    for path in (project / "feed" / "episodes").iterdir():
        assert not os.path.samefile(path, project / "episodes" / path.name)


def test_the_gate_finds_a_published_mp3_cut_short(project: Path):
    published = next((project / "feed" / "episodes").glob("*.mp3"))
    damage_truncated(published)
    result = run(project, "validate")
    assert result.exit_code == 8
    assert "its Info frame declares" in result.output and "build the episode again" in result.output


@pytest.mark.parametrize("content", ["", "garbage", "null", '{"chapters": []}'])
def test_a_damaged_master_record_is_made_again_not_a_traceback(project: Path, content: str):
    record = project / ".cache" / "episodes" / "queues-basics" / "master.json"
    record.write_text(content)
    status = run(project, "status", "--as-of", AS_OF).output
    assert "queues-basics: master (output damaged: its bytes differ from what the step wrote)" in status
    result = run(project, "build", "--as-of", AS_OF)
    assert result.exit_code == 0 and "queues-basics: master" in result.output, result.output
    assert run(project, "status", "--as-of", AS_OF).output.strip() == "All 2 episodes are up to date."


def test_scratch_space_is_under_the_project_and_a_killed_builds_is_removed(project: Path):
    leftover = project / ".cache" / "scratch" / "master-abc123"
    leftover.mkdir(parents=True)
    (leftover / "shaped.f32").write_bytes(bytes(1000))
    result = run(project, "build", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert not leftover.exists()


def test_a_deleted_registry_is_rebuilt_from_the_feed_and_written_back(project: Path):
    registry = project / "episodes" / "registry.json"
    before = registry.read_text()
    registry.unlink()
    result = run(project, "build", "--as-of", AS_OF)
    assert result.exit_code == 0 and result.output.startswith("Nothing to do"), result.output
    assert registry.read_text() == before  # every GUID and first day, back as they were


def test_report_marks_a_damaged_loudness_report(project: Path):
    report = next((project / "episodes").glob("queues-basics-*.loudness.json"))
    report.write_text("garbage")
    result = run(project, "report")
    assert result.exit_code == 0, result.output
    assert "damaged report: `certquests build` makes it again" in result.output
    assert "topics-basics" in result.output  # the others are still shown


def test_a_write_error_while_publishing_says_what_state_the_site_is_in(project: Path, monkeypatch):
    from pipeline.stages import publish

    def full(source: object, target: object) -> None:
        raise OSError(28, "No space left on device", str(target))

    before = (project / "feed" / "feed.xml").read_bytes()
    lesson = project / "content" / "lessons" / "01-queues.md"
    lesson.write_text(lesson.read_text().replace("title: Queues in one minute", "title: Queues in a minute"))
    monkeypatch.setattr(publish.os, "replace", full)
    result = run(project, "build", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert (
        "No space left on device; every published file is whole, the old version or the new" in result.output
    )
    assert "nothing already published was changed" not in result.output
    assert (project / "feed" / "feed.xml").read_bytes() == before
