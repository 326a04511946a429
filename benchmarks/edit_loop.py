"""The producer's edit loop, measured on a built project: a build with nothing to do, `status`, the same for
a generated course of 2,000 lessons, and the time from saving a lesson to the page reloading under
`certquests serve --watch`.

    python3 benchmarks/edit_loop.py BUILT_PROJECT [--cold SECONDS]

`benchmarks/build.py` runs it after its cold build (so every figure is also a share of that build);
BUILT_PROJECT must have been built with the current code. Each command runs as a producer runs it: a new
process, start-up and imports included.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from large_course import generate

LARGE = 2000


def cli(project: Path, *args: str) -> tuple[float, str]:
    """Seconds of one run of the command, and what it printed."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "--project", str(project), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, done.stdout


def median_of(runs: int, project: Path, *args: str) -> float:
    return statistics.median(cli(project, *args)[0] for _ in range(runs))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _news(port: int, since: int, timeout: float) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("GET", f"/.certquests/news?since={since}")
    news = json.loads(connection.getresponse().read())
    connection.close()
    return news


def save_to_reload(project: Path) -> tuple[float, dict]:
    """Seconds from saving a one-sentence edit to the moment an open page is told to reload (the build has
    finished and the site is whole), under `serve --watch`; and the news the page receives."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "--project",
            str(project),
            "serve",
            "--watch",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:  # the first build (nothing to do) runs before it serves
            if line.startswith("Serving"):
                break
        generation = _news(port, -1, 10)["generation"]
        time.sleep(1.0)  # the watcher is listening
        lesson = sorted((project / "content" / "lessons").rglob("*.md"))[7]
        text = lesson.read_text()
        body = text.split("---", 2)[2]
        sentence = next(line for line in body.splitlines() if line[:1].isupper() and ". " in line)
        first = sentence.split(". ", 1)[0]
        started = time.perf_counter()
        lesson.write_text(text.replace(first + ". ", first + ", indeed. ", 1))
        news = _news(port, generation, 600)
        return time.perf_counter() - started, news
    finally:
        server.terminate()
        server.wait(10)


def reference_loop() -> float:
    """Seconds this machine takes for a fixed pure-Python loop (0.40 to 0.57 s here, idle, within a minute):
    read beside the absolute figures."""
    started, total = time.perf_counter(), 0
    for number in range(3_000_000):
        total += number
    return time.perf_counter() - started


def large_course(where: Path) -> dict[str, float]:
    """`status` and `check` on a generated course of LARGE lessons, first (nothing remembered) and then as a
    producer meets them every day; and the script stage with nothing to do."""
    project = generate(where / "large", LARGE)
    figures = {"status, first run": cli(project, "status")[0]}
    # This machine's speed drifts by a third from one second to the next: seven runs, with their spread.
    runs = sorted(cli(project, "status")[0] for _ in range(7))
    figures["status"] = statistics.median(runs)
    figures["status, fastest of 7"], figures["status, slowest of 7"] = runs[0], runs[-1]
    figures["reference loop, for this machine's speed now"] = reference_loop()
    figures["check"] = median_of(3, project, "check")
    cli(project, "script")
    figures["script stage, nothing to do"] = median_of(3, project, "script")
    return figures


def report(project: Path, cold: float | None) -> None:
    def share(seconds: float) -> str:
        return f" ({100 * seconds / cold:.2f}% of the cold build)" if cold else ""

    cli(project, "build")  # whatever the last run left (a memo made by older code) is settled first
    noop = median_of(3, project, "build")
    status = median_of(3, project, "status")
    print(f"no-op build: {noop:.2f} s{share(noop)}, median of 3, whole command")
    print(f"status: {status:.2f} s{share(status)}, median of 3")
    seconds, news = save_to_reload(project)
    resumed = ", ".join(f"{page} at {at:.1f} s" for page, at in news["resume"].items()) or "none"
    print(
        f"serve --watch, one-sentence save to page reload: {seconds:.2f} s{share(seconds)}; resumes {resumed}"
    )
    with tempfile.TemporaryDirectory(prefix="certquests-large-") as where:
        for name, value in large_course(Path(where)).items():
            print(f"{LARGE} lessons, {name}: {value:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--cold", type=float, help="the cold build's seconds, for the shares")
    args = parser.parse_args()
    report(args.project, args.cold)


if __name__ == "__main__":
    main()
