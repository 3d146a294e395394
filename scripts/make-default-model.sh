#!/usr/bin/env bash
# Rebuilds the shipped models: the full `valence demo` corpus and training
# with seed 42, the creation time fixed by SOURCE_DATE_EPOCH so that the
# same machine gives the same bytes. The demo folders (report, plots, run)
# stay in target/default-model and target/mel-model.
#
# - models/default.vlm: the demo's default feature set, mel-key-onset (log-mel,
#   harmony from the key's tonic, onset statistics); a device needs the
#   harmony path (valence-core's `harmony` feature, as mps2-an386 has).
# - models/mel.vlm: `--feature-set mel`, the log-mel statistics only, for
#   devices without the harmony path: the Raspberry Pi Pico example embeds it
#   (the harmony path takes 27 KB more RAM than its 16 KiB budget).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SOURCE_DATE_EPOCH=1795564800   # 2026-11-25 00:00 UTC
for spec in "default mel-key-onset" "mel mel"; do
    read -r name set <<< "$spec"
    out="target/$name-model"
    cargo run --release -q -p valence-host -- demo --seed 42 --feature-set "$set" --out "$out" --force
    cp "$out/model.vlm" "models/$name.vlm.tmp" && mv "models/$name.vlm.tmp" "models/$name.vlm"
    echo "wrote models/$name.vlm ($(wc -c <"models/$name.vlm") bytes) from $out"
done
