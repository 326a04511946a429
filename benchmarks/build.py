"""Build benchmark for the full course: prints the figures the README quotes.

    python3 benchmarks/build.py [--project PATH] [--skip-jobs-1] [--keep DIR] [--proof MODEL]

Each cold build runs in a fresh copy of the project's sources with an empty cache, in a temporary folder
removed at the end (--keep copies the cold-built project first). The raw engine times synthesize every
distinct sentence once with the engine its role uses, on one thread. After the one-sentence edits it runs
benchmarks/edit_loop.py on the built copy (no-op build, status, serve --watch, a 2,000-lesson course).
--proof runs `certquests proof --hints` on the built course and prints its summary: the word error rate as a
listener hears it (no hints) and told the course's terms, each by voice and for the quiz's lines, and the
time each hearing took.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

from edit_loop import cli
from edit_loop import report as edit_loop

from pipeline.graph.build import build
from pipeline.graph.plan import plan_episodes, read_project
from pipeline.graph.usage import cpu_seconds
from pipeline.model.project import Project
from pipeline.speech import SAMPLE_RATE, get_engine

ROOT = Path(__file__).resolve().parents[1]


class PeakMemory:
    """Peak resident memory of this process and its children (ffmpeg): each process's VmRSS, read from
    /proc/PID/status every 50 ms (a read costs microseconds, so the sampling does not slow the build), and
    never less than this process's own high-water mark, which the kernel keeps exactly."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        own = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
        self.peak = max(self.peak, int(own.group(1)) * 1024)

    def _run(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, sum(_resident(pid) for pid in _tree(os.getpid())))


def _tree(pid: int) -> list[int]:
    """The process and its descendants, less any child that has not yet replaced its program (between fork
    and exec it shares its parent's pages, and after a vfork its very memory: its VmRSS is its parent's)."""
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        try:
            children = [
                int(child)
                for task in Path(f"/proc/{current}/task").iterdir()
                for child in (task / "children").read_text().split()
            ]
        except OSError:
            continue
        queue.extend(child for child in children if _command(child) not in (b"", _command(current)))
    return pids


