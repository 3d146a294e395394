//! Float against int8: the figures of the quality goals, computed from the
//! two predictions of every example and its label.
//!
//! - MSE of each model against the labels and their ratio (goal: the int8
//!   MSE at most [`MAX_MSE_RATIO`] × the float MSE);
//! - `|int8 − float|`: mean, 99th percentile (numpy's linear
//!   interpolation) and maximum, in label units and as a percentage of the
//!   label range (goal: the 99th percentile at most
//!   [`MAX_DIFF_P99_FRACTION`] of the range);
//! - the examples with the largest differences.

use serde::{Deserialize, Serialize};

use super::calibrate::percentile;

/// Largest allowed int8 MSE / float MSE.
pub const MAX_MSE_RATIO: f64 = 1.02;
/// Largest allowed 99th percentile of `|int8 − float|`, as a fraction of
/// the label range.
pub const MAX_DIFF_P99_FRACTION: f64 = 0.01;

/// One example's predictions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExampleDiff {
    /// Row in the dataset.
    pub row: usize,
    /// The label.
    pub label: f64,
    /// Float prediction.
    pub float: f64,
    /// int8 prediction.
    pub int8: f64,
}

impl ExampleDiff {
    /// `|int8 − float|`.
    pub fn diff(&self) -> f64 {
        (self.int8 - self.float).abs()
    }
}

/// The comparison of float and int8 predictions over a set of examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Examples compared.
    pub n: usize,
    /// MSE of the float model against the labels.
    pub mse_float: f64,
    /// MSE of the int8 model against the labels.
    pub mse_int8: f64,
    /// `mse_int8 / mse_float` (1 when both are 0).
    pub mse_ratio: f64,
    /// Mean `|int8 − float|`, label units.
    pub diff_mean: f64,
    /// 99th percentile of `|int8 − float|`, label units.
    pub diff_p99: f64,
    /// Largest `|int8 − float|`, label units.
    pub diff_max: f64,
    /// The label range the percentages refer to.
    pub label_range: (f64, f64),
    /// `diff_p99` as % of the label range.
    pub diff_p99_pct: f64,
    /// `diff_max` as % of the label range.
    pub diff_max_pct: f64,
    /// The int8 MSE is within [`MAX_MSE_RATIO`] of the float MSE.
    pub mse_goal_met: bool,
    /// The 99th percentile difference is within [`MAX_DIFF_P99_FRACTION`] of the range.
    pub diff_goal_met: bool,
    /// The examples with the largest differences, largest first.
    pub worst: Vec<ExampleDiff>,
}

impl Comparison {
    /// Compares `float` and `int8` predictions of the examples `rows` with
    /// their `labels` (all in the same order), keeping the `n_worst` worst.
    pub fn of(
        rows: &[usize],
        labels: &[f64],
        float: &[f64],
        int8: &[f64],
        label_range: (f64, f64),
        n_worst: usize,
    ) -> Comparison {
        let n = rows
            .len()
            .min(labels.len())
            .min(float.len())
            .min(int8.len());
        let mse = |pred: &[f64]| {
            pred.iter()
                .zip(labels)
                .take(n)
                .map(|(p, y)| (p - y) * (p - y))
                .sum::<f64>()
                / n.max(1) as f64
        };
        let (mse_float, mse_int8) = (mse(float), mse(int8));
        let mse_ratio = if mse_float > 0.0 {
            mse_int8 / mse_float
        } else if mse_int8 == 0.0 {
            1.0
        } else {
            f64::INFINITY
        };
        let mut examples: Vec<ExampleDiff> = (0..n)
            .map(|i| ExampleDiff {
                row: rows[i],
                label: labels[i],
                float: float[i],
                int8: int8[i],
            })
            .collect();
        let mut diffs: Vec<f64> = examples.iter().map(ExampleDiff::diff).collect();
        let diff_mean = diffs.iter().sum::<f64>() / n.max(1) as f64;
        let diff_max = diffs.iter().copied().fold(0.0, f64::max);
        let diff_p99 = percentile(&mut diffs, 99.0);
        let span = label_range.1 - label_range.0;
        let pct = |v: f64| {
            if span > 0.0 {
                100.0 * v / span
            } else {
                f64::INFINITY
            }
        };
        examples.sort_by(|a, b| b.diff().total_cmp(&a.diff()).then(a.row.cmp(&b.row)));
        examples.truncate(n_worst);
        Comparison {
            n,
            mse_float,
            mse_int8,
            mse_ratio,
            diff_mean,
            diff_p99,
            diff_max,
            label_range,
            diff_p99_pct: pct(diff_p99),
            diff_max_pct: pct(diff_max),
            mse_goal_met: mse_ratio <= MAX_MSE_RATIO,
            diff_goal_met: diff_p99 <= MAX_DIFF_P99_FRACTION * span,
            worst: examples,
        }
    }

    /// Both goals are met.
    pub fn passes(&self) -> bool {
        self.mse_goal_met && self.diff_goal_met
    }

    /// The goal lines, for summaries.
    pub fn goal_lines(&self) -> String {
        let mark = |ok: bool| if ok { "met" } else { "FAILED" };
        format!(
            "goal int8 MSE ≤ {MAX_MSE_RATIO}× float: {} ({:.4}×)\n\
             goal p99 |int8 − float| ≤ {}% of the label range: {} ({:.3}%)\n",
            mark(self.mse_goal_met),
            self.mse_ratio,
            100.0 * MAX_DIFF_P99_FRACTION,
            mark(self.diff_goal_met),
            self.diff_p99_pct
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_by_hand() {
        // Labels 0,0,0,0; float 1,1,1,1 (MSE 1); int8 1,1,1,1.2 (MSE 1.11).
        let rows = [10, 11, 12, 13];
        let c = Comparison::of(
            &rows,
            &[0.0; 4],
            &[1.0; 4],
            &[1.0, 1.0, 1.0, 1.2],
            (0.0, 10.0),
            2,
        );
        assert!((c.mse_int8 - 1.11).abs() < 1e-12);
        assert!((c.mse_ratio - 1.11).abs() < 1e-12);
        assert!((c.diff_max - 0.2).abs() < 1e-12);
        // numpy.percentile([0, 0, 0, 0.2], 99) = 0.194
        assert!((c.diff_p99 - 0.194).abs() < 1e-12);
        assert!((c.diff_p99_pct - 1.94).abs() < 1e-9);
        assert!(!c.mse_goal_met && !c.diff_goal_met);
        assert_eq!(c.worst[0].row, 13);
        assert_eq!(c.worst.len(), 2);
    }
}
