"""A local folder (`--to DIR` or file://DIR), for hosts synced with rsync or served by a web server: the same
order, manifest and grace period as object storage; each file is written beside its place and renamed.

The folder may hold other people's files. A publish only ever deletes what it wrote: its own temporary files
(named `.NAME.XXXX.certquests-partial`, left by a publish that was killed) and the objects its manifest
says it stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import LockedError, PublishError
from ..fsutil import FILE_MODE
from ..model.show import PublishSettings
from .target import LOCK, LOCK_STALE, MANIFEST, Stored, Upload, lock_body, lock_holder

CHUNK = 1024 * 1024
PARTIAL = ".certquests-partial"  # the suffix of this module's temporary files, and of nothing else


def open_target(url: str, settings: PublishSettings) -> FolderTarget:
    path = unquote(urlsplit(url).path) if url.startswith("file://") else url
    return FolderTarget(url, Path(path).expanduser().resolve())


class FolderTarget:
    keeps_headers = False  # the web server in front of the folder chooses the headers

    def __init__(self, url: str, root: Path):
        self.url = url
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise PublishError(f"{self.url}: '{key}' would be written outside the folder")
        return path

    def check(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise PublishError(f"{self.url}: {self.root} is a file, not a folder; choose a folder for --to")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PublishError(f"{self.url}: cannot create {self.root} ({exc.strerror})") from None

    def lock(self, holder: str, token: str) -> None:
        path = self.root / LOCK
        body = lock_body(holder, token)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        except FileExistsError:
            try:
                held, modified = path.read_bytes(), path.stat().st_mtime
            except OSError:
                return self.lock(holder, token)  # released meanwhile
            who, own, age = lock_holder(held, token, dt.datetime.fromtimestamp(modified, dt.UTC))
            if not own and age < LOCK_STALE:
                raise LockedError(
                    f"another publish to {self.url} is running ({who}); wait for it to finish. If none is, "
                    f"delete {path} and publish again"
                ) from None
            staged = self._temporary(path)
            staged.write_bytes(body)
            os.replace(staged, path)
            return
        except OSError as exc:
            raise PublishError(f"{path}: cannot take the publish lock ({exc.strerror})") from None
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)

    def unlock(self, token: str) -> None:
        path = self.root / LOCK
        try:
            _who, own, _age = lock_holder(path.read_bytes(), token, None)
            if own:
                path.unlink()
        except OSError:
            pass

    def tidy(self) -> int:
        """Delete the temporary files a killed publish left (only this module's names); how many."""
        removed = 0
        for path in self.root.rglob(f".*{PARTIAL}"):
            if path.is_file() and not path.is_symlink():
                path.unlink()
                removed += 1
        return removed

    def _temporary(self, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PARTIAL, dir=target.parent)
        os.close(fd)
        os.chmod(name, FILE_MODE)
        return Path(name)

    def listing(self) -> dict[str, int]:
        found = {}
        for path in self.root.rglob("*"):
            name = path.relative_to(self.root).as_posix()
            if path.is_file() and (name == MANIFEST or not path.name.startswith(".")):
                found[name] = path.stat().st_size
        return found

    def stored(self, key: str) -> Stored | None:
        path = self._path(key)
        if not path.is_file():
            return None
        with open(path, "rb") as handle:
            return Stored(hashlib.file_digest(handle, "sha256").hexdigest())

    def read(self, key: str, limit: int = 64 * 1024 * 1024) -> bytes | None:
        path = self._path(key)
        if not path.is_file():
            return None
        with open(path, "rb") as handle:
            return handle.read(limit + 1)  # past the limit it is damage, never read whole

    def send(self, item: Upload, sent: Callable[[int], None]) -> None:
        target = self._path(item.key)
        temporary = self._temporary(target)
        try:
            with open(item.path, "rb") as source, open(temporary, "wb") as copy:
                while chunk := source.read(CHUNK):
                    copy.write(chunk)
                    sent(len(chunk))
                copy.flush()
                os.fsync(copy.fileno())
            shutil.copymode(item.path, temporary)
            os.replace(temporary, target)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise PublishError(f"writing {target}: {exc.strerror}") from None

    def write(self, key: str, data: bytes, content_type: str, cache_control: str) -> None:
        target = self._path(key)
        temporary = self._temporary(target)
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise PublishError(f"writing {target}: {exc.strerror}") from None

    def remove(self, keys: list[str]) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)

    def allow_cors(self) -> str:
        raise PublishError(
            f"{self.url}: CORS rules are set on object storage; for a folder, have its web server send "
            "Access-Control-Allow-Origin: * for the feed, transcripts and chapters"
        )
