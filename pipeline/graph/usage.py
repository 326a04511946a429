"""What a build costs, for its report and the benchmark."""

from __future__ import annotations

import resource
import time


def cpu_seconds() -> float:
    """CPU seconds of this process (all its threads) and of its finished children (ffmpeg)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime
