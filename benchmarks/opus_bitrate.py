"""Choose the Opus file's bitrate by ear: encode a built episode's master at several bitrates, hear each file
and the episode's MP3 with the proof-listen's recognizer told nothing (Whisper base), and print the word error
rate, the pace heard and the size of each against the MP3's.

    python3 benchmarks/opus_bitrate.py [--project PATH] [--episode ID] [--bitrates 16,24,32,48]

The episode is the shortest built one unless named. The lowest bitrate whose word error rate is no worse than
the MP3's is the one to ship ([opus] bitrate in show.toml; the default is OPUS_BITRATE in model/show.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from pipeline.audio.chapters import ChapterCache
from pipeline.audio.mp3 import measure
from pipeline.audio.opus import Track, encode_opus, measure_opus, target_loudness
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path("."))
    parser.add_argument("--episode", help="the episode's id (default: the shortest built one)")
    parser.add_argument("--bitrates", default="16,24,32,48", help="kbit/s, comma-separated")
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
    columns = (
        ("kbit/s", 8),
        ("size KB", 9),
        ("of MP3", 8),
        ("WER %", 8),
        ("errors", 8),
        ("wpm", 7),
        ("LUFS", 8),
    )
    print(f"{'file':<12}" + "".join(f"{name:>{width}}" for name, width in columns))
    mp3_size = mp3.stat().st_size

    def row(name: str, path: Path, kbps: float) -> float:
        wer, pace, errors, took = hear(recognizer, normalize, path, lines, record)
        size = path.stat().st_size

        loudness = (measure_opus(path) if path.suffix == ".opus" else measure(path))[0].integrated
        print(
            f"{name:<12}{kbps:>8.1f}{size / 1000:>9.0f}{100 * size / mp3_size:>7.0f}%{100 * wer:>8.2f}"
            f"{errors:>8}{pace:>7.0f}{loudness:>8.2f}   (heard in {took:.0f} s)",
            flush=True,
        )
        return wer

    baseline = row("MP3", mp3, audio.bitrate)
    chosen_rate = None
    with tempfile.TemporaryDirectory(prefix="opus-bitrate-") as scratch:
        for bitrate in (int(b) for b in args.bitrates.split(",")):
            out = Path(scratch) / f"{bitrate}.opus"
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
            )
            print(f"  (encoded {bitrate} kbit/s in {time.perf_counter() - started:.1f} s)", flush=True)
            wer = row(f"Opus {bitrate}", out, report.bitrate / 1000)
            if chosen_rate is None and wer <= baseline:
                chosen_rate = bitrate
    print(f"lowest bitrate heard as well as the MP3: {chosen_rate or 'none of those tried'} kbit/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
