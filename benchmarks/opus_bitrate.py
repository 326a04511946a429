"""Choose the Opus file's bitrate by ear: encode a built episode's master at several bitrates, hear each file
and the episode's MP3 with the proof-listen's recognizer told nothing (Whisper base), and print the word error
rate, the pace heard and the size of each against the MP3's; with the energy left in the high bands (a
duller file loses it) and wideband PESQ against the master (with the `pesq` package: pip install pesq).

    python3 benchmarks/opus_bitrate.py [--project PATH] [--episode ID] [--bitrates 16,24,32,48]
                                       [--applications voip,lowdelay]

The episode is the shortest built one unless named. The lowest bitrate whose word error rate is no worse than
the MP3's and whose PESQ is "good" (4.0 or more) is the one to ship ([opus] bitrate in show.toml; the default
is OPUS_BITRATE in pipeline/model/formats.py).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.audio.chapters import ChapterCache
from pipeline.audio.mp3 import measure
from pipeline.audio.opus import (
    APPLICATION,
    OPUS_RATE,
    Track,
    _write_master,
    encode_opus,
    measure_opus,
    target_loudness,
)
from pipeline.audio.recognize import Recognizer
from pipeline.audio.vocabulary import tidied
from pipeline.graph.plan import plan_project
from pipeline.listening.hearing import normalizer, score
from pipeline.listening.proof import _spans, built_audio
from pipeline.model.project import Project


def hear(recognizer: Recognizer, normalize, path: Path, lines, record) -> tuple[float, float, int, float]:
    """Word error rate, words heard a minute, errors and recognition seconds of one file, told nothing."""
    speech = [(cue.start, cue.end) for cue in record.cues]
    heard = recognizer.transcribe(path)
    heard, _ = recognizer.fill(path, heard, speech, ())
    words = tidied(heard.words)
    scored = score(normalize, lines, words, _spans(record, heard.audio_seconds + 1.0))
    total, errors = sum(s.words for s in scored), sum(s.errors for s in scored)
    return errors / max(1, total), 60 * len(words) / heard.audio_seconds, errors, heard.seconds


PESQ_RATE = 16_000  # wideband PESQ (ITU-T P.862.2) hears 50 Hz - 7 kHz
PESQ_GOOD = 4.0  # MOS-LQO: "good" or better; below it listeners hear the coding
BANDS = ((4000, 8000), (8000, 12000))  # Hz: where sibilants and the voices' air are (they stop at 12 kHz)


def bands(path: Path) -> list[float]:
    """The energy in each of BANDS against the 100 Hz - 4 kHz band (dB), decoded as players decode it:
    a codec that dulls the voice (drops high-band energy) scores lower than the MP3."""
    from scipy.signal import welch

    samples, rate = decoded(path)
    frequencies, power = welch(samples, rate, nperseg=4096)

    def energy(low: float, high: float) -> float:
        return float(power[(frequencies >= low) & (frequencies < high)].sum())

    return [float(10 * np.log10(energy(*band) / energy(100, 4000))) for band in BANDS]


def decoded(path: Path) -> tuple[Any, int]:
    import soundfile

    samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    return samples.mean(axis=1), rate


def at_pesq_rate(samples: Any, rate: int) -> Any:
    from scipy.signal import resample_poly

    divisor = math.gcd(PESQ_RATE, rate)
    return resample_poly(samples, PESQ_RATE // divisor, rate // divisor)


def quality(reference: Any, path: Path) -> float | None:
    """Wideband PESQ of the file against the master (both at 16 kHz): the mean over 10-second excerpts, one
    every 25 seconds. None without the `pesq` package (pip install pesq)."""
    try:
        from pesq import pesq
    except ImportError:
        return None
    samples = at_pesq_rate(*decoded(path))
    length, step, span = min(len(samples), len(reference)), 25 * PESQ_RATE, 10 * PESQ_RATE
    scores = [
        pesq(PESQ_RATE, reference[start : start + span], samples[start : start + span], "wb")
        for start in range(5 * PESQ_RATE, max(5 * PESQ_RATE + 1, length - span), step)
    ]
    return sum(scores) / len(scores) if scores else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path("."))
    parser.add_argument("--episode", help="the episode's id (default: the shortest built one)")
    parser.add_argument("--bitrates", default="16,24,32,48", help="kbit/s, comma-separated")
    parser.add_argument(
        "--applications", default=APPLICATION, help="libopus modes (voip, audio, lowdelay), comma-separated"
    )
    parser.add_argument("--threads", type=int, default=2, help="the recognizer's CPU threads")
    args = parser.parse_args()
    context = plan_project(Project(args.project.resolve()), until="tag").context
    built = {e.id: (e, found) for e in context.episodes if (found := built_audio(context, e))}
    if not built:
        print("no episode is built from its current script; run `certquests build` first", file=sys.stderr)
        return 2
    if args.episode and args.episode not in built:
        print(f"{args.episode}: not built; built: {', '.join(built)}", file=sys.stderr)
        return 2
    chosen = args.episode or min(built, key=lambda i: built[i][1][1].loudness.duration_s)
    episode, (mp3, record) = built[chosen]
    folder = context.cache_dir(episode.id)
    track = Track.read(folder)
    if track is None:
        print(f"{episode.id}: no record of its master; run `certquests build`", file=sys.stderr)
        return 2
    cache = ChapterCache(folder / "chapters" / track.chapters)
    audio, lines = context.show.audio, episode.spoken.lines
    seconds = record.loudness.duration_s
    recognizer, normalize = Recognizer("base", threads=args.threads), normalizer()
    print(f"{episode.id}: {seconds:.1f} s, {len(lines)} sentences; Whisper base, unhinted")
    print("bands: energy at 4-8 and 8-12 kHz against 0.1-4 kHz, in dB against the MP3's")
    columns = ("kbit/s", 8), ("size KB", 9), ("of MP3", 8), ("WER %", 8), ("errors", 8), ("wpm", 7)
    columns += ("LUFS", 8), ("4-8k", 7), ("8-12k", 7), ("PESQ", 6)
    print(f"{'file':<18}" + "".join(f"{name:>{width}}" for name, width in columns))
    mp3_size, mp3_bands = mp3.stat().st_size, bands(mp3)
    with tempfile.TemporaryDirectory(prefix="opus-bitrate-") as scratch:
        master = Path(scratch) / "master.f32"
        _write_master(track, cache, track.mastering, master)
        reference = at_pesq_rate(np.fromfile(master, dtype="<f4"), OPUS_RATE)

    def row(name: str, path: Path, kbps: float) -> tuple[float, float]:
        wer, pace, errors, took = hear(recognizer, normalize, path, lines, record)
        size = path.stat().st_size
        loudness = (measure_opus(path) if path.suffix == ".opus" else measure(path))[0].integrated
        lost = [mine - theirs for mine, theirs in zip(bands(path), mp3_bands)]
        mos = quality(reference, path)
        print(
            f"{name:<18}{kbps:>8.1f}{size / 1000:>9.0f}{100 * size / mp3_size:>7.0f}%{100 * wer:>8.2f}"
            f"{errors:>8}{pace:>7.0f}{loudness:>8.2f}"
            + "".join(f"{value:>+7.1f}" for value in lost)
            + (f"{mos:>6.2f}" if mos is not None else f"{'-':>6}")
            + f"   (heard in {took:.0f} s)",
            flush=True,
        )
        return wer, mos if mos is not None else PESQ_GOOD

    baseline, _ = row("MP3", mp3, audio.bitrate)
    heard_as_well, good = [], []
    with tempfile.TemporaryDirectory(prefix="opus-bitrate-") as scratch:
        for application in args.applications.split(","):
            for bitrate in (int(b) for b in args.bitrates.split(",")):
                out = Path(scratch) / f"{application}-{bitrate}.opus"
                started = time.perf_counter()
                report = encode_opus(
                    track,
                    cache,
                    out,
                    bitrate=bitrate,
                    loudness=target_loudness(record.loudness.integrated_lufs, audio.channels),
                    true_peak=audio.true_peak,
                    scratch=Path(scratch),
                    what=episode.id,
                    application=application,
                )
                took = time.perf_counter() - started
                print(f"  (encoded {application} {bitrate} kbit/s in {took:.1f} s)", flush=True)
                wer, mos = row(f"Opus {application} {bitrate}", out, report.bitrate / 1000)
                if wer <= baseline:
                    heard_as_well.append((bitrate, application))
                    if mos >= PESQ_GOOD:
                        good.append((bitrate, application))
    for what, found in (("heard as well as the MP3", heard_as_well), (f"and PESQ >= {PESQ_GOOD}", good)):
        rate = min(found)[0] if found else None
        modes = ", ".join(sorted(mode for bitrate, mode in found if bitrate == rate))
        print(f"lowest bitrate {what}: " + (f"{rate} kbit/s ({modes})" if found else "none of those tried"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
