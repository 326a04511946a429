"""The error tree: every message names where the problem is, what is wrong and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    path: Path | str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"


class CertQuestsError(click.ClickException):
    """Base error: shown without a traceback, exits non-zero."""

    exit_code = 1

    def __init__(self, message: str, problems: list[Problem] | None = None):
        self.problems = list(problems or [])
        if self.problems:
            lines = [message] + [f"  {p}" for p in self.problems]
            message = "\n".join(lines)
        super().__init__(message)


class UnsafePathError(CertQuestsError):
    """A folder the tool writes and deletes in is reached through a symbolic link, or lies outside."""

    exit_code = 1


class ConfigError(CertQuestsError):
    exit_code = 2


class ContentError(CertQuestsError):
    exit_code = 3


class ToolError(CertQuestsError):
    """An external tool (ffmpeg, an engine) failed or is missing."""

    exit_code = 4


class SynthesisError(CertQuestsError):
    exit_code = 5


class BuildError(CertQuestsError):
    """One or more episodes failed; the summary names them."""

    exit_code = 6


class LockedError(CertQuestsError):
    exit_code = 7


class ValidationError(CertQuestsError):
    """The built feed or site breaks a publishing rule; nothing was replaced."""

    exit_code = 8


class PublishError(CertQuestsError):
    """Uploading to the hosting failed (unreachable, refused, no such bucket); the live feed is consistent."""

    exit_code = 9


def relative(path: Path, root: Path) -> str:
    """A path as the producer sees it: relative to the project when possible."""
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)
