"""Which audio features could carry VGMIDI valence further: a librosa reference.

Reads the 16 kHz renders and the valence labels that scripts/bench-vgmidi.sh
leaves in target/bench/vgmidi (run it first), computes per piece, on the
first 28.7 s (the window the benchmark uses):

- harmony: the mean of librosa's chroma_stft (2048-point frames every 2048
  samples, tuning 0) and the Krumhansl-Kessler key clarity of that mean (best
  major and best minor correlation, their difference): what
  `valence features --feature-set harmony` computes in fixed point; and the
  same from 1024-point frames every 512 samples and from 512-point frames
  every 256 (the mel front end's own FFT, which a chroma path could share
  instead of running its own 2048-point FFT); and the mean chroma read from
  the tonic of its best-fitting key (of the 24 rotated profiles, major on
  ties: scale degrees instead of pitch classes), what `--feature-set
  key-onset` computes in fixed point;
- onset/tempo: librosa's onset strength (hop 256) mean and sd, the onset
  rate and the tempo estimate;
- centroid/rms: spectral centroid mean and sd, relative sd of the RMS;
- with ``--valence BIN`` (the `valence` binary, e.g. target/release/valence),
  the spectral flux of valence's own frames (`valence mel`, default spec:
  n_fft 512, hop 256, 64 bands, Q8.8 dB): per frame the mean over bands of
  the rise since the previous frame, raw, with the frames floored 80 dB
  below the clip's loudest value (as librosa's onset strength floors its
  dB spectrogram) and with a fixed floor at -50 dB (which a device can apply
  as the frames come), its mean and sd over the window: what an onset statistic
  on the device path, computed from the frames the sensor already makes,
  would carry; and from that fixed-floor flux two statistics a device could
  compute frame by frame: an onset rate (frames whose flux is a local
  maximum of the last PRE_MAX frames and exceeds the mean of the last
  PRE_AVG frames by DELTA dB, at most one per WAIT frames: librosa's
  peak_pick made causal and with a fixed threshold instead of one relative
  to the clip's largest value) and the pulse clarity and period of the
  flux (the largest normalised autocorrelation at a lag of 0.3 to 1.0 s,
  and that lag); and the block flux: the same fixed-floor frames averaged
  over non-overlapping blocks of BLOCK frames (4, 8, 16: 64 to 256 ms), per
  block the mean over bands of the rise since the previous block, its mean
  and sd over the window (a device keeps one block sum per band and the
  previous block's mean); with it, the per-band mean and sd of the same
  frames (the mel statistics, in floating point) for a second table on the
  arousal label `a_30` (labels-arousal.csv), whose goal is to stay at least
  as good as with mel statistics alone;

and scores ridge regression (alpha chosen by RidgeCV on each training part)
with 10 plain folds and 10 folds grouped by game: fold-mean R² and the R² of
all out-of-fold predictions pooled, as BENCHMARKS.md reports them.

    .venv/bin/python python/vgmidi_reference_features.py [--valence target/release/valence]
        [--pickle OUT.pkl]

With `--valence` and `--pickle`, also writes the harmony values and the
8-frame block flux mean and sd of each piece with its valence label as a
pickle (`features`: 17 values per piece, `valence`) that `valence features
--data OUT.pkl` reads, so that `valence train` can be run on them.
"""

import argparse
import os
import pickle
import subprocess
import tempfile
from pathlib import Path

import librosa
import numpy as np
import pandas as pd
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GroupKFold, KFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SR = 16_000
SECONDS = 28.7
MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


SHORT_CHROMA = (1024, 512)


def key_clarity(chroma):
    best = [max(np.corrcoef(chroma, np.roll(p, k))[0, 1] for k in range(12)) for p in (MAJOR, MINOR)]
    return [best[0], best[1], best[0] - best[1]]


def from_tonic(chroma):
    """The chroma rotated so that the tonic of its best key (of 24) comes first."""
    r = [[np.corrcoef(chroma, np.roll(p, k))[0, 1] for k in range(12)] for p in (MAJOR, MINOR)]
    major, minor = int(np.argmax(r[0])), int(np.argmax(r[1]))
    tonic = major if r[0][major] >= r[1][minor] else minor
    return np.roll(chroma, -tonic)


