"""What planning made from unchanged sources, kept between runs: a lesson whose bytes, the show config, the
lexicon and the tool are all as they were is not parsed or scripted again.

One file, `.cache/plan.json`: the fingerprints of the sources (size, time and sha256, so an untouched file
is known without being read) and the entries, each under a key that is the digest of everything it was made
from, including the tool's own code. A missing, damaged or foreign memo is an empty one; it is a cache, and
every entry is made again from the sources when it is not found.

A `.cache/` may come from someone else (a shared folder, a copied project, an archive), so the memo is JSON
that can only describe data: text, numbers, tuples, dicts, dates, paths and the model's own dataclasses, named
from a fixed list and filled field by field. Reading it never runs code, as unpickling would.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import json
import logging
import os
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import regex

from ..fsutil import Fingerprint, fingerprint, write_atomic

log = logging.getLogger(__name__)
T = TypeVar("T")
MEMO_NAME = "plan.json"
FORMAT = 2
_KEPT: dict[str, type] = {}  # the dataclasses a memo may hold, by name
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
    for path in sorted(p for p in package.rglob("*") if p.suffix in SOURCES):
        hasher.update(path.relative_to(package).as_posix().encode())
        hasher.update(path.read_bytes())
    hasher.update(repr(environment_stamp()).encode())
    return hasher.hexdigest()


def keep(cls: type[T]) -> type[T]:
    """Let the memo hold instances of the dataclass `cls` (a class decorator)."""
    _KEPT[cls.__name__] = cls
    _kept.cache_clear()
    _readers.cache_clear()
    return cls


@functools.cache
def _kept() -> dict[str, type]:
    """The model's dataclasses a memo holds, and those the stages added with `keep`."""
    from .formats import AudiobookSettings, Opus
    from .lesson import Block, Lesson, Section
    from .lexicon import Lexicon
    from .lines import Lines
    from .quiz import Question
    from .script import Chapter, Line, Script
    from .show import (
        Audio,
        CachePolicy,
        Domain,
        Module,
        PublishSettings,
        Schedule,
        Show,
        Voice,
    )
    from .study import Study

    model = [Block, Lesson, Section, Lexicon, Question, Chapter, Line, Script, Audio, CachePolicy, Domain]
    model += [Module, Opus, PublishSettings, Schedule, Show, Voice, Lines, Study, AudiobookSettings]
    return {**{cls.__name__: cls for cls in model}, **_KEPT}


def _plain(value: Any) -> Any:
    """`value` as JSON values: each one that JSON has no word for is a one-key object naming its kind."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, tuple):
        return {"t": [_plain(item) for item in value]}
    if isinstance(value, list):
        return {"l": [_plain(item) for item in value]}
    if isinstance(value, dict):
        return {"d": [[_plain(key), _plain(item)] for key, item in value.items()]}
    if isinstance(value, bytes):
        return {"b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"time": value.isoformat()}
    if isinstance(value, Path):
        return {"path": str(value)}
    if isinstance(value, regex.Pattern):
        return {"regex": [value.pattern, value.flags]}
    kind = type(value).__name__
    if dataclasses.is_dataclass(value) and _kept().get(kind) is type(value):
        return {f"@{kind}": [_plain(getattr(value, f.name)) for f in dataclasses.fields(value)]}
    raise TypeError(f"the plan memo cannot hold a {kind}")


_READERS: dict[str, Callable[[Any], Any]] = {
    "t": tuple,
    "l": list,
    "d": dict,
    "b": lambda text: base64.b64decode(str(text), validate=True),
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "path": Path,
    "regex": lambda pair: regex.compile(str(pair[0]), flags=int(pair[1])),
}


def _maker(cls: type) -> Callable[[Any], Any]:
    names = tuple(f.name for f in dataclasses.fields(cls))

    def make(values: Any) -> Any:
        if not isinstance(values, list) or len(values) != len(names):
            raise ValueError(f"not a memo value: @{cls.__name__}")
        made: Any = object.__new__(cls)
        made.__dict__.update(zip(names, values))  # as unpickling does, without running the validators again
        return made

    return make


@functools.cache
def _readers() -> dict[str, Callable[[Any], Any]]:
    """Each tag a memo value may carry, with what reads it back: the kinds above and the kept dataclasses."""
    return {**_READERS, **{f"@{name}": _maker(cls) for name, cls in _kept().items()}}


def _object(found: dict[str, Any]) -> Any:
    """One tagged JSON object back as the value it stands for; anything else is damage (ValueError)."""
    if len(found) != 1:
        raise ValueError("not a memo value")
    ((kind, value),) = found.items()
    if kind == "t":
        return tuple(value)
    reader = _readers().get(kind)
    if reader is None:
        raise ValueError(f"not a memo value: {kind}")
    try:
        return reader(value)
    except (TypeError, IndexError, binascii.Error) as exc:
        raise ValueError(f"not a memo value: {kind} ({exc})") from None


def _fits(kind: str, value: Any) -> bool:
    """Whether an entry read from the memo is of the type its kind is kept as (else it is made again)."""
    kept = _kept()
    types: dict[str, type] = {"lesson": kept["Lesson"], "show": kept["Show"], "lexicon": kept["Lexicon"]}
    types.update(quiz=tuple, cover=bool, tools=str, script=tuple, sentences=bytes)
    return kind in types and isinstance(value, types[kind])


PACKED_LIMIT = 64 * 1024 * 1024  # what one packed value may grow to: more is damage, never unpacked whole


def pack(value: Any) -> bytes:
    """`value` as compressed memo JSON: for an entry loaded only when a step needs it (a script)."""
    return zlib.compress(encode(value).encode("utf-8"), 1)


def unpack(blob: bytes) -> Any:
    """A value written by pack; ValueError when the bytes are not one."""
    inflate = zlib.decompressobj()
    try:
        text = inflate.decompress(blob, PACKED_LIMIT)
    except zlib.error as exc:
        raise ValueError(f"not a packed memo value: {exc}") from None
    if inflate.unconsumed_tail:
        raise ValueError("a packed memo value larger than any script")
    return decode(text)


def encode(value: Any) -> str:
    """`value` as memo JSON (see decode)."""
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"))


def decode(text: str | bytes) -> Any:
    """A value written by encode. The cycle collector is paused meanwhile: collections over a whole course's
    objects during the load cost more than the load."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return json.loads(text, object_hook=_object)
    finally:
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
            data = decode(self.path.read_bytes())
            if data.get("code") == code_digest():
                self._files = {
                    str(name): found
                    for name, found in data["files"].items()
                    if isinstance(found, tuple) and len(found) == 3
                }
                self._entries = {
                    (kind, key): value for kind, key, value in data["entries"] if _fits(kind, value)
                }
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
        entries = [(kind, key, value) for (kind, key), value in self._kept.items()]
        data = {"code": code_digest(), "files": self._seen, "entries": entries}
        try:
            write_atomic(self.path, encode(data), durable=False)
        except OSError as exc:  # a cache that cannot be written costs the next run time, nothing else
            log.debug("plan memo %s not written: %s", self.path, exc)
        self._entries, self._files, self.dirty = dict(self._kept), dict(self._seen), False
