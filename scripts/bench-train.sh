#!/usr/bin/env bash
# Training and tuning benchmarks, each side by side with its reference in the
# same run (the rows of BENCHMARKS.md, "Training and tuning"):
#
# 1. throughput of the default network at batch 64 on the CPU: candle
#    (valence-host/benches/train.rs) and PyTorch (python/bench_torch.py),
#    with the same number of threads;
# 2. the tuner on Branin and Hartmann-3, budgets 2+5 and 5+25, 20 seeds:
#    valence (valence-host/benches/tuner.rs, with random search) and
#    scikit-optimize's gp_minimize (python/bench_skopt.py);
# 3. the wall time of `valence tune` with the default budget on a
#    10,000-example synthetic dataset.
#
# The reference tools live in their own environment, .venv-bench
# (python/requirements-bench.txt; torch is large, so the test environment
# does not carry it). THREADS (default: all cores) sets the thread count.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads="${THREADS:-$(nproc)}"
venv=.venv-bench
req=python/requirements-bench.txt
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
    "$venv/bin/pip" install -q -r "$req"
    echo "$want" > "$venv/.requirements.sha256"
fi
mkdir -p target/bench
cargo build --release -p valence-host --benches --bin valence

echo "== training throughput ($threads threads)"
RAYON_NUM_THREADS="$threads" cargo bench -q -p valence-host --bench train -- 5 64
"$venv/bin/python" python/bench_torch.py --epochs 5 --batch 64 --threads "$threads"

echo "== tuner: mean best value over 20 seeds (method function budget mean std seconds/run)"
cargo bench -q -p valence-host --bench tuner -- 20
"$venv/bin/python" python/bench_skopt.py --seeds 20

echo "== valence tune, default budget, 10,000 examples"
cargo run -q --release -p valence-host --example synthetic_dataset -- target/bench/synthetic-10k.vds
rm -rf target/bench/tune-10k
start=$(date +%s.%N)
RAYON_NUM_THREADS="$threads" target/release/valence tune --data target/bench/synthetic-10k.vds \
    --out target/bench/tune-10k
end=$(date +%s.%N)
echo "valence tune wall time: $(echo "$end - $start" | bc) s"
