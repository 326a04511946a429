"""One build at a time per project; the kernel drops the lock when its process dies, so none goes stale.

The lock file is only ever locked, never written: it is opened without following a symbolic link and
without truncating, so a `.cache` handed over by someone else cannot make a build change a file outside the
project. Who holds the lock is written to a file of its own, replaced by rename.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from types import TracebackType

from ..errors import CertQuestsError, LockedError
from ..fsutil import write_atomic
from ..model.project import Project


class BuildLock:
    def __init__(self, project: Project):
        self.project = project
        self.path = project.cache / "build.lock"
        self.holder = project.cache / "build.holder"
        self.fd: int | None = None

    def __enter__(self) -> BuildLock:
        self.project.check_own_folders()  # before anything is made in them: a linked folder is refused
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if self.path.is_symlink():
                raise CertQuestsError(
                    f"{self.path}: is a symbolic link; a build never follows one out of the project: "
                    "delete it (the next build makes a plain file)"
                ) from None
            raise CertQuestsError(f"{self.path}: cannot open the build lock ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            try:
                holder = self.holder.read_text("utf-8").strip()[:200] or "another process"
            except OSError:
                holder = "another process"
            raise LockedError(
                f"another build of this project is running ({holder}); wait for it to finish"
            ) from None
        self.fd = fd
        write_atomic(self.holder, f"pid {os.getpid()}", durable=False)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                self.holder.unlink()
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
