"""Speech engines. gTTS needs Google's servers, which test machines cannot reach: its tests fake only the
HTTP exchange (requests.Session.send) and keep everything else real: gTTS's request building and reply
parsing, our retries, decoding with pydub and ffmpeg, the sentence checks and the cache."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import requests

from pipeline.audio.mp3 import encode as encode_mp3
from pipeline.errors import SynthesisError
from pipeline.model.script import Line
from pipeline.model.show import Voice
from pipeline.speech import SAMPLE_RATE, get_engine, sentence_key
from pipeline.speech.cache import SpeechCache
from pipeline.speech.google import GttsEngine

from .conftest import AS_OF, run

GTTS_VOICE = Voice(role="cohost", engine="gtts", voice="co.uk", rate=1.0, name="Guest")


@pytest.fixture(scope="module")
def speech_mp3(tmp_path_factory) -> bytes:
    """A real MP3 of real speech, as Google would return for one sentence."""
    samples = get_engine("hibari").synthesize(
        "Queues decouple producers from consumers.", Voice("host", "hibari", "heart", 1.0, "Host")
    )
    folder = tmp_path_factory.mktemp("gtts")
    samples.astype("<f4").tofile(folder / "speech.f32")
    encode_mp3(folder / "speech.f32", SAMPLE_RATE, folder / "reply.mp3", bitrate=64, channels=1, gain_db=0.0)
    return (folder / "reply.mp3").read_bytes()


class FakeGoogle:
    """Stands in for translate.google.com's batchexecute endpoint; records what gTTS sent."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.requests: list[requests.PreparedRequest] = []

    def send(self, session, request, **kwargs):
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        status, body = reply
        response = requests.Response()
        response.status_code = status
        response._content = body
        response._content_consumed = True
        response.request = request
        response.url = request.url
        return response


def google_reply(mp3: bytes) -> tuple[int, bytes]:
    audio = json.dumps([base64.b64encode(mp3).decode()])
    payload = json.dumps([["wrb.fr", "jQ1olc", audio, None, None, None, "generic"]], separators=(",", ":"))
    return 200, (")]}'\n\n" + payload + "\n").encode()


@pytest.fixture
def fake_google(monkeypatch):
    def install(*replies):
        fake = FakeGoogle(replies)
        monkeypatch.setattr(
            requests.Session, "send", lambda self, request, **kw: fake.send(self, request, **kw)
        )
        return fake

    monkeypatch.setattr(GttsEngine, "backoff", 0.01)
    sleeps: list[float] = []
    monkeypatch.setattr("pipeline.speech.google.time.sleep", lambda seconds: sleeps.append(seconds))
    install.sleeps = sleeps
    return install


@pytest.mark.slow
def test_gtts_fake_http_reply_is_decoded_to_speech(fake_google, speech_mp3):
    fake = fake_google(google_reply(speech_mp3))
    samples = GttsEngine().synthesize("Queues decouple producers from consumers.", GTTS_VOICE)
    assert 1.0 < len(samples) / SAMPLE_RATE < 6.0
    assert np.max(np.abs(samples)) > 0.05
    sent = fake.requests[0]
    assert sent.url.startswith("https://translate.google.co.uk/")  # the accent domain chose the host
    assert "producers" in requests.utils.unquote(sent.body)


@pytest.mark.parametrize(
    "fault",
    [
        requests.exceptions.ConnectTimeout("timed out"),
        requests.exceptions.ConnectionError("Failed to resolve 'translate.google.com'"),
        (429, b"Too Many Requests"),
        (503, b"Service Unavailable"),
        (200, b')]}\'\n\n[["wrb.fr","other",null]]\n'),  # a garbage body with no audio
    ],
    ids=["timeout", "offline", "http-429", "http-503", "garbage"],
)
def test_gtts_faults_retry_with_backoff_then_fail_clearly(fake_google, fault, tmp_path):
    fake = fake_google(fault)
    engine = GttsEngine()
    with pytest.raises(SynthesisError) as failure:
        engine.synthesize("Hello there.", GTTS_VOICE)
    assert len(fake.requests) == engine.attempts
    assert fake_google.sleeps == [0.01, 0.02, 0.04]  # exponential backoff between the attempts
    message = failure.value.format_message()
    assert "gTTS could not synthesize 'Hello there.' after 4 attempts" in message
    assert "use engine = 'hibari', which works offline" in message


@pytest.mark.slow
def test_gtts_recovers_after_a_transient_fault(fake_google, speech_mp3):
    fake = fake_google((503, b"busy"), google_reply(speech_mp3))
    samples = GttsEngine().synthesize("Queues decouple producers from consumers.", GTTS_VOICE)
    assert len(fake.requests) == 2 and len(samples) > SAMPLE_RATE


