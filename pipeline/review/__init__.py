"""The producer's review page, served by `certquests serve` under /_review/ and never written into feed/ or
uploaded: every episode's state and figures, and each episode's sentences, to read and to hear one at a
time from the built MP3.

Everything it shows comes from what the build already knows (the plan, the master records, the loudness
and proof reports beside each MP3, the scripts); it is worked out again only when a source, a built file or
the published record changes."""

from __future__ import annotations

import os
import threading
import urllib.parse
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import CertQuestsError
from ..graph.plan import plan_project
from ..model.project import Project
from .desk import MP3, Desk
from .loudness import curve_svg, short_term
from .pages import render_episode, render_error, render_index

REVIEW = "/_review/"
HTML = "text/html; charset=utf-8"
ASSETS = {"review.css": "text/css; charset=utf-8", "review.js": "text/javascript; charset=utf-8"}


@dataclass(frozen=True)
class Answer:
    """A page or an asset (`body`), or a built MP3 to serve with range requests (`file`)."""

    body: bytes = b""
    kind: str = HTML
    file: Path | None = None


class Review:
    """The review pages of one project, answered from what its build knows."""

    def __init__(self, project: Project):
        self.project = project
        self._lock = threading.Lock()
        self._seen: int | None = None
        self._desk: Desk | None = None

    def answer(self, target: str) -> Answer | None:
        """The answer for a request path under /_review/, or None when there is no such page or file."""
        name = urllib.parse.unquote(urllib.parse.urlsplit(target).path)[len(REVIEW) :]
        if name in ASSETS:
            asset = resources.files("pipeline.review").joinpath("static", name)
            return Answer(asset.read_bytes(), ASSETS[name])
        if name.startswith("audio/"):
            file = self.project.episodes / name.removeprefix("audio/")
            return Answer(file=file) if MP3.fullmatch(file.name) and file.is_file() else None
        if name not in ("", "index.html") and not name.endswith(".html"):
            return None
        with self._lock:  # one plan at a time; requests for pages share it
            try:
                desk = self._current()
            except CertQuestsError as exc:
                return Answer(render_error(self._title(), exc.format_message()).encode())
            title = desk.plan.context.show.title
            if name in ("", "index.html"):
                return Answer(render_index(title, desk.rows()).encode())
            episode = name.removesuffix(".html")
            if episode not in desk.episodes:
                return None
            return Answer(self._episode(desk, episode).encode())

    def _episode(self, desk: Desk, episode: str) -> str:
        """One episode's review, with its loudness over time when it is built."""
        review = desk.review(episode)
        curve, problem = "", None
        if review.row.audio:
            try:
                values = short_term(self.project.episodes / review.row.audio, self.project.cache / "review")
                level = desk.plan.context.show.audio.loudness
                curve = curve_svg(values, review.row.duration or 0.0, review.marks, level)
            except CertQuestsError as exc:
                problem = exc.format_message()
        return render_episode(desk.plan.context.show.title, review, curve, problem)

    def _title(self) -> str:
        return self.project.root.name

    def _current(self) -> Desk:
        """The review of the project as it is now: planned again when a source or a built file changed."""
        seen = self._fingerprint()
        if self._desk is None or seen != self._seen:
            self._desk = Desk(plan_project(self.project), self.project.cache / "publish")
            self._seen = seen
        return self._desk

    def _fingerprint(self) -> int:
        """The size and time of every source, every built episode file, the build's records and the record
        of what was published."""
        project, found = self.project, []
        for folder in (project.content, project.episodes):
            for root, _dirs, files in os.walk(folder):
                found += [os.path.join(root, name) for name in files]
        records = project.cache / "episodes"
        found += [str(path) for path in records.glob("*/*.json")] if records.is_dir() else []
        found.append(str(project.cache / "publish" / "published.json"))
        stats = []
        for path in sorted(found):
            try:
                stat = os.stat(path)
            except OSError:
                continue
            stats.append((path, stat.st_size, stat.st_mtime_ns))
        return hash(tuple(stats))
