"""The in-process MP3 encoder and meter, read back by other parsers, decoders and meters."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from mutagen.mp3 import MP3, BitrateMode

from pipeline.audio import mp3

from .audio_checks import decode


def _crc16_arc(data: bytes) -> int:
    """CRC-16/ARC written out bit by bit, to check the Info frame's checksums against."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _speechlike(seconds: float, rate: int = 24000) -> np.ndarray:
    """Noise bursts with gaps, a little like speech in level and rhythm."""
    rng = np.random.default_rng(7)
    n = int(seconds * rate)
    envelope = (np.sin(np.arange(n) * 2 * np.pi * 3 / rate) > -0.2).astype(np.float32)
    return (rng.standard_normal(n).astype(np.float32) * 0.1 * envelope).astype(np.float32)


@pytest.mark.slow
@pytest.mark.parametrize(("bitrate", "channels"), [(96, 1), (64, 1), (128, 2)])
def test_info_frame_gives_exact_length_to_players(tmp_path, bitrate, channels):
    samples = _speechlike(7.3)
    source = tmp_path / "in.f32"
    samples.tofile(source)
    out = tmp_path / "out.mp3"
    mp3.encode(source, 24000, out, bitrate=bitrate, channels=channels, gain_db=0.0)

    expected = len(samples) * 44100 // 24000
    info = MP3(out).info
    assert (info.sample_rate, info.channels) == (44100, channels)
    assert info.bitrate == pytest.approx(bitrate * 1000, rel=1e-3)
    assert info.bitrate_mode == BitrateMode.CBR
    assert info.encoder_info.startswith("LAME")
    assert abs(info.length - expected / 44100) < 0.001  # the Info frame's delay and padding are right
    # ffmpeg trims the same delay and padding: the decoded audio is exactly as long as what went in
    assert abs(len(decode(out)) - expected) <= 1

    data = out.read_bytes()
    side = 17 if channels == 1 else 32
    tag = 4 + side
    assert data[tag : tag + 4] == b"Info"
    flags, frames, size = struct.unpack(">III", data[tag + 4 : tag + 16])
    assert flags == 0x0F and size == len(data)
    lame = tag + 120
    assert data[lame : lame + 9] == b"LAME3.100"
    delay_padding = int.from_bytes(data[lame + 21 : lame + 24], "big")
    assert delay_padding >> 12 == mp3.ENCODER_DELAY
    assert frames * 1152 - (delay_padding >> 12) - (delay_padding & 0xFFF) == expected
    frame_size = 144 * bitrate * 1000 // 44100
    assert struct.unpack(">H", data[lame + 32 : lame + 34])[0] == _crc16_arc(data[frame_size:])  # music CRC
    assert struct.unpack(">H", data[lame + 34 : lame + 36])[0] == _crc16_arc(data[: lame + 34])  # tag CRC


@pytest.mark.slow
def test_meter_agrees_with_pyloudnorm_and_true_peak_with_full_oversampling(tmp_path):
    import pyloudnorm
    from scipy.signal import resample_poly

    rate = 44100
    t = np.arange(rate * 12) / rate
    # A tone at a quarter of the rate, 45 degrees off the samples: every sample is 3 dB under the true peak
    tone = 0.5 * np.sin(2 * np.pi * rate / 4 * t + np.pi / 4)
    signal = (tone * (np.arange(len(t)) % rate < rate * 0.7) + 0.1 * _speechlike(12, rate)[: len(t)]).astype(
        np.float32
    )

    meter, peak = mp3.Meter(rate), mp3.TruePeak(rate)
    for start in range(0, len(signal), 12345):  # odd chunk sizes: the edges must not matter
        meter.add(signal[start : start + 12345])
        peak.add(signal[start : start + 12345])
    integrated, _ = meter.result()

    assert integrated == pytest.approx(
        pyloudnorm.Meter(rate).integrated_loudness(signal.astype(np.float64)), abs=0.1
    )
    reference = 20 * math.log10(np.max(np.abs(resample_poly(signal.astype(np.float64), 4, 1))))
    sample_peak = 20 * math.log10(np.max(np.abs(signal)))
    assert reference - sample_peak > 1.0  # the test signal has real inter-sample peaks
    assert peak.dbtp() == pytest.approx(reference, abs=0.05)