def features(path):
    y, sr = librosa.load(path, sr=SR, duration=SECONDS)
    if len(y) < int(SR * SECONDS):
        return None
    power = np.abs(librosa.stft(y, n_fft=2048, hop_length=2048, center=False)) ** 2
    chroma = librosa.feature.chroma_stft(S=power, sr=sr, tuning=0).mean(axis=1)
    onset = librosa.onset.onset_strength(y=y, sr=sr, hop_length=256)
    tempo = librosa.feature.tempo(onset_envelope=onset, sr=sr, hop_length=256)[0]
    onsets = librosa.onset.onset_detect(onset_envelope=onset, sr=sr, hop_length=256)
    centroid = librosa.feature.spectral_centroid(y=y, sr=sr, n_fft=512, hop_length=256)
    rms = librosa.feature.rms(y=y, frame_length=512, hop_length=256)
    row = {f"chroma_{i}": v for i, v in enumerate(chroma)}
    row.update(zip(["kk_major", "kk_minor", "kk_difference"], key_clarity(chroma)))
    row.update({f"degree_{i}": v for i, v in enumerate(from_tonic(chroma))})
    # The same from shorter frames: 1024 points every 512 samples, and the
    # mel front end's own 512-point frames every 256 samples.
    for n_fft in SHORT_CHROMA:
        power = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=n_fft // 2, center=False)) ** 2
        short = librosa.feature.chroma_stft(S=power, sr=sr, tuning=0, n_fft=n_fft).mean(axis=1)
        row.update({f"chroma{n_fft}_{i}": v for i, v in enumerate(short)})
        row.update(zip([f"kk{n_fft}_major", f"kk{n_fft}_minor", f"kk{n_fft}_difference"], key_clarity(short)))
    row.update(
        onset_mean=onset.mean(),
        onset_sd=onset.std(),
        onset_rate=len(onsets) / SECONDS,
        tempo=tempo,
        centroid_mean=centroid.mean(),
        centroid_sd=centroid.std(),
        rms_relative_sd=rms.std() / max(rms.mean(), 1e-9),
    )
    return row


