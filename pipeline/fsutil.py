"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK  # what open() would have given; mkstemp's 0600 would hide published files


def write_atomic(path: Path, data: bytes | str, *, durable: bool = True) -> None:
    """Replace `path` with `data` in one step. `durable=False` skips the flush to disk, for files whose
    readers verify them anyway (the sentence cache)."""
    os.replace(write_staged(path, data, durable=durable), path)


def write_staged(path: Path, data: bytes | str, *, durable: bool = True) -> Path:
    """Write `data` to a temporary file beside `path`; os.replace(returned, path) publishes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
    except OSError as exc:  # a full disk names no file by itself: say which one could not be written
        os.unlink(tmp)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp)


def temporary_sibling(path: Path) -> Path:
    """A fresh temporary path in the same folder (so os.replace onto `path` is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.chmod(tmp, FILE_MODE)
    return Path(tmp)


def remove_leftovers(folder: Path) -> int:
    """Delete the temporary files a killed build left in `folder` (hidden names that write_atomic and
    temporary_sibling make); only call this while holding the build lock."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if entry.name.startswith(".") and entry.is_file() and entry.name.count(".") >= 3:
            os.unlink(entry.path)
            removed += 1
    return removed


Fingerprint = tuple[int, int, str]  # size, modification time (ns), sha256


def fingerprint(path: Path, known: Sequence[object] | None = None) -> Fingerprint:
    """A file's size, time and sha256. The sha256 of `known` (an earlier fingerprint) is reused while the size
    and time still match it, so an untouched file is known without being read."""
    status = path.stat()
    if known is not None and list(known[:2]) == [status.st_size, status.st_mtime_ns]:
        return status.st_size, status.st_mtime_ns, str(known[2])
    with open(path, "rb") as handle:
        return status.st_size, status.st_mtime_ns, hashlib.file_digest(handle, "sha256").hexdigest()


def unchanged(path: Path, known: Sequence[object]) -> bool:
    """Whether `path` still holds the bytes `known` (an earlier fingerprint) describes."""
    size, _, sha256 = fingerprint(path, known)
    return size == known[0] and sha256 == known[2]
