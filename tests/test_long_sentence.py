"""A very long sentence is voiced in pieces cut at its clauses and joined without a step in the waveform, and
`check` still asks for it to be split.

The fast tests stand a fake engine at the engine's seam (`synthesize`): a real voice takes minutes over a
sentence of 2,000 words, and what is tested here is what the engine is given and what is made of its audio;
the splitting, the checks, the trimming, the joins and the cache are all real. The slow tests voice a long
sentence with hibari and with Piper themselves, each in a process of its own, and read its peak memory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.model.script import Line
from pipeline.model.show import Voice
from pipeline.speech import SAMPLE_RATE, sentence_key
from pipeline.speech import voicer as voicer_module
from pipeline.speech.cache import SpeechCache
from pipeline.speech.pieces import PIECE_WORDS
from pipeline.spoken.speech import LONG_SENTENCE

from .conftest import run

VOICE = Voice(role="host", engine="hibari", voice="heart", rate=1.0, name="Host")
TONE = 220.0  # Hz
AMPLITUDE = 0.3


class CountingEngine:
    """Says each word as 0.3 s of a steady tone that starts and stops at its peak (the worst an engine's
    edges can be: a piece cut off mid-sound), and keeps every text it is given."""

    name = "counting"

    def __init__(self):
        self.given: list[str] = []

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        self.given.append(text)
        time = np.arange(round(0.3 * len(text.split()) * SAMPLE_RATE)) / SAMPLE_RATE
        return (AMPLITUDE * np.cos(2 * np.pi * TONE * time)).astype(np.float32)


def long_sentence(words: int, clause: int = 12) -> str:
    said = [f"word{n}" + ("," if (n + 1) % clause == 0 else "") for n in range(words)]
    return " ".join(said) + "."


def voiced(tmp_path: Path, monkeypatch, text: str) -> tuple[CountingEngine, np.ndarray]:
    engine = CountingEngine()
    monkeypatch.setattr(voicer_module, "get_engine", lambda name: engine)
    cache = SpeechCache(tmp_path / "speech")
    line = Line("host", text, text, 0.3)
    key = sentence_key(text, VOICE, "counting")
    assert voicer_module.Voicer({"host": VOICE}, cache).ensure(line, key, 0, lesson_path="lesson.md")
    samples = cache.get(key)
    assert samples is not None
    return engine, samples


def test_a_sentence_of_2000_words_reaches_the_engine_in_pieces_of_at_most_30_words(tmp_path, monkeypatch):
    text = long_sentence(2000)
    engine, samples = voiced(tmp_path, monkeypatch, text)
    assert max(len(piece.split()) for piece in engine.given) <= PIECE_WORDS
    assert " ".join(engine.given).split() == text.split()  # every word, once, in order
    # Cut after a clause's comma where there is one: each piece but the last ends a clause.
    assert all(piece.endswith(",") for piece in engine.given[:-1])
    pieces = len(engine.given)
    assert abs(len(samples) / SAMPLE_RATE - 0.3 * 2000 - (pieces - 1) * 0.18) < 0.01


def test_the_joins_have_no_step_in_the_waveform(tmp_path, monkeypatch):
    _, samples = voiced(tmp_path, monkeypatch, long_sentence(200))
    # The tone's own largest step from one sample to the next; a cut tone would jump by up to its amplitude.
    steepest = AMPLITUDE * 2 * np.sin(np.pi * TONE / SAMPLE_RATE)
    assert np.max(np.abs(np.diff(samples))) <= steepest * 1.01


def test_a_clause_without_punctuation_is_cut_between_words(tmp_path, monkeypatch):
    engine, _ = voiced(tmp_path, monkeypatch, long_sentence(100, clause=1000))
    assert [len(piece.split()) for piece in engine.given] == [25, 25, 25, 25]


def test_a_sentence_up_to_the_long_sentence_limit_is_given_whole(tmp_path, monkeypatch):
    text = long_sentence(LONG_SENTENCE)
    engine, _ = voiced(tmp_path, monkeypatch, text)
    assert engine.given == [text]


def test_check_still_asks_for_a_very_long_sentence_to_be_split(project: Path):
    lesson = next((project / "content" / "lessons").glob("*.md"))
    text = lesson.read_text()
    lesson.write_text(text.rstrip() + "\n\n" + " ".join(["Queues hold messages"] * 400) + ".\n")
    result = run(project, "check")
    assert re.search(r"a sentence of 1200 words is hard to follow when heard; split it", result.output)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("engine", "voice", "repeats"),
    [("hibari", "heart", 100), ("piper", "joe", 35)],  # 1,304 and 459 words
)
def test_a_real_voice_says_a_very_long_sentence_in_bounded_memory(tmp_path: Path, engine, voice, repeats):
    """A real voice, in a process of its own: the sentence comes out at a speaking pace, and the process's
    peak resident memory stays that of an ordinary sentence's (Piper, given the whole sentence, would take
    about 19 MB for each second of it: 2.9 GB here)."""
    script = f"""
import re, sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
from pipeline.model.script import Line
from pipeline.model.show import Voice
from pipeline.speech import SAMPLE_RATE
from pipeline.speech.cache import SpeechCache
from pipeline.speech.voicer import Voicer

voice = Voice(role="host", engine={engine!r}, voice={voice!r}, rate=1.0, name="Host")
words = ["Lambda runs", "your code", "when an event", "arrives, and", "scales it", "for you,"] * {repeats}
text = " ".join(words) + " and that is all."
cache = SpeechCache(Path({str(tmp_path)!r}) / "speech")
Voicer({{"host": voice}}, cache).ensure(Line("host", text, text, 0.3), "k" * 64, 0, lesson_path="x.md")
seconds = len(cache.get("k" * 64)) / SAMPLE_RATE
peak = int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1)) // 1024
print(len(text.split()), seconds, peak)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    words, seconds, peak = done.stdout.split()
    minutes = float(seconds) / 60
    assert 130 < int(words) / minutes < 260, f"{words} words in {minutes:.1f} min"
    assert int(peak) < 600, f"voicing {words} words peaked at {peak} MB"
