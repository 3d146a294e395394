#!/usr/bin/env python3
"""librosa reference oracle for real recordings (used by the Rust test suite).

For each input file (wav / ogg / mp3 / anything libsndfile decodes) this:

1. decodes it with ``librosa.load(path, sr=SR, mono=True, res_type='soxr_hq')``
   (mix to mono, resample to the target rate);
2. keeps only the first ``--max-seconds`` seconds (default 30; ``0`` keeps the
   whole file). Only that much is decoded (``duration=`` in ``librosa.load``),
   so the last few milliseconds carry the resampler's edge response; this is
   harmless because the comparison runs on the written int16 samples;
3. quantises to int16 with
   ``np.clip(np.round(y * 32768.0), -32768, 32767).astype('<i2')`` and writes
   ``OUT_DIR/<stem>.pcm.npy`` (1-D int16);
4. computes the librosa log-mel reference on ``pcm / 32768.0`` (see
   ``frontend_reference.py``) and writes ``OUT_DIR/<stem>.ref.npy``
   (float64, shape ``(frames, n_mels)``).

The Rust tests feed the exact int16 samples from ``<stem>.pcm.npy`` into the
fixed-point front end and compare against ``<stem>.ref.npy``, so decoding and
resampling differences never enter the comparison.

On success one JSON line is printed to stdout::

    {"files": [{"stem": ..., "source": ..., "samples": ..., "frames": ...}]}

Diagnostics go to stderr; any failure exits non-zero.

Example::

    .venv/bin/python python/librosa_oracle.py --sr 16000 --n-fft 512 \\
        --hop 256 --n-mels 64 --fmin 0 --fmax 8000 --out-dir /tmp/oracle \\
        a.wav b.ogg c.mp3
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description="Decode audio, quantise to int16 and write librosa "
                    "log-mel references.")
    ap.add_argument("--sr", type=int, required=True,
                    help="target sample rate in Hz")
    ap.add_argument("--n-fft", type=int, required=True)
    ap.add_argument("--hop", type=int, required=True)
    ap.add_argument("--n-mels", type=int, required=True)
    ap.add_argument("--fmin", type=float, default=0.0)
    ap.add_argument("--fmax", type=float, default=None,
                    help="upper mel edge in Hz (default: sr / 2)")
    ap.add_argument("--htk", action="store_true",
                    help="HTK mel scale (default: Slaney)")
    ap.add_argument("--norm", choices=("slaney", "none"), default="slaney")
    ap.add_argument("--max-seconds", type=float, default=30.0,
                    help="keep only the first S seconds (0: whole file; "
                         "default 30)")
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("audio", nargs="+", type=Path, metavar="AUDIO")
    args = ap.parse_args(argv)
    if args.fmax is None:
        args.fmax = args.sr / 2.0
    for name in ("sr", "n_fft", "hop", "n_mels"):
        if getattr(args, name) <= 0:
            ap.error(f"--{name.replace('_', '-')} must be positive")
    if args.max_seconds < 0:
        ap.error("--max-seconds must be >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    # Heavy imports after argument parsing so --help stays fast.
    import numpy as np
    import librosa

    from frontend_reference import (expected_frames, float_to_pcm16,
                                    reference_logmel)

    stems: dict[str, Path] = {}
    for path in args.audio:
        if not path.is_file():
            raise SystemExit(f"librosa_oracle: no such file: {path}")
        stem = path.stem
        if stem in stems:
            raise SystemExit(f"librosa_oracle: duplicate output stem {stem!r} "
                             f"({stems[stem]} and {path})")
        stems[stem] = path

    args.out_dir.mkdir(parents=True, exist_ok=True)
    duration = args.max_seconds if args.max_seconds > 0 else None
    files = []
    for stem, path in stems.items():
        try:
            y, _ = librosa.load(str(path), sr=args.sr, mono=True,
                                res_type="soxr_hq", duration=duration)
        except Exception as exc:  # decoder errors vary by backend
            detail = str(exc) or type(exc).__name__
            raise SystemExit(f"librosa_oracle: cannot decode {path}: {detail}")
        if duration is not None:
            y = y[: int(round(duration * args.sr))]
        pcm = float_to_pcm16(y)
        if pcm.shape[0] < args.n_fft:
            raise SystemExit(
                f"librosa_oracle: {path}: only {pcm.shape[0]} samples after "
                f"decoding, need at least n_fft={args.n_fft}")
        ref = reference_logmel(pcm, sr=args.sr, n_fft=args.n_fft,
                               hop=args.hop, n_mels=args.n_mels,
                               fmin=args.fmin, fmax=args.fmax, htk=args.htk,
                               norm=args.norm)
        assert ref.shape == (expected_frames(pcm.shape[0], args.n_fft,
                                             args.hop), args.n_mels)
        np.save(args.out_dir / f"{stem}.pcm.npy", pcm, allow_pickle=False)
        np.save(args.out_dir / f"{stem}.ref.npy", ref, allow_pickle=False)
        files.append({"stem": stem, "source": str(path),
                      "samples": int(pcm.shape[0]),
                      "frames": int(ref.shape[0])})

    print(json.dumps({"files": files}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
