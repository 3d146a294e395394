//! One complete training job over a dataset held in memory: optional k-fold
//! cross-validation (one model per fold in `fold-NN/`), then the final model
//! on a train/validation split in the run directory itself, plots and
//! `report.json`. `train` and `tune` both end here.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::checkpoint::{read_json, write_json, SplitRecord, MODEL_FILE, WEIGHTS_FILE};
use super::config::{Architecture, TrainConfig};
use super::device::DeviceKind;
use super::fit::{fit, predict_rows, Examples, FitOptions, FitOutcome};
use super::metrics::Metrics;
use super::plots;
use super::report::{
    DataInfo, FoldTuning, FoldsReport, MetricsSpread, RepeatReport, Report, RunSummary, REPORT_FILE,
};
use crate::data::split::{k_folds, train_val_split};

/// What to run.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// Network shape (its input count is taken from the data).
    pub arch: Architecture,
    /// Training parameters.
    pub cfg: TrainConfig,
    /// Fraction held out for validation of the final model.
    pub val_fraction: f64,
    /// k-fold cross-validation first (k ≥ 2).
    pub folds: Option<usize>,
    /// Times the cross-validation is run, each with its own fold draw (≥ 1).
    pub repeats: usize,
    /// Where to train.
    pub device: DeviceKind,
    /// Continue an interrupted run.
    pub resume: bool,
    /// Set by Ctrl-C.
    pub stop: Option<&'a AtomicBool>,
    /// Per-epoch lines on stderr.
    pub verbose: bool,
}

/// Chooses one fold's learning rate and batch size from that fold's rows
/// alone (`valence tune --nested`): called with the fold's seed, its
/// training rows and its early-stopping rows, never its held-out rows.
pub type FoldTuner<'t> = dyn FnMut(u64, &[usize], &[usize]) -> Result<FoldTuning> + 't;

/// The data with what the report says about it.
#[derive(Debug, Clone, Copy)]
pub struct JobData<'a> {
    /// Features and labels.
    pub examples: Examples<'a>,
    /// One group per example (examples of a group stay on one side of a split).
    pub groups: Option<&'a [String]>,
    /// The dataset's feature source, as JSON, for `model.json`.
    pub feature_source: &'a serde_json::Value,
    /// Path and fingerprint for the report.
    pub info: &'a DataInfo,
}

/// A finished fold as saved in `fold-NN/fold.json` (lets `--resume` skip it).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FoldFile {
    summary: RunSummary,
    val_rows: Vec<usize>,
    predictions: Vec<f32>,
}

/// Summarises a fit.
pub fn summarise(out: &FitOutcome, n_train: usize, n_val: usize) -> RunSummary {
    RunSummary {
        n_train,
        n_val,
        best_epoch: out.best_epoch,
        epochs_run: out.history.len(),
        stopped_early: out.stopped_early,
        validation: out.validation,
        early_stopping: None,
        training: out.training,
        samples_per_second: out.samples_per_second,
        seconds: out.seconds,
        ridge_alpha: out.ridge_alpha,
        tuned: None,
    }
}

fn fit_in(
    data: &JobData,
    (train, val): (&[usize], &[usize]),
    job: &Job,
    cfg: &TrainConfig,
    dir: &Path,
    split: Option<SplitRecord>,
) -> Result<FitOutcome> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the run directory {}", dir.display()))?;
    fit(
        &data.examples,
        train,
        val,
        &job.arch,
        cfg,
        &FitOptions {
            device: Some(job.device.open()?),
            run_dir: Some(dir.to_path_buf()),
            resume: job.resume,
            stop: job.stop,
            verbose: job.verbose,
            feature_source: data.feature_source.clone(),
            split,
            groups: data.groups,
        },
    )
}

