//! The training loop: standardise on the training split, then epochs of
//! shuffled mini-batches (MSE loss, AdamW), each followed by an
//! evaluation-mode pass over both splits; early stopping on validation MSE
//! restores the best epoch's weights. With weight averaging
//! (`TrainConfig::swa_epochs`) every epoch runs instead and the network
//! kept is the mean of the last epochs' weights (see [`super::swa`]). With a
//! run directory, the best model (with averaging: the latest) is saved
//! whenever validation improves and the resumable state after every epoch,
//! so an interrupted run loses at most the epoch in progress.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use candle_core::{Device, Tensor};

use super::adamw::AdamW;
use super::batches::batches;
use super::checkpoint::{
    load_tensors, read_json, save_tensors, write_json, ModelDescription, SplitRecord, TrainState,
    MODEL_FILE, MODEL_FORMAT, STATE_DIR, STATE_FILE, STATE_TENSORS_FILE, WEIGHTS_FILE,
};
use super::config::{Architecture, TrainConfig};
use super::metrics::Metrics;
use super::network::Mlp;
use super::report::EpochRecord;
use super::rng::{normal, permutation, stream, Stream};
use super::standardise::Standardisation;
use super::swa::{in_window, WeightAverage};

/// Training data in memory: a row-major feature matrix and its labels.
#[derive(Debug, Clone, Copy)]
pub struct Examples<'a> {
    /// `n × n_features` values, row-major.
    pub features: &'a [f32],
    /// One label per row.
    pub labels: &'a [f32],
    /// Values per row.
    pub n_features: usize,
}

impl Examples<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// A fingerprint of the rows `train` and `val` (to check a resumed run).
    pub fn fingerprint(&self, train: &[usize], val: &[usize]) -> String {
        let mut h = blake3::Hasher::new();
        h.update(&(self.n_features as u64).to_le_bytes());
        for (tag, rows) in [(0u8, train), (1u8, val)] {
            h.update(&[tag]);
            for &r in rows {
                h.update(&(r as u64).to_le_bytes());
                h.update(&self.labels[r].to_le_bytes());
                for v in &self.features[r * self.n_features..][..self.n_features] {
                    h.update(&v.to_le_bytes());
                }
            }
        }
        h.finalize().to_hex()[..16].to_string()
    }
}

/// How to run a fit besides the parameters.
#[derive(Debug, Clone, Default)]
pub struct FitOptions<'a> {
    /// Where to train.
    pub device: Option<Device>,
    /// Run directory for checkpoints (none: keep everything in memory).
    pub run_dir: Option<PathBuf>,
    /// Continue the run in `run_dir` instead of starting afresh.
    pub resume: bool,
    /// Set (by a Ctrl-C handler) to stop after the current batch.
    pub stop: Option<&'a AtomicBool>,
    /// Print one line per epoch to stderr.
    pub verbose: bool,
    /// The dataset's feature source, recorded in `model.json`.
    pub feature_source: serde_json::Value,
    /// The dataset and split, recorded in `model.json` (for export).
    pub split: Option<SplitRecord>,
    /// One group per row of the data (the clip a window comes from): with
    /// [`TrainConfig::ridge`], the penalty is chosen by leaving whole groups
    /// of the training rows out.
    pub groups: Option<&'a [String]>,
}

/// What a fit produced.
pub struct FitOutcome {
    /// The network with the best epoch's weights.
    pub model: Mlp,
    /// The standardisation it expects.
    pub standardisation: Standardisation,
    /// Per-epoch figures.
    pub history: Vec<EpochRecord>,
    /// The epoch (from 1) of the weights kept (with weight averaging: the
    /// last epoch of the window).
    pub best_epoch: usize,
    /// Validation figures of the kept weights.
    pub validation: Metrics,
    /// Training-split figures of the kept weights (evaluation mode).
    pub training: Metrics,
    /// Validation predictions of the kept weights (label units), in the
    /// order of the validation rows.
    pub val_predictions: Vec<f32>,
    /// The validation labels, same order.
    pub val_labels: Vec<f32>,
    /// Training stopped before the last epoch because validation stopped improving.
    pub stopped_early: bool,
    /// Wall time of the epochs run in this call, in seconds.
    pub seconds: f64,
    /// Training examples processed per second in this call (training passes only).
    pub samples_per_second: f64,
    /// With [`TrainConfig::ridge`]: the penalty chosen.
    pub ridge_alpha: Option<f64>,
}

