"""Synthesize a script sentence by sentence, assemble it with pauses and sound design, master it to MP3."""
from __future__ import annotations

import json
import logging
import math
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .config import Audio, Voice
from .errors import SynthesisError
from .fsutil import temporary_sibling, write_atomic
from .media import filter_file, parse_ebur128
from .mp3 import encode as encode_mp3
from .mp3 import measure as measure_mp3
from .script import Line, Script
from .speech import SAMPLE_RATE, SpeechCache, get_engine, sentence_key

log = logging.getLogger(__name__)
PRE_LEVEL = -24.0  # LUFS the raw speech is brought to before the compressor, so its threshold means the same for any engine
# High-pass and gentle compression in ffmpeg, then a look-ahead limiter that holds peaks at most
# PEAK_TO_LOUDNESS dB above the measured loudness: raw TTS has a peak-to-loudness ratio near 24 dB, which a
# plain gain to -19 LUFS would push through the -1 dBTP ceiling.
PEAK_TO_LOUDNESS = 15.0
DYNAMICS = "highpass=f=70:poles=2,acompressor=threshold=-30dB:ratio=3:attack=2:release=150:knee=4:makeup=1"
BIG_FRAMES = "asetnsamples=n=16384:p=0"  # ffmpeg's default small frames cost more in hand-offs than in filtering


@dataclass(frozen=True)
class Timing:
    """Where one script line sits in the finished episode, in seconds."""

    chapter: int
    role: str
    text: str
    start: float
    end: float


def _check_sentence(samples: np.ndarray, text: str) -> str | None:
    """Why this audio is not a plausible reading of `text`, or None."""
    seconds = len(samples) / SAMPLE_RATE
    words = max(1, len(text.split()))
    if seconds < 0.15 or not np.any(np.abs(samples) > 1e-3):
        return f"the engine returned {seconds:.2f} s of silence"
    if not np.all(np.isfinite(samples)):
        return "the audio contains invalid samples"
    if seconds > 2.0 + 1.5 * words:
        return f"{seconds:.1f} s of audio for {words} words is far too long"
    if seconds < 0.06 * words:
        return f"{seconds:.1f} s of audio for {words} words is far too short"
    clipped = np.count_nonzero(np.abs(samples) >= 0.999)
    if clipped > max(3, len(samples) // 1000):
        return f"{clipped} samples are clipped"
    return None


def trim_silence(samples: np.ndarray, margin: float = 0.02) -> np.ndarray:
    """Cut the engine's leading and trailing silence (hibari adds about 0.3 s and 0.45 s), keeping 20 ms, so
    pauses are exactly what the script asks for and cue times mark where speech starts and ends."""
    loud = np.flatnonzero(np.abs(samples) > np.max(np.abs(samples)) * 10 ** (-40 / 20))
    if loud.size == 0:
        return samples
    keep = int(margin * SAMPLE_RATE)
    return samples[max(0, loud[0] - keep): loud[-1] + keep + 1]


class Voicer:
    """Makes sure script lines' audio is in the speech cache, one line at a time (safe from several threads:
    a line two threads make at once is made twice, and both write the same bytes)."""

    def __init__(self, voices: dict[str, Voice], cache: SpeechCache):
        self.voices, self.cache = voices, cache
        self._engines: dict[str, tuple[object, str]] = {}

    def _engine(self, name: str) -> tuple[object, str]:
        if name not in self._engines:
            engine = get_engine(name)
            self._engines[name] = (engine, engine.version())
        return self._engines[name]

    def key(self, line: Line) -> str:
        voice = self.voices[line.role]
        return sentence_key(line.spoken, voice, self._engine(voice.engine)[1])

    def ensure(self, line: Line, index: int, *, lesson_path: str, trust_cache: bool = False) -> bool:
        """Synthesize the line unless the cache has it; True when it was synthesized now. With `trust_cache`,
        an entry that exists is not read and verified here (assemble() verifies it)."""
        key = self.key(line)
        if self.cache.path(key).exists() if trust_cache else self.cache.get(key) is not None:
            return False
        voice = self.voices[line.role]
        engine = self._engine(voice.engine)[0]
        problem = None
        for _attempt in range(2):
            samples = np.asarray(engine.synthesize(line.spoken, voice), dtype=np.float32)
            problem = _check_sentence(samples, line.spoken)
            samples = trim_silence(samples)
            if problem is None:
                break
            log.warning("%s: retrying a sentence (%s)", lesson_path, problem)
        if problem is not None:
            raise SynthesisError(f"{lesson_path}: sentence {index + 1} of the episode failed twice ({problem}): "
                                 f"{line.text!r}; reword it or add a lexicon entry for its odd tokens")
        self.cache.put(key, samples)
        return True


def synthesize_lines(script: Script, voices: dict[str, Voice], cache: SpeechCache, *, lesson_path: str,
                     trust_cache: bool = False) -> tuple[list[str], int]:
    """Make sure every line's audio is in the cache; returns the keys in order and how many were synthesized."""
    voicer = Voicer(voices, cache)
    made = sum(voicer.ensure(line, index, lesson_path=lesson_path, trust_cache=trust_cache)
               for index, line in enumerate(script.lines))
    return [voicer.key(line) for line in script.lines], made


class MissingSentence(SynthesisError):
    """A cached sentence vanished or failed its checksum between synthesis and assembly."""


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * SAMPLE_RATE)), dtype=np.float32)