def test_failed_sentence_leaves_nothing_in_the_cache(fake_google, tmp_path):
    from pipeline.speech.voicer import Voicer

    fake_google((500, b"oops"))
    line = Line("cohost", "Hello there.", "Hello there.", 0.3)
    cache = SpeechCache(tmp_path / "speech")
    with pytest.raises(SynthesisError):
        Voicer({"cohost": GTTS_VOICE}, cache).ensure(
            line, sentence_key(line.spoken, GTTS_VOICE, "test"), 0, lesson_path="content/lessons/x.md"
        )
    assert not (tmp_path / "speech").exists() or not any((tmp_path / "speech").rglob("*.f32"))


@pytest.mark.slow
def test_build_with_a_gtts_cohost(fake_google, speech_mp3, project: Path):
    fake_google(google_reply(speech_mp3))
    config = project / "content" / "show.toml"
    config.write_text(
        config.read_text().replace('engine = "piper"\nvoice = "joe"', 'engine = "gtts"\nvoice = "com.au"')
    )
    result = run(project, "build", "--as-of", AS_OF, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert len(list((project / "episodes").glob("*.mp3"))) == 2


def test_unavailable_hibari_voice_stops_before_synthesis(project: Path, tmp_path, monkeypatch):
    monkeypatch.setenv("HIBARI_HOME", str(tmp_path / "empty-voice-cache"))
    config = project / "content" / "show.toml"
    config.write_text(
        config.read_text().replace('engine = "piper"\nvoice = "joe"', 'engine = "hibari"\nvoice = "emma"')
    )
    result = run(project, "build", "--as-of", AS_OF, "--jobs", "1")
    assert result.exit_code == 2
    assert "[voices.cohost] hibari voice 'emma' is not on this machine" in result.output
    assert "use voice = 'heart'" in result.output
    assert not (project / ".cache" / "speech").exists()


def test_hibari_reads_no_numeral_where_none_is_written():
    """hibari's G2P reads a Roman numeral after "stage", "type" and the like, an empty one ("stage Variables"
    as "stage zero Variables") and a letter ("Type C" as "type one hundred"); the spoken form reads numerals
    before the voice is given them, so the engine reads none."""
    from pipeline.speech.hibari import _model
    from pipeline.spoken.roman import roman_numerals

    g2p = _model("heart").g2p
    for text, wrong in (
        ("a placeholder like dollar stage Variables", "zero"),
        ("a preference of type Canary 10 Percent", "zero"),
        ("a Type C personality", "one hundred"),
        ("Section L applies", "fifty"),
    ):
        assert g2p(wrong) not in g2p(text), g2p(text)
    assert g2p(roman_numerals("Chapter IV")) == g2p("Chapter four")
    assert g2p(roman_numerals("Henry VIII")) == g2p("Henry the Eighth")


def test_silent_engine_output_fails_naming_lesson_and_sentence(project: Path, monkeypatch):
    from pipeline.speech.hibari import HibariEngine

    monkeypatch.setattr(HibariEngine, "synthesize", lambda self, text, voice: np.zeros(100, np.float32))
    result = run(project, "build", "--as-of", AS_OF, "--jobs", "1")
    assert result.exit_code == 6
    assert "content/lessons/01-queues.md" in result.output and "failed twice" in result.output
    assert "returned 0.00 s of silence" in result.output
    assert not list((project / "episodes").glob("*.mp3"))
    assert not (project / "feed" / "feed.xml").exists()


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)"
)
def test_espeak_engine_speaks():
    samples = get_engine("espeak").synthesize(
        "Queues decouple producers from consumers.", Voice("host", "espeak", "en-us", 1.0, "Host")
    )
    assert 1.0 < len(samples) / SAMPLE_RATE < 6.0


@pytest.mark.slow
def test_a_failing_sentence_stops_only_its_episode(project: Path, monkeypatch):
    from pipeline.speech.hibari import HibariEngine

    real = HibariEngine.synthesize

    def flaky(self, text, voice):
        if "absorbs the difference" in text:
            return np.zeros(100, np.float32)
        return real(self, text, voice)

    monkeypatch.setattr(HibariEngine, "synthesize", flaky)
    result = run(project, "build", "--as-of", AS_OF, "--jobs", "2")
    assert result.exit_code == 6
    assert re.search(
        r"content/lessons/01-queues\.md:\d+: sentence \d+ of the episode failed twice", result.output
    )
    assert "topics-basics: script, synth, master, tag" in result.output  # the other episode was built
    assert [p.name.split("-")[0] for p in (project / "episodes").glob("*.mp3")] == ["topics"]
