//! The network's shape and the training parameters: what `train` and `tune`
//! read from their flags and what the run directory records.

use anyhow::{ensure, Result};
use serde::{Deserialize, Serialize};

/// The MLP's shape: `n_inputs → hidden[0] → … → hidden[k-1] → 1`, each hidden
/// layer being dense → batch norm → ReLU → dropout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    /// Features per example.
    pub n_inputs: usize,
    /// Widths of the hidden layers.
    pub hidden: Vec<usize>,
    /// Dropout rate after each hidden layer (training only).
    pub dropout: f64,
    /// Batch normalisation epsilon (added to the variance).
    pub bn_eps: f64,
    /// Weight of a new batch in the running statistics (candle's convention:
    /// Keras `momentum = 0.99` is `0.01` here; PyTorch's default is `0.1`).
    pub bn_momentum: f64,
}

impl Architecture {
    /// The default network of the original project (256, 128, 64) for
    /// `n_inputs` features.
    pub fn default_for(n_inputs: usize) -> Architecture {
        Architecture {
            n_inputs,
            hidden: vec![256, 128, 64],
            dropout: 0.2,
            bn_eps: 1e-3,
            bn_momentum: 0.1,
        }
    }

    /// Checks that the shape makes sense.
    pub fn validate(&self) -> Result<()> {
        ensure!(self.n_inputs > 0, "the network needs at least one input");
        ensure!(
            self.hidden.iter().all(|&h| h > 0),
            "hidden layer widths must be positive (got {:?})",
            self.hidden
        );
        ensure!(
            (0.0..1.0).contains(&self.dropout),
            "the dropout rate must be in [0, 1) (got {})",
            self.dropout
        );
        ensure!(
            self.bn_eps > 0.0,
            "batch-norm epsilon must be positive (got {})",
            self.bn_eps
        );
        ensure!(
            self.bn_momentum > 0.0 && self.bn_momentum <= 1.0,
            "batch-norm momentum must be in (0, 1] (got {})",
            self.bn_momentum
        );
        Ok(())
    }

    /// Trainable parameters (weights, biases, batch-norm scales and shifts).
    pub fn n_parameters(&self) -> usize {
        let mut n = 0;
        let mut width = self.n_inputs;
        for &h in &self.hidden {
            n += width * h + h + 2 * h;
            width = h;
        }
        n + width + 1
    }
}

/// How to train.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// AdamW learning rate.
    pub lr: f64,
    /// Examples per mini-batch.
    pub batch_size: usize,
    /// Most epochs.
    pub epochs: usize,
    /// Stop after this many epochs without a better validation MSE
    /// (0: never stop early).
    pub patience: usize,
    /// Decoupled weight decay (AdamW) of the dense weights; biases and
    /// batch-norm parameters are not decayed.
    pub weight_decay: f64,
    /// Clip standardised inputs to `±clip` (0: no clipping); tames outliers
    /// in heavy-tailed features.
    pub clip: f64,
    /// Standard deviation of Gaussian noise added to the standardised
    /// inputs of each training batch (0: none); a regulariser for small
    /// datasets.
    #[serde(default)]
    pub input_noise: f64,
    /// Decay of an exponential moving average of the weights, updated
    /// after every step (0: off). When on, the averaged weights are the
    /// ones evaluated, early-stopped and kept.
    #[serde(default)]
    pub ema: f64,
    /// Stochastic weight averaging over the last `swa_epochs` epochs (0:
    /// off): the weights kept are the mean of the weights at the end of
    /// each of those epochs, with the batch-norm statistics recomputed for
    /// them on the training split (see [`super::swa`]). Training then runs
    /// all `epochs`: averaging replaces early stopping, so `patience` must
    /// be 0 and the validation split only measures.
    #[serde(default)]
    pub swa_epochs: usize,
    /// Fit a network without hidden layers in closed form by ridge
    /// regression, its penalty chosen by leave-one-out error on the
    /// training split (whole groups left out, [`super::ridge`]), instead of
    /// by gradient steps: the
    /// learning rate, batch size, epochs and the other gradient settings do
    /// not apply (the input clip does).
    #[serde(default)]
    pub ridge: bool,
    /// Seed of every random choice (initialisation, shuffling, dropout).
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            lr: 1e-3,
            batch_size: 64,
            epochs: 200,
            patience: 20,
            weight_decay: 1e-2,
            clip: 5.0,
            input_noise: 0.0,
            ema: 0.0,
            swa_epochs: 0,
            ridge: false,
            seed: 42,
        }
    }
}

impl TrainConfig {
    /// The same parameters for a shorter (or longer) run of `epochs`
    /// epochs, the weight-averaging window scaled with it (at least one
    /// epoch when averaging is on): what a bounded tuning trial trains with.
    pub fn with_epochs(&self, epochs: usize) -> TrainConfig {
        let swa_epochs = if self.swa_epochs == 0 || self.epochs == 0 {
            0
        } else {
            (self.swa_epochs * epochs)
                .div_ceil(self.epochs)
                .clamp(1, epochs.max(1))
        };
        TrainConfig {
            epochs,
            swa_epochs,
            ..self.clone()
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        ensure!(
            self.lr > 0.0 && self.lr.is_finite(),
            "the learning rate must be positive (got {})",
            self.lr
        );
        ensure!(
            self.batch_size >= 2,
            "the batch size must be at least 2 for batch normalisation (got {})",
            self.batch_size
        );
        ensure!(self.epochs > 0, "--epochs must be at least 1");
        ensure!(
            self.weight_decay >= 0.0,
            "weight decay must not be negative (got {})",
            self.weight_decay
        );
        ensure!(
            self.input_noise >= 0.0 && self.input_noise.is_finite(),
            "the input noise must not be negative (got {})",
            self.input_noise
        );
        ensure!(
            (0.0..1.0).contains(&self.ema),
            "the weight-average decay must be in [0, 1) (got {})",
            self.ema
        );
        if self.swa_epochs > 0 {
            ensure!(
                self.swa_epochs <= self.epochs,
                "the weight-averaging window (--swa-epochs {}) is longer than the training (--epochs {})",
                self.swa_epochs,
                self.epochs
            );
            ensure!(
                self.patience == 0,
                "weight averaging (--swa-epochs) and early stopping (--patience {}) exclude each other: \
                 averaging keeps the mean of the last epochs, so training runs all --epochs; drop --patience",
                self.patience
            );
            ensure!(
                self.ema == 0.0,
                "weight averaging (--swa-epochs) and a moving average of the weights (--ema) exclude each other; choose one"
            );
        }
        ensure!(
            self.clip >= 0.0,
            "the input clip must not be negative (got {})",
            self.clip
        );
        Ok(())
    }
}
