//! `valence tune --data DATASET --out RUN_DIR`: Bayesian optimisation of the
//! learning rate (log scale) and batch size by validation MSE, then the
//! final model retrained with the best pair (cross-validated too with
//! `--folds`), in the same run directory layout as `train`.
//!
//! Every trial trains on the same train/validation split as the final model
//! and scores the validation MSE of its early-stopped (or averaged)
//! weights; with `--trial-folds K` it scores the mean held-out MSE of K-fold
//! cross-validation instead. The lowest wins (the tuner minimises).
//!
//! With `--folds K --nested` the cross-validation is nested: each fold runs
//! the same search on its own training part (trials on the fold's training
//! rows, scored on its early-stopping rows) before training with its
//! choice, so no held-out fold steers the parameters it is scored with.

use std::time::Instant;

use anyhow::{bail, Result};
use clap::Args;

use super::train::{
    describe, export_last, interrupt_flag, load_dataset, print_summary, CommonArgs,
};
use crate::data::split::train_val_split;
use crate::train::config::TrainConfig;
use crate::train::cv::{cross_validated_mse, run_job_tuned, FoldTuner, Job, JobData};
use crate::train::fit::{fit, Examples, FitOptions};
use crate::train::plots;
use crate::train::report::{FoldTuning, Report};
use crate::tune::bayes::{minimise, Budget, Trial};
use crate::tune::space::{Dim, Space};
use crate::tune::trials::{header, row, save_csv};

/// Arguments of `valence tune`.
#[derive(Debug, Clone, Args)]
pub struct TuneArgs {
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Random initial trials.
    #[arg(long, default_value_t = 2)]
    pub init: usize,
    /// Guided trials after them.
    #[arg(long, default_value_t = 5)]
    pub iter: usize,
    /// Lowest learning rate searched.
    #[arg(long, default_value_t = 1e-4)]
    pub lr_min: f64,
    /// Highest learning rate searched.
    #[arg(long, default_value_t = 5e-3)]
    pub lr_max: f64,
    /// Smallest batch size searched.
    #[arg(long, default_value_t = 16)]
    pub batch_min: i64,
    /// Largest batch size searched.
    #[arg(long, default_value_t = 128)]
    pub batch_max: i64,
    /// Training examples each trial may process: a trial runs at most
    /// `min(--epochs, ceil(TRIAL_SAMPLES / training examples))` epochs, so
    /// small datasets get full trials and large ones a bounded time (the
    /// final model always gets `--epochs`). 0: no limit.
    #[arg(long, default_value_t = 100_000)]
    pub trial_samples: usize,
    /// Score each trial by K-fold cross-validation (the mean held-out MSE
    /// over K folds, each with its own early-stopping split of
    /// --val-fraction) instead of one validation split: K times the time,
    /// far less noise on small datasets.
    #[arg(long, value_name = "K")]
    pub trial_folds: Option<usize>,
    /// With --folds: nested cross-validation. Each fold runs its own tuning
    /// (the same budget and space) on its training part alone, trials scored
    /// on the fold's early-stopping split, and trains with what it found,
    /// so the cross-validated figures are those of the whole procedure,
    /// never steered by the held-out folds. About --folds × --repeats times
    /// the tuning time. The final model is tuned on the whole dataset as
    /// without it.
    #[arg(long)]
    pub nested: bool,
}

/// The trial with the lowest finite objective.
fn best_trial(trials: &[Trial]) -> Result<Trial> {
    trials
        .iter()
        .filter(|t| t.value.is_finite())
        .min_by(|a, b| a.value.total_cmp(&b.value))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("every trial diverged; lower --lr-max"))
}

