"""How the build process gives memory back: large arrays are mapped and unmapped, never kept in the heap."""

from __future__ import annotations

import ctypes
import functools

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
MAPPED_FROM = 256 * 1024  # bytes: every block this large is its own mapping, returned when freed
TRIMMED_PAST = 1024 * 1024  # bytes of free heap top that are returned at once


@functools.cache
def give_back_freed_memory() -> bool:
    """Ask glibc's allocator to map every large block on its own and to return freed heap promptly. Left
    to itself it raises its mapping threshold to the largest block freed so far (up to 32 MB), so a
    chapter's arrays stay in the heap and the process keeps the high-water mark of every stage. A no-op
    (False) where the C library is not glibc."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MAPPED_FROM)) and bool(mallopt(M_TRIM_THRESHOLD, TRIMMED_PAST))


def trim_heap() -> bool:
    """Hand the free pages of every heap of the process back to the system at once (glibc's malloc_trim),
    after a stage has let go of what only it needed; False where the C library is not glibc."""
    try:
        malloc_trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    return bool(malloc_trim(0))
