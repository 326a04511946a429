"""What a build costs, in one run: each engine's CPU per second of audio, memory, and the work done by hand.

    python3 benchmarks/cost.py [--project PATH] [--module 01-lambda] [--skip-build] [--skip-naive]

Copies the project's sources with only the lessons of one module (and the quiz's questions on them) into a
temporary folder, then prints:

- each engine's raw cost: every distinct sentence of those lessons synthesized once with its role's voice,
  the engines taking turns sentence by sentence on this one thread (so a change in the machine's load falls
  on both alike), as CPU seconds per second of audio; Piper twice, with the voice's decoder as the build
  runs it (2-D, a window at a time, see pipeline/speech/piper_graph.py) and as the voice ships it (whole);
  and the co-host/host ratio;
- a cold `certquests build` of that project in a process of its own, timed whole as a producer runs it:
  its time, and the peak resident memory of the build process and its children (sampled from /proc every
  50 ms, and never under the build process's own high-water mark, VmHWM, which it prints as it exits: the
  kernel's ru_maxrss is no use here, since a process started by this one inherits this one's high-water
  mark, which the engines' costs have raised);
- the same lessons made by hand: the hibari CLI on each lesson's text, then `ffmpeg-normalize --preset
  podcast` to a 96 kbps MP3, one after another, timed whole; and how many times faster per minute of audio
  made the build is.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from build import _resident, _tree

from pipeline.graph.plan import plan_episodes, read_project
from pipeline.model.project import Project
from pipeline.speech import SAMPLE_RATE, get_engine
from pipeline.speech import piper as piper_module

ROOT = Path(__file__).resolve().parents[1]


def module_copy(source: Path, module: str, where: Path) -> Path:
    """The project's content with only the lessons in content/lessons/MODULE and the questions on them."""
    target = where / "project"
    shutil.copytree(source / "content", target / "content")
    lessons = target / "content" / "lessons"
    for entry in lessons.iterdir():
        if entry.name != module:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    ids = {re.search(r"^id: *(\S+)", p.read_text(), re.MULTILINE).group(1) for p in lessons.rglob("*.md")}
    quiz = target / "content" / "quiz.yaml"
    head, *questions = re.split(r"(?m)^(?=- id: )", quiz.read_text())
    kept = [q for q in questions if re.search(r"^  lesson: *(\S+)", q, re.MULTILINE).group(1) in ids]
    quiz.write_text(head + "".join(kept))
    return target


def engine_costs(project: Path) -> dict[str, tuple[float, float, int]]:
    """CPU seconds, seconds of audio and sentences per engine (Piper's voice as shipped as 'piper, 1-D')."""
    context = plan_episodes(read_project(Project(project))).context
    sentences: dict[str, dict[str, object]] = {}
    for episode in context.episodes:
        for line in episode.spoken.lines:
            voice = context.show.voices[line.role]
            sentences.setdefault(voice.engine, {})[line.spoken] = voice
    runs = {name: list(found.items()) for name, found in sentences.items()}
    if "piper" in runs:
        runs["piper, 1-D"] = runs["piper"]
    engines = {name: _engine(name) for name in runs}
    for name, engine in engines.items():
        engine.synthesize("Warm up.", runs[name][0][1])
    figures = {name: [0.0, 0.0, 0] for name in runs}
    for turn in range(max(len(items) for items in runs.values())):
        for name, items in runs.items():
            if turn < len(items):
                text, voice = items[turn]
                started = time.thread_time()
                audio = len(engines[name].synthesize(text, voice))
                figures[name][0] += time.thread_time() - started
                figures[name][1] += audio / SAMPLE_RATE
                figures[name][2] += 1
    return {name: (cpu, audio, int(count)) for name, (cpu, audio, count) in figures.items()}


def _engine(name: str):
    """The engine; 'piper, 1-D' is Piper with the voice's model as it ships, on a session of its own."""
    if name != "piper, 1-D":
        return get_engine(name)

    class AsShipped(piper_module.PiperEngine):
        def synthesize(self, text, voice):
            fast, loaded = piper_module.fast_model, dict(piper_module._voices)
            piper_module.fast_model, piper_module._voices = (lambda path: None), shipped
            try:
                return super().synthesize(text, voice)
            finally:
                piper_module.fast_model, piper_module._voices = fast, loaded

    shipped: dict[str, object] = {}
    return AsShipped()