@pytest.mark.slow
def test_measure_reads_what_ffmpeg_decodes(tmp_path):
    samples = _speechlike(15.0)
    source = tmp_path / "in.f32"
    samples.tofile(source)
    out = tmp_path / "out.mp3"
    fed = mp3.encode(source, 24000, out, bitrate=96, channels=1, gain_db=6.0, meter=True)
    loudness, seconds = mp3.measure(out)

    import pyloudnorm

    decoded = decode(out)
    assert seconds == pytest.approx(len(decoded) / 44100, abs=1e-4)
    assert loudness.integrated == pytest.approx(pyloudnorm.Meter(44100).integrated_loudness(decoded), abs=0.1)
    assert fed == pytest.approx(loudness.integrated, abs=1.0)  # MP3 coding costs a little, never much
    assert loudness.true_peak >= 20 * math.log10(np.max(np.abs(decoded))) - 0.01


def test_empty_input_is_refused(tmp_path):
    source = tmp_path / "in.f32"
    source.write_bytes(b"")
    with pytest.raises(mp3.ToolError, match="no audio to encode"):
        mp3.encode(source, 24000, tmp_path / "out.mp3", bitrate=96, channels=1, gain_db=0.0)


@pytest.mark.parametrize(("bitrate", "channels"), [(100, 1), (32, 1), (56, 2)])
def test_bitrates_without_room_for_the_info_frame_are_refused(tmp_path, bitrate, channels):
    source = tmp_path / "in.f32"
    _speechlike(1.0).tofile(source)
    with pytest.raises(mp3.ToolError, match="use one of 64, 80, 96"):
        mp3.encode(source, 24000, tmp_path / "out.mp3", bitrate=bitrate, channels=channels, gain_db=0.0)


@pytest.mark.slow
@pytest.mark.parametrize(("channels", "bitrate", "target"), [(1, 96, -19.0), (2, 128, -16.0)])
def test_master_hits_the_target_with_one_full_encode(tmp_path, monkeypatch, channels, bitrate, target):
    import subprocess

    import pyloudnorm
    import soundfile

    from pipeline.audio import assemble, chapters
    from pipeline.audio import master as audio
    from pipeline.ffmpeg import ffmpeg_path
    from pipeline.model.show import Audio

    samples = _speechlike(40.0)
    track = tmp_path / "track.wav"
    soundfile.write(track, samples, 24000, subtype="FLOAT")
    assembly = assemble.Assembly(track, [], [0.0], assemble.speech_level(samples), len(samples) / 24000)
    full_encodes = []  # the track is one chapter: one encode of it is one encode of the episode
    real = chapters.encode_part
    monkeypatch.setattr(chapters, "encode_part", lambda *a, **k: full_encodes.append(True) or real(*a, **k))
    settings = Audio(target, -1.0, channels, bitrate, 44100, 0.5, 0.8, 1.2, 5.0, False)
    report = audio.master(assembly, settings, tmp_path / "out.mp3", what="test")

    assert full_encodes.count(True) == 1  # the gain, codec loss included, was right the first time
    done = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-i", str(tmp_path / "out.mp3"), "-f", "f32le", "-"],
        capture_output=True,
        check=True,
    )
    decoded = np.frombuffer(done.stdout, dtype="<f4").reshape(-1, channels).astype(np.float64)
    assert pyloudnorm.Meter(44100).integrated_loudness(decoded) == pytest.approx(target, abs=0.3)
    assert report.integrated_lufs == pytest.approx(target, abs=0.2)
