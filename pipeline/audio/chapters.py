"""An episode mastered one chapter at a time, with a cache, so that an edit re-masters only its chapter.

Each chapter of the raw track goes through the dynamics (high-pass, compressor) after a pre-roll of the
audio before it, which sets the filters' state as a pass over the whole track would and is then dropped.
Each is then limited under the episode's ceiling, given the episode's gain, resampled to 44.1 kHz and
padded with room tone to a whole number of MP3 frames, so that every chapter starts on a frame boundary and
its frames do not depend on where it sits. Each chapter's part of the MP3 is a fresh LAME encode that starts
LEAD_FRAMES frames before the chapter, in the closing pause of the one before (so the encoder has filled
its bit reservoir and can switch windows for the chapter's first sound, as one encode of the episode would),
and hears the audio after its last frame (so that frame overlaps the next part's first as in one encode):
the parts join at frame boundaries with no gap and no timing shift. A fresh encode's first frame takes no
bytes from before it (main_data_begin 0), so no part reaches into another's bit reservoir.

Those lead frames hold the join: one stretch of room tone, the same at every join, that the chapter's own
closing pause crossfades into. What the next part's encoder hears first is thus the same whatever the
chapter before it says, and an edit there leaves the next part as it was.

Shaped audio and encoded parts are kept under digests of everything that went into them, so a build makes
only those whose inputs changed and reads the others back as they were."""

from __future__ import annotations

import functools
import hashlib
import itertools
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ToolError
from ..ffmpeg import Loudness, filter_file
from ..fsutil import write_atomic
from ..speech import SAMPLE_RATE
from ..speech.cache import SpeechCache
from ..spelling import spelled
from .assemble import Assembly
from .mp3 import LAME_QUALITY, OUT_RATE, SAMPLES_PER_FRAME, encode_part
from .partmeter import PartLoudness, combine, measure_part
from .sound import ROOM_TONE_DB, RoomTone

# Seconds of the audio before a chapter that its dynamics pass hears first: the compressor releases in
# 150 ms and the high-pass settles in milliseconds, so one second leaves them as a whole-track pass would.
PREROLL = 1.0
# Frames each part's encoder hears before its first frame and after its last. Started in room tone, a fresh
# LAME encode needs about ten frames before it codes the next chapter's first attack as one encode of the
# episode does; twelve leave a margin.
LEAD_FRAMES = 12
FADE = OUT_RATE // 100  # samples over which a chapter's closing pause crossfades into the join's room tone
JOIN_SEED = 99_999
JOIN_FORMAT = 1  # how a chapter's end becomes the join (chapter_samples): in every part's encode key
PART_MAGIC = b"CQP1"


class ChapterCache(SpeechCache):
    """Shaped chapters (`NNN-digest.f32`), their parts of the MP3 (`.mp3f`) and the parts' measurements
    (`.lufs`), each file checked on every read, named with the chapter's number."""

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.f32"

    def get_bytes(self, key: str, suffix: str) -> bytes | None:
        try:
            raw = (self.folder / f"{key}{suffix}").read_bytes()
        except OSError:
            return None
        if len(raw) < 8 or raw[:4] != PART_MAGIC or struct.unpack("<I", raw[4:8])[0] != zlib.crc32(raw[8:]):
            return None
        return raw[8:]

    def put_bytes(self, key: str, suffix: str, data: bytes) -> None:
        write_atomic(
            self.folder / f"{key}{suffix}",
            PART_MAGIC + struct.pack("<I", zlib.crc32(data)) + data,
            durable=False,
        )

    def prune(self, keep: set[str]) -> None:
        """Remove the entries the episode no longer uses."""
        for path in self.folder.glob("*.*"):
            if path.stem not in keep and path.suffix in (".f32", ".mp3f", ".lufs"):
                path.unlink(missing_ok=True)


def _digest(number: int, *parts: object) -> str:
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(part.tobytes() if isinstance(part, np.ndarray) else spelled(part).encode("utf-8"))
        hashed.update(b"\0")
    return f"{number:03d}-{hashed.hexdigest()[:32]}"


@dataclass(frozen=True)
class Shaped:
    """The chapters after the dynamics: their cache entries, lengths and which were made this time."""

    keys: list[str]
    lengths: list[int]  # samples at SAMPLE_RATE
    reshaped: list[int]
    quiet: list[int]  # samples at SAMPLE_RATE at the end of each chapter after its last sentence


def _bounds(assembly: Assembly, length: int) -> list[tuple[int, int]]:
    """Each chapter's first and last sample (the last chapter takes the closing silence)."""
    starts = [round(start * SAMPLE_RATE) for start in assembly.chapter_starts] + [length]
    return list(itertools.pairwise(starts))