def _block_powers(samples: np.ndarray) -> np.ndarray:
    """Mean square of each 400 ms block (the unit BS.1770 gates loudness on)."""
    block = int(0.4 * SAMPLE_RATE)
    usable = len(samples) // block * block
    if usable == 0:
        return np.zeros(0)
    blocks = samples[:usable].reshape(-1, block)
    return np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64) / block


def _gated_level(powers: np.ndarray) -> float:
    """dBFS of the blocks that carry sound: absolute gate at -70 dB, relative gate 10 dB under their mean."""
    loud = powers[powers > 1e-7]
    if loud.size == 0:
        return float("-inf")
    loud = loud[loud > np.mean(loud) / 10]
    return float(10 * np.log10(np.mean(loud)))


def speech_level(samples: np.ndarray) -> float:
    """A quick level estimate (dBFS RMS of the 400 ms blocks that carry speech), to set the compressor's input."""
    return _gated_level(_block_powers(samples))


@dataclass(frozen=True)
class Assembly:
    """An episode's raw track, written to a file, and where everything in it is."""

    path: Path  # a mono float WAV at SAMPLE_RATE
    timings: list[Timing]
    chapter_starts: list[float]  # seconds
    speech_level: float  # dBFS, see speech_level()
    seconds: float


def assemble(script: Script, keys: list[str], cache: SpeechCache, out: Path,
             cues: dict[str, np.ndarray] | None = None, bed: bool = False) -> Assembly:
    """Join the sentence audio with its pauses, the cues between chapters and the music bed under the
    introduction, straight into `out`: only one sentence (and the introduction) is held in memory at a time."""
    import soundfile

    cues = cues or {}
    sentences = []
    for line, key in zip(script.lines, keys):
        samples = cache.get(key)
        if samples is None:
            raise MissingSentence(f"sentence audio for {line.text[:50]!r} is missing from the cache or damaged")
        sentences.append(_block_powers(samples))
    level = _gated_level(np.concatenate(sentences)) if sentences else float("-inf")
    scaled_cues = {}
    for kind, cue in cues.items():
        cue_level = speech_level(cue)
        if math.isfinite(level) and math.isfinite(cue_level):
            # Cues sit a little under the speech: matched to its level, 4 dB lower.
            scaled_cues[kind] = cue * np.float32(10 ** ((level - 4.0 - cue_level) / 20))

    timings: list[Timing] = []
    chapter_starts: list[float] = []
    position = 0
    lines = iter(zip(script.lines, keys))
    # A float WAV rather than raw samples: ffmpeg reads it in large packets (see media.filter_file).
    with soundfile.SoundFile(out, "w", SAMPLE_RATE, 1, subtype="FLOAT", format="WAV") as handle:
        for number, chapter in enumerate(script.chapters):
            chapter_starts.append(position / SAMPLE_RATE)
            parts: list[np.ndarray] = []
            cue = scaled_cues.get(chapter.kind if number else "intro")
            if cue is not None:
                parts += [cue, _silence(0.25)]
            start_of_chapter = position
            offset = sum(len(p) for p in parts)
            for _ in chapter.lines:
                line, key = next(lines)
                samples = cache.get(key)
                start = start_of_chapter + offset
                timings.append(Timing(number, line.role, line.text, start / SAMPLE_RATE,
                                      (start + len(samples)) / SAMPLE_RATE))
                parts += [samples, _silence(line.pause)]
                offset += len(samples) + len(parts[-1])
                if number:  # later chapters stream out sentence by sentence
                    _write(handle, parts)
                    parts = []
            if number == 0 and bed and math.isfinite(level):
                intro = np.concatenate(parts) if parts else np.zeros(0, np.float32)
                parts = [_with_bed(intro, timings, level)]
            _write(handle, parts)
            position = start_of_chapter + offset
        tail = _silence(0.5)
        _write(handle, [tail])
        position += len(tail)
    return Assembly(out, timings, chapter_starts, level, position / SAMPLE_RATE)