/// Most training rows evaluated after each epoch (see [`fit`]).
pub const TRAIN_PROBE: usize = 4096;

struct Split {
    x: Tensor,
    y: Vec<f32>,
}

fn split_tensors(
    data: &Examples,
    st: &Standardisation,
    rows: &[usize],
    device: &Device,
) -> Result<Split> {
    let x = Tensor::from_vec(
        st.inputs(data.features, rows),
        (rows.len(), data.n_features),
        device,
    )?;
    Ok(Split {
        x,
        y: rows.iter().map(|&r| data.labels[r]).collect(),
    })
}

fn evaluate(model: &Mlp, st: &Standardisation, split: &Split) -> Result<(Metrics, Vec<f32>)> {
    let pred = st.unscale(&model.predict(&split.x)?);
    Ok((Metrics::of(&pred, &split.y), pred))
}

/// Trains a network of shape `arch` (its `n_inputs` is taken from the data)
/// on rows `train`, early-stopping on rows `val`.
pub fn fit(
    data: &Examples,
    train: &[usize],
    val: &[usize],
    arch: &Architecture,
    cfg: &TrainConfig,
    opts: &FitOptions,
) -> Result<FitOutcome> {
    cfg.validate()?;
    let arch = Architecture {
        n_inputs: data.n_features,
        ..arch.clone()
    };
    arch.validate()?;
    ensure!(
        data.features.len() == data.len() * data.n_features,
        "{} feature values for {} examples of {} features",
        data.features.len(),
        data.len(),
        data.n_features
    );
    ensure!(
        train.len() >= 2,
        "the training split has {} examples; at least 2 are needed",
        train.len()
    );
    ensure!(
        !val.is_empty(),
        "the validation split is empty; early stopping needs one (raise --val-fraction)"
    );
    let device = opts.device.clone().unwrap_or(Device::Cpu);
    let st = Standardisation::fit(data.features, data.labels, data.n_features, train, cfg.clip);
    if cfg.ridge {
        return fit_ridge_model(data, (train, val), &arch, cfg, &st, &device, opts);
    }
    let model = Mlp::new(&arch, cfg.seed, &device)?;
    let mut adam = AdamW::new(model.trainable(), cfg.lr, cfg.weight_decay)?;
    // Exponential moving average of every variable (when cfg.ema > 0).
    let mut ema: Option<Vec<Tensor>> = if cfg.ema > 0.0 {
        Some(model.snapshot()?)
    } else {
        None
    };
    let mut average = WeightAverage::default();

    let x_train = Tensor::from_vec(
        st.inputs(data.features, train),
        (train.len(), data.n_features),
        &device,
    )?;
    let y_train = Tensor::from_vec(st.labels(data.labels, train), (train.len(), 1), &device)?;
    let train_split = Split {
        x: x_train.clone(),
        y: train.iter().map(|&r| data.labels[r]).collect(),
    };
    let val_split = split_tensors(data, &st, val, &device)?;
    // Per-epoch training figures use at most TRAIN_PROBE rows (a fixed
    // seeded sample) so that large datasets do not spend an epoch's time on
    // evaluation; the final figures use the whole training split.
    let train_probe = if train.len() <= TRAIN_PROBE {
        Split {
            x: x_train.clone(),
            y: train_split.y.clone(),
        }
    } else {
        let mut pick = permutation(
            &mut stream(cfg.seed, Stream::Shuffle(usize::MAX)),
            train.len(),
        );
        pick.truncate(TRAIN_PROBE);
        pick.sort_unstable();
        let rows: Vec<usize> = pick.iter().map(|&i| train[i]).collect();
        split_tensors(data, &st, &rows, &device)?
    };
    let label_var = (st.label_std as f64).powi(2);
    let fingerprint = data.fingerprint(train, val);

    let mut history: Vec<EpochRecord> = Vec::new();
    let mut best_epoch = 0usize;
    let mut best_val = f64::INFINITY;
    let mut best_snapshot: Option<Vec<Tensor>> = None;
    let mut start_epoch = 0usize;
    let mut finished = false;

    let state_dir = opts.run_dir.as_ref().map(|d| d.join(STATE_DIR));
    if let Some(dir) = &opts.run_dir {
        std::fs::create_dir_all(dir.join(STATE_DIR))
            .with_context(|| format!("cannot create the run directory {}", dir.display()))?;
        let state_path = dir.join(STATE_DIR).join(STATE_FILE);
        if opts.resume && state_path.exists() {
            let state: TrainState = read_json(&state_path)?;
            check_resumable(&state, &arch, cfg, &fingerprint, dir)?;
            let tensors = load_tensors(&dir.join(STATE_DIR).join(STATE_TENSORS_FILE), &device)?;
            model.load_tensors(&tensors)?;
            adam.load_state(&tensors, state.steps)?;
            if let Some(e) = ema.as_mut() {
                for ((name, _), slot) in model.named_vars().into_iter().zip(e.iter_mut()) {
                    let key = format!("ema.{name}");
                    *slot = tensors
                        .get(&key)
                        .with_context(|| format!("the checkpoint has no tensor `{key}`"))?
                        .clone();
                }
            }
            if state.best_epoch > 0 {
                let best = Mlp::new(&arch, cfg.seed, &device)?;
                best.load_tensors(&load_tensors(&dir.join(WEIGHTS_FILE), &device)?)?;
                best_snapshot = Some(best.snapshot()?);
            }
            average = WeightAverage::from_state(&model, &tensors, state.averaged_epochs)?;
            history = state.history;
            best_epoch = state.best_epoch;
            best_val = state.best_val_mse;
            start_epoch = state.epochs_done;
            // A run that ended at its last epoch goes on when --epochs is raised.
            finished = state.finished
                && ((cfg.patience > 0 && start_epoch - best_epoch >= cfg.patience)
                    || start_epoch >= cfg.epochs);
            if opts.verbose {
                eprintln!(
                    "resuming {} after epoch {start_epoch} (best so far: epoch {best_epoch})",
                    dir.display()
                );
            }
        }
    }

    let started = Instant::now();
    let mut trained_samples = 0usize;
    let mut train_seconds = 0.0f64;
    let mut stopped_early = finished && start_epoch < cfg.epochs;
    let mut epoch = start_epoch;
    while !finished && epoch < cfg.epochs {
        let t0 = Instant::now();
        let mut order_rng = stream(cfg.seed, Stream::Shuffle(epoch));
        let mut drop_rng = stream(cfg.seed, Stream::Dropout(epoch));
        let mut noise_rng = stream(cfg.seed, Stream::Noise(epoch));
        let order = permutation(&mut order_rng, train.len());
        let mut loss_sum = 0.0f64;
        let mut loss_n = 0usize;
        for batch in batches(&order, cfg.batch_size) {
            if opts.stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
                bail!(interrupted_message(
                    opts.run_dir.as_deref(),
                    epoch,
                    best_epoch
                ));
            }
            let ids: Vec<u32> = batch.iter().map(|&i| i as u32).collect();
            let ids = Tensor::from_vec(ids, batch.len(), &device)?;
            let mut xb = x_train.index_select(&ids, 0)?;
            if cfg.input_noise > 0.0 {
                let noise = normal(
                    &mut noise_rng,
                    batch.len() * data.n_features,
                    cfg.input_noise,
                );
                xb = (xb + Tensor::from_vec(noise, (batch.len(), data.n_features), &device)?)?;
            }
            let yb = y_train.index_select(&ids, 0)?;
            let pred = model.forward(&xb, Some(&mut drop_rng))?;
            let loss = (pred - yb)?.sqr()?.mean_all()?;
            let grads = loss.backward()?;
            adam.step(&grads)?;
            if let Some(e) = ema.as_mut() {
                for ((_, v), slot) in model.named_vars().into_iter().zip(e.iter_mut()) {
                    *slot = ((&*slot * cfg.ema)? + (v.as_tensor() * (1.0 - cfg.ema))?)?;
                }
            }
            loss_sum += loss.to_scalar::<f32>()? as f64 * batch.len() as f64;
            loss_n += batch.len();
        }
        trained_samples += loss_n;
        train_seconds += t0.elapsed().as_secs_f64();
        if in_window(cfg, epoch + 1) {
            average.add(&model)?;
        }
        // With an average, the averaged weights are evaluated (and kept).
        let current = match &ema {
            Some(e) => {
                let c = model.snapshot()?;
                model.restore(e)?;
                Some(c)
            }
            None => None,
        };
        let (train_m, _) = evaluate(&model, &st, &train_probe)?;
        let (val_m, _) = evaluate(&model, &st, &val_split)?;
        ensure!(
            val_m.mse.is_finite(),
            "training diverged at epoch {} (validation MSE is not finite); lower the learning rate (--lr {})",
            epoch + 1,
            cfg.lr
        );
        epoch += 1;
        let record = EpochRecord {
            epoch,
            train_loss: loss_sum / loss_n.max(1) as f64 * label_var,
            train: train_m,
            val: val_m,
            seconds: t0.elapsed().as_secs_f64(),
        };
        if opts.verbose {
            eprintln!(
                "epoch {epoch:>4}  loss {:.5}  train MSE {:.5}  val MSE {:.5}  RMSE {:.4}  R² {:.3}  r {:.3}",
                record.train_loss, train_m.mse, val_m.mse, val_m.rmse, val_m.r2, val_m.pearson_r
            );
        }
        history.push(record);
        // Averaging keeps the last epochs, whatever their validation score.
        let improved = val_m.mse < best_val || cfg.swa_epochs > 0;
        if improved {
            best_val = val_m.mse;
            best_epoch = epoch;
            best_snapshot = Some(model.snapshot()?);
        }
        if cfg.patience > 0 && epoch - best_epoch >= cfg.patience {
            stopped_early = epoch < cfg.epochs;
            finished = true;
        }
        if epoch >= cfg.epochs {
            finished = true;
        }
        if let (Some(dir), Some(_)) = (&opts.run_dir, &state_dir) {
            if improved {
                save_model(
                    dir, &model, &st, &arch, cfg, best_epoch, val_m, train_m, opts,
                )?;
            }
        }
        if let Some(c) = &current {
            model.restore(c)?;
        }
        if let (Some(_), Some(sdir)) = (&opts.run_dir, &state_dir) {
            let mut tensors = model.tensors();
            if let Some(e) = &ema {
                for ((name, _), t) in model.named_vars().into_iter().zip(e) {
                    tensors.insert(format!("ema.{name}"), t.clone());
                }
            }
            tensors.extend(adam.state_tensors());
            tensors.extend(average.state_tensors(&model));
            save_tensors(&sdir.join(STATE_TENSORS_FILE), &tensors)?;
            write_json(
                &sdir.join(STATE_FILE),
                &TrainState {
                    epochs_done: epoch,
                    steps: adam.steps(),
                    history: history.clone(),
                    best_epoch,
                    best_val_mse: best_val,
                    averaged_epochs: average.count(),
                    finished,
                    training: cfg.clone(),
                    architecture: arch.clone(),
                    data_fingerprint: fingerprint.clone(),
                },
            )?;
        }
    }
    if let Some(s) = &best_snapshot {
        model.restore(s)?;
    }
    if let Some(mean) = average.mean()? {
        model.restore(&mean)?;
        let mut rng = stream(cfg.seed, Stream::Recompute);
        let order = permutation(&mut rng, train.len());
        model.recompute_batch_norm(&x_train, &batches(&order, cfg.batch_size), &mut rng)?;
    }
    let (train_m, _) = evaluate(&model, &st, &train_split)?;
    let (val_m, val_pred) = evaluate(&model, &st, &val_split)?;
    if average.count() > 0 {
        if let Some(dir) = &opts.run_dir {
            save_model(
                dir, &model, &st, &arch, cfg, best_epoch, val_m, train_m, opts,
            )?;
        }
    }
    Ok(FitOutcome {
        model,
        standardisation: st,
        history,
        best_epoch,
        validation: val_m,
        training: train_m,
        val_predictions: val_pred,
        val_labels: val_split.y,
        stopped_early,
        seconds: started.elapsed().as_secs_f64(),
        samples_per_second: if train_seconds > 0.0 {
            trained_samples as f64 / train_seconds
        } else {
            0.0
        },
        ridge_alpha: None,
    })
}

