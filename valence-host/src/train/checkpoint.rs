//! The files of a run directory, every one written atomically so that an
//! interrupted run (Ctrl-C, a crash) leaves either the previous or the new
//! version of each file, never half of one.
//!
//! | file | written | holds |
//! | --- | --- | --- |
//! | `model.safetensors` | whenever validation improves | the best float weights and batch-norm statistics (names in [`super::network`]) |
//! | `model.json` | with it | [`ModelDescription`]: architecture, standardisation, feature source, parameters, best epoch, dataset and split |
//! | `checkpoint/state.safetensors` | every epoch | the latest weights and the optimiser's moments |
//! | `checkpoint/state.json` | every epoch | [`TrainState`]: epochs done, history, best epoch, what the run was started with |
//! | `report.json`, `*.png` | at the end | see [`super::report`] and [`super::plots`] |
//! | `model.vlm` | after `report.json` (features from audio, goals met) | the int8 device model, see [`crate::export`] |
//!
//! `model.safetensors` is an ordinary safetensors file (as candle's
//! `VarMap::save` writes): `candle_core::safetensors::load` or
//! `VarBuilder::from_mmaped_safetensors` read it.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use candle_core::{Device, Tensor};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::config::{Architecture, TrainConfig};
use super::metrics::Metrics;
use super::report::{DataInfo, EpochRecord};
use super::standardise::Standardisation;
use crate::atomic::write_atomically;

/// Best weights.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// Description of the best model.
pub const MODEL_FILE: &str = "model.json";
/// Folder of the resumable state.
pub const STATE_DIR: &str = "checkpoint";
/// Latest weights and optimiser moments (inside [`STATE_DIR`]).
pub const STATE_TENSORS_FILE: &str = "state.safetensors";
/// Latest training state (inside [`STATE_DIR`]).
pub const STATE_FILE: &str = "state.json";
/// Identifies [`ModelDescription`] files.
pub const MODEL_FORMAT: &str = "valence-float-mlp";

/// Everything besides the weights that export and prediction need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDescription {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// Version of this description (1).
    pub version: u32,
    /// The weights file, relative to the run directory.
    pub weights: String,
    /// Network shape, dropout and batch-norm constants.
    pub architecture: Architecture,
    /// Input and label standardisation (fitted on the training split).
    pub standardisation: Standardisation,
    /// What the features are: the dataset's feature source (front-end spec
    /// and window statistics, or a description of external features).
    pub feature_source: serde_json::Value,
    /// Training parameters.
    pub training: TrainConfig,
    /// The epoch (from 1) whose weights these are.
    pub best_epoch: usize,
    /// Validation figures of these weights (float model, label units).
    pub validation: Metrics,
    /// Training-split figures of these weights (evaluation mode).
    pub training_metrics: Metrics,
    /// The dataset and the train/validation split these weights were fitted
    /// on, so that export calibrates on the same training rows and measures
    /// on the same validation rows (absent in run directories of older
    /// versions and in cross-validation folds).
    #[serde(default)]
    pub split: Option<SplitRecord>,
}

/// How a run's final model split its dataset: the rows are
/// `data::split::train_val_split(data.n_examples, val_fraction, seed, groups)`
/// with the dataset's own groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitRecord {
    /// The dataset file (path as given to `train`/`tune`), its size and
    /// fingerprint.
    pub data: DataInfo,
    /// Fraction held out for validation.
    pub val_fraction: f64,
    /// Seed of the split.
    pub seed: u64,
}

/// The resumable state of a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Epochs completed.
    pub epochs_done: usize,
    /// Optimiser steps taken.
    pub steps: u64,
    /// Per-epoch figures so far.
    pub history: Vec<EpochRecord>,
    /// Best epoch so far (from 1; 0 before the first).
    pub best_epoch: usize,
    /// Its validation MSE.
    pub best_val_mse: f64,
    /// Epochs in the weight average so far (`TrainConfig::swa_epochs`;
    /// their sums are in the state tensors).
    #[serde(default)]
    pub averaged_epochs: usize,
    /// Training has ended (early stop or last epoch).
    pub finished: bool,
    /// The parameters the run was started with.
    pub training: TrainConfig,
    /// The architecture it was started with.
    pub architecture: Architecture,
    /// Fingerprint of the data and split (a resumed run must use the same).
    pub data_fingerprint: String,
}

/// Writes named tensors as a safetensors file, atomically.
pub fn save_tensors(path: &Path, tensors: &HashMap<String, Tensor>) -> Result<()> {
    crate::atomic::write_atomically_to_path(path, |tmp| {
        candle_core::safetensors::save(tensors, tmp)
            .with_context(|| format!("cannot write {}", path.display()))
    })
}

/// Reads a safetensors file onto `device`.
pub fn load_tensors(path: &Path, device: &Device) -> Result<HashMap<String, Tensor>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    candle_core::safetensors::load_buffer(&bytes, device)
        .with_context(|| format!("{} is not a valid safetensors file", path.display()))
}

/// Writes a value as pretty JSON, atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    write_atomically(path, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(())
    })
}

/// Reads a JSON file.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not what valence wrote", path.display()))
}
