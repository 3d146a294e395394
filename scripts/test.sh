#!/usr/bin/env bash
# Runs every test of the workspace. Sets up the Python environment with
# librosa first (the oracle of the front-end tests; quick when it is already
# there), then runs the Rust test suite in release mode and shows the error
# tables the oracle tests print.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup-python.sh
cargo test --workspace --release -- --show-output
# The workspace builds valence-core with its `harmony` feature (the host
# needs it); the sensor's refusal of harmony models without it is tested on
# the core alone.
cargo test --release -p valence-core --test sensor -- --show-output
