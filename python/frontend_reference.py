"""Shared librosa reference definition for the valence log-mel front end.

This module is the single place that defines *what* the fixed-point front end
is compared against. It is imported by:

* ``make_frontend_fixtures.py`` (committed synthetic fixtures),
* ``librosa_oracle.py`` (references for real recordings at test time),
* ``bench_librosa.py`` (reference side of the host speed benchmark).

The reference for int16 PCM ``pcm`` is::

    y = pcm.astype(np.float64) / 32768.0
    S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop,
                                       n_mels=n_mels, fmin=fmin, fmax=fmax,
                                       htk=htk, norm=norm, window='hann',
                                       center=False, power=2.0)
    D = librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=None)

returned transposed to ``(frames, n_mels)``. Note that ``melspectrogram``
builds its filterbank with librosa's default ``dtype=np.float32`` and then
multiplies it into the float64 power spectrum, so the float32 weights (cast to
float64) are exactly the ones the reference uses.
"""

from __future__ import annotations

import numpy as np

#: dB value that ``power_to_db`` produces for zero power with ``amin=1e-10``.
DB_FLOOR = -100
AMIN = 1e-10
PCM_SCALE = 32768.0


def norm_arg(norm: str):
    """Map the textual norm used in configs ("slaney" / "none") to librosa's."""
    if norm == "slaney":
        return "slaney"
    if norm == "none":
        return None
    raise ValueError(f"unsupported norm {norm!r} (expected 'slaney' or 'none')")


def float_to_pcm16(y: np.ndarray) -> np.ndarray:
    """Quantise float samples (nominal range [-1, 1)) to little-endian int16.

    Scales by 32768, rounds to nearest (ties to even), clips to
    [-32768, 32767].
    """
    y = np.asarray(y, dtype=np.float64)
    return np.clip(np.round(y * PCM_SCALE), -32768, 32767).astype("<i2")


def pcm16_to_float(pcm: np.ndarray) -> np.ndarray:
    """int16 PCM -> float64 in [-1, 1) (divide by 32768)."""
    return np.asarray(pcm).astype(np.float64) / PCM_SCALE


def mel_filterbank(*, sr: int, n_fft: int, n_mels: int, fmin: float,
                   fmax: float, htk: bool, norm: str) -> np.ndarray:
    """librosa mel filterbank (float32 weights cast to float64).

    Shape ``(n_mels, 1 + n_fft // 2)``.
    """
    import librosa

    fb = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin,
                             fmax=fmax, htk=htk, norm=norm_arg(norm))
    return fb.astype(np.float64)


def reference_logmel(pcm: np.ndarray, *, sr: int, n_fft: int, hop: int,
                     n_mels: int, fmin: float, fmax: float, htk: bool,
                     norm: str) -> np.ndarray:
    """librosa log-mel reference for int16 PCM, shape ``(frames, n_mels)``."""
    import librosa

    y = pcm16_to_float(pcm)
    S = librosa.feature.melspectrogram(
        y=y, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels, fmin=fmin,
        fmax=fmax, htk=htk, norm=norm_arg(norm), window="hann", center=False,
        power=2.0)
    D = librosa.power_to_db(S, ref=1.0, amin=AMIN, top_db=None)
    return np.ascontiguousarray(D.T, dtype=np.float64)


def expected_frames(n_samples: int, n_fft: int, hop: int) -> int:
    """Frame count for ``center=False`` framing (0 if shorter than n_fft)."""
    if n_samples < n_fft:
        return 0
    return 1 + (n_samples - n_fft) // hop
