"""Pace and pitch of each voice of the show: words a minute inside sentences, and median pitch.

    python3 benchmarks/voices.py [--project PATH] [--lines N] [--rate ROLE=RATE ...]

Synthesizes N lines of the course per role (spread evenly over its episodes) with that role's voice, trims
each line of the engine's own silence as the build does, and prints the words of the lines' transcript text
per minute of that audio (so the pauses between sentences are not counted), the rate that would give 155
words a minute, and the median pitch of the voiced frames (Praat's pitch tracker, through parselmouth), with
the distance between the roles' medians in semitones.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path

import numpy as np

from pipeline.graph.plan import plan_episodes, read_project
from pipeline.model.project import Project
from pipeline.speech import SAMPLE_RATE, get_engine
from pipeline.speech.voicer import trim_silence

ROOT = Path(__file__).resolve().parents[1]
TARGET = 155.0  # words a minute, the middle of 150-160


def median_pitch(samples: list[np.ndarray]) -> float:
    """Median F0 in Hz of the voiced frames of all the samples."""
    import parselmouth

    values = []
    for sound in samples:
        pitch = parselmouth.Sound(sound.astype(np.float64), SAMPLE_RATE).to_pitch(
            pitch_floor=60, pitch_ceiling=500
        )
        frequencies = pitch.selected_array["frequency"]
        values.append(frequencies[frequencies > 0])
    return float(np.median(np.concatenate(values)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--lines", type=int, default=60, help="lines per role")
    parser.add_argument("--rate", action="append", default=[], help="ROLE=RATE, to try another rate")
    args = parser.parse_args()
    context = plan_episodes(read_project(Project(args.project))).context
    rates = {role: float(rate) for role, _, rate in (item.partition("=") for item in args.rate)}
    by_role: dict[str, list] = {}
    for episode in context.episodes:
        for line in episode.spoken.lines:
            by_role.setdefault(line.role, []).append(line)
    medians = {}
    for role, lines in sorted(by_role.items()):
        voice = context.show.voices[role]
        if role in rates:
            voice = dataclasses.replace(voice, rate=rates[role])
        chosen = [lines[round(i * (len(lines) - 1) / max(1, args.lines - 1))] for i in range(args.lines)]
        engine = get_engine(voice.engine)
        audio = [trim_silence(np.asarray(engine.synthesize(line.spoken, voice))) for line in chosen]
        words = sum(len(line.text.split()) for line in chosen)
        seconds = sum(len(a) for a in audio) / SAMPLE_RATE
        pace = words / (seconds / 60)
        medians[role] = median_pitch(audio)
        print(
            f"{role}: {voice.engine} {voice.voice} at rate {voice.rate:g}: {pace:.1f} words a minute inside "
            f"sentences ({words} words, {seconds:.1f} s, {len(chosen)} lines); for {TARGET:g}: rate "
            f"{voice.rate * TARGET / pace:.3f}; median pitch {medians[role]:.1f} Hz"
        )
    roles = sorted(medians)
    for index, first in enumerate(roles):
        for second in roles[index + 1 :]:
            apart = abs(12 * math.log2(medians[first] / medians[second]))
            print(f"median pitch {first} vs {second}: {apart:.1f} semitones apart")


if __name__ == "__main__":
    main()