/// The early-stopping split of fold `fold`'s training rows `train_all`:
/// `val_fraction` of them (groups kept whole), drawn with `seed + fold`.
/// Returns `(training rows, validation rows)`.
pub fn inner_split(
    groups: Option<&[String]>,
    train_all: &[usize],
    val_fraction: f64,
    seed: u64,
    fold: usize,
) -> (Vec<usize>, Vec<usize>) {
    let groups: Option<Vec<String>> =
        groups.map(|g| train_all.iter().map(|&r| g[r].clone()).collect());
    let (t, v) = train_val_split(
        train_all.len(),
        val_fraction,
        seed.wrapping_add(fold as u64),
        groups.as_deref(),
    );
    (
        t.iter().map(|&j| train_all[j]).collect(),
        v.iter().map(|&j| train_all[j]).collect(),
    )
}

/// The mean held-out MSE of `k`-fold cross-validation with the folds and
/// early-stopping splits [`cross_validate`] uses (same seed, same
/// `val_fraction`), keeping nothing on disk: the objective of a tuning
/// trial with `--trial-folds`, far less noisy on a small dataset than one
/// validation split.
pub fn cross_validated_mse(
    examples: &Examples,
    groups: Option<&[String]>,
    arch: &Architecture,
    cfg: &TrainConfig,
    (k, val_fraction): (usize, f64),
    opts: &FitOptions,
) -> Result<f64> {
    let n = examples.len();
    let folds = k_folds(n, k, cfg.seed, groups);
    anyhow::ensure!(
        folds.len() >= 2,
        "cannot make {k} folds of {n} examples; use fewer folds or more data"
    );
    let mut total = 0.0;
    for (i, (train_all, held_out)) in folds.iter().enumerate() {
        let (train, val) = inner_split(groups, train_all, val_fraction, cfg.seed, i);
        let out = fit(examples, &train, &val, arch, cfg, opts)?;
        let pred = predict_rows(&out, examples, held_out)?;
        let truth: Vec<f32> = held_out.iter().map(|&r| examples.labels[r]).collect();
        total += Metrics::of(&pred, &truth).mse;
    }
    Ok(total / folds.len() as f64)
}

/// The folds of one cross-validation: what each scored, and all of their
/// held-out predictions with the labels they predict.
struct OneCv {
    per_fold: Vec<RunSummary>,
    predictions: Vec<f32>,
    truth: Vec<f32>,
}

/// k-fold cross-validation into `out/fold-NN/` (with `--repeats R > 1`,
/// `out/repeat-RR/fold-NN/`). Each fold's model never sees its held-out
/// part: it trains on the other folds, minus a validation split of them
/// (`val_fraction`, seeded) for early stopping, and is then scored on the
/// held-out fold. Repeat `r` (from 0) draws its folds, splits and networks
/// with seed `seed + r`, so the first repeat is the run without repeats.
pub fn cross_validate(data: &JobData, job: &Job, k: usize, out: &Path) -> Result<FoldsReport> {
    cross_validate_tuned(data, job, k, out, None)
}

/// [`cross_validate`], each fold with the learning rate and batch size
/// `tuner` chooses from its training part (nested tuning) when given.
pub fn cross_validate_tuned(
    data: &JobData,
    job: &Job,
    k: usize,
    out: &Path,
    mut tuner: Option<&mut FoldTuner>,
) -> Result<FoldsReport> {
    let repeats = job.repeats.max(1);
    let mut per_fold = Vec::new();
    let mut per_repeat = Vec::new();
    let (mut pooled_pred, mut pooled_true) = (Vec::new(), Vec::new());
    let mut k_made = k;
    for r in 0..repeats {
        let seed = job.cfg.seed.wrapping_add(r as u64);
        let dir = if repeats == 1 {
            out.to_path_buf()
        } else {
            out.join(format!("repeat-{:02}", r + 1))
        };
        if repeats > 1 {
            eprintln!("repeat {}/{repeats} (seed {seed})", r + 1);
        }
        let one = cross_validate_once(data, job, k, seed, &dir, tuner.as_deref_mut())?;
        k_made = one.per_fold.len();
        let vals: Vec<Metrics> = one.per_fold.iter().map(|s| s.validation).collect();
        per_repeat.push(RepeatReport {
            seed,
            validation: MetricsSpread::of(&vals),
            pooled: Metrics::of(&one.predictions, &one.truth),
        });
        per_fold.extend(one.per_fold);
        pooled_pred.extend(one.predictions);
        pooled_true.extend(one.truth);
    }
    let vals: Vec<Metrics> = per_fold.iter().map(|s| s.validation).collect();
    if let Err(e) = plots::predicted_vs_true(
        &out.join("cv_predicted_vs_true.png"),
        &pooled_pred,
        &pooled_true,
        "Out-of-fold predictions",
    ) {
        eprintln!("note: {e:#}");
    }
    Ok(FoldsReport {
        k: k_made,
        repeats,
        validation: MetricsSpread::of(&vals),
        pooled: Metrics::of(&pooled_pred, &pooled_true),
        per_fold,
        per_repeat: if repeats > 1 { per_repeat } else { Vec::new() },
    })
}

