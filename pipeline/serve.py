"""A local preview of feed/ that behaves like the hosting it stands in for: HTTP/1.1, byte ranges with
If-Range, the content types podcast players and in-browser players expect, and no directory listings or
hidden files.

It answers only its own origin: no CORS header, a request whose Host is not a name of this machine is
refused (a web page that rebinds its own name to 127.0.0.1 reads nothing), and the news of builds (which
carries a failed build's message, lesson text included) goes only to pages the preview served. A path is
decoded before it is checked, so `/%2Egit/config` is as hidden as `/.git/config`, and nothing outside feed/
is served, whatever a symbolic link in it points at.

With `watch`, the preview follows the sources: a change under content/ rebuilds what changed, requests wait
while a build runs (so a page is never served half-built), every page reloads itself when the build
finishes, a failed build's message is shown on the page (the last good site stays served), and an episode
page whose audio changed resumes its player at the first chapter that changed."""

from __future__ import annotations

import contextlib
import email.utils
import functools
import http.server
import io
import json
import os
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

from .errors import CertQuestsError
from .model.episode import MasterRecord, page_name
from .model.project import Project
from .publish.target import content_type  # served as the hosting serves it
from .review import REVIEW, Review

RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})$")  # one range; longer numbers are no file's offsets


LOCAL_NAMES = {"127.0.0.1", "localhost", "::1"}  # the names a browser on this machine reaches the preview by
LIVE = "/.certquests/"  # the preview's own endpoints: hidden names, so never a file of the site
RELOAD_SCRIPT = f'<script src="{LIVE}reload.js"></script>'
WAIT_SECONDS = 25.0  # how long a page's request for news is held open before it asks again


@dataclass
class Preview:
    """What a watched preview knows of the builds: one that is running, how many have finished, the last
    one's error, and where each episode page whose audio changed should resume."""

    building: bool = False
    generation: int = 0
    error: str | None = None
    resume: dict[str, float] = field(default_factory=dict)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def begin(self) -> None:
        with self.changed:
            self.building = True

    def finish(self, error: str | None, resume: dict[str, float]) -> None:
        with self.changed:
            self.building, self.error, self.resume = False, error, resume
            self.generation += 1
            self.changed.notify_all()

    def ready(self, timeout: float = 3600.0) -> None:
        """Return once no build is running (a request waits rather than see a site half-built)."""
        with self.changed:
            self.changed.wait_for(lambda: not self.building, timeout)

    def news(self, since: int, timeout: float = WAIT_SECONDS) -> dict[str, Any]:
        """The state once a build after `since` has finished, or as it is when `timeout` runs out."""
        with self.changed:
            self.changed.wait_for(lambda: self.generation > since and not self.building, timeout)
            return {"generation": self.generation, "error": self.error, "resume": self.resume}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    preview: Preview | None = None
    review: Review | None = None  # the producer's review page under /_review/, never a file of the site

    def log_message(self, format: str, *args: object) -> None:  # quiet: the CLI prints its own line
        pass

    def handle(self) -> None:
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):  # players drop connections to seek
            super().handle()

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return content_type(os.fspath(path))

    def _from_here(self) -> bool:
        """Whether the request names this machine (Host), and comes from no other site's page (Origin);
        else it is answered 403."""
        for header in ("Host", "Origin"):
            value = self.headers.get(header)
            if value is None:
                continue
            try:
                name = urllib.parse.urlsplit(value if header == "Origin" else f"//{value}").hostname
            except ValueError:
                name = None
            if name not in LOCAL_NAMES:
                self.send_error(403, f"this preview answers only pages of its own address ({header} refused)")
                return False
        return True

    def do_OPTIONS(self) -> None:
        if self._from_here():
            self.send_response(204)
            self.send_header("Allow", "GET, HEAD, OPTIONS")
            self.send_header("Content-Length", "0")
            self.end_headers()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "Not found")

    def _file(self) -> Path | None:
        """The file the request names, or None after answering 404 (hidden files, folders, bad names)."""
        try:
            path = Path(self.translate_path(self.path))
            decoded = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path, errors="strict")
            parts = re.split(r"[/\\]", decoded)
            if any(part.startswith(".") for part in parts) or "\x00" in decoded:
                raise ValueError(self.path)
            if path.is_dir():
                path = path / "index.html"
            root = Path(self.directory).resolve()
            if path.is_file() and path.resolve().is_relative_to(root):
                return path
        except (ValueError, OSError):
            pass
        self.send_error(404, "Not found")
        return None

    def _live(self) -> BinaryIO | None:
        """The preview's endpoints: the reload script, and the long-polled news of builds."""
        assert self.preview is not None
        url = urllib.parse.urlsplit(self.path)
        if url.path == f"{LIVE}reload.js":
            body = resources.files("pipeline").joinpath("live/reload.js").read_bytes()
            kind = "text/javascript; charset=utf-8"
        elif url.path == f"{LIVE}news":
            since = urllib.parse.parse_qs(url.query).get("since", ["-1"])[0]
            wait = int(since) if since.lstrip("-").isdigit() else -1
            body = json.dumps(self.preview.news(wait, WAIT_SECONDS if wait >= 0 else 0.0)).encode()
            kind = "application/json"
        else:
            self.send_error(404, "Not found")
            return None
        return self._answer(body, kind)

    def _answer(self, body: bytes, kind: str) -> BinaryIO:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self._remaining = len(body)
        return io.BytesIO(body)

    def _page(self, page: bytes, kind: str) -> BinaryIO:
        """A page as served: with the reload script in a watched preview."""
        at = page.rfind(b"</body>") if self.preview is not None and kind.startswith("text/html") else -1
        return self._answer(page[:at] + RELOAD_SCRIPT.encode() + page[at:] if at >= 0 else page, kind)

    def send_head(self) -> BinaryIO | None:
        if not self._from_here():
            return None
        if self.preview is not None:
            if self.path.startswith(LIVE):
                return self._live()
            self.preview.ready()
        if self.review is not None and self.path.startswith(REVIEW):
            answer = self.review.answer(self.path)
            if answer is None:
                self.send_error(404, "Not found")
                return None
            if answer.file is None:
                return self._page(answer.body, answer.kind)
            path: Path | None = answer.file
        else:
            path = self._file()
        if path is None:
            return None
        if self.preview is not None and path.suffix == ".html":
            return self._page(path.read_bytes(), content_type(path.name))
        stat = path.stat()
        size = stat.st_size
        etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
        modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        wanted = self.headers.get("Range")
        condition = self.headers.get("If-Range")
        match = RANGE.match(wanted or "")
        if match and condition and condition not in (etag, modified):
            match = None  # the file changed since the client's copy: send all of it
        start, end = 0, size - 1
        if match:
            first, last = match.groups()
            if first == "":
                start = max(0, size - int(last or 0))
            else:
                start, end = int(first), min(int(last) if last else size - 1, size - 1)
            if (not last and first == "") or start >= size or start > end:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
        handle = open(path, "rb")  # noqa: SIM115 - the request handler closes what send_head returns
        handle.seek(start)
        self.send_response(206 if match else 200)
        self.send_header("Content-Type", content_type(path.name))
        self.send_header("Accept-Ranges", "bytes")
        if match:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Last-Modified", modified)
        self.send_header("ETag", etag)
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self._remaining = end - start + 1
        return handle

    def copyfile(self, source: Any, outputfile: Any) -> None:
        remaining = getattr(self, "_remaining", 0)
        while remaining > 0:
            chunk = source.read(min(64 * 1024, remaining))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)


