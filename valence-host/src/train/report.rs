//! `report.json`: what a `train` or `tune` run did and how well the float
//! model does, for people and for scripts (the keys are documented in the
//! README). Also the per-epoch record kept in checkpoints.

use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::checkpoint::write_json;
use super::config::{Architecture, TrainConfig};
use super::metrics::{mean_std, Metrics};

/// Report file name inside a run directory.
pub const REPORT_FILE: &str = "report.json";

/// One epoch's figures, all in label units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean training loss (MSE) as trained: dropout on, batch statistics.
    pub train_loss: f64,
    /// Training split in evaluation mode (dropout off, running statistics);
    /// on a fixed sample of 4,096 training examples when there are more.
    pub train: Metrics,
    /// Validation split in evaluation mode.
    pub val: Metrics,
    /// Wall time of the epoch, seconds.
    pub seconds: f64,
}

/// One training run (a fold, or the final model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Training examples (for a fold: without its early-stopping split).
    pub n_train: usize,
    /// Validation examples (for a fold: its held-out part).
    pub n_val: usize,
    /// Epoch (from 1) of the weights kept.
    pub best_epoch: usize,
    /// Epochs run.
    pub epochs_run: usize,
    /// Stopped because validation MSE stopped improving.
    pub stopped_early: bool,
    /// Validation figures of the kept weights (float model). For a fold:
    /// on its held-out part, which neither training nor early stopping saw.
    pub validation: Metrics,
    /// For a fold: figures on the split of its training part that early
    /// stopping watched (absent for the final model, where that split is
    /// `validation`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub early_stopping: Option<Metrics>,
    /// Training figures of the kept weights, evaluation mode.
    pub training: Metrics,
    /// Training throughput, examples per second.
    pub samples_per_second: f64,
    /// Wall time, seconds.
    pub seconds: f64,
    /// With `--ridge`: the penalty chosen by leave-one-out error.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ridge_alpha: Option<f64>,
    /// For a fold of `tune --nested`: the parameters tuned on its training
    /// part alone.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tuned: Option<FoldTuning>,
}

/// What nested tuning chose for one fold (`valence tune --nested`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FoldTuning {
    /// Learning rate of the best trial.
    pub lr: f64,
    /// Batch size of the best trial.
    pub batch_size: usize,
    /// Its objective: the MSE on the fold's early-stopping split.
    pub objective: f64,
}

/// Mean and sample standard deviation of each figure over folds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricsSpread {
    /// Means over folds.
    pub mean: Metrics,
    /// Sample standard deviations over folds.
    pub std: Metrics,
}

impl MetricsSpread {
    /// Over a list of per-fold figures.
    pub fn of(folds: &[Metrics]) -> MetricsSpread {
        let pick = |f: fn(&Metrics) -> f64| mean_std(&folds.iter().map(f).collect::<Vec<_>>());
        let (mse, mse_s) = pick(|m| m.mse);
        let (rmse, rmse_s) = pick(|m| m.rmse);
        let (r2, r2_s) = pick(|m| m.r2);
        let (r, r_s) = pick(|m| m.pearson_r);
        MetricsSpread {
            mean: Metrics {
                mse,
                rmse,
                r2,
                pearson_r: r,
            },
            std: Metrics {
                mse: mse_s,
                rmse: rmse_s,
                r2: r2_s,
                pearson_r: r_s,
            },
        }
    }
}

/// k-fold cross-validation results (over every repeat, with `--repeats`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldsReport {
    /// Number of folds.
    pub k: usize,
    /// Times the cross-validation ran, each with its own fold draw (1
    /// without `--repeats`; reports written before it have none).
    #[serde(default = "one")]
    pub repeats: usize,
    /// Per fold, in order (repeat after repeat); each fold's model is in
    /// `fold-NN/` (with repeats, `repeat-RR/fold-NN/`).
    pub per_fold: Vec<RunSummary>,
    /// Mean and spread of the validation figures over all folds.
    pub validation: MetricsSpread,
    /// Figures of all out-of-fold predictions pooled together (with
    /// repeats, every repeat's: each example counts once per repeat).
    pub pooled: Metrics,
    /// Each repeat's figures (empty without repeats).
    #[serde(default)]
    pub per_repeat: Vec<RepeatReport>,
}

/// One repeat of a repeated cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatReport {
    /// Seed of its fold draw, splits and networks.
    pub seed: u64,
    /// Mean and spread of its folds' validation figures.
    pub validation: MetricsSpread,
    /// Its out-of-fold predictions pooled.
    pub pooled: Metrics,
}

fn one() -> usize {
    1
}

/// The whole `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `"train"` or `"tune"`.
    pub command: String,
    /// Tool name and version.
    pub tool: String,
    /// The dataset given.
    pub data: DataInfo,
    /// `"cpu"` or `"cuda"`.
    pub device: String,
    /// Network shape (its `n_inputs` is the feature count).
    pub architecture: Architecture,
    /// Training parameters of the final model.
    pub parameters: TrainConfig,
    /// Fraction of examples held out for validation (final model).
    pub val_fraction: f64,
    /// The final model (kept in the run directory itself).
    pub final_model: RunSummary,
    /// Shortcut: the final model's validation figures (`final_model.validation`).
    pub validation: Metrics,
    /// Per-epoch figures of the final model.
    pub history: Vec<EpochRecord>,
    /// Cross-validation, with `--folds`.
    pub folds: Option<FoldsReport>,
    /// Tuning trials, for `tune`.
    pub tuning: Option<serde_json::Value>,
    /// Files of the run directory.
    pub files: Vec<String>,
    /// Wall time of the whole command, seconds.
    pub seconds: f64,
    /// The int8 export of the final model (float against int8 on the
    /// validation split), when it was exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_summary: Option<crate::export::ExportSummary>,
}

/// The dataset a run used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataInfo {
    /// Path as given.
    pub path: String,
    /// Examples.
    pub n_examples: usize,
    /// Features per example.
    pub n_features: usize,
    /// The dataset's own fingerprint (of its inputs), if any.
    pub fingerprint: String,
}

impl Report {
    /// Writes `dir/report.json` atomically.
    pub fn save(&self, dir: &Path) -> Result<()> {
        write_json(&dir.join(REPORT_FILE), self)
    }
}