def _command(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _resident(pid: int) -> int:
    try:
        found = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return 0
    return int(found.group(1)) * 1024 if found else 0


def fresh_copy(source: Path, where: Path) -> Path:
    target = where / "course"
    shutil.copytree(source / "content", target / "content")
    return target


def cold_build(source: Path, where: Path, jobs: int | None) -> tuple[float, float, int, object, Path]:
    """Wall and CPU seconds (this process and its ffmpeg runs) of a build from scratch."""
    project = fresh_copy(source, Path(tempfile.mkdtemp(prefix="cold-", dir=where)))
    with PeakMemory() as memory:
        cpu, started = cpu_seconds(), time.perf_counter()
        report = build(Project(project), jobs=jobs, once=True)
        wall = time.perf_counter() - started
    return wall, cpu_seconds() - cpu, memory.peak, report, project


def raw_engine_seconds(project: Path) -> dict[str, tuple[float, float, int]]:
    """Synthesize every distinct sentence of the course once, on one thread, with the engine its role uses:
    per engine, the CPU seconds (the floor), the seconds of audio and the number of sentences."""
    context = plan_episodes(read_project(Project(project))).context
    sentences = {}
    for item in context.episodes:
        for line in item.spoken.lines:
            voice = context.show.voices[line.role]
            sentences[(line.spoken, voice.settings)] = voice
    figures = {}
    for name in sorted({voice.engine for voice in sentences.values()}):
        mine = [(text, voice) for (text, _), voice in sentences.items() if voice.engine == name]
        engine = get_engine(name)
        engine.synthesize("Warm up.", mine[0][1])
        started, audio = time.process_time(), 0
        for text, voice in mine:
            audio += len(engine.synthesize(text, voice))
        figures[name] = (time.process_time() - started, audio / SAMPLE_RATE, len(mine))
    return figures


def proof_figures(project: Path, model: str) -> None:
    """Proof-listen the built course, heard as a listener hears it and told its terms: the speed of each
    hearing and the word error rates against the scripts, by voice and for the quiz's lines."""
    seconds, output = cli(project, "proof", "--model", model, "--hints")
    summary = output.strip().splitlines()[-3:]
    print(f"proof-listen ({model}, both hearings): {seconds:.1f} s, {summary[0]}")
    print("\n".join(summary[1:]))


def remastered(project: Path, episode: str) -> str:
    """How many of the episode's chapters its last master made again, as "N of M"."""
    folder = project / ".cache" / "episodes" / episode
    made = json.loads((folder / "levels.json").read_text())["remastered"]
    return f"{len(made)} of {len(json.loads((folder / 'master.json').read_text())['chapters'])}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--skip-jobs-1", action="store_true", help="skip the single-process cold build")
    parser.add_argument("--keep", type=Path, help="copy the cold-built project here before it is changed")
    parser.add_argument(
        "--proof", metavar="MODEL", help="proof-listen the built course with this Whisper model"
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(
        f"machine: {platform.processor() or platform.machine()}, {cores} cores, "
        f"Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="certquests-bench-") as where:
        run(args, cores, Path(where))


def run(args: argparse.Namespace, cores: int, where: Path) -> None:
    wall, cpu, peak, report, project = cold_build(args.project, where, None)
    audio_minutes = report.audio_seconds / 60
    print(
        f"cold build (--jobs {cores}): {wall:.1f} s for {report.episodes} episodes, "
        f"{audio_minutes:.1f} min of audio "
        f"({report.synthesized} sentences); {cpu:.1f} s of CPU"
    )
    print(f"peak memory (resident, this process and its ffmpeg runs): {peak / 2**20:.0f} MB")

    raw = 0.0
    for name, (seconds, audio, count) in raw_engine_seconds(project).items():
        raw += seconds
        print(
            f"raw engine {name}, one thread, its {count} sentences: {seconds:.1f} s of CPU for "
            f"{audio / 60:.1f} min of speech ({audio / seconds:.1f}x realtime)"
        )
    print(f"raw engines together: {raw:.1f} s; cold build / raw engine time: {wall / raw:.2f}x")
    if args.keep:
        shutil.copytree(project, args.keep, symlinks=True)
        print(f"the cold-built project is kept in {args.keep}")

    lesson = sorted((project / "content" / "lessons").rglob("*.md"))[5]
    text = lesson.read_text()
    front, body = text.split("---", 2)[1:]
    episode = re.search(r"^id: *(\S+)", front, re.MULTILINE).group(1)
    # The first sentence of the introduction, then the first of a section.
    for place, pattern in (
        ("introduction", r"^[A-Z][^\n]*?\. "),
        ("section", r"^## .*\n\n([A-Z][^\n]*?\. )"),
    ):
        found = re.search(pattern, body, re.MULTILINE)
        sentence = found.group(found.lastindex or 0)
        text = lesson.read_text()
        lesson.write_text(text.replace(sentence, sentence.replace(". ", ", indeed. ", 1), 1))
        edit, output = cli(project, "build")
        made = re.search(r"; (\d+) sentences synthesized", output).group(1)
        print(
            f"one-sentence edit ({place}): {edit:.2f} s ({100 * edit / wall:.1f}% of the cold build), "
            f"{made} sentence(s) synthesized, {remastered(project, episode)} chapter(s) re-mastered"
        )

    edit_loop(project, wall)  # no-op build and status, serve --watch, and a 2,000-lesson course

    if args.proof:
        proof_figures(project, args.proof)

    if not args.skip_jobs_1:
        single, cpu, _, report, _ = cold_build(args.project, where, 1)
        print(
            f"cold build --jobs 1: {single:.1f} s ({cpu:.1f} s of CPU); "
            f"--jobs {cores} is {single / wall:.2f}x faster"
        )
        # One thread: each stage's CPU (this process and its ffmpeg runs) is its own.
        stage = report.stage_cpu
        print(
            "CPU by stage (--jobs 1): "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in stage.items())
        )
        post = stage.get("master", 0) + stage.get("tag", 0)
        print(f"mastering + encoding + tagging: {report.audio_seconds / post:.0f}x realtime per core")


if __name__ == "__main__":
    main()