/// One k-fold cross-validation with folds drawn by `seed`, into `out/fold-NN/`.
fn cross_validate_once(
    data: &JobData,
    job: &Job,
    k: usize,
    seed: u64,
    out: &Path,
    mut tuner: Option<&mut FoldTuner>,
) -> Result<OneCv> {
    let n = data.examples.len();
    let folds = k_folds(n, k, seed, data.groups);
    anyhow::ensure!(
        folds.len() >= 2,
        "cannot make {k} folds of {n} examples{}; use fewer folds or more data",
        if data.groups.is_some() {
            " (counting groups)"
        } else {
            ""
        }
    );
    let cfg = TrainConfig {
        seed,
        ..job.cfg.clone()
    };
    let mut one = OneCv {
        per_fold: Vec::new(),
        predictions: Vec::new(),
        truth: Vec::new(),
    };
    for (i, (train_all, val)) in folds.iter().enumerate() {
        let (inner_train, inner_val) =
            inner_split(data.groups, train_all, job.val_fraction, seed, i);
        let dir = out.join(format!("fold-{:02}", i + 1));
        let fold_path = dir.join("fold.json");
        let done: Option<FoldFile> = if job.resume && fold_path.exists() {
            Some(read_json(&fold_path)?)
        } else {
            None
        };
        let file = match done {
            Some(f) if f.val_rows == *val => f,
            _ => {
                if job.verbose {
                    eprintln!(
                        "fold {}/{}: {} training, {} early-stopping, {} held-out examples",
                        i + 1,
                        folds.len(),
                        inner_train.len(),
                        inner_val.len(),
                        val.len()
                    );
                }
                let tuned = match tuner.as_deref_mut() {
                    Some(tune) => Some(tune(seed, &inner_train, &inner_val)?),
                    None => None,
                };
                let fold_cfg = match tuned {
                    Some(t) => TrainConfig {
                        lr: t.lr,
                        batch_size: t.batch_size,
                        ..cfg.clone()
                    },
                    None => cfg.clone(),
                };
                let fit = fit_in(data, (&inner_train, &inner_val), job, &fold_cfg, &dir, None)?;
                let predictions = predict_rows(&fit, &data.examples, val)?;
                let truth: Vec<f32> = val.iter().map(|&r| data.examples.labels[r]).collect();
                let mut summary = summarise(&fit, inner_train.len(), val.len());
                summary.tuned = tuned;
                summary.early_stopping = Some(fit.validation);
                summary.validation = Metrics::of(&predictions, &truth);
                let file = FoldFile {
                    summary,
                    val_rows: val.clone(),
                    predictions,
                };
                // A ridge fit has no epochs to draw.
                if !fit.history.is_empty() {
                    if let Err(e) =
                        plots::loss_curves(&dir.join("loss.png"), &fit.history, fit.best_epoch)
                    {
                        eprintln!("note: {e:#}");
                    }
                }
                write_json(&fold_path, &file)?;
                file
            }
        };
        let v = file.summary.validation;
        let tuned = file.summary.tuned.map_or(String::new(), |t| {
            format!(", tuned lr {:.3e} batch {}", t.lr, t.batch_size)
        });
        eprintln!(
            "fold {:>2}/{}: validation RMSE {:.4}  R² {:.3}  r {:.3}  (best epoch {}{tuned})",
            i + 1,
            folds.len(),
            v.rmse,
            v.r2,
            v.pearson_r,
            file.summary.best_epoch
        );
        one.predictions.extend_from_slice(&file.predictions);
        one.truth
            .extend(file.val_rows.iter().map(|&r| data.examples.labels[r]));
        one.per_fold.push(file.summary);
    }
    Ok(one)
}

