//! Training: from feature vectors and labels to a float network on disk.
//!
//! Modules, in data-flow order:
//!
//! - [`config`]: the architecture and the training parameters.
//! - [`standardise`]: input (and label) standardisation fitted on the
//!   training split only.
//! - [`rng`]: the seeded random streams (weight initialisation, shuffling,
//!   dropout masks) that make a CPU run reproducible.
//! - [`batches`]: shuffled mini-batches without a trailing batch too small
//!   for batch normalisation.
//! - [`network`]: the MLP (dense → batch norm → ReLU → dropout per hidden
//!   layer, linear output) on candle.
//! - [`adamw`]: AdamW whose state can be saved and resumed.
//! - [`device`]: `--device cpu|cuda`.
//! - [`metrics`]: MSE, RMSE, R², Pearson r.
//! - [`swa`]: stochastic weight averaging over the last epochs, the
//!   alternative to early stopping for small datasets.
//! - [`fit`]: the training loop with early stopping (or weight averaging)
//!   and checkpoints.
//! - [`ridge`]: the closed-form fit of a network without hidden layers
//!   (ridge regression, penalty by leave-one-out error) for small datasets.
//! - [`checkpoint`]: the run directory's files (weights, model description,
//!   resumable state), written atomically.
//! - [`report`]: the run report, `report.json`.
//! - [`plots`]: PNG plots of loss curves, predictions and tuning trials.
//! - [`cv`]: one training run or k-fold cross-validation over a dataset.

pub mod adamw;
pub mod batches;
pub mod checkpoint;
pub mod config;
pub mod cv;
pub mod device;
pub mod fit;
pub mod metrics;
pub mod network;
pub mod plots;
pub mod report;
pub mod ridge;
pub mod rng;
pub mod standardise;
pub mod swa;

pub use config::{Architecture, TrainConfig};
pub use fit::{fit, Examples, FitOptions, FitOutcome};
