"""A local preview of feed/ that behaves like the hosting it stands in for: HTTP/1.1, byte ranges with
If-Range, the content types and CORS headers podcast players and in-browser players expect, and no
directory listings or hidden files."""

from __future__ import annotations

import contextlib
import email.utils
import functools
import http.server
import os
import re
from pathlib import Path
from typing import Any, BinaryIO

from .publish.target import content_type  # served as the hosting serves it

RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})$")  # one range; longer numbers are no file's offsets


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet: the CLI prints its own line
        pass

    def handle(self) -> None:
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):  # players drop connections to seek
            super().handle()

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return content_type(os.fspath(path))

    def end_headers(self) -> None:
        # In-browser players fetch the feed, transcripts and chapters from other origins.
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges")
        super().end_headers()

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Range, If-Range")
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "Not found")

    def _file(self) -> Path | None:
        """The file the request names, or None after answering 404 (hidden files, folders, bad names)."""
        try:
            path = Path(self.translate_path(self.path))
            parts = Path(self.path.split("?", 1)[0]).parts
            if any(part.startswith(".") for part in parts) or "\x00" in str(path):
                raise ValueError(self.path)
            if path.is_dir():
                path = path / "index.html"
            if path.is_file():
                return path
        except (ValueError, OSError):
            pass
        self.send_error(404, "Not found")
        return None

    def send_head(self) -> BinaryIO | None:
        path = self._file()
        if path is None:
            return None
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


def make_server(site: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A server for `site` on 127.0.0.1 (port 0 picks a free one)."""
    handler = functools.partial(SiteHandler, directory=os.fspath(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server