def valence_flux(path, valence, scratch):
    """Spectral flux statistics of valence's frames of the same window."""
    out = Path(scratch) / (Path(path).stem + ".npy")
    subprocess.run([valence, "mel", str(path), "--out", str(out)], check=True, capture_output=True)
    frames = np.load(out)[: int(SECONDS * SR - 512) // 256 + 1]
    row = {}
    floors = (
        ("flux", frames),
        ("flux80", np.maximum(frames, frames.max() - 80.0)),
        ("flux_floor50", np.maximum(frames, -50.0)),
    )
    for name, s in floors:
        flux = np.maximum(0.0, np.diff(s, axis=0)).mean(axis=1)
        row[f"{name}_mean"], row[f"{name}_sd"] = flux.mean(), flux.std()
    flux = np.maximum(0.0, np.diff(np.maximum(frames, -50.0), axis=0)).mean(axis=1)
    for delta in DELTAS:
        row[f"flux_rate_{delta}"] = causal_onsets(flux, delta) / SECONDS
    clarity, period = pulse(flux)
    row.update(flux_pulse_clarity=clarity, flux_pulse_period=period)
    row.update({f"mel_mean_{i}": x for i, x in enumerate(frames.mean(axis=0))})
    row.update({f"mel_sd_{i}": x for i, x in enumerate(frames.std(axis=0))})
    floored = np.maximum(frames, -50.0)
    for block in BLOCKS:
        n = len(floored) // block
        means = floored[: n * block].reshape(n, block, -1).mean(axis=1)
        rise = np.maximum(0.0, np.diff(means, axis=0)).mean(axis=1)
        row[f"block{block}_mean"], row[f"block{block}_sd"] = rise.mean(), rise.std()
    return row


BLOCKS = (4, 8, 16)


# Causal peak picking on the fixed-floor flux (frames of 16 ms: hop 256 at 16 kHz).
PRE_MAX, PRE_AVG, WAIT = 3, 6, 2
DELTAS = (0.5, 1.0, 2.0)


def causal_onsets(flux, delta):
    """Onsets in a flux envelope, each decided when its frame arrives."""
    count, last = 0, -WAIT - 1
    for t in range(PRE_AVG, len(flux)):
        past = flux[t - PRE_AVG : t]
        if flux[t] >= flux[t - PRE_MAX : t].max() and flux[t] > past.mean() + delta and t - last > WAIT:
            count, last = count + 1, t
    return count


def pulse(flux, hop_seconds=256 / SR):
    """Largest normalised autocorrelation of the flux at 0.3-1.0 s, and its lag in s."""
    f = flux - flux.mean()
    lags = range(int(0.3 / hop_seconds), int(1.0 / hop_seconds) + 1)
    energy = float(np.dot(f, f)) or 1.0
    ac = [float(np.dot(f[:-k], f[k:])) / energy for k in lags]
    best = int(np.argmax(ac))
    return ac[best], (best + lags.start) * hop_seconds


def score(x, y, groups):
    model = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-2, 3, 20)))
    out = []
    for cv, g in [(KFold(10, shuffle=True, random_state=0), None), (GroupKFold(10), groups)]:
        folds = []
        for tr, te in cv.split(x, y, g):
            model.fit(x[tr], y[tr])
            folds.append(1 - np.mean((model.predict(x[te]) - y[te]) ** 2) / np.var(y[te]))
        pooled = cross_val_predict(model, x, y, cv=cv, groups=g)
        out += [np.mean(folds), 1 - np.mean((pooled - y) ** 2) / np.var(y)]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--valence", help="the valence binary: adds the flux of its own frames")
    parser.add_argument("--pickle", help="with --valence: write harmony + block flux and valence here")
    args = parser.parse_args()
    if args.pickle and not args.valence:
        parser.error("--pickle needs --valence (the block flux comes from valence's frames)")
    scratch = tempfile.TemporaryDirectory()
    bench = Path(__file__).resolve().parent.parent / "target" / "bench" / "vgmidi"
    labels = bench / "labels-valence.csv"
    if not labels.exists():
        raise SystemExit(f"{labels} not found: run scripts/bench-vgmidi.sh first")
    rows = []
    for _, r in pd.read_csv(labels).iterrows():
        wav = os.path.join(bench, "wav", r["file"])
        f = features(wav)
        if f is not None and args.valence:
            f.update(valence_flux(wav, args.valence, scratch.name))
        if f is not None:
            rows.append({"file": r["file"], "label": r["label"], "game": r["game"], **f})
    df = pd.DataFrame(rows)
    y, groups = df["label"].to_numpy(), df["game"].to_numpy()
    harmony = [f"chroma_{i}" for i in range(12)] + ["kk_major", "kk_minor", "kk_difference"]
    key = [f"degree_{i}" for i in range(12)] + ["kk_major", "kk_minor", "kk_difference"]
    onset = ["onset_mean", "onset_sd", "onset_rate", "tempo"]
    timbre = ["centroid_mean", "centroid_sd", "rms_relative_sd"]
    sets = [
        ("harmony", harmony),
        ("harmony, chroma from the key's tonic", key),
        ("onset/tempo", onset),
        ("centroid/rms", timbre),
        ("harmony + onset strength mean", harmony + ["onset_mean"]),
        ("harmony + onset strength mean and sd", harmony + ["onset_mean", "onset_sd"]),
        ("harmony + onset rate", harmony + ["onset_rate"]),
        ("harmony + tempo", harmony + ["tempo"]),
        ("harmony + onset/tempo", harmony + onset),
        ("harmony + onset/tempo + centroid/rms", harmony + onset + timbre),
    ]
    if args.valence:
        sets += [
            ("harmony + valence flux mean and sd", harmony + ["flux_mean", "flux_sd"]),
            ("harmony + valence flux (80 dB floor) mean and sd", harmony + ["flux80_mean", "flux80_sd"]),
            (
                "harmony + valence flux (-50 dB floor) mean and sd",
                harmony + ["flux_floor50_mean", "flux_floor50_sd"],
            ),
            (
                "harmony + valence flux (80 dB floor) + onset rate, tempo",
                harmony + ["flux80_mean", "flux80_sd", "onset_rate", "tempo"],
            ),
        ]
        fixed = harmony + ["flux_floor50_mean", "flux_floor50_sd"]
        for delta in DELTAS:
            sets.append(
                (f"harmony + valence flux (-50 dB) + its onset rate (delta {delta} dB)", fixed + [f"flux_rate_{delta}"])
            )
        sets += [
            ("harmony + valence flux (-50 dB) + its pulse clarity and period", fixed + ["flux_pulse_clarity", "flux_pulse_period"]),
            (
                "harmony + valence flux (-50 dB) + its onset rate (1 dB), pulse clarity and period",
                fixed + ["flux_rate_1.0", "flux_pulse_clarity", "flux_pulse_period"],
            ),
        ]
        for block in BLOCKS:
            stats = [f"block{block}_mean", f"block{block}_sd"]
            sets += [
                (f"valence block flux ({block} frames) mean and sd", stats),
                (f"harmony + valence block flux ({block} frames) mean", harmony + stats[:1]),
                (f"harmony + valence block flux ({block} frames) mean and sd", harmony + stats),
            ]
        for n_fft in SHORT_CHROMA:
            short = [f"chroma{n_fft}_{i}" for i in range(12)]
            short += [f"kk{n_fft}_major", f"kk{n_fft}_minor", f"kk{n_fft}_difference"]
            sets.append(
                (
                    f"harmony from {n_fft}-point chroma frames + valence block flux (8 frames) mean and sd",
                    short + ["block8_mean", "block8_sd"],
                )
            )
        sets.append(
            (
                "mel-free: harmony + valence block flux (8 frames) + librosa onset rate, tempo",
                harmony + ["block8_mean", "block8_sd", "onset_rate", "tempo"],
            )
        )
        sets += [
            (
                "harmony, chroma from the key's tonic + valence block flux (8 frames) mean and sd",
                key + ["block8_mean", "block8_sd"],
            ),
            (
                "key clarity alone (no chroma) + valence block flux (8 frames) mean and sd",
                ["kk_major", "kk_minor", "kk_difference", "block8_mean", "block8_sd"],
            ),
        ]
    print(f"{len(df)} pieces")
    print("| features (ridge) | R² plain | pooled | R² by game | pooled |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, cols in sets:
        r = score(df[cols].to_numpy(), y, groups)
        print(f"| {name} | {r[0]:.3f} | {r[1]:.3f} | {r[2]:.3f} | {r[3]:.3f} |", flush=True)
    if args.pickle:
        with open(args.pickle, "wb") as f:
            pickle.dump(
                {"features": df[harmony + ["block8_mean", "block8_sd"]].to_numpy(float), "valence": y.astype(float)},
                f,
                protocol=4,
            )
        print(f"wrote {len(df)} pieces of harmony + block flux features to {args.pickle}")
    arousal_labels = bench / "labels-arousal.csv"
    if args.valence and arousal_labels.exists():
        arousal = pd.read_csv(arousal_labels).set_index("file")["label"]
        mel = [c for c in df.columns if c.startswith("mel_")]
        block = ["block8_mean", "block8_sd"]
        print()
        print("| label | features (ridge) | R² plain | pooled | R² by game | pooled |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for label, target in [("valence", y), ("arousal", arousal.reindex(df["file"]).to_numpy())]:
            for name, cols in [
                ("mel", mel),
                ("mel + harmony", mel + harmony),
                ("mel + harmony + block flux (8)", mel + harmony + block),
                ("harmony + block flux (8)", harmony + block),
                ("mel + harmony from the key's tonic + block flux (8)", mel + key + block),
                ("harmony from the key's tonic + block flux (8)", key + block),
            ]:
                r = score(df[cols].to_numpy(), target, groups)
                print(f"| {label} | {name} | {r[0]:.3f} | {r[1]:.3f} | {r[2]:.3f} | {r[3]:.3f} |", flush=True)


if __name__ == "__main__":
    main()
