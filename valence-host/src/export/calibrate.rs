//! Activation ranges for int8 quantisation, calibrated on the training
//! split: the float network (folded, [`super::fold`]) runs over every
//! training row and each per-tensor range is taken from what it sees — the
//! standardised input vector as one tensor, and each hidden layer's ReLU
//! output as one tensor.
//!
//! The input is the exception when the run clips its standardised inputs
//! (`clip > 0`, the default): its range is then `±clip`, exactly what the
//! float network can see. Calibrating it on the training rows instead
//! saturates new data: on the emoMusic windows the training rows reach
//! −3.5 while validation clips reach the clip at −5, and the int8 model
//! missed both goals by far (p99 |int8 − float| 8 % of the label range).
//!
//! Two rules ([`RangeRule`]):
//!
//! - [`RangeRule::MinMax`]: the smallest and largest value seen. Nothing the
//!   training data produces is clipped, at the price of resolution when a
//!   few values are far out.
//! - [`RangeRule::Percentile`]: the [`PERCENTILE_LOW`] and
//!   [`PERCENTILE_HIGH`] percentiles of all values of the tensor, so a
//!   handful of outliers do not stretch the scale; those outliers saturate.
//!
//! Either way the range found is then widened by [`HEADROOM`]: new data
//! drives the hidden layers further than the training rows did (on the
//! emoMusic windows the validation clips reach 6.5 where the training rows
//! stop at 5.5 in the first hidden layer), and saturating those values
//! cost more (p99 |int8 − float| 2.7 % of the label range) than the
//! coarser steps of a wider range (0.6 %).
//!
//! A range always contains 0 (zero must be exact: it is the ReLU
//! floor and the padding value), and ReLU outputs start at 0. Which rule is
//! the default is measured on real data (BENCHMARKS.md, "Quantisation").

use std::fmt;

use anyhow::{ensure, Result};
use serde::{Deserialize, Serialize};

use super::fold::FoldedNetwork;

/// Factor by which calibrated ranges are widened (see the module doc).
pub const HEADROOM: f64 = 1.25;

/// Lower percentile of [`RangeRule::Percentile`].
pub const PERCENTILE_LOW: f64 = 0.01;
/// Upper percentile of [`RangeRule::Percentile`].
pub const PERCENTILE_HIGH: f64 = 99.99;

/// How an activation range is chosen from the calibration values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RangeRule {
    /// Smallest to largest value seen.
    #[value(name = "minmax")]
    MinMax,
    /// The 0.01th to the 99.99th percentile.
    Percentile,
}

impl fmt::Display for RangeRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RangeRule::MinMax => f.write_str("min/max"),
            RangeRule::Percentile => write!(f, "percentiles {PERCENTILE_LOW}–{PERCENTILE_HIGH}"),
        }
    }
}

/// A real interval `[lo, hi]` with `lo ≤ 0 ≤ hi`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// The calibrated ranges of every quantised tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranges {
    /// The standardised input vector.
    pub input: Range,
    /// Each hidden layer's ReLU output (`lo` is 0).
    pub hidden: Vec<Range>,
}

/// The `p`-th percentile (0–100) of `values` (reordered), linear
/// interpolation between closest ranks, as numpy's default.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let pos = (p / 100.0).clamp(0.0, 1.0) * (values.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let frac = pos - lo as f64;
    let (_, &mut a, rest) = values.select_nth_unstable_by(lo, f64::total_cmp);
    if frac == 0.0 || rest.is_empty() {
        return a;
    }
    let b = rest.iter().copied().fold(f64::INFINITY, f64::min);
    a + frac * (b - a)
}

fn range_of(values: &mut [f64], rule: RangeRule) -> Range {
    let (lo, hi) = match rule {
        RangeRule::MinMax => values
            .iter()
            .fold((0.0f64, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v))),
        RangeRule::Percentile => (
            percentile(values, PERCENTILE_LOW),
            percentile(values, PERCENTILE_HIGH),
        ),
    };
    Range {
        lo: HEADROOM * lo.min(0.0),
        hi: HEADROOM * hi.max(0.0),
    }
}

/// Runs `net` over the standardised training rows `z` (row-major,
/// `net.n_inputs()` values each) and returns the ranges `rule` gives; the
/// input's range is `±clip` when `clip > 0`.
pub fn calibrate(net: &FoldedNetwork, z: &[f64], clip: f64, rule: RangeRule) -> Result<Ranges> {
    let d = net.n_inputs();
    ensure!(
        d > 0 && !z.is_empty() && z.len().is_multiple_of(d),
        "calibration needs at least one training row of {d} features"
    );
    let n_hidden = net.layers.len() - 1;
    let mut hidden_values: Vec<Vec<f64>> = vec![Vec::new(); n_hidden];
    for row in z.chunks_exact(d) {
        let (_, hidden) = net.forward_traced(row);
        for (store, h) in hidden_values.iter_mut().zip(hidden) {
            store.extend(h);
        }
    }
    let input = if clip > 0.0 {
        Range {
            lo: -clip,
            hi: clip,
        }
    } else {
        range_of(&mut z.to_vec(), rule)
    };
    Ok(Ranges {
        input,
        hidden: hidden_values
            .iter_mut()
            .map(|v| range_of(v, rule))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_match_numpy() {
        // numpy.percentile([3, 1, 4, 1, 5], [0, 25, 50, 90, 100])
        let v = [3.0, 1.0, 4.0, 1.0, 5.0];
        for (p, want) in [
            (0.0, 1.0),
            (25.0, 1.0),
            (50.0, 3.0),
            (90.0, 4.6),
            (100.0, 5.0),
        ] {
            let got = percentile(&mut v.clone(), p);
            assert!((got - want).abs() < 1e-12, "{p}: {got}");
        }
    }

    #[test]
    fn ranges_contain_zero() {
        let mut v = vec![1.0, 2.0, 3.0];
        let r = range_of(&mut v, RangeRule::MinMax);
        assert_eq!((r.lo, r.hi), (0.0, 3.0 * HEADROOM));
        let mut v = vec![-3.0, -1.0];
        let r = range_of(&mut v, RangeRule::MinMax);
        assert_eq!((r.lo, r.hi), (-3.0 * HEADROOM, 0.0));
    }
}