def _write(handle, parts: list[np.ndarray]) -> None:
    for part in parts:
        handle.write(np.asarray(part, dtype=np.float32))


def _with_bed(intro: np.ndarray, timings: list[Timing], speech: float) -> np.ndarray:
    """The introduction with the music bed under it: 14 dB under the speech in the gaps, ducked 12 dB more
    while anyone speaks."""
    from .sound import ducking, music_bed

    pad = music_bed(len(intro))
    spoken = [(int(t.start * SAMPLE_RATE), int(t.end * SAMPLE_RATE)) for t in timings if t.chapter == 0]
    level = 10 ** ((speech - 14.0 - speech_level(pad)) / 20)
    return intro + pad * ducking(len(intro), spoken, -12.0) * np.float32(level)


class RawTrack:
    """A mono float32 file read and patched a chunk at a time, so memory does not grow with its length."""

    CHUNK = 1 << 20  # samples

    def __init__(self, path: Path):
        self.path = path
        self.length = path.stat().st_size // 4

    def read(self, start: int, stop: int) -> np.ndarray:
        return np.fromfile(self.path, dtype="<f4", count=max(0, min(stop, self.length) - start), offset=4 * start)

    def write(self, start: int, samples: np.ndarray) -> None:
        with open(self.path, "r+b") as handle:
            handle.seek(4 * start)
            np.ascontiguousarray(samples, dtype="<f4").tofile(handle)

    def chunks(self):
        for start in range(0, self.length, self.CHUNK):
            yield start, self.read(start, start + self.CHUNK)

    def energy(self) -> float:
        return sum(float(np.dot(chunk, chunk)) for _, chunk in self.chunks())


