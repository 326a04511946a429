"""Writes that replace a file in one step, and say which file when they cannot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.fsutil import write_atomic


def test_a_write_that_fails_names_the_file_it_was_for(tmp_path: Path, monkeypatch):
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    target = tmp_path / "feed" / "feed.xml"
    with pytest.raises(OSError) as failed:
        write_atomic(target, "<rss/>")
    assert failed.value.filename == str(target) and failed.value.strerror == "No space left on device"
    assert not target.exists() and not list(target.parent.iterdir())  # no temporary file left behind
