"""`certquests status` estimates the audio a build will make within 10% of what it makes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from .conftest import AS_OF, run

pytestmark = pytest.mark.slow


def test_the_estimate_is_within_a_tenth_of_the_audio_made(built: Path, tmp_path: Path):
    project = tmp_path / "copy"
    shutil.copytree(built, project)
    shutil.rmtree(project / ".cache")
    status = run(project, "status", "--as-of", AS_OF).output
    estimated = float(re.search(r"about ([\d.]+) min of audio to synthesize", status).group(1))
    made = (
        sum(json.loads(p.read_text())["duration_s"] for p in (built / "episodes").glob("*.loudness.json"))
        / 60
    )
    assert abs(estimated - made) <= 0.1 * made, (estimated, made)
