"""The per-sentence audio cache: one file per sentence key, checked on every read."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from ..fsutil import write_atomic

if TYPE_CHECKING:
    import numpy as np

CACHE_MAGIC = b"CQA1"


class SpeechCache:
    """Sentence audio on disk, one file per key, checked on every read (a damaged entry is a miss)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.f32"

    def keys(self) -> frozenset[str]:
        """The keys of every entry on disk (whether each is whole is checked when it is read)."""
        found: set[str] = set()
        try:
            folders = [entry.path for entry in os.scandir(self.folder) if entry.is_dir()]
        except OSError:
            return frozenset()
        for folder in folders:
            with os.scandir(folder) as entries:
                found.update(entry.name[:-4] for entry in entries if entry.name.endswith(".f32"))
        return frozenset(found)

    def get(self, key: str) -> np.ndarray | None:
        import numpy as np  # off the planning path: status only asks whether an entry exists

        path = self.path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        if len(raw) < 12 or raw[:4] != CACHE_MAGIC:
            return None
        checksum, count = struct.unpack("<II", raw[4:12])
        body = memoryview(raw)[12:]  # the samples where they were read, not a second copy
        if len(body) != count * 4 or zlib.crc32(body) != checksum:
            return None
        return np.frombuffer(body, dtype="<f4")

    def put(self, key: str, samples: np.ndarray) -> None:
        import numpy as np

        body = np.ascontiguousarray(samples, dtype="<f4").tobytes()
        write_atomic(
            self.path(key),
            CACHE_MAGIC + struct.pack("<II", zlib.crc32(body), len(body) // 4) + body,
            durable=False,
        )  # a damaged entry fails its checksum on read and is made again