def _inputs(assembly: Assembly) -> Iterator[tuple[int, np.ndarray]]:
    """Each chapter's input, one at a time: its pre-roll followed by its own samples, with the pre-roll's
    length."""
    import soundfile

    length = soundfile.info(str(assembly.path)).frames
    for start, stop in _bounds(assembly, length):
        first = max(0, start - round(PREROLL * SAMPLE_RATE))
        audio, _ = soundfile.read(assembly.path, frames=stop - first, start=first, dtype="float32")
        yield start - first, np.asarray(audio, dtype=np.float32)


def shape(assembly: Assembly, filters: str, cache: ChapterCache, scratch: Path, *, what: str) -> Shaped:
    """Run `filters` (the dynamics: sample for sample, no change of length) over each chapter, reusing every
    chapter `cache` holds. With none cached, the whole track goes through one ffmpeg run."""
    inputs = [
        (_digest(number, "shape", filters, SAMPLE_RATE, preroll, audio), preroll, len(audio) - preroll)
        for number, (preroll, audio) in enumerate(_inputs(assembly))
    ]
    # Checked: a damaged entry is made again.
    missing = [number for number, (key, _, _) in enumerate(inputs) if cache.get(key) is None]

    def keep(number: int, samples: np.ndarray) -> None:
        if len(samples) != inputs[number][2]:
            raise ToolError(f"{what}: the dynamics changed the length of chapter {number + 1}")
        cache.put(inputs[number][0], samples)

    if len(missing) == len(inputs):
        whole_path = scratch / "shaped.f32"
        filter_file(assembly.path, SAMPLE_RATE, whole_path, filters, what=f"{what}: dynamics")
        # Read back a chapter at a time: the episode is never held whole.
        length = whole_path.stat().st_size // 4
        for number, (start, stop) in enumerate(_bounds(assembly, length)):
            keep(number, np.fromfile(whole_path, dtype="<f4", count=stop - start, offset=4 * start))
        whole_path.unlink()
    elif missing:
        given, out = scratch / "chapter.f32", scratch / "shaped.f32"
        for number, (preroll, audio) in enumerate(_inputs(assembly)):
            if number in missing:
                audio.astype("<f4").tofile(given)
                filter_file(given, SAMPLE_RATE, out, filters, what=f"{what}: dynamics, chapter {number + 1}")
                keep(number, np.fromfile(out, dtype="<f4")[preroll:])
    return Shaped(
        [key for key, _, _ in inputs],
        [length for _, _, length in inputs],
        missing,
        _quiet(assembly, [length for _, _, length in inputs]),
    )


def _quiet(assembly: Assembly, lengths: list[int]) -> list[int]:
    """How long each chapter's closing pause is: its length after the end of its last sentence."""
    bounds = [round(start * SAMPLE_RATE) for start in assembly.chapter_starts]
    ends: dict[int, int] = {}
    for timing in assembly.timings:
        end = round(timing.end * SAMPLE_RATE) - bounds[timing.chapter]
        ends[timing.chapter] = max(ends.get(timing.chapter, 0), end)
    # A chapter without sentences is all cue: none of it is a closing pause, so it keeps its own end.
    return [length - ends.get(number, length) for number, length in enumerate(lengths)]


def shaped_audio(cache: ChapterCache, shaped: Shaped, number: int) -> np.ndarray:
    samples = cache.get(shaped.keys[number])
    if samples is None or len(samples) != shaped.lengths[number]:
        raise ToolError(f"chapter {number + 1}'s shaped audio vanished from the cache")
    return samples


