#!/usr/bin/env python3
"""Reference (librosa) side of the host speed benchmark.

Times the librosa log-mel computation that the fixed-point front end is
checked against::

    S = librosa.feature.melspectrogram(y=..., center=False, power=2.0, ...)
    D = librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=None)

on single-threaded numpy/BLAS. The input is either ``--audio FILE`` (decoded
and resampled with ``librosa.load(..., res_type='soxr_hq')``) or, by default,
``--seconds`` (60) seconds of deterministic pink noise at -20 dBFS RMS. Either
way it is first quantised to int16 and converted back to float64
(``pcm / 32768``), exactly as in the tests. ``--write-pcm PATH`` saves those
int16 samples as a 1-D ``.npy`` so the Rust benchmark can time the very same
input.

After one warm-up run the computation is timed ``--repeat`` times with
``time.perf_counter`` and one JSON line is printed::

    {"tool": "librosa", "librosa": ..., "seconds_of_audio": ...,
     "best_s": ..., "median_s": ..., "audio_seconds_per_second": ...,
     "frames": ...}
"""

from __future__ import annotations

import os

# Single-threaded execution; must be set before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

PINK_SEED = 20240601
PINK_RMS_DBFS = -20.0


def pink_noise(n: int, sr: int, rms_dbfs: float, seed: int) -> np.ndarray:
    """1/f-power noise by shaping white noise with 1/sqrt(f) (DC removed)."""
    w = np.random.default_rng(seed).standard_normal(n)
    spec = np.fft.rfft(w)
    f = np.fft.rfftfreq(n, d=1.0 / sr)
    shape = np.zeros_like(f)
    shape[1:] = 1.0 / np.sqrt(f[1:])
    x = np.fft.irfft(spec * shape, n=n)
    return x * (10.0 ** (rms_dbfs / 20.0) / np.sqrt(np.mean(x * x)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Time librosa melspectrogram + power_to_db "
                    "(single-threaded).")
    ap.add_argument("--sr", type=int, required=True)
    ap.add_argument("--n-fft", type=int, required=True)
    ap.add_argument("--hop", type=int, required=True)
    ap.add_argument("--n-mels", type=int, required=True)
    ap.add_argument("--fmin", type=float, default=0.0)
    ap.add_argument("--fmax", type=float, default=None,
                    help="upper mel edge in Hz (default: sr / 2)")
    ap.add_argument("--htk", action="store_true")
    ap.add_argument("--norm", choices=("slaney", "none"), default="slaney")
    ap.add_argument("--seconds", type=float, default=None,
                    help="length of the generated noise (default 60); with "
                         "--audio, keep only the first SECONDS")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--audio", type=Path, default=None)
    ap.add_argument("--write-pcm", type=Path, default=None,
                    help="save the int16 input used as a 1-D .npy")
    args = ap.parse_args(argv)
    if args.fmax is None:
        args.fmax = args.sr / 2.0
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")
    if args.seconds is not None and args.seconds <= 0:
        ap.error("--seconds must be positive")

    import librosa

    from frontend_reference import (AMIN, float_to_pcm16, norm_arg,
                                    pcm16_to_float)

    if args.audio is not None:
        try:
            y, _ = librosa.load(str(args.audio), sr=args.sr, mono=True,
                                res_type="soxr_hq", duration=args.seconds)
        except Exception as exc:
            detail = str(exc) or type(exc).__name__
            raise SystemExit(
                f"bench_librosa: cannot decode {args.audio}: {detail}")
    else:
        seconds = 60.0 if args.seconds is None else args.seconds
        y = pink_noise(int(round(seconds * args.sr)), args.sr, PINK_RMS_DBFS,
                       PINK_SEED)

    pcm = float_to_pcm16(y)
    if pcm.shape[0] < args.n_fft:
        raise SystemExit(f"bench_librosa: input has {pcm.shape[0]} samples, "
                         f"need at least n_fft={args.n_fft}")
    if args.write_pcm is not None:
        args.write_pcm.parent.mkdir(parents=True, exist_ok=True)
        np.save(args.write_pcm, pcm, allow_pickle=False)
    x = pcm16_to_float(pcm)

    norm = norm_arg(args.norm)

    def run() -> np.ndarray:
        S = librosa.feature.melspectrogram(
            y=x, sr=args.sr, n_fft=args.n_fft, hop_length=args.hop,
            n_mels=args.n_mels, fmin=args.fmin, fmax=args.fmax, htk=args.htk,
            norm=norm, window="hann", center=False, power=2.0)
        return librosa.power_to_db(S, ref=1.0, amin=AMIN, top_db=None)

    D = run()  # warm-up
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        D = run()
        times.append(time.perf_counter() - t0)

    seconds_of_audio = pcm.shape[0] / args.sr
    median_s = statistics.median(times)
    print(json.dumps({
        "tool": "librosa",
        "librosa": librosa.__version__,
        "seconds_of_audio": seconds_of_audio,
        "best_s": min(times),
        "median_s": median_s,
        "audio_seconds_per_second": seconds_of_audio / median_s,
        "frames": int(D.shape[1]),
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
