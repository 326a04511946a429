"""What the steps that last succeeded were built from, so a stale step can say which input changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..fsutil import write_atomic
from ..stages.base import Step, digest


class State:
    """One state file (.cache/.../state.json): each step's key and the digests of its named inputs."""

    def __init__(self, path: Path):
        self.path = path
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            data = {}
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}

    def previous(self, step: Step) -> dict[str, str]:
        entry = self.data.get(step.record_name)
        parts = entry.get("parts") if isinstance(entry, dict) else None
        return parts if isinstance(parts, dict) else {}

    def reason(self, step: Step) -> str | None:
        """None when the step is up to date, else why it must run."""
        entry = self.data.get(step.record_name)
        if not isinstance(entry, dict):
            return "never built"
        missing = [path for path in step.outputs if not path.exists()]
        if missing:
            return f"output missing: {missing[0].name}"
        if entry.get("key") != step.key:
            before = self.previous(step)
            changed = [name for name, value in step.parts.items() if before.get(name) != value]
            return "changed: " + ", ".join(changed) if changed else "inputs changed"
        return None

    def drifted(self, step: Step) -> list[str]:
        """The kept inputs that changed since the step last ran (they do not make it stale)."""
        entry = self.data.get(step.record_name)
        before = entry.get("kept") if isinstance(entry, dict) else None
        if not isinstance(before, dict) or not step.kept:
            return []
        return [name for name, value in step.kept.items() if before.get(name) != value]

    def why(self, step: Step) -> str | None:
        """`reason`, and for a step that verifies its outputs on every build, whether they are damaged."""
        reason = self.reason(step)
        if reason is None and step.verify == "always" and step.intact is not None and not step.intact():
            return "output damaged: its bytes differ from what the step wrote"
        return reason

    def record(self, step: Step) -> None:
        entry: dict[str, object] = {"key": digest(step.parts), "parts": step.parts}
        if step.kept:
            entry["kept"] = step.kept
        self.data[step.record_name] = entry
        write_atomic(self.path, json.dumps(self.data, indent=1, sort_keys=True))