def make_server(
    site: Path, port: int = 8000, preview: Preview | None = None, review: Review | None = None
) -> http.server.ThreadingHTTPServer:
    """A server for `site` on 127.0.0.1 (port 0 picks a free one); with `preview`, a watched one; with
    `review`, the review page under /_review/."""
    handler = type("Handler", (SiteHandler,), {"preview": preview, "review": review})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(handler, directory=os.fspath(site))
    )
    server.daemon_threads = True
    return server


def _chapters(script: str) -> list[str]:
    """A script file's chapters, as text: the reviewable script changes where the audio does."""
    return script.split("\n== ")[1:]


def _scripts(project: Project) -> dict[str, list[str]]:
    folder = project.scripts
    found = folder.glob("*.txt") if folder.is_dir() else ()
    return {path.stem: _chapters(path.read_text("utf-8", errors="replace")) for path in found}


def resume_points(project: Project, before: dict[str, list[str]]) -> dict[str, float]:
    """Page name -> the start of the first chapter whose script changed since `before`, for each episode."""
    points: dict[str, float] = {}
    for episode, chapters in _scripts(project).items():
        old = before.get(episode)
        if old is None or old == chapters:
            continue
        first = next(
            (i for i, (a, b) in enumerate(zip(old, chapters)) if a != b), min(len(old), len(chapters))
        )
        record = MasterRecord.read(project.cache / "episodes" / episode)
        if record is not None and record.chapters:
            points[page_name(episode)] = record.chapters[min(first, len(record.chapters) - 1)].start
    return points


def watch(
    project: Project,
    preview: Preview,
    rebuild: Callable[[], str | None],
    *,
    stop: threading.Event,
    debounce_ms: int = 300,
    changes: Callable[..., Iterable[object]] | None = None,
) -> None:
    """Rebuild after each burst of changes under content/ (settled for `debounce_ms`) until `stop` is set.
    `rebuild` builds and returns the error message of a failed build, or None."""
    if changes is None:
        import watchfiles  # the watcher loads only for `serve --watch`

        changes = watchfiles.watch
    for _batch in changes(project.content, debounce=debounce_ms, step=50, stop_event=stop):
        before = _scripts(project)
        preview.begin()
        error: str | None = "the build stopped unexpectedly; see the terminal"
        points: dict[str, float] = {}
        try:
            error = rebuild()
            points = resume_points(project, before) if error is None else {}
        finally:
            preview.finish(error, points)


def preview(
    project: Project, port: int, rebuild: Callable[[], str | None] | None, say: Callable[[str], None]
) -> None:
    """Serve feed/ until interrupted; with `rebuild`, build first and then after every change to content/."""
    state = Preview() if rebuild else None
    if rebuild and state:
        state.error = rebuild()
    site = project.site
    if not (site / "index.html").is_file():
        raise CertQuestsError("feed/index.html does not exist yet; run `certquests build` first")
    try:
        server = make_server(site, port, state, Review(project))
    except OSError as exc:
        raise CertQuestsError(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); try --port {port + 1}"
        ) from None
    with server:
        address = f"http://127.0.0.1:{server.server_address[1]}/"
        if rebuild is None or state is None:
            say(f"Serving {site} on {address} (Ctrl-C stops)")
            say(f"The review page: {address}{REVIEW[1:]}")
            server.serve_forever()
            return
        say(f"Serving {site} on {address}, rebuilding when {project.content} changes (Ctrl-C stops)")
        say(f"The review page: {address}{REVIEW[1:]}")
        thread = threading.Thread(target=server.serve_forever, name="preview", daemon=True)
        thread.start()
        stop = threading.Event()
        try:
            watch(project, state, rebuild, stop=stop)
        finally:
            stop.set()
            server.shutdown()
