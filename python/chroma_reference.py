"""Shared librosa reference definition for the valence chroma path.

The reference for int16 PCM ``pcm`` at ``sr`` with ``n_fft`` and ``hop`` is
the chroma of the same power spectrogram the log-mel reference uses
(non-centred periodic-Hann frames, ``|STFT|**2``)::

    y = pcm.astype(np.float64) / 32768.0
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, window='hann',
                            center=False)) ** 2
    C = librosa.feature.chroma_stft(S=S, sr=sr, tuning=0.0, norm=np.inf)

returned transposed to ``(frames, 12)``, class 0 = C. ``chroma_stft`` builds
its bank with ``librosa.filters.chroma(sr=sr, n_fft=n_fft, tuning=0.0)``
(float32 weights). Imported by ``make_chroma_fixtures.py`` and
``chroma_oracle.py``.

The test notes (``note_pcm``) are defined here too, so that the Rust test
that generates them and the fixture script that measures librosa on them
agree: MIDI notes 36 (C2) to 84 (C6), one second each at 16 kHz, either a
pure tone or a piano-like tone (harmonics 1..8 with amplitude 1/h, those
below Nyquist only, decaying as exp(-3 t)), peak amplitude 0.25 of full
scale.
"""

from __future__ import annotations

import numpy as np

from frontend_reference import float_to_pcm16, pcm16_to_float

#: FFT sizes and hops of the chroma comparison at 16 kHz.
CONFIGS = [
    {"name": "chroma_16k_512", "sample_rate": 16000, "n_fft": 512, "hop": 256},
    {"name": "chroma_16k_2048", "sample_rate": 16000, "n_fft": 2048, "hop": 1024},
    {"name": "chroma_16k_4096", "sample_rate": 16000, "n_fft": 4096, "hop": 2048},
]

#: MIDI range of the pitch-class measurement (C2 to C6).
NOTE_RANGE = range(36, 85)
NOTE_SECONDS = 1.0
NOTE_SR = 16000


def chroma_filterbank(*, sr: int, n_fft: int) -> np.ndarray:
    """librosa chroma bank (float32 weights as float64), shape (12, 1 + n_fft // 2)."""
    import librosa
    return librosa.filters.chroma(sr=sr, n_fft=n_fft, tuning=0.0).astype(np.float64)


def reference_chroma(pcm: np.ndarray, *, sr: int, n_fft: int, hop: int) -> np.ndarray:
    """librosa chroma reference for int16 PCM, shape (frames, 12)."""
    import librosa
    y = pcm16_to_float(pcm)
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, window="hann",
                            center=False)) ** 2
    C = librosa.feature.chroma_stft(S=S, sr=sr, tuning=0.0, norm=np.inf)
    return np.ascontiguousarray(C.T, dtype=np.float64)


def note_pcm(midi: int, kind: str) -> np.ndarray:
    """One test note as int16 PCM (see the module docstring)."""
    n = int(NOTE_SECONDS * NOTE_SR)
    t = np.arange(n, dtype=np.float64) / NOTE_SR
    f0 = 440.0 * 2.0 ** ((midi - 69) / 12.0)
    if kind == "pure":
        y = 0.25 * np.sin(2 * np.pi * f0 * t)
    elif kind == "piano":
        harmonics = [h for h in range(1, 9) if h * f0 < NOTE_SR / 2]
        total = sum(1.0 / h for h in harmonics)
        y = sum(np.sin(2 * np.pi * h * f0 * t) / h for h in harmonics)
        y = 0.25 / total * y * np.exp(-3.0 * t)
    else:
        raise ValueError(f"unknown note kind {kind!r}")
    return float_to_pcm16(y)