def limit(track: RawTrack, ceiling: float, rate: int, lookahead: float = 0.008) -> None:
    """A look-ahead peak limiter, in place: no sample exceeds `ceiling` (linear), and the gain moves smoothly.

    Around each stretch of over-ceiling samples the gain is the running minimum of the needed reduction over
    +-lookahead, averaged over the same span: every average includes the sample's own need, so the ceiling
    holds exactly. Elsewhere the audio is untouched."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    span = 2 * max(1, int(lookahead * rate)) + 1
    over = np.concatenate([np.flatnonzero(np.abs(chunk) > ceiling) + start for start, chunk in track.chunks()]
                          or [np.zeros(0, np.int64)])
    if over.size == 0:
        return
    gaps = np.flatnonzero(np.diff(over) > 2 * span)
    for first, last in zip(np.r_[over[0], over[gaps + 1]], np.r_[over[gaps], over[-1]]):
        start, stop = max(0, first - 2 * span), min(track.length, last + 2 * span + 1)
        piece = track.read(start, stop)
        needed = np.minimum(1.0, ceiling / np.maximum(np.abs(piece), 1e-12)).astype(np.float32)
        gain = uniform_filter1d(minimum_filter1d(needed, size=span), size=span)
        track.write(start, piece * np.minimum(gain, needed))


def _codec_loss(shaped: Path, seconds: float, gain: float, audio: Audio, scratch: Path) -> float:
    """How many LU the way from the shaped track to the MP3 takes off this material (resampling, and MP3
    coding: about 0.4 at 96 kbps for speech), measured on a 20-second excerpt so the episode is encoded once."""
    if seconds < 10:
        return 0.0
    window = (max(0.0, seconds / 2 - 10), min(20.0, seconds))
    before = encode_mp3(shaped, SAMPLE_RATE, scratch, bitrate=audio.bitrate, channels=audio.channels, gain_db=gain,
                        seconds=window, meter=True)
    after, _ = measure_mp3(scratch, true_peak=False)
    loss = before - after.integrated
    return loss if math.isfinite(loss) and abs(loss) < 3.0 else 0.0


def master(assembly: Assembly, audio: Audio, out: Path, *, what: str) -> LoudnessReport:
    """Shape the dynamics, then one constant gain to the target as measured on the final MP3, under the ceiling.

    The track stays on disk and is worked on a chunk at a time, so memory does not grow with its length."""
    if not math.isfinite(assembly.speech_level):
        raise SynthesisError(f"{what}: the assembled audio is silent")
    with tempfile.TemporaryDirectory(prefix="certquests-") as folder:
        shaped = Path(folder) / "shaped.f32"
        ffmpeg_log: list[str] = []
        filter_file(assembly.path, SAMPLE_RATE, shaped,
                    f"{BIG_FRAMES},volume={PRE_LEVEL - assembly.speech_level:.3f}dB,{DYNAMICS},"
                    "ebur128=framelog=verbose",
                    what=f"{what}: dynamics", stderr=ffmpeg_log)
        compressed = parse_ebur128(ffmpeg_log[0]).integrated
        track = RawTrack(shaped)
        energy = track.energy()
        limit(track, 10 ** ((compressed + min(PEAK_TO_LOUDNESS, audio.true_peak - 0.5 - audio.loudness)) / 20),
              SAMPLE_RATE)
        # The limiter only trims brief peaks, so the energy it removed is the loudness it cost.
        cost = 10 * math.log10(track.energy() / energy) if energy > 0 else 0.0
        # A stereo file carries the mono track on both channels, which meters 3 dB louder than the track.
        gain = audio.loudness - (compressed + 10 * math.log10(audio.channels)) - cost
        tmp = temporary_sibling(out)
        try:
            gain += _codec_loss(shaped, assembly.seconds, gain, audio, tmp)
            for _attempt in range(3):
                encode_mp3(shaped, SAMPLE_RATE, tmp, bitrate=audio.bitrate, channels=audio.channels, gain_db=gain)
                measured, seconds = measure_mp3(tmp)
                peak = measured.true_peak if measured.true_peak is not None else 0.0
                log.debug("%s: gain %.2f dB -> %.2f LUFS, %.2f dBTP", what, gain, measured.integrated, peak)
                if peak > audio.true_peak:
                    limit(track, 10 ** ((2 * audio.true_peak - 0.5 - peak - gain) / 20), SAMPLE_RATE)
                    continue
                off = audio.loudness - measured.integrated
                if abs(off) > 0.2:
                    gain += off
                    continue
                break
            else:
                raise SynthesisError(f"{what}: could not reach {audio.loudness} LUFS under {audio.true_peak} dBTP "
                                     f"(measured {measured.integrated:.1f} LUFS, {peak:.1f} dBTP)")
            if abs(seconds - assembly.seconds) > 0.5:
                raise SynthesisError(f"{what}: the MP3 decodes to {seconds:.2f} s but the episode is "
                                     f"{assembly.seconds:.2f} s")
            tmp.replace(out)
        finally:
            if tmp.exists():
                tmp.unlink()
    return LoudnessReport(integrated_lufs=measured.integrated, loudness_range_lu=measured.loudness_range,
                          true_peak_dbtp=peak, duration_s=assembly.seconds, target_lufs=audio.loudness,
                          gain_db=gain)


@dataclass(frozen=True)
class LoudnessReport:
    """What `certquests report` shows, measured on the final MP3 as players decode it (libebur128's meter)."""

    integrated_lufs: float
    loudness_range_lu: float
    true_peak_dbtp: float
    duration_s: float
    target_lufs: float
    gain_db: float  # the one constant gain applied after the dynamics

    def as_dict(self) -> dict:
        return {key: (round(value, 3) if isinstance(value, float) else value) for key, value in asdict(self).items()}


def write_json(path: Path, data) -> None:
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
