#!/usr/bin/env python3
"""Generate the committed librosa fixtures for the valence front-end tests.

Writes into ``valence-core/tests/fixtures/frontend/`` (relative to the
repository root, or ``--out-dir``):

* ``manifest.json`` - library versions, the front-end configurations and the
  synthetic test signals (name + description).
* ``signal_<name>_<sr>.npy`` - 1.0 s test signals as 1-D int16, generated at
  16000 Hz and at 22050 Hz.
* ``ref_<config>_<signal>.npy`` - librosa log-mel reference for each config
  and each signal at that config's sample rate, float64, shape
  ``(frames, n_mels)`` (the transpose of librosa's layout).
* ``melfb_<config>.npy`` - librosa mel filterbank for each config, float64,
  shape ``(n_mels, 1 + n_fft // 2)``.

Everything is deterministic: noise signals use ``numpy.random.default_rng``
with a fixed seed per signal and sample rate. The reference definition lives in
``frontend_reference.py``.

Usage::

    .venv/bin/python python/make_frontend_fixtures.py [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.signal

import librosa

from frontend_reference import (DB_FLOOR, expected_frames, float_to_pcm16,
                                mel_filterbank, reference_logmel)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "valence-core" / "tests" / "fixtures" / "frontend"

SAMPLE_RATES = (16000, 22050)
DURATION_S = 1.0

CONFIGS = [
    dict(name="cfg1_16k_512_40_slaney", sample_rate=16000, n_fft=512, hop=256,
         n_mels=40, fmin=0.0, fmax=8000.0, htk=False, norm="slaney",
         db_floor=DB_FLOOR),
    dict(name="cfg2_16k_512_64_default", sample_rate=16000, n_fft=512, hop=256,
         n_mels=64, fmin=0.0, fmax=8000.0, htk=False, norm="slaney",
         db_floor=DB_FLOOR),
    dict(name="cfg3_22k_2048_128_librosa", sample_rate=22050, n_fft=2048,
         hop=512, n_mels=128, fmin=0.0, fmax=11025.0, htk=False,
         norm="slaney", db_floor=DB_FLOOR),
    dict(name="cfg4_16k_1024_64_htk", sample_rate=16000, n_fft=1024, hop=512,
         n_mels=64, fmin=50.0, fmax=7000.0, htk=True, norm="none",
         db_floor=DB_FLOOR),
]

# Fixed seed per noise signal; the sample rate is mixed into the seed so the
# 16 kHz and 22.05 kHz versions are independent but reproducible.
SEEDS = {
    "white_m3": 1003,
    "white_m30": 1030,
    "white_m60": 1060,
    "pink_m3": 2003,
    "pink_m30": 2030,
    "pink_m60": 2060,
}

TONE_FREQS = (110.0, 440.0, 1234.5, 3100.0)
TONE_PHASES = (0.0, 0.25 * np.pi, 0.5 * np.pi, 0.75 * np.pi)


def dbfs(level_db: float) -> float:
    """Linear amplitude for a level in dBFS (1.0 == full scale == 32768)."""
    return float(10.0 ** (level_db / 20.0))


def rng_for(name: str, sr: int) -> np.random.Generator:
    return np.random.default_rng([SEEDS[name], sr])


def time_axis(sr: int) -> np.ndarray:
    return np.arange(int(round(DURATION_S * sr)), dtype=np.float64) / sr


def white_noise(name: str, sr: int, rms_db: float) -> np.ndarray:
    x = rng_for(name, sr).standard_normal(int(round(DURATION_S * sr)))
    x -= x.mean()
    return x * (dbfs(rms_db) / np.sqrt(np.mean(x * x)))


def pink_noise(name: str, sr: int, rms_db: float) -> np.ndarray:
    n = int(round(DURATION_S * sr))
    w = rng_for(name, sr).standard_normal(n)
    spec = np.fft.rfft(w)
    f = np.fft.rfftfreq(n, d=1.0 / sr)
    shape = np.zeros_like(f)
    shape[1:] = 1.0 / np.sqrt(f[1:])  # power ~ 1/f, no DC
    x = np.fft.irfft(spec * shape, n=n)
    return x * (dbfs(rms_db) / np.sqrt(np.mean(x * x)))


def sweep(sr: int) -> np.ndarray:
    t = time_axis(sr)
    # phi=-90 makes it a sine (starts at 0) rather than a cosine.
    x = scipy.signal.chirp(t, f0=40.0, t1=DURATION_S, f1=0.45 * sr,
                           method="logarithmic", phi=-90.0)
    return dbfs(-6.0) * x


def tones(sr: int) -> np.ndarray:
    t = time_axis(sr)
    a = dbfs(-12.0)
    return sum(a * np.sin(2.0 * np.pi * f * t + p)
               for f, p in zip(TONE_FREQS, TONE_PHASES))


def square_clip_pcm(sr: int) -> np.ndarray:
    n = np.arange(int(round(DURATION_S * sr)), dtype=np.int64)
    # Integer phase: high for the first half of each 220 Hz period.
    high = ((2 * 220 * n) // sr) % 2 == 0
    return np.where(high, 32767, -32768).astype("<i2")


def dc_offset(sr: int) -> np.ndarray:
    t = time_axis(sr)
    return (12000.0 + 4000.0 * np.sin(2.0 * np.pi * 500.0 * t)) / 32768.0


def impulses_pcm(sr: int) -> np.ndarray:
    n = int(round(DURATION_S * sr))
    x = np.zeros(n, dtype="<i2")
    step = int(round(0.1 * sr))
    x[100::step] = 32767
    return x


SIGNALS = [
    ("sweep", "Logarithmic sine chirp from 40 Hz to 0.45*sr over 1.0 s, "
              "peak -6 dBFS (amplitude 0.5012 of full scale 32768).",
     lambda sr: float_to_pcm16(sweep(sr))),
    ("white_m3", "Gaussian white noise, RMS -3 dBFS (0 dBFS RMS = 32768); "
                 "peaks clipped to the int16 range.",
     lambda sr: float_to_pcm16(white_noise("white_m3", sr, -3.0))),
    ("white_m30", "Gaussian white noise, RMS -30 dBFS (0 dBFS RMS = 32768).",
     lambda sr: float_to_pcm16(white_noise("white_m30", sr, -30.0))),
    ("white_m60", "Gaussian white noise, RMS -60 dBFS (0 dBFS RMS = 32768), "
                  "about 33 LSB RMS.",
     lambda sr: float_to_pcm16(white_noise("white_m60", sr, -60.0))),
    ("pink_m3", "Pink (1/f power) noise from white noise shaped by 1/sqrt(f) "
                "in the frequency domain (DC removed), RMS -3 dBFS "
                "(0 dBFS RMS = 32768); peaks clipped to the int16 range.",
     lambda sr: float_to_pcm16(pink_noise("pink_m3", sr, -3.0))),
    ("pink_m30", "Pink (1/f power) noise from white noise shaped by "
                 "1/sqrt(f) in the frequency domain (DC removed), RMS "
                 "-30 dBFS (0 dBFS RMS = 32768).",
     lambda sr: float_to_pcm16(pink_noise("pink_m30", sr, -30.0))),
    ("pink_m60", "Pink (1/f power) noise from white noise shaped by "
                 "1/sqrt(f) in the frequency domain (DC removed), RMS "
                 "-60 dBFS (0 dBFS RMS = 32768).",
     lambda sr: float_to_pcm16(pink_noise("pink_m60", sr, -60.0))),
    ("tones", "Sum of sines at 110, 440, 1234.5 and 3100 Hz, each -12 dBFS "
              "peak (amplitude 0.2512 of full scale 32768), fixed phases "
              "0, pi/4, pi/2, 3pi/4.",
     lambda sr: float_to_pcm16(tones(sr))),
    ("silence", "All-zero samples (exercises the -100 dB floor).",
     lambda sr: np.zeros(int(round(DURATION_S * sr)), dtype="<i2")),
    ("square_clip", "220 Hz square wave at full scale: exactly +32767 for "
                    "the first half of each period and -32768 for the "
                    "second half.",
     square_clip_pcm),
    ("dc_offset", "Constant +12000 (int16 units) plus a 500 Hz sine of peak "
                  "4000 (int16 units).",
     lambda sr: float_to_pcm16(dc_offset(sr))),
    ("impulses", "Zeros with single full-scale clicks (+32767) every 0.1 s "
                 "starting at sample 100.",
     impulses_pcm),
]


def save_npy(path: Path, arr: np.ndarray, written: list[Path]) -> None:
    np.save(path, arr, allow_pickle=False)
    written.append(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT,
                    help=f"output directory (default: {DEFAULT_OUT})")
    args = ap.parse_args(argv)
    out: Path = args.out_dir
    out.mkdir(parents=True, exist_ok=True)

    # Remove stale generated files so the directory matches this script.
    for pattern in ("signal_*.npy", "ref_*.npy", "melfb_*.npy"):
        for p in out.glob(pattern):
            p.unlink()

    written: list[Path] = []
    pcm: dict[tuple[str, int], np.ndarray] = {}
    for sr in SAMPLE_RATES:
        for name, _desc, make in SIGNALS:
            x = np.ascontiguousarray(make(sr), dtype="<i2")
            assert x.ndim == 1 and x.shape[0] == int(round(DURATION_S * sr))
            pcm[(name, sr)] = x
            save_npy(out / f"signal_{name}_{sr}.npy", x, written)

    warned: list[str] = []
    for cfg in CONFIGS:
        params = dict(sr=cfg["sample_rate"], n_fft=cfg["n_fft"],
                      n_mels=cfg["n_mels"], fmin=cfg["fmin"],
                      fmax=cfg["fmax"], htk=cfg["htk"], norm=cfg["norm"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fb = mel_filterbank(**params)
            assert fb.shape == (cfg["n_mels"], 1 + cfg["n_fft"] // 2)
            save_npy(out / f"melfb_{cfg['name']}.npy", fb, written)
            for name, _desc, _make in SIGNALS:
                x = pcm[(name, cfg["sample_rate"])]
                ref = reference_logmel(x, hop=cfg["hop"], **params)
                assert ref.shape == (
                    expected_frames(x.shape[0], cfg["n_fft"], cfg["hop"]),
                    cfg["n_mels"])
                assert np.all(np.isfinite(ref))
                assert ref.min() >= cfg["db_floor"]
                save_npy(out / f"ref_{cfg['name']}_{name}.npy", ref, written)
        for w in caught:
            msg = f"{cfg['name']}: {w.category.__name__}: {w.message}"
            if msg not in warned:
                warned.append(msg)
                print(f"warning: {msg}", file=sys.stderr)

    manifest = {
        "librosa": librosa.__version__,
        "numpy": np.__version__,
        "configs": CONFIGS,
        "signals": [{"name": n, "description": d} for n, d, _ in SIGNALS],
    }
    mpath = out / "manifest.json"
    mpath.write_text(json.dumps(manifest, indent=2) + "\n")
    written.append(mpath)

    total = sum(p.stat().st_size for p in written)
    try:
        shown = out.resolve().relative_to(REPO_ROOT)
    except ValueError:
        shown = out
    print(f"wrote {len(written)} files, {total} bytes "
          f"({total / 1e6:.2f} MB) to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
