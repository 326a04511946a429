"""What planning made from unchanged sources, kept between runs: a lesson whose bytes, the show config, the
lexicon and the tool are all as they were is not parsed or scripted again.

One file, `.cache/plan.pickle`: the fingerprints of the sources (size, time and sha256, so an untouched file
is known without being read) and the entries, each under a key that is the digest of everything it was made
from, including the tool's own code. A missing, damaged or foreign memo is an empty one; it is a cache, and
every entry is made again from the sources when it is not found.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..fsutil import Fingerprint, fingerprint, write_atomic

log = logging.getLogger(__name__)
T = TypeVar("T")
MEMO_NAME = "plan.pickle"
FORMAT = 1
SOURCES = {".py", ".html", ".css", ".js", ".toml", ".yaml", ".json", ".txt"}  # the package's code and data


def environment_stamp() -> list[object]:
    """What says the installed software is as it was, without asking each package: the times of the package
    folders on sys.path (installing, upgrading or removing a package changes the folder's entries, so its
    time), the interpreter's version and the PATH that finds the system's tools."""
    stamp: list[object] = [sys.version, os.environ.get("PATH", ""), os.environ.get("CERTQUESTS_FFMPEG", "")]
    for entry in sys.path:
        if os.path.basename(entry) not in {"site-packages", "dist-packages"}:
            continue
        try:
            stamp.append((entry, os.stat(entry).st_mtime_ns))
        except OSError:
            continue
    return stamp


@functools.cache
def code_digest() -> str:
    """The package's own code (every module and template, as bytes) and the installed software's stamp."""
    package = Path(__file__).resolve().parents[1]
    hasher = hashlib.sha256(f"memo {FORMAT}".encode())
    for path in sorted(
        p
        for p in package.rglob("*")
        if p.suffix in {".py", ".html", ".css", ".js", ".toml", ".yaml", ".json", ".txt"}
    ):
        hasher.update(path.relative_to(package).as_posix().encode())
        hasher.update(path.read_bytes())
    hasher.update(repr(environment_stamp()).encode())
    return hasher.hexdigest()


def _load(raw: bytes) -> Any:
    """Unpickle with the cycle collector paused, then keep what was loaded out of its sight: the memo lives
    as long as the run, and collections over a whole course's objects during the load cost 3x the load."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(raw)  # noqa: S301 - the build's own cache file
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class PlanMemo:
    """The memo of one project. Entries found or added in this run are the ones saved; the rest are dropped,
    so the file holds one course's worth, however often the course changes."""

    def __init__(self, cache: Path):
        self.path = cache / MEMO_NAME
        self._files: dict[str, Fingerprint] = {}
        self._entries: dict[tuple[str, str], Any] = {}
        self._kept: dict[tuple[str, str], Any] = {}
        self._seen: dict[str, Fingerprint] = {}
        self.dirty = False
        try:
            data = _load(self.path.read_bytes())
            if data.get("code") == code_digest():
                self._files, self._entries = dict(data["files"]), dict(data["entries"])
        except FileNotFoundError:
            pass
        except Exception as exc:  # noqa: BLE001 - any damage to a cache file means: start afresh
            log.debug("plan memo %s unreadable (%s); planning from the sources", self.path, exc)

    def file_digest(self, path: Path) -> str:
        """The sha256 of a source file, read only when its size or time moved since the last run."""
        name = str(path)
        if name in self._seen:
            return self._seen[name][2]
        known = self._files.get(name)
        found = fingerprint(path, known)
        self._seen[name] = found
        if found != known:
            self.dirty = True
        return found[2]

    @staticmethod
    def key(*parts: object) -> str:
        """An entry's key: the digest of what it is made from (texts and digests), with the tool's code."""
        return hashlib.sha256("\0".join([code_digest(), *map(str, parts)]).encode("utf-8")).hexdigest()

    def get(self, kind: str, key: str) -> Any:
        """The entry made under `key`, or None."""
        value = self._entries.get((kind, key))
        if value is not None:
            self._kept[(kind, key)] = value
        return value

    def remember(self, kind: str, key: str, make: Callable[[], T]) -> T:
        """The entry made under `key`, else `make()` kept under it (`make` raises for a source with problems,
        and nothing is kept)."""
        known = self.get(kind, key)
        return known if known is not None else self.put(kind, key, make())

    def put(self, kind: str, key: str, value: Any) -> Any:
        self._kept[(kind, key)] = value
        self.dirty = True
        return value

    @property
    def hits(self) -> int:
        return sum(1 for entry in self._kept if entry in self._entries)

    def save(self) -> None:
        """Write the memo if anything in it changed: the entries of this run and the fingerprints read."""
        if not self.dirty and len(self._kept) == len(self._entries):
            return
        data = {"code": code_digest(), "files": self._seen, "entries": self._kept}
        try:
            write_atomic(self.path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL), durable=False)
        except OSError as exc:  # a cache that cannot be written costs the next run time, nothing else
            log.debug("plan memo %s not written: %s", self.path, exc)
        self._entries, self._files, self.dirty = dict(self._kept), dict(self._seen), False
