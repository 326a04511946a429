"""Measure every built episode with meters independent of the pipeline's own (pyloudnorm for integrated
loudness, 4x oversampling with scipy for true peak) and print them against the show's target.

    python3 benchmarks/loudness.py [--project PATH]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

from pipeline.ffmpeg import ffmpeg_path
from pipeline.model.project import Project
from pipeline.model.show import load_show


def measure(path: Path) -> tuple[float, float, float]:
    import pyloudnorm
    from scipy.signal import resample_poly

    raw = subprocess.run(
        [
            ffmpeg_path(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            str(path),
            "-f",
            "f32le",
            "-ac",
            "1",
            "-ar",
            "44100",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    samples = np.frombuffer(raw, dtype="<f4").astype(np.float64)
    loudness = pyloudnorm.Meter(44100).integrated_loudness(samples)
    peak = max(
        float(np.max(np.abs(resample_poly(samples[i : i + 441064], 4, 1))))
        for i in range(0, len(samples), 441000)
    )
    return loudness, 20 * math.log10(peak), len(samples) / 44100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path("."))
    args = parser.parse_args()
    project = Project(args.project.resolve())
    audio = load_show(project).audio
    worst_offset = worst_peak = -math.inf
    failures = 0
    for path in sorted(project.episodes.glob("*.mp3")):
        loudness, peak, seconds = measure(path)
        ok = abs(loudness - audio.loudness) <= 0.5 and peak <= audio.true_peak
        failures += not ok
        worst_offset, worst_peak = max(worst_offset, abs(loudness - audio.loudness)), max(worst_peak, peak)
        print(
            f"{path.name:52} {loudness:7.2f} LUFS {peak:6.2f} dBTP {seconds / 60:5.1f} min "
            f"{'ok' if ok else 'OUT'}"
        )
    print(
        f"target {audio.loudness} LUFS, ceiling {audio.true_peak} dBTP: "
        f"largest offset {worst_offset:.2f} LU, "
        f"highest true peak {worst_peak:.2f} dBTP, {failures} outside"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