/// Runs `valence tune`.
pub fn run(args: &TuneArgs) -> Result<Report> {
    let started = Instant::now();
    let c = &args.common;
    c.validate()?;
    if c.ridge {
        bail!(
            "--ridge has no learning rate or batch size to tune (its penalty is chosen by \
             leave-one-out error): use `valence train --hidden none --ridge`"
        );
    }
    if args.init == 0 {
        bail!("--init must be at least 1");
    }
    if args.trial_folds.is_some_and(|k| k < 2) {
        bail!("--trial-folds must be at least 2");
    }
    if args.nested && c.folds.is_none() {
        bail!("--nested tunes within each fold of a cross-validation: add --folds K");
    }
    if args.nested && args.trial_folds.is_some() {
        bail!(
            "--nested scores each fold's trials on that fold's early-stopping split; \
             --trial-folds cannot be combined with it"
        );
    }
    if args.batch_min < 2 {
        bail!(
            "--batch-min must be at least 2 for batch normalisation (got {})",
            args.batch_min
        );
    }
    let space = Space::new(vec![
        Dim::log("lr", args.lr_min, args.lr_max),
        Dim::integer("batch", args.batch_min, args.batch_max),
    ])?;
    let ds = load_dataset(&c.data)?;
    let (info, source) = describe(&c.data, &ds)?;
    let examples = Examples {
        features: ds.feature_matrix(),
        labels: ds.labels(),
        n_features: ds.n_features(),
    };
    let (train, val) = train_val_split(ds.n_examples(), c.val_fraction, c.seed, ds.groups());
    let device = c.device.open()?;
    let stop = interrupt_flag();
    let names: Vec<String> = vec!["lr".into(), "batch".into()];
    let budget = Budget {
        initial: args.init,
        guided: args.iter,
    };
    let epochs_for = |n_train: usize| {
        if args.trial_samples == 0 {
            c.epochs
        } else {
            c.epochs
                .min(args.trial_samples.div_ceil(n_train.max(1)))
                .max(1)
        }
    };
    let trial_epochs = epochs_for(train.len());
    // One search: trials that train on `rows.0`, score on `rows.1` (or by
    // --trial-folds over every example), seeded by `seed`; `on_trial` sees
    // each as it ends.
    let search = |rows: (&[usize], &[usize]),
                  seed: u64,
                  trial_folds: Option<usize>,
                  on_trial: &mut dyn FnMut(&Trial)|
     -> Result<Vec<Trial>> {
        let epochs = epochs_for(rows.0.len());
        minimise(
            &space,
            budget,
            seed,
            |_, p| {
                let cfg = TrainConfig {
                    seed,
                    ..c.config(p[0], p[1] as usize).with_epochs(epochs)
                };
                let opts = FitOptions {
                    device: Some(device.clone()),
                    stop: Some(stop),
                    verbose: c.verbose,
                    ..FitOptions::default()
                };
                let arch = c.architecture();
                let objective = match trial_folds {
                    Some(k) => cross_validated_mse(
                        &examples,
                        ds.groups(),
                        &arch,
                        &cfg,
                        (k, c.val_fraction),
                        &opts,
                    ),
                    None => {
                        fit(&examples, rows.0, rows.1, &arch, &cfg, &opts).map(|o| o.validation.mse)
                    }
                };
                match objective {
                    Ok(mse) => Ok(mse),
                    // A diverging learning rate is a bad trial, not a failed tuning.
                    Err(e) if e.to_string().contains("diverged") => Ok(f64::INFINITY),
                    Err(e) => Err(e),
                }
            },
            |t| on_trial(t),
        )
    };
    let scored_on = match args.trial_folds {
        Some(k) => format!(
            "tuning by {k}-fold cross-validation of {} examples",
            examples.len()
        ),
        None => format!(
            "tuning on {} training / {} validation examples",
            train.len(),
            val.len()
        ),
    };
    println!(
        "{scored_on}: {} initial + {} guided trials of at most {trial_epochs} epochs",
        args.init, args.iter
    );
    println!("{}", header(&names));
    let trials = search(
        (&train, &val),
        c.seed,
        args.trial_folds,
        &mut |t: &Trial| println!("{}", row(t)),
    )?;
    std::fs::create_dir_all(&c.out)?;
    save_csv(&c.out.join("trials.csv"), &names, &trials)?;
    let values: Vec<f64> = trials.iter().map(|t| t.value).collect();
    if let Err(e) = plots::trials(&c.out.join("trials.png"), &values, args.init) {
        eprintln!("note: {e:#}");
    }
    let best = best_trial(&trials)?;
    let (lr, batch) = (best.values[0], best.values[1] as usize);
    println!(
        "best: trial {} — learning rate {lr:.6e}, batch size {batch}, {} MSE {:.6}",
        best.index,
        if args.trial_folds.is_some() {
            "cross-validated"
        } else {
            "validation"
        },
        best.value
    );
    let tuning = serde_json::json!({
        "space": {
            "lr": {"min": args.lr_min, "max": args.lr_max, "scale": "log"},
            "batch": {"min": args.batch_min, "max": args.batch_max, "scale": "integer"},
        },
        "initial": args.init,
        "trial_epochs": trial_epochs,
        "guided": args.iter,
        "objective": match args.trial_folds {
            Some(_) => "mean held-out MSE over the trial folds (minimised)",
            None => "validation MSE (minimised)",
        },
        "trial_folds": args.trial_folds,
        "nested": args.nested,
        "trials": trials,
        "best": {"trial": best.index, "lr": lr, "batch_size": batch, "val_mse": best.value},
        "seconds": started.elapsed().as_secs_f64(),
    });
    let data = JobData {
        examples,
        groups: ds.groups(),
        feature_source: &source,
        info: &info,
    };
    let job = Job {
        arch: c.architecture(),
        cfg: c.config(lr, batch),
        val_fraction: c.val_fraction,
        folds: c.folds,
        repeats: c.repeats,
        device: c.device,
        resume: c.resume,
        stop: Some(stop),
        verbose: c.verbose,
    };
    // Nested: each fold tunes on its own training part with the same budget
    // (trials train on the fold's training rows and score on its
    // early-stopping rows), so its held-out figures never steered a choice.
    let mut nested = |seed: u64, train: &[usize], val: &[usize]| -> Result<FoldTuning> {
        let trials = search((train, val), seed, None, &mut |t: &Trial| {
            if c.verbose {
                eprintln!("{}", row(t));
            }
        })?;
        let best = best_trial(&trials)?;
        eprintln!(
            "nested tuning on {} training / {} validation examples: learning rate {:.3e}, \
             batch size {} (validation MSE {:.6})",
            train.len(),
            val.len(),
            best.values[0],
            best.values[1] as usize,
            best.value
        );
        Ok(FoldTuning {
            lr: best.values[0],
            batch_size: best.values[1] as usize,
            objective: best.value,
        })
    };
    let tuner: Option<&mut FoldTuner> = if args.nested { Some(&mut nested) } else { None };
    let mut report = run_job_tuned(&data, &job, &c.out, "tune", Some(tuning), tuner)?;
    for f in ["trials.csv", "trials.png"] {
        if c.out.join(f).exists() {
            report.files.push(f.into());
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.save(&c.out)?;
    print_summary(&report, &c.out);
    println!("tuning took {:.1} s", report.seconds);
    export_last(&mut report, c)?;
    Ok(report)
}