def output_length(samples: int) -> int:
    """Samples at 44.1 kHz that `samples` at SAMPLE_RATE resample to."""
    return -(-samples * OUT_RATE // SAMPLE_RATE)


def _frames_for(samples: int) -> int:
    return -(-samples // SAMPLES_PER_FRAME)


def layout(shaped: Shaped) -> list[int]:
    """Where each chapter starts in the MP3's decoded samples: every chapter but the last is padded to a
    whole number of frames (at most 26 ms of room tone added to its closing pause)."""
    starts, position = [], 0
    for length in shaped.lengths:
        starts.append(position)
        position += _frames_for(output_length(length)) * SAMPLES_PER_FRAME
    return starts


def limit(samples: np.ndarray, ceiling: float, rate: int, lookahead: float = 0.008) -> np.ndarray:
    """A look-ahead peak limiter: no sample exceeds `ceiling` (linear), and the gain moves smoothly.

    Around each stretch of over-ceiling samples the gain is the running minimum of the needed reduction over
    +-lookahead, averaged over the same span: every average includes the sample's own need, so the ceiling
    holds exactly. Elsewhere the audio is untouched."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    span = 2 * max(1, int(lookahead * rate)) + 1
    over = np.flatnonzero(np.abs(samples) > ceiling)
    if over.size == 0:
        return samples
    out = np.array(samples, dtype=np.float32)
    gaps = np.flatnonzero(np.diff(over) > 2 * span)
    for first, last in zip(np.r_[over[0], over[gaps + 1]], np.r_[over[gaps], over[-1]]):
        start, stop = max(0, first - 2 * span), min(len(out), last + 2 * span + 1)
        piece = out[start:stop]
        needed = np.minimum(1.0, ceiling / np.maximum(np.abs(piece), 1e-12)).astype(np.float32)
        gain = uniform_filter1d(minimum_filter1d(needed, size=span), size=span)
        out[start:stop] = piece * np.minimum(gain, needed)
    return out


@dataclass(frozen=True)
class Mastering:
    """How the chapters become the MP3's samples: the limiter's ceiling (linear), the gain after it and the
    room tone's level in the finished file (dBFS)."""

    ceiling: float
    gain_db: float
    bitrate: int
    channels: int
    room_tone_db: float = ROOM_TONE_DB


def _room_tone(length: int, level_db: float, seed: int) -> np.ndarray:
    """A stretch of room tone, the same noise for the same seed: each chapter has its own seeds (and the
    joins one), so a chapter's cache entry holds while its audio does."""
    return RoomTone(level_db, seed=seed).next(length)


def finished(samples: np.ndarray, mastering: Mastering, number: int = 0) -> np.ndarray:
    """A chapter's shaped audio limited, with room tone under it, given the gain and resampled: what goes
    into its encode. Room tone lies under the whole chapter, so no pause is digital silence."""
    import soxr

    limited = limit(samples, mastering.ceiling, SAMPLE_RATE)  # `samples` itself when nothing is over
    # The room tone made, then the chapter added to it in place: one copy of the chapter, not two.
    toned = _room_tone(len(limited), mastering.room_tone_db - mastering.gain_db, 2 * number)
    toned += limited
    del limited
    toned *= np.float32(10 ** (mastering.gain_db / 20))
    out = soxr.resample(toned, SAMPLE_RATE, OUT_RATE, quality="HQ")
    del toned
    wanted = output_length(len(samples))
    return np.asarray(_extended(out[:wanted], wanted, mastering, 2 * number + 1), dtype=np.float32)


def _extended(samples: np.ndarray, length: int, mastering: Mastering, seed: int) -> np.ndarray:
    """`samples` made `length` long with room tone at its finished level, never with zeros."""
    missing = length - len(samples)
    if missing <= 0:
        return samples
    return np.concatenate([samples, _room_tone(missing, mastering.room_tone_db, seed)])


@dataclass(frozen=True)
class Encoded:
    """The joined MP3: the cache entries of its parts and their measurements, its length at 44.1 kHz, which
    parts were encoded again, and its loudness and decoded length as partmeter measures them."""

    keys: list[str]
    samples: int
    reencoded: list[int]
    loudness: Loudness
    seconds: float


def _joins_in_tone(shaped: Shaped, number: int) -> bool:
    """Whether chapter `number` ends in the join's room tone: every chapter but the last whose closing pause
    holds the lead frames and the crossfade (with a millisecond to spare for the resampler's filter).
    Otherwise its own last samples are the next part's lead-in."""
    if number == len(shaped.keys) - 1:
        return False
    quiet = shaped.quiet[number] * OUT_RATE // SAMPLE_RATE - OUT_RATE // 1000
    padding = _frames_for(output_length(shaped.lengths[number])) * SAMPLES_PER_FRAME - output_length(
        shaped.lengths[number]
    )
    return quiet + padding >= LEAD_FRAMES * SAMPLES_PER_FRAME + FADE


@functools.cache
def _join_tone(level_db: float) -> np.ndarray:
    """The room tone every join holds: the crossfade's and the lead frames' samples, after the pink noise
    filter has settled."""
    settle = OUT_RATE // 10
    tone = _room_tone(settle + FADE + LEAD_FRAMES * SAMPLES_PER_FRAME, level_db, JOIN_SEED)[settle:]
    tone.flags.writeable = False
    return tone


def chapter_samples(shaped: Shaped, cache: ChapterCache, number: int, mastering: Mastering) -> np.ndarray:
    """A chapter as it sits in the MP3: finished, and padded to whole frames unless it is the last, its
    closing pause crossfaded into the join's room tone (see _joins_in_tone)."""
    samples = finished(shaped_audio(cache, shaped, number), mastering, number)
    if number == len(shaped.keys) - 1:
        return samples
    frames = _frames_for(len(samples)) * SAMPLES_PER_FRAME
    samples = _extended(samples, frames, mastering, 10_000 + number)
    if not _joins_in_tone(shaped, number):
        return samples
    join = _join_tone(mastering.room_tone_db)
    # Equal-power: the two noises are independent, so the level holds through the crossfade.
    turn = np.linspace(0.0, np.pi / 2, FADE, dtype=np.float32)
    tail = samples[-len(join) :]  # the chapter's own array (made above): changed in place
    tail[:FADE] = tail[:FADE] * np.cos(turn) + join[:FADE] * np.sin(turn)
    tail[FADE:] = join[FADE:]
    return samples


def lead_in(shaped: Shaped, cache: ChapterCache, number: int, mastering: Mastering) -> np.ndarray:
    """The last LEAD_FRAMES frames of chapter `number` as it sits in the MP3, which the next part's encoder
    hears first: the join's room tone, unless the chapter does not end in it, so they are made only then. An
    edit anywhere in a chapter thus leaves the next chapter's part as it was."""
    if _joins_in_tone(shaped, number):
        return _join_tone(mastering.room_tone_db)[FADE:]
    return chapter_samples(shaped, cache, number, mastering)[-LEAD_FRAMES * SAMPLES_PER_FRAME :]


def _part_key(
    number: int, before: np.ndarray | None, chapter: str, ends: str | bool, mastering: Mastering
) -> str:
    """The key of a chapter's encoded part: the chapter, the lead-in its encoder hears first, how it ends
    and the encoder's settings."""
    lead = LEAD_FRAMES * SAMPLES_PER_FRAME
    return _digest(
        number, "encode", before, chapter, ends, mastering, LAME_QUALITY, lead, FADE, JOIN_SEED, JOIN_FORMAT
    )


def _measured(
    cache: ChapterCache,
    key: str,
    previous: bytes,
    data: bytes,
    carried: int,
    number: int,
    last: bool,
    mastering: Mastering,
    scratch: Path,
) -> PartLoudness:
    """The loudness of one encoded part as a decoder hears it after the part before it, from the cache or
    measured now."""
    text = cache.get_bytes(key, ".lufs")
    if text is not None:
        return PartLoudness.decode(text.decode("utf-8"))
    part = measure_part(
        previous,
        data,
        carried,
        first=number == 0,
        last=last,
        bitrate=mastering.bitrate,
        channels=mastering.channels,
        scratch=scratch,
    )
    cache.put_bytes(key, ".lufs", part.encode().encode("utf-8"))
    return part


def encode_chapters(
    shaped: Shaped, cache: ChapterCache, mastering: Mastering, out: Path, scratch: Path
) -> Encoded:
    """Each chapter's part of the MP3, from the cache or a fresh encode, joined into `out` with its Info
    frame. Part k holds the frames from LEAD_FRAMES before chapter k's start to LEAD_FRAMES before chapter
    k + 1's (the last part, to the end); its encoder hears the LEAD_FRAMES before it first."""
    from .mp3 import Mp3Writer

    count = len(shaped.keys)
    lead = LEAD_FRAMES * SAMPLES_PER_FRAME
    keys: list[str] = []
    reencoded, parts, previous = [], [], b""
    writer = Mp3Writer(out, OUT_RATE, mastering.bitrate, mastering.channels)
    try:
        for number in range(count):
            last = number == count - 1
            length = output_length(shaped.lengths[number])
            before = lead_in(shaped, cache, number - 1, mastering) if number else None
            if before is not None and len(before) != lead:
                raise ToolError(f"chapter {number} is shorter than {LEAD_FRAMES} MP3 frames")
            ends = "last" if last else _joins_in_tone(shaped, number)
            key = _part_key(number, before, shaped.keys[number], ends, mastering)
            heard = (lead if number else 0) + (length if last else _frames_for(length) * SAMPLES_PER_FRAME)
            frames = None if last else heard // SAMPLES_PER_FRAME - LEAD_FRAMES
            if frames is not None and frames < 1:
                raise ToolError(f"chapter {number + 1} is shorter than {LEAD_FRAMES + 1} MP3 frames")
            data = cache.get_bytes(key, ".mp3f")
            if data is None:
                samples = chapter_samples(shaped, cache, number, mastering)
                if before is not None:
                    samples = np.concatenate([before, samples])
                data = encode_part(
                    samples, bitrate=mastering.bitrate, channels=mastering.channels, frames=frames
                )
                del samples  # not held while the next chapter is made
                cache.put_bytes(key, ".mp3f", data)
                reencoded.append(number)
            carried = heard if frames is None else frames * SAMPLES_PER_FRAME
            writer.write_frames(data, carried)
            measured_key = _digest(number, "measure", key, keys[-2] if keys else None)
            parts.append(
                _measured(cache, measured_key, previous, data, carried, number, last, mastering, scratch)
            )
            keys += [key, measured_key]
            previous = data
    except BaseException:
        writer.discard()
        raise
    writer.close_frames()
    loudness, seconds = combine(parts)
    return Encoded(keys, writer.samples, reencoded, loudness, seconds)
