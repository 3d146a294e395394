#!/usr/bin/env bash
# Harmony features on human-rated music: the VGMIDI benchmark (BENCHMARKS.md,
# "Harmony features on VGMIDI").
#
# 1. Installs fluidsynth and the TimGM6mb SoundFont with apt-get when missing.
# 2. Renders the first 30 s of each labelled VGMIDI piece (../shared/data/vgmidi,
#    or $VALENCE_DATA/vgmidi) to 16 kHz mono 16-bit WAV under target/bench/vgmidi
#    (never into the repository: the pieces are for evaluation only).
# 3. Writes the label CSVs `valence features` reads: file, v_30 (valence) or a_30
#    (arousal), and the game (the third `_`-separated field of the file name).
# 4. For each label and feature set (mel, mel-harmony, harmony, harmony-onset,
#    mel-harmony-onset, key-onset, mel-key-onset) builds a dataset
#    with one statistics window per piece (1792 frames: the first 28.7 s of the
#    30 s the labels rate; the 3 pieces rendered shorter than that give no window
#    and are skipped), and
#    runs `valence train --folds 10` with plain folds (each piece its own group)
#    and with folds grouped by game.
# 5. Prints a table of the cross-validated R², RMSE and Pearson r (mean and sd over
#    folds, and of all out-of-fold predictions pooled).
#
# FOLDS (default 10), EPOCHS (default 100) and HIDDEN (default 64,32) set the training,
# TRAIN_FLAGS adds flags to every `valence train` (e.g. "--swa-epochs 50", or
# "--repeats 5" for figures over five draws of the folds), and SETS
# chooses the feature sets (default: mel mel-harmony harmony harmony-onset
# mel-harmony-onset key-onset mel-key-onset).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
data="${VALENCE_DATA:-$(cd .. && pwd)/shared/data}/vgmidi"
if [[ ! -f "$data/vgmidi_continuous_labels.csv" ]]; then
    echo "bench-vgmidi: $data/vgmidi_continuous_labels.csv not found; set VALENCE_DATA" >&2
    exit 1
fi
sf2=/usr/share/sounds/sf2/TimGM6mb.sf2
if ! command -v fluidsynth > /dev/null || [[ ! -f "$sf2" ]]; then
    if ! apt-get install -y fluidsynth timgm6mb-soundfont; then
        apt-get update && apt-get install -y fluidsynth timgm6mb-soundfont
    fi
fi
folds="${FOLDS:-10}"
epochs="${EPOCHS:-100}"
hidden="${HIDDEN:-64,32}"
read -r -a train_flags <<< "${TRAIN_FLAGS:-}"
read -r -a sets <<< "${SETS:-mel mel-harmony harmony harmony-onset mel-harmony-onset key-onset mel-key-onset}"
out="$PWD/target/bench/vgmidi"
wav="$out/wav"
mkdir -p "$wav" "$out/raw"

echo "== rendering (fluidsynth $(fluidsynth --version 2>/dev/null | head -1 | awk '{print $NF}'), TimGM6mb, 16 kHz)"
python3 - "$data" "$wav" "$out" <<'PY'
import csv, os, sys
data, wav, out = sys.argv[1:]
rows = list(csv.DictReader(open(os.path.join(data, "vgmidi_continuous_labels.csv"), newline="")))
for label, col in (("valence", "v_30"), ("arousal", "a_30")):
    with open(os.path.join(out, f"labels-{label}.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "label", "game"])
        for r in rows:
            if r[col] != "":
                w.writerow([r["stem"] + ".wav", r[col], r["stem"].split("_")[2]])
with open(os.path.join(out, "stems.txt"), "w") as f:
    f.write("\n".join(r["stem"] for r in rows) + "\n")
PY
rendered=0
while IFS= read -r stem; do
    dst="$wav/$stem.wav"
    [[ -s "$dst" ]] && continue
    raw="$out/raw/render.wav"
    fluidsynth -ni -q -g 1.0 -r 16000 -T wav -F "$raw" "$sf2" "$data/midi/$stem.mid" > /dev/null
    # Downmix to mono and keep the first 30 s (stdlib only: no numpy needed).
    python3 - "$raw" "$dst.tmp" <<'PY'
import array, sys, wave
src, dst = sys.argv[1:]
with wave.open(src) as r:
    assert r.getsampwidth() == 2 and r.getframerate() == 16000, (r.getsampwidth(), r.getframerate())
    ch = r.getnchannels()
    pcm = array.array("h", r.readframes(30 * 16000))
mono = array.array("h", (sum(pcm[i:i + ch]) // ch for i in range(0, len(pcm), ch))) if ch > 1 else pcm
with wave.open(dst, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    w.writeframes(mono.tobytes())
PY
    mv "$dst.tmp" "$dst"
    rendered=$((rendered + 1))
done < "$out/stems.txt"
rm -rf "$out/raw"
echo "rendered $rendered new pieces; $(ls "$wav" | wc -l) in $wav"

# The binary cargo built, wherever the target folder is configured to be.
valence="$(cargo build --release -q -p valence-host --bin valence --message-format=json |
    python3 -c 'import json, sys
print([m["executable"] for m in map(json.loads, sys.stdin) if m.get("executable")][-1])')"
results="$out/results.tsv"
printf "label\tfeatures\tfolds\tr2\tr2_sd\trmse\trmse_sd\tpearson_r\tr_sd\tpooled_r2\tpooled_rmse\tpooled_r\n" > "$results"
for label in valence arousal; do
    for set in "${sets[@]}"; do
        for grouping in plain game; do
            # Plain folds: no group column, so every piece is its own group.
            group_flag=()
            [[ "$grouping" == game ]] && group_flag=(--group-column game)
            ds="$out/$label-$set-$grouping.vds"
            "$valence" features --data "$wav" --labels "$out/labels-$label.csv" \
                --file-column file --label-column label "${group_flag[@]}" \
                --window-frames 1792 --hop-frames 1792 --feature-set "$set" --out "$ds" \
                > "$out/$label-$set-$grouping.features.log" 2>&1 ||
                { cat "$out/$label-$set-$grouping.features.log"; exit 1; }
            run="$out/runs/$label-$set-$grouping"
            rm -rf "$run"
            mkdir -p "$out/runs"
            "$valence" train --data "$ds" --out "$run" --folds "$folds" --epochs "$epochs" \
                --hidden "$hidden" "${train_flags[@]}" > "$run.log" 2>&1 || { cat "$run.log"; exit 1; }
            python3 - "$run/report.json" "$label" "$set" "$grouping" >> "$results" <<'PY'
import json, sys
path, label, fset, grouping = sys.argv[1:]
f = json.load(open(path))["folds"]
m, s, p = f["validation"]["mean"], f["validation"]["std"], f["pooled"]
print(f"{label}\t{fset}\t{grouping}\t{m['r2']:.3f}\t{s['r2']:.3f}\t{m['rmse']:.3f}\t{s['rmse']:.3f}"
      f"\t{m['pearson_r']:.3f}\t{s['pearson_r']:.3f}\t{p['r2']:.3f}\t{p['rmse']:.3f}\t{p['pearson_r']:.3f}")
PY
        done
    done
done
column -t -s $'\t' "$results"