# Runs the module named first in a Python process and prints that process's VmHWM as it exits.
WITH_PEAK = """
import atexit, re, runpy, sys
from pathlib import Path
peak = lambda: re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
atexit.register(lambda: print(f"VmHWM {peak()} kB", flush=True))
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def sampled(command: list[str]) -> tuple[float, float, int, str]:
    """Run the Python module `command` names (its arguments after it): its wall seconds, its CPU seconds
    (with the children it waited for), the peak resident memory of it and its children together (each
    process's VmRSS summed every 50 ms, and never under the process's own VmHWM), and its output."""
    command = [sys.executable, "-c", WITH_PEAK, *command]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
        peak, finished = 0, (0, 0, None)
        while not finished[0]:
            peak = max(peak, sum(_resident(pid) for pid in _tree(process.pid)))
            time.sleep(0.05)
            finished = os.wait4(process.pid, os.WNOHANG)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(finished[1])
        log.seek(0)
        output = log.read()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    usage = finished[2]
    own = re.findall(r"^VmHWM (\d+) kB$", output, re.MULTILINE)
    return wall, usage.ru_utime + usage.ru_stime, max([peak, *(int(kb) * 1024 for kb in own)]), output


def naive(project: Path, where: Path) -> tuple[float, float]:
    """The lessons made by hand: wall seconds and seconds of audio."""
    import imageio_ffmpeg
    import soundfile

    env = dict(os.environ, FFMPEG_PATH=imageio_ffmpeg.get_ffmpeg_exe())
    hibari = [sys.executable, "-m", "hibari.cli"]
    normalize = [sys.executable, "-m", "ffmpeg_normalize"]
    audio, started = 0.0, time.perf_counter()
    for lesson in sorted((project / "content" / "lessons").rglob("*.md")):
        body = lesson.read_text().split("---", 2)[-1]
        wav, mp3 = where / f"{lesson.stem}.wav", where / f"{lesson.stem}.mp3"
        subprocess.run([*hibari, "-o", str(wav), "-"], input=body, text=True, check=True, capture_output=True)
        subprocess.run(
            [
                *normalize,
                str(wav),
                "--preset",
                "podcast",
                "-c:a",
                "libmp3lame",
                "-b:a",
                "96k",
                "-o",
                str(mp3),
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        audio += soundfile.info(str(wav)).duration
    return time.perf_counter() - started, audio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--module", default="01-lambda", help="the folder of content/lessons to build")
    parser.add_argument("--skip-build", action="store_true", help="only the engines' costs")
    parser.add_argument("--skip-naive", action="store_true", help="no comparison with the work by hand")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="certquests-cost-") as folder:
        where = Path(folder)
        project = module_copy(args.project, args.module, where)
        report_engines(engine_costs(project))
        if args.skip_build:
            return
        command = ["pipeline.cli", "--project", str(project), "build"]
        wall, cpu, peak, output = sampled(command)
        minutes = float(re.search(r"([\d.]+) min of audio mastered", output).group(1))
        print(
            f"cold build of {args.module} ({minutes:.1f} min of audio), in a process of its own: "
            f"{wall:.1f} s ({cpu:.1f} s of CPU); peak resident memory of the build and its children: "
            f"{peak / 2**20:.0f} MB"
        )
        if args.skip_naive:
            return
        by_hand, audio = naive(project, where)
        print(
            "by hand (hibari CLI, then ffmpeg-normalize --preset podcast, lesson by lesson): "
            f"{by_hand:.1f} s for {audio / 60:.1f} min of audio"
        )
        ratio = (by_hand / (audio / 60)) / (wall / minutes)
        print(f"certquests build is {ratio:.2f}x faster per minute of audio made than the work by hand")


def report_engines(figures: dict[str, tuple[float, float, int]]) -> None:
    for name, (cpu, audio, count) in figures.items():
        print(
            f"engine {name}: {count} sentences, {audio:.1f} s of audio for {cpu:.1f} s of CPU on one core: "
            f"{cpu / audio:.4f} s a second ({audio / cpu:.1f}x realtime)"
        )
    host = figures.get("hibari")
    for name in ("piper", "piper, 1-D"):
        if host and name in figures:
            ratio = (figures[name][0] / figures[name][1]) / (host[0] / host[1])
            print(f"a second of co-host ({name}) costs {ratio:.2f}x a second of host (hibari)")


if __name__ == "__main__":
    main()
