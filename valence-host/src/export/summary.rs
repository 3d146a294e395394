//! The export summary: what `valence export`, `train` and `tune` print and
//! `report.json` records — float and int8 validation figures, the goals,
//! and what the device model costs.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::calibrate::RangeRule;
use super::evaluate::{Comparison, ExampleDiff, MAX_DIFF_P99_FRACTION, MAX_MSE_RATIO};

/// What an export measured and produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportSummary {
    /// Training rows the activation ranges were calibrated on.
    pub n_train: usize,
    /// Validation rows the figures are measured on.
    pub n_val: usize,
    /// How the activation ranges were chosen.
    pub calibration: RangeRule,
    /// The label's name.
    pub label_name: String,
    /// The label range (the percentages refer to it) and where it came from.
    pub label_range: (f64, f64),
    /// `"given"` or `"training labels"`.
    pub label_range_source: String,
    /// Validation MSE of the float model (candle).
    pub val_mse_float: f64,
    /// Validation MSE of the int8 model (valence-core).
    pub val_mse_int8: f64,
    /// `val_mse_int8 / val_mse_float`.
    pub mse_ratio: f64,
    /// 99th percentile of `|int8 − float|` over the validation rows, label units.
    pub diff_p99: f64,
    /// `diff_p99` as % of the label range.
    pub diff_p99_pct: f64,
    /// Largest `|int8 − float|`, label units.
    pub diff_max: f64,
    /// `diff_max` as % of the label range.
    pub diff_max_pct: f64,
    /// Multiply-accumulates per inference.
    pub macs: usize,
    /// Size of the model file (`None` when no device model can be made).
    pub bytes: Option<usize>,
    /// Bytes of the quantised weights, biases and requantisation parameters.
    pub network_bytes: usize,
    /// int8 MSE ≤ 1.02 × float MSE.
    pub mse_goal_met: bool,
    /// p99 `|int8 − float|` ≤ 1 % of the label range.
    pub diff_goal_met: bool,
    /// Why no device model was written, if none was.
    pub no_device_model: Option<String>,
    /// The validation examples with the largest differences.
    pub worst: Vec<ExampleDiff>,
}

impl ExportSummary {
    /// Builds the summary from the validation comparison.
    pub fn new(c: &Comparison, n_train: usize, calibration: RangeRule) -> ExportSummary {
        ExportSummary {
            n_train,
            n_val: c.n,
            calibration,
            label_name: String::new(),
            label_range: c.label_range,
            label_range_source: String::new(),
            val_mse_float: c.mse_float,
            val_mse_int8: c.mse_int8,
            mse_ratio: c.mse_ratio,
            diff_p99: c.diff_p99,
            diff_p99_pct: c.diff_p99_pct,
            diff_max: c.diff_max,
            diff_max_pct: c.diff_max_pct,
            macs: 0,
            bytes: None,
            network_bytes: 0,
            mse_goal_met: c.mse_goal_met,
            diff_goal_met: c.diff_goal_met,
            no_device_model: None,
            worst: c.worst.clone(),
        }
    }

    /// Both quality goals are met.
    pub fn passes(&self) -> bool {
        self.mse_goal_met && self.diff_goal_met
    }
}

impl fmt::Display for ExportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = |ok: bool| if ok { "met" } else { "FAILED" };
        writeln!(
            f,
            "int8 export: activation ranges by {} on {} training rows; figures on {} validation rows",
            self.calibration, self.n_train, self.n_val
        )?;
        writeln!(
            f,
            "  validation MSE: float {:.6}  int8 {:.6}  ratio {:.4}",
            self.val_mse_float, self.val_mse_int8, self.mse_ratio
        )?;
        writeln!(
            f,
            "  |int8 − float|: p99 {:.5} ({:.3}% of the range)  max {:.5} ({:.3}%)",
            self.diff_p99, self.diff_p99_pct, self.diff_max, self.diff_max_pct
        )?;
        writeln!(
            f,
            "  label `{}`, range {} to {} ({})",
            self.label_name,
            self.label_range.0 as f32,
            self.label_range.1 as f32,
            self.label_range_source
        )?;
        writeln!(
            f,
            "  goal int8 MSE ≤ {MAX_MSE_RATIO}× float: {}",
            mark(self.mse_goal_met)
        )?;
        writeln!(
            f,
            "  goal p99 |int8 − float| ≤ {}% of the label range: {}",
            100.0 * MAX_DIFF_P99_FRACTION,
            mark(self.diff_goal_met)
        )?;
        match (self.bytes, &self.no_device_model) {
            (Some(b), _) => writeln!(
                f,
                "  device model: {b} bytes ({} of network parameters), {} MACs per inference",
                self.network_bytes, self.macs
            ),
            (None, why) => writeln!(
                f,
                "  no device model: {}  ({} bytes of network parameters, {} MACs per inference)",
                why.as_deref().unwrap_or("not written"),
                self.network_bytes,
                self.macs
            ),
        }
    }
}
