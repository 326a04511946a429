"""What certquests trusts: the project's sources, not its `.cache/`, not a target folder's other files, not a
web page that reaches the preview server. Each test here is an attack a hostile or careless user could make
on a small fresh project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import AS_OF, run


def outside_folder(tmp_path: Path) -> Path:
    """A folder beside the project holding someone's files, one of them hidden with three dots in its name."""
    folder = tmp_path / "someone-elses"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    (folder / ".env.production.local").write_text("SECRET=1")
    (folder / "sub").mkdir()
    (folder / "sub" / "more.txt").write_text("keep me too")
    return folder


def untouched(folder: Path) -> None:
    assert (folder / "notes.txt").read_text() == "keep me"
    assert (folder / ".env.production.local").read_text() == "SECRET=1"
    assert (folder / "sub" / "more.txt").read_text() == "keep me too"


@pytest.mark.slow
@pytest.mark.parametrize(
    "link", [".cache/scratch", ".cache", ".cache/episodes/queues-basics", ".cache/speech/ab", "feed/episodes"]
)
def test_a_linked_folder_of_the_tool_is_refused_and_what_it_points_at_is_kept(
    link: str, copy_of_built: Path, tmp_path: Path
):
    outside = outside_folder(tmp_path)
    place = copy_of_built / link
    if place.is_dir():
        os.rename(place, place.with_name(place.name + "-moved"))
    place.parent.mkdir(parents=True, exist_ok=True)
    place.symlink_to(outside, target_is_directory=True)
    result = run(copy_of_built, "build", "--as-of", AS_OF)
    untouched(outside)
    if (
        link == ".cache/speech/ab"
    ):  # a sentence folder is only ever written into, and a no-op build writes none
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1, result.output
    assert f"{link}: is a symbolic link" in result.output and f"rm {link}" in result.output
    assert "Traceback" not in result.output