/// Trains the final model in `out` (after cross-validation when asked),
/// draws the plots and writes `report.json`.
pub fn run_job(
    data: &JobData,
    job: &Job,
    out: &Path,
    command: &str,
    tuning: Option<serde_json::Value>,
) -> Result<Report> {
    run_job_tuned(data, job, out, command, tuning, None)
}

/// [`run_job`] with nested tuning of each fold by `tuner` (see
/// [`cross_validate_tuned`]); the final model keeps `job`'s parameters.
pub fn run_job_tuned(
    data: &JobData,
    job: &Job,
    out: &Path,
    command: &str,
    tuning: Option<serde_json::Value>,
    tuner: Option<&mut FoldTuner>,
) -> Result<Report> {
    let started = Instant::now();
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the run directory {}", out.display()))?;
    let folds = match job.folds {
        Some(k) => Some(cross_validate_tuned(data, job, k, out, tuner)?),
        None => None,
    };
    let n = data.examples.len();
    let (train, val) = train_val_split(n, job.val_fraction, job.cfg.seed, data.groups);
    if job.verbose {
        eprintln!(
            "final model: {} training, {} validation examples",
            train.len(),
            val.len()
        );
    }
    // The dataset's absolute path, so that export finds it from anywhere.
    let path = std::path::absolute(&data.info.path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| data.info.path.clone());
    let split = SplitRecord {
        data: DataInfo {
            path,
            ..data.info.clone()
        },
        val_fraction: job.val_fraction,
        seed: job.cfg.seed,
    };
    let fit = fit_in(data, (&train, &val), job, &job.cfg, out, Some(split))?;
    let summary = summarise(&fit, train.len(), val.len());
    let mut files: Vec<String> = vec![WEIGHTS_FILE.into(), MODEL_FILE.into(), REPORT_FILE.into()];
    let mut plots_wanted: Vec<(PathBuf, Result<()>)> = Vec::new();
    // A ridge fit has no epochs to draw.
    if !fit.history.is_empty() {
        plots_wanted.push((
            out.join("loss.png"),
            plots::loss_curves(&out.join("loss.png"), &fit.history, fit.best_epoch),
        ));
    }
    plots_wanted.push((
        out.join("predicted_vs_true.png"),
        plots::predicted_vs_true(
            &out.join("predicted_vs_true.png"),
            &fit.val_predictions,
            &fit.val_labels,
            "Validation: predicted vs true",
        ),
    ));
    for (path, result) in plots_wanted {
        match result {
            Ok(()) => files.push(
                path.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into(),
            ),
            Err(e) => eprintln!("note: {e:#}"),
        }
    }
    if folds.is_some() && out.join("cv_predicted_vs_true.png").exists() {
        files.push("cv_predicted_vs_true.png".into());
    }
    let report = Report {
        command: command.into(),
        tool: format!("valence {}", env!("CARGO_PKG_VERSION")),
        data: data.info.clone(),
        device: job.device.name().into(),
        architecture: Architecture {
            n_inputs: data.examples.n_features,
            ..job.arch.clone()
        },
        parameters: job.cfg.clone(),
        val_fraction: job.val_fraction,
        validation: summary.validation,
        final_model: summary,
        history: fit.history.clone(),
        folds,
        tuning,
        files,
        seconds: started.elapsed().as_secs_f64(),
        export_summary: None,
    };
    report.save(out)?;
    Ok(report)
}
