"""Loudness measurement (ITU-R BS.1770 / EBU R128): integrated loudness, loudness range, true peak."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

TRUE_PEAK_OVERSAMPLING = 4


@dataclass(frozen=True)
class LoudnessReport:
    integrated_lufs: float
    loudness_range_lu: float
    true_peak_dbtp: float
    duration_s: float
    target_lufs: float
    gain_db: float
    normalization: str = "linear"

    def as_dict(self) -> dict:
        return {key: (round(value, 2) if isinstance(value, float) else value) for key, value in asdict(self).items()}


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Gated integrated loudness in LUFS (pyloudnorm's BS.1770-4 meter)."""
    import pyloudnorm

    if len(samples) < int(0.4 * rate):
        return float("-inf")
    return float(pyloudnorm.Meter(rate).integrated_loudness(np.asarray(samples, dtype=np.float64)))


def _k_weighting(rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two BS.1770 pre-filters (high shelf, high pass) for any sample rate."""
    k = np.tan(np.pi * 1681.974450955533 / rate)
    vh, q = 10 ** (3.999843853973347 / 20), 0.7071752369554196
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (np.array([(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]),
             np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]))
    k = np.tan(np.pi * 38.13547087602444 / rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    highpass = (np.array([1.0, -2.0, 1.0]), np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]))
    return [shelf, highpass]


def loudness_range(samples: np.ndarray, rate: int) -> float:
    """EBU Tech 3342 loudness range: spread of 3 s short-term loudness (10th to 95th percentile), gated."""
    from scipy.signal import lfilter

    weighted = np.asarray(samples, dtype=np.float64)
    for b, a in _k_weighting(rate):
        weighted = lfilter(b, a, weighted)
    window, hop = 3 * rate, rate // 10
    if len(weighted) < window:
        return 0.0
    power = np.concatenate([[0.0], np.cumsum(weighted * weighted)])
    starts = np.arange(0, len(weighted) - window + 1, hop)
    mean_square = (power[starts + window] - power[starts]) / window
    with np.errstate(divide="ignore"):
        short_term = -0.691 + 10 * np.log10(mean_square)
    short_term = short_term[short_term > -70]
    if short_term.size == 0:
        return 0.0
    relative_gate = -0.691 + 10 * np.log10(np.mean(10 ** ((short_term + 0.691) / 10))) - 20
    gated = short_term[short_term > relative_gate]
    if gated.size == 0:
        return 0.0
    return float(np.percentile(gated, 95) - np.percentile(gated, 10))


def true_peak(samples: np.ndarray, rate: int) -> float:
    """Peak of the 4x oversampled signal in dBTP (BS.1770-4 annex 2), computed in chunks to bound memory."""
    from scipy.signal import resample_poly

    peak = 0.0
    chunk, overlap = rate * 10, 64
    data = np.asarray(samples, dtype=np.float32)
    for start in range(0, len(data), chunk):
        piece = data[max(0, start - overlap): start + chunk + overlap]
        if piece.size:
            peak = max(peak, float(np.max(np.abs(resample_poly(piece, TRUE_PEAK_OVERSAMPLING, 1)))))
    return 20 * np.log10(peak) if peak > 0 else float("-inf")
