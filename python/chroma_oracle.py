#!/usr/bin/env python3
"""librosa chroma oracle for real recordings (used by the Rust test suite).

For each input file this decodes it exactly as ``librosa_oracle.py`` does
(``librosa.load(path, sr=SR, mono=True, res_type='soxr_hq')``, the first
``--max-seconds`` seconds), quantises to int16, writes
``OUT_DIR/<stem>.pcm.npy`` and, for every ``--n-fft``/``--hop`` pair, the
reference of ``chroma_reference.reference_chroma`` as
``OUT_DIR/<stem>.chroma_<n_fft>.npy`` (float64, shape ``(frames, 12)``).
The Rust test feeds the very same int16 samples to the fixed-point chroma
path, so decoding never enters the comparison.

Prints one JSON line ``{"files": [{"stem", "source", "samples"}]}``;
failures exit non-zero with a message on stderr.

Example::

    .venv/bin/python python/chroma_oracle.py --sr 16000 --n-fft 512 \\
        --hop 256 --n-fft 4096 --hop 2048 --out-dir /tmp/chroma a.wav b.mp3
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="librosa chroma references for recordings")
    ap.add_argument("--sr", type=int, required=True)
    ap.add_argument("--n-fft", type=int, action="append", required=True)
    ap.add_argument("--hop", type=int, action="append", required=True)
    ap.add_argument("--max-seconds", type=float, default=30.0)
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("audio", nargs="+", type=Path)
    args = ap.parse_args(argv)
    if len(args.n_fft) != len(args.hop):
        ap.error("give one --hop for every --n-fft")
    if args.sr <= 0 or any(v <= 0 for v in args.n_fft + args.hop):
        ap.error("--sr, --n-fft and --hop must be positive")

    import numpy as np
    import librosa

    from chroma_reference import reference_chroma
    from frontend_reference import float_to_pcm16

    args.out_dir.mkdir(parents=True, exist_ok=True)
    duration = args.max_seconds if args.max_seconds > 0 else None
    files, stems = [], set()
    for path in args.audio:
        if not path.is_file():
            raise SystemExit(f"chroma_oracle: no such file: {path}")
        if path.stem in stems:
            raise SystemExit(f"chroma_oracle: duplicate output stem {path.stem!r}")
        stems.add(path.stem)
        try:
            y, _ = librosa.load(str(path), sr=args.sr, mono=True,
                                res_type="soxr_hq", duration=duration)
        except Exception as exc:  # decoder errors vary by backend
            raise SystemExit(f"chroma_oracle: cannot decode {path}: "
                             f"{exc or type(exc).__name__}")
        if duration is not None:
            y = y[: int(round(duration * args.sr))]
        pcm = float_to_pcm16(y)
        if pcm.shape[0] < max(args.n_fft):
            raise SystemExit(f"chroma_oracle: {path}: only {pcm.shape[0]} "
                             f"samples, need at least {max(args.n_fft)}")
        np.save(args.out_dir / f"{path.stem}.pcm.npy", pcm, allow_pickle=False)
        for n_fft, hop in zip(args.n_fft, args.hop):
            ref = reference_chroma(pcm, sr=args.sr, n_fft=n_fft, hop=hop)
            np.save(args.out_dir / f"{path.stem}.chroma_{n_fft}.npy", ref,
                    allow_pickle=False)
        files.append({"stem": path.stem, "source": str(path),
                      "samples": int(pcm.shape[0])})
    print(json.dumps({"files": files}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
