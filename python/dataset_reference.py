#!/usr/bin/env python3
"""Python's reading of an audio folder and its label files, for the Rust
tests of ``valence features``.

For every audio file given (sorted by name) this decodes it twice with
librosa:

* at its own rate (``librosa.load(path, sr=None, mono=True)``): the number of
  samples, the rate and a few samples (every ``n // 7``-th), to compare with
  valence's own decoder;
* resampled to ``--sr`` from that decode (``librosa.resample(...,
  res_type='soxr_hq')``), quantised to int16 as the tests do,
  then the librosa log-mel reference (``frontend_reference.reference_logmel``)
  and the window statistics valence computes: per band, the mean and the
  population standard deviation of the dB frames over windows of
  ``--window-frames`` frames starting every ``--hop-frames`` frames.

and reads the label files with the ``csv`` module:

* ``--static CSV --file-column C --label-column C``: the clip's label;
* ``--dynamic CSV --file-column C``: columns named ``sample_<ms>ms``; window
  ``w`` spans samples ``[w*hf*hop, (w*hf + wf - 1)*hop + n_fft)``; it is kept
  when it lies inside the labelled span, and takes the label whose time is
  nearest its centre (the earlier on a tie).

One JSON object is printed on stdout::

    {"clips": [{"name", "native_rate", "native_samples", "native_probe",
                "samples",
                "windows": [[2*n_mels floats], ...]}],
     "static": {"name": label, ...},
     "dynamic": {"name": [[window, label], ...], ...}}
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

import numpy as np


def window_stats(db: np.ndarray, wf: int, hf: int) -> list[list[float]]:
    """Per-window [means..., stds...] of (frames, n_mels) dB values."""
    out = []
    start = 0
    while start + wf <= db.shape[0]:
        w = db[start:start + wf]
        out.append(np.concatenate([w.mean(axis=0), w.std(axis=0)]).tolist())
        start += hf
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("audio", nargs="+", type=Path)
    ap.add_argument("--sr", type=int, default=16000)
    ap.add_argument("--n-fft", type=int, default=512)
    ap.add_argument("--hop", type=int, default=256)
    ap.add_argument("--n-mels", type=int, default=64)
    ap.add_argument("--window-frames", type=int, default=128)
    ap.add_argument("--hop-frames", type=int, default=64)
    ap.add_argument("--static", type=Path)
    ap.add_argument("--dynamic", type=Path)
    ap.add_argument("--file-column", default="song_id")
    ap.add_argument("--label-column", default="mean_valence")
    args = ap.parse_args(argv)

    import librosa

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from frontend_reference import float_to_pcm16, reference_logmel

    clips = []
    for path in sorted(args.audio, key=lambda p: p.name):
        y_native, native_rate = librosa.load(str(path), sr=None, mono=True)
        # Resampling the native decode (rather than librosa.load(sr=...)) keeps
        # the first few hundred milliseconds identical to what
        # librosa.load(sr=None) decodes.
        y = librosa.resample(y_native, orig_sr=native_rate, target_sr=args.sr,
                             res_type="soxr_hq")
        pcm = float_to_pcm16(y)
        db = reference_logmel(pcm, sr=args.sr, n_fft=args.n_fft, hop=args.hop,
                              n_mels=args.n_mels, fmin=0.0, fmax=args.sr / 2,
                              htk=False, norm="slaney")
        clips.append({
            "name": path.name,
            "native_rate": int(native_rate),
            "native_samples": int(y_native.shape[0]),
            "native_probe": [float(y_native[i]) for i in
                             range(0, y_native.shape[0], max(1, y_native.shape[0] // 7))],
            "samples": int(pcm.shape[0]),
            "windows": window_stats(db, args.window_frames, args.hop_frames),
        })

    stems = {Path(c["name"]).stem: c for c in clips}
    result: dict = {"clips": clips}
    if args.static:
        with open(args.static, newline="") as f:
            result["static"] = {
                stems[row[args.file_column].strip()]["name"]:
                    float(row[args.label_column])
                for row in csv.DictReader(f)
                if row[args.file_column].strip() in stems
            }
    if args.dynamic:
        dynamic = {}
        with open(args.dynamic, newline="") as f:
            reader = csv.DictReader(f)
            times = [(c, int(m.group(1)) / 1000.0) for c in reader.fieldnames
                     if (m := re.fullmatch(r"sample_(\d+)ms", c))]
            for row in reader:
                clip = stems.get(row[args.file_column].strip())
                if clip is None:
                    continue
                pts = [(t, float(row[c])) for c, t in times
                       if row[c].strip() not in ("", "NaN", "nan")]
                pts.sort()
                first, last = pts[0][0], pts[-1][0]
                kept = []
                for w in range(len(clip["windows"])):
                    s0 = w * args.hop_frames * args.hop
                    s1 = (w * args.hop_frames + args.window_frames - 1) * args.hop + args.n_fft
                    start, end = s0 / args.sr, s1 / args.sr
                    if start < first - 1e-6 or end > last + 1e-6:
                        continue
                    centre = (start + end) / 2
                    best = min(pts, key=lambda p: (abs(p[0] - centre), p[0]))
                    kept.append([w, best[1]])
                dynamic[clip["name"]] = kept
        result["dynamic"] = dynamic
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
