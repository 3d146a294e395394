#!/usr/bin/env python3
"""Make the small compressed-audio fixtures of the decoder tests.

Writes into ``valence-host/tests/fixtures/audio/`` (committed with this
script):

* ``tone_22050.flac``: 0.5 s of a 1 kHz sine at -6 dBFS plus a 3 kHz sine at
  -20 dBFS, mono, 22.05 kHz, 16-bit FLAC (lossless);
* ``tone_22050.pcm.npy``: the very int16 samples in that FLAC;
* ``tone_stereo_44100.ogg``: 1 s, OGG Vorbis, stereo: 1 kHz at -6 dBFS on the
  left, silence on the right (so the mono mix is a -12 dBFS 1 kHz sine);
* ``tone_44100.mp3``: 1 s of the 1 kHz sine at -6 dBFS, mono MP3 (LAME via
  libsndfile, so with a LAME header giving its delay and padding).

Needs numpy and soundfile (libsndfile >= 1.1 for MP3), as in
``python/requirements.txt``. Run from anywhere::

    .venv/bin/python python/make_audio_fixtures.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

OUT = Path(__file__).resolve().parent.parent / "valence-host/tests/fixtures/audio"


def tone(sr: int, seconds: float, parts: list[tuple[float, float]]) -> np.ndarray:
    t = np.arange(int(round(sr * seconds))) / sr
    return sum(10 ** (db / 20) * np.sin(2 * np.pi * f * t) for f, db in parts)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    y = tone(22050, 0.5, [(1000.0, -6.0), (3000.0, -20.0)])
    pcm = np.clip(np.round(y * 32768), -32768, 32767).astype("<i2")
    sf.write(OUT / "tone_22050.flac", pcm, 22050, subtype="PCM_16")
    np.save(OUT / "tone_22050.pcm.npy", pcm)

    left = tone(44100, 1.0, [(1000.0, -6.0)])
    stereo = np.stack([left, np.zeros_like(left)], axis=1)
    sf.write(OUT / "tone_stereo_44100.ogg", stereo, 44100, format="OGG", subtype="VORBIS")

    sf.write(OUT / "tone_44100.mp3", left, 44100, format="MP3", subtype="MPEG_LAYER_III")
    for p in sorted(OUT.iterdir()):
        print(f"{p.name}: {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
