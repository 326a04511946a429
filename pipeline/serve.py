"""A local preview server for feed/ that answers Range requests, so players can seek as on a real host."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
from pathlib import Path
from typing import Any, BinaryIO

RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - the base class declares it per instance
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".vtt": "text/vtt",
        ".srt": "application/x-subrip",
        ".xml": "application/rss+xml",
        ".mp3": "audio/mpeg",
        ".json": "application/json",
    }

    def log_message(self, format: str, *args: object) -> None:  # quiet: the CLI prints its own line
        pass

    def handle(self) -> None:
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):  # players drop connections to seek
            super().handle()

    def send_head(self) -> BinaryIO | None:
        header = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        match = RANGE.match(header or "")
        if not match or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first, last = match.groups()
        if first == "":
            start, end = max(0, size - int(last or 0)), size - 1
        else:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        if start >= size or start > end:
            self.send_error(416, "Requested range not satisfiable")
            return None
        handle = open(path, "rb")  # noqa: SIM115 - the request handler closes what send_head returns
        handle.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self._remaining: int | None = end - start + 1
        return handle

    def copyfile(self, source: Any, outputfile: Any) -> None:
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            super().copyfile(source, outputfile)
            return
        while remaining > 0:
            chunk = source.read(min(64 * 1024, remaining))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)
        self._remaining = None

    def end_headers(self) -> None:
        if not self.headers.get("Range"):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()


def make_server(site: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A server for `site` on 127.0.0.1 (port 0 picks a free one)."""
    handler = functools.partial(SiteHandler, directory=os.fspath(site))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
