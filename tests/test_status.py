"""`certquests status` estimates the speech a build will synthesize within 10% of what it makes."""

from __future__ import annotations

import bisect
import itertools
import json
import re
import shutil
from pathlib import Path

import pytest

from .conftest import AS_OF, run

pytestmark = pytest.mark.slow


def _speech_seconds(record: dict, seen: set[tuple[str, str]]) -> float:
    """The sentences of one built episode not in `seen` and the pauses after them inside their chapters: what
    was synthesized (a sentence said alike in two places is made once), without the cues and the music bed."""
    starts = [chapter["start"] for chapter in record["chapters"]]
    cues = record["cues"]
    total = 0.0
    for cue, following in itertools.pairwise([*cues, None]):
        said = (cue["role"], cue["text"])
        if said in seen:
            continue
        seen.add(said)
        total += cue["end"] - cue["start"]
        if following and bisect.bisect_right(starts, cue["start"]) == bisect.bisect_right(
            starts, following["start"]
        ):
            total += following["start"] - cue["end"]
    return total


def test_the_estimate_is_within_a_tenth_of_the_speech_made(built: Path, tmp_path: Path):
    project = tmp_path / "copy"
    shutil.copytree(built, project)
    shutil.rmtree(project / ".cache")
    status = run(project, "status", "--as-of", AS_OF).output
    estimated = float(re.search(r"about ([\d.]+) min of audio to synthesize", status).group(1))
    records = list((built / ".cache" / "episodes").glob("*/master.json"))
    assert records
    seen: set[tuple[str, str]] = set()
    made = sum(_speech_seconds(json.loads(path.read_text()), seen) for path in records) / 60
    assert abs(estimated - made) <= 0.1 * made, (estimated, made)