/// [`fit`] with [`TrainConfig::ridge`]: the closed-form ridge fit of the
/// standardised inputs and labels, set as the output layer of a network
/// without hidden layers and saved like any other.
fn fit_ridge_model(
    data: &Examples,
    (train, val): (&[usize], &[usize]),
    arch: &Architecture,
    cfg: &TrainConfig,
    st: &Standardisation,
    device: &Device,
    opts: &FitOptions,
) -> Result<FitOutcome> {
    ensure!(
        arch.hidden.is_empty(),
        "ridge regression fits a linear model: it takes no hidden layers (use --hidden none)"
    );
    let started = Instant::now();
    let x = st.inputs(data.features, train);
    let y = st.labels(data.labels, train);
    let groups: Option<Vec<usize>> = opts.groups.map(|g| {
        let mut number = std::collections::HashMap::new();
        train
            .iter()
            .map(|&r| {
                let next = number.len();
                *number.entry(g[r].as_str()).or_insert(next)
            })
            .collect()
    });
    let fit = super::ridge::fit_ridge(
        &x,
        &y,
        data.n_features,
        groups.as_deref(),
        &super::ridge::alpha_grid(),
    )?;
    let model = Mlp::new(arch, cfg.seed, device)?;
    let weights: Vec<f32> = fit.weights.iter().map(|&w| w as f32).collect();
    let mut tensors = model.tensors();
    tensors.insert(
        "output.weight".into(),
        Tensor::from_vec(weights, (1, data.n_features), device)?,
    );
    tensors.insert(
        "output.bias".into(),
        Tensor::from_vec(vec![fit.bias as f32], 1, device)?,
    );
    model.load_tensors(&tensors)?;
    let (train_m, _) = evaluate(&model, st, &split_tensors(data, st, train, device)?)?;
    let val_split = split_tensors(data, st, val, device)?;
    let (val_m, val_pred) = evaluate(&model, st, &val_split)?;
    if opts.verbose {
        eprintln!(
            "ridge: penalty {:.3e} (leave-one-out MSE {:.5} in standardised units); validation MSE {:.5}",
            fit.alpha, fit.loo_mse, val_m.mse
        );
    }
    if let Some(dir) = &opts.run_dir {
        save_model(dir, &model, st, arch, cfg, 0, val_m, train_m, opts)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(FitOutcome {
        model,
        standardisation: st.clone(),
        history: Vec::new(),
        best_epoch: 0,
        validation: val_m,
        training: train_m,
        val_predictions: val_pred,
        val_labels: val_split.y,
        stopped_early: false,
        seconds,
        samples_per_second: if seconds > 0.0 {
            train.len() as f64 / seconds
        } else {
            0.0
        },
        ridge_alpha: Some(fit.alpha),
    })
}

/// Evaluation-mode predictions (label units) of a fitted model for rows
/// `rows` of `data`.
pub fn predict_rows(out: &FitOutcome, data: &Examples, rows: &[usize]) -> Result<Vec<f32>> {
    let split = split_tensors(data, &out.standardisation, rows, out.model.device())?;
    Ok(out.standardisation.unscale(&out.model.predict(&split.x)?))
}

#[allow(clippy::too_many_arguments)]
fn save_model(
    dir: &Path,
    model: &Mlp,
    st: &Standardisation,
    arch: &Architecture,
    cfg: &TrainConfig,
    best_epoch: usize,
    val: Metrics,
    train: Metrics,
    opts: &FitOptions,
) -> Result<()> {
    save_tensors(&dir.join(WEIGHTS_FILE), &model.tensors())?;
    write_json(
        &dir.join(MODEL_FILE),
        &ModelDescription {
            format: MODEL_FORMAT.into(),
            version: 1,
            weights: WEIGHTS_FILE.into(),
            architecture: arch.clone(),
            standardisation: st.clone(),
            feature_source: opts.feature_source.clone(),
            training: cfg.clone(),
            best_epoch,
            validation: val,
            training_metrics: train,
            split: opts.split.clone(),
        },
    )
}

fn check_resumable(
    state: &TrainState,
    arch: &Architecture,
    cfg: &TrainConfig,
    fingerprint: &str,
    dir: &Path,
) -> Result<()> {
    let what = if state.data_fingerprint != fingerprint {
        Some("different data or a different split")
    } else if &state.architecture != arch {
        Some("a different architecture")
    } else if (TrainConfig {
        epochs: cfg.epochs,
        ..state.training.clone()
    }) != *cfg
    {
        Some("different training parameters")
    } else if state.averaged_epochs > 0 && state.training.epochs != cfg.epochs {
        Some(
            "a different --epochs, and its weight average has begun (the averaged \
             window is the last --swa-epochs of the count it was started with)",
        )
    } else {
        None
    };
    if let Some(what) = what {
        bail!(
            "cannot resume {}: it was started with {what}; use the same flags and data, \
             or start afresh without --resume",
            dir.display()
        );
    }
    Ok(())
}

fn interrupted_message(dir: Option<&Path>, epoch: usize, best_epoch: usize) -> String {
    match dir {
        Some(d) if best_epoch > 0 => format!(
            "interrupted during epoch {}; the best model so far (epoch {best_epoch}) is in {} \
             and `--resume` continues the run",
            epoch + 1,
            d.display()
        ),
        Some(d) => format!(
            "interrupted during epoch {} before any epoch finished; nothing was saved in {}",
            epoch + 1,
            d.display()
        ),
        None => format!("interrupted during epoch {}", epoch + 1),
    }
}
