#!/usr/bin/env python3
"""Generate the small example recording in ``examples/audio/``.

Writes ``examples/audio/chord-progression-16k.wav``: 6 s, 16 kHz, mono,
16-bit PCM. It is an I-V-vi-IV progression in C major (C, G, Am, F; 1.5 s per
chord) played by soft voices (a sine bass an octave below plus sine/triangle
blends for the triad) with a gentle attack/release envelope on each chord,
normalised to a peak of -6 dBFS. Fully deterministic (no randomness).

Usage::

    .venv/bin/python python/make_example_audio.py [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import wave
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "examples" / "audio" / "chord-progression-16k.wav"

SR = 16000
CHORD_S = 1.5
PEAK_DBFS = -6.0

# MIDI notes: (bass, triad...). I-V-vi-IV in C major.
PROGRESSION = [
    ("C", 36, (60, 64, 67)),
    ("G", 43, (59, 62, 67)),
    ("Am", 45, (60, 64, 69)),
    ("F", 41, (60, 65, 69)),
]


def midi_hz(note: int) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12.0)


def triangle(phase: np.ndarray) -> np.ndarray:
    """Band-unlimited triangle in [-1, 1] for phase in cycles."""
    frac = phase - np.floor(phase)
    return 4.0 * np.abs(frac - 0.5) - 1.0


def envelope(n: int, sr: int, attack_s: float = 0.08,
             release_s: float = 0.35) -> np.ndarray:
    """Raised-cosine attack, gentle exponential decay, raised-cosine release."""
    t = np.arange(n) / sr
    env = np.exp(-0.6 * t)
    na, nr = int(attack_s * sr), int(release_s * sr)
    env[:na] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(na) / na)
    env[n - nr:] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(nr) / nr)
    return env


def render(sr: int = SR) -> np.ndarray:
    n_chord = int(round(CHORD_S * sr))
    t = np.arange(n_chord) / sr
    out = []
    for _name, bass, triad in PROGRESSION:
        x = 0.5 * np.sin(2.0 * np.pi * midi_hz(bass) * t)
        for k, note in enumerate(triad):
            f = midi_hz(note)
            # Slight detune per voice for a softer, less static sound.
            f *= 1.0 + (k - 1) * 0.0007
            x += 0.30 * np.sin(2.0 * np.pi * f * t + 0.7 * k)
            x += 0.12 * triangle(f * t + 0.25 * k)
        out.append(x * envelope(n_chord, sr))
    y = np.concatenate(out)
    return y * (10.0 ** (PEAK_DBFS / 20.0) / np.max(np.abs(y)))


def write_wav(path: Path, y: np.ndarray, sr: int) -> None:
    pcm = np.clip(np.round(y * 32768.0), -32768, 32767).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    y = render()
    write_wav(args.out, y, SR)
    print(f"wrote {args.out} ({len(y) / SR:.1f} s, {SR} Hz mono int16, "
          f"{args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
