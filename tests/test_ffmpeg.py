"""One ffmpeg wherever the project builds: the wheel's, unless CERTQUESTS_FFMPEG names another."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from pipeline.errors import ToolError
from pipeline.ffmpeg import ffmpeg_path


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    ffmpeg_path.cache_clear()
    yield
    ffmpeg_path.cache_clear()


def test_the_wheels_ffmpeg_even_when_the_system_has_one(monkeypatch, tmp_path):
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.delenv("CERTQUESTS_FFMPEG", raising=False)
    assert "imageio_ffmpeg" in ffmpeg_path() and ffmpeg_path() != str(fake)


def test_certquests_ffmpeg_names_another(monkeypatch):
    monkeypatch.setenv("CERTQUESTS_FFMPEG", "true")
    assert ffmpeg_path() == shutil.which("true")


def test_a_name_that_is_no_program_is_refused_with_the_fix(monkeypatch):
    monkeypatch.setenv("CERTQUESTS_FFMPEG", "/no/such/ffmpeg")
    with pytest.raises(ToolError, match=r"CERTQUESTS_FFMPEG names '/no/such/ffmpeg'.*fix or unset it"):
        ffmpeg_path()
