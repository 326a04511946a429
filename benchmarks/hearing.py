"""How well one role's voice is heard, under the show's settings and others: word error rate, pace and pitch.

    python3 benchmarks/hearing.py [--project PATH] [--role cohost] [--lines N] [--model base]
        [--try "noise_scale=0.5,noise_w=0.6" ...]

Takes N of the role's lines spread evenly over the course, voices them as a build does (each line's spoken
form, trimmed of the engine's own silence, the show's sentence pause between lines) once with the show's own
settings and once per `--try`, and hears each run back in one piece with Whisper, told nothing. Prints per
setting the word error rate (scored as the proof-listen scores: Whisper's normalizer on both sides, the
transcript text as the reference, and apart the share of errors that only split or join words), the words a
minute inside lines and the median pitch, so a change to a voice is taken only when it is heard no worse.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path

import numpy as np
from voices import median_pitch  # beside this script

from pipeline.audio.recognize import Recognizer
from pipeline.graph.plan import plan_episodes, read_project
from pipeline.listening.hearing import _words, normalizer
from pipeline.model.project import Project
from pipeline.speech import SAMPLE_RATE, get_engine
from pipeline.speech.voicer import trim_silence

ROOT = Path(__file__).resolve().parents[1]


def _setting(text: str) -> dict[str, float]:
    pairs = (item.partition("=") for item in text.split(",") if item.strip())
    return {name.strip(): float(value) for name, _, value in pairs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--role", default="cohost")
    parser.add_argument("--lines", type=int, default=80)
    parser.add_argument("--model", default="base")
    parser.add_argument("--try", dest="tries", action="append", default=[], help="NAME=VALUE,... to try")
    args = parser.parse_args()
    import jiwer
    import soundfile

    context = plan_episodes(read_project(Project(args.project))).context
    lines = [line for episode in context.episodes for line in episode.spoken.lines if line.role == args.role]
    chosen = [lines[round(i * (len(lines) - 1) / max(1, args.lines - 1))] for i in range(args.lines)]
    voice = context.show.voices[args.role]
    engine = get_engine(voice.engine)
    normalize = normalizer()
    recognizer = Recognizer(args.model)
    reference = [word for line in chosen for word in _words(normalize, line.text)]
    gap = np.zeros(round(context.show.audio.sentence_pause * SAMPLE_RATE), dtype=np.float32)
    print(f"{len(chosen)} {args.role} lines ({len(reference)} words), {voice.engine}:{voice.voice}")
    with tempfile.TemporaryDirectory() as folder:
        for setting in ["", *args.tries]:
            tried = dataclasses.replace(voice, **_setting(setting))
            audio = [trim_silence(np.asarray(engine.synthesize(line.spoken, tried))) for line in chosen]
            path = Path(folder) / "lines.wav"
            soundfile.write(path, np.concatenate([p for sound in audio for p in (sound, gap)]), SAMPLE_RATE)
            said = " ".join(item.text for item in recognizer.transcribe(path).words)
            heard = _words(normalize, said)
            result = jiwer.process_words(" ".join(reference), " ".join(heard))
            errors = result.substitutions + result.deletions + result.insertions
            joined = jiwer.process_words("".join(reference), "".join(heard))
            spacing = "" if joined.wer else " (every error only in spacing)"
            seconds = sum(len(sound) for sound in audio) / SAMPLE_RATE
            pace = sum(len(line.text.split()) for line in chosen) / (seconds / 60)
            print(
                f"{setting or 'show settings':32} word error rate {errors / len(reference):6.2%} "
                f"({errors} of {len(reference)}){spacing}; {pace:.1f} words a minute; "
                f"median pitch {median_pitch(audio):.1f} Hz"
            )


if __name__ == "__main__":
    main()
