#!/usr/bin/env bash
# Rebuilds models/default.vlm, the shipped default model: the full
# `valence demo` corpus and training with seed 42, the creation time fixed
# by SOURCE_DATE_EPOCH so that the same machine gives the same bytes. The
# demo folder (report, plots, run) stays in target/default-model.
#
# The shipped model reads the mel statistics only (`--feature-set mel`): the
# harmony path the demo's own default (mel + harmony + onset) needs takes
# 27 KB more RAM than the Raspberry Pi Pico example's 16 KiB budget.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SOURCE_DATE_EPOCH=1795564800   # 2026-11-25 00:00 UTC
out=target/default-model
cargo run --release -q -p valence-host -- demo --seed 42 --feature-set mel --out "$out" --force
cp "$out/model.vlm" models/default.vlm.tmp && mv models/default.vlm.tmp models/default.vlm
echo "wrote models/default.vlm ($(wc -c <models/default.vlm) bytes) from $out"
