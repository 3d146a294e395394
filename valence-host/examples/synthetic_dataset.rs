//! Writes a synthetic dataset file for benchmarks: standard-normal features
//! and a label with a known relationship to them (the one the training
//! tests use, `tests/train_support`), 1 % label noise, seed 11. The
//! `valence tune` wall time of `scripts/bench-train.sh` is measured on
//! 10,000 examples of 108 features written by it.
//!
//! ```sh
//! cargo run --release -p valence-host --example synthetic_dataset -- OUT.vds [EXAMPLES] [FEATURES]
//! ```

#[path = "../tests/train_support/mod.rs"]
mod train_support;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

/// Examples and features when not given: the benchmark's dataset.
const DEFAULT_SHAPE: (usize, usize) = (10_000, 108);

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first().map(PathBuf::from) else {
        bail!("usage: synthetic_dataset OUT.vds [EXAMPLES] [FEATURES] (default 10000 × 108)");
    };
    let count = |i: usize, what: &str, default: usize| -> Result<usize> {
        args.get(i).map_or(Ok(default), |a| {
            a.parse()
                .with_context(|| format!("{what} `{a}` is not a whole number"))
        })
    };
    let n = count(1, "EXAMPLES", DEFAULT_SHAPE.0)?;
    let d = count(2, "FEATURES", DEFAULT_SHAPE.1)?;
    if n < 2 || d < 5 {
        bail!("the label depends on the first 5 features: give at least 2 examples and 5 features (got {n} × {d})");
    }
    let (x, y) = train_support::synthetic(n, d, 0.01, 11);
    train_support::dataset(x, y, d, "synthetic")
        .save(&out)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote {}: {n} examples × {d} features", out.display());
    Ok(())
}
