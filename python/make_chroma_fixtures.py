#!/usr/bin/env python3
"""Generate the committed librosa fixtures for the valence chroma tests.

Writes into ``valence-core/tests/fixtures/chroma/`` (or ``--out-dir``):

* ``manifest.json`` - library versions, the chroma configurations, and for
  every configuration and note kind the pitch class librosa's chroma names
  for each test note (argmax of the mean chroma over the note), with the
  count it gets right;
* ``chromafb_<config>.npy`` - ``librosa.filters.chroma`` (tuning 0), float64,
  shape ``(12, 1 + n_fft // 2)``;
* ``ref_<config>_<signal>.npy`` - librosa chroma of each 16 kHz generated
  signal of the front-end fixtures (``../frontend/signal_<name>_16000.npy``),
  float64, shape ``(frames, 12)``.

The reference definition and the test notes live in ``chroma_reference.py``.

Usage::

    .venv/bin/python python/make_chroma_fixtures.py [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import librosa

from chroma_reference import (CONFIGS, NOTE_RANGE, chroma_filterbank,
                              note_pcm, reference_chroma)

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", type=Path,
                    default=ROOT / "valence-core/tests/fixtures/chroma")
    args = ap.parse_args(argv)
    frontend = ROOT / "valence-core/tests/fixtures/frontend"
    signals = [s["name"] for s in
               json.loads((frontend / "manifest.json").read_text())["signals"]]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"librosa": librosa.__version__, "numpy": np.__version__,
                "signals": signals, "configs": []}
    for cfg in CONFIGS:
        sr, n_fft, hop = cfg["sample_rate"], cfg["n_fft"], cfg["hop"]
        np.save(args.out_dir / f"chromafb_{cfg['name']}.npy",
                chroma_filterbank(sr=sr, n_fft=n_fft), allow_pickle=False)
        for sig in signals:
            pcm = np.load(frontend / f"signal_{sig}_{sr}.npy")
            ref = reference_chroma(pcm, sr=sr, n_fft=n_fft, hop=hop)
            np.save(args.out_dir / f"ref_{cfg['name']}_{sig}.npy", ref,
                    allow_pickle=False)
        notes = {}
        for kind in ("pure", "piano"):
            named = []
            for midi in NOTE_RANGE:
                c = reference_chroma(note_pcm(midi, kind), sr=sr, n_fft=n_fft,
                                     hop=hop)
                named.append(int(np.argmax(c.mean(axis=0))))
            correct = sum(int(p == m % 12) for p, m in zip(named, NOTE_RANGE))
            notes[kind] = {"pitch_class": named, "correct": correct}
            print(f"{cfg['name']} {kind}: librosa names {correct} of "
                  f"{len(NOTE_RANGE)} notes right", file=sys.stderr)
        manifest["configs"].append({**cfg, "librosa_notes": notes})
    manifest["notes"] = {"first_midi": NOTE_RANGE.start,
                         "last_midi": NOTE_RANGE.stop - 1}
    (args.out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
