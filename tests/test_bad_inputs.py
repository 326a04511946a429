"""The bad-input corpus (tests/bad_inputs) through `certquests check`: each bad file is reported with its
file, line and fix before any audio work. test_robustness runs the same corpus through a full build."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import run

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text())


@pytest.mark.parametrize("case", sorted(CASES), ids=sorted(CASES))
def test_check_reports_each_bad_input_with_its_place_and_fix(case: str, project: Path):
    spec = CASES[case]
    shutil.copyfile(next(CORPUS.glob(f"{case}.*")), project / spec["place"])
    result = run(project, "check")
    assert result.exit_code == spec["exit"], result.output
    for fragment in spec["expect"]:
        assert fragment in result.output, f"{fragment!r} not in:\n{result.output}"
    assert not (project / ".cache").exists() and not (project / "feed").exists()


def test_a_bad_input_reaches_the_producer_as_a_message_not_a_traceback(project: Path):
    shutil.copyfile(CORPUS / "no-front-matter.md", project / "content/lessons/03-case.md")
    done = subprocess.run(
        [sys.executable, "-c", "from pipeline.cli import main; main()", "--project", str(project), "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.startswith("Error: 1 problem(s) in the content; nothing was built\n")
    assert "content/lessons/03-case.md:1: no front matter" in done.stderr
    assert "Traceback" not in done.stderr
