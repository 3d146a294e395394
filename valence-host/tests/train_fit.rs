//! The training loop on synthetic data with a known relationship: it
//! learns, it is reproducible from its seed, early stopping keeps the best
//! epoch, weight averaging keeps the mean of the last epochs, and an
//! interrupted or extended run resumes exactly.

mod train_support;

use std::sync::atomic::AtomicBool;

use train_support::synthetic;
use valence_host::train::checkpoint::{read_json, ModelDescription, MODEL_FILE, WEIGHTS_FILE};
use valence_host::train::report::EpochRecord;
use valence_host::train::{fit, Architecture, Examples, FitOptions, TrainConfig};

fn small_arch() -> Architecture {
    Architecture {
        hidden: vec![32, 16],
        dropout: 0.1,
        ..Architecture::default_for(0)
    }
}

fn cfg(epochs: usize, seed: u64) -> TrainConfig {
    TrainConfig {
        lr: 3e-3,
        batch_size: 32,
        epochs,
        patience: 0,
        weight_decay: 1e-3,
        clip: 5.0,
        input_noise: 0.0,
        ema: 0.0,
        swa_epochs: 0,
        ridge: false,
        seed,
    }
}

/// A history without its wall times.
fn figures(h: &[EpochRecord]) -> Vec<EpochRecord> {
    h.iter()
        .map(|r| EpochRecord { seconds: 0.0, ..*r })
        .collect()
}

fn split(n: usize) -> (Vec<usize>, Vec<usize>) {
    ((0..n * 4 / 5).collect(), (n * 4 / 5..n).collect())
}

#[test]
fn learns_a_known_relationship() {
    let (x, y) = synthetic(1500, 8, 0.005, 1);
    let data = examples(&x, &y, 8);
    let (train, val) = split(1500);
    let out = fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &cfg(25, 7),
        &FitOptions::default(),
    )
    .unwrap();
    // Label variance is about 0.014; noise variance 2.5e-5.
    assert!(out.validation.r2 > 0.9, "R² {}", out.validation.r2);
    assert!(out.validation.pearson_r > 0.95);
    assert!(out.validation.rmse < 0.04, "RMSE {}", out.validation.rmse);
    // Both MSEs of the history are in evaluation mode: the last epoch's
    // training MSE is far below the loss measured with dropout on.
    let first = out.history[0];
    assert!(first.train_loss > 0.0 && first.train.mse > 0.0 && first.val.mse > 0.0);
    assert_eq!(out.history.len(), 25);
    assert_eq!(out.val_predictions.len(), val.len());
}

#[test]
fn same_seed_same_run_other_seed_other_run() {
    let (x, y) = synthetic(400, 6, 0.02, 2);
    let data = examples(&x, &y, 6);
    let (train, val) = split(400);
    let run = |seed| {
        fit(
            &data,
            &train,
            &val,
            &small_arch(),
            &cfg(4, seed),
            &FitOptions::default(),
        )
        .unwrap()
    };
    let (a, b, c) = (run(5), run(5), run(6));
    assert_eq!(figures(&a.history), figures(&b.history));
    assert_eq!(a.val_predictions, b.val_predictions);
    assert_ne!(a.val_predictions, c.val_predictions);
}

#[test]
fn early_stopping_keeps_the_best_epoch() {
    // Few, noisy examples and a large network: validation gets worse
    // after a while.
    let (x, y) = synthetic(160, 6, 0.2, 3);
    let data = examples(&x, &y, 6);
    let (train, val) = split(160);
    let config = TrainConfig {
        patience: 5,
        lr: 5e-3,
        batch_size: 16,
        ..cfg(200, 1)
    };
    let arch = Architecture {
        hidden: vec![128, 64],
        dropout: 0.0,
        ..small_arch()
    };
    let out = fit(&data, &train, &val, &arch, &config, &FitOptions::default()).unwrap();
    assert!(out.stopped_early);
    assert_eq!(out.history.len(), out.best_epoch + 5);
    let best = out.history[out.best_epoch - 1];
    assert!(out.history.iter().all(|r| r.val.mse >= best.val.mse));
    // The weights kept are the best epoch's.
    assert!((out.validation.mse - best.val.mse).abs() < 1e-9 * best.val.mse.max(1.0));
}

#[test]
fn resumed_run_equals_uninterrupted_run() {
    let (x, y) = synthetic(300, 6, 0.02, 4);
    let data = examples(&x, &y, 6);
    let (train, val) = split(300);
    let dir = tempfile::tempdir().unwrap();
    let straight = tempfile::tempdir().unwrap();
    let opts = |d: &std::path::Path, resume| FitOptions {
        run_dir: Some(d.to_path_buf()),
        resume,
        ..FitOptions::default()
    };
    // Three epochs, then three more on --resume with a raised epoch count.
    fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &cfg(3, 9),
        &opts(dir.path(), false),
    )
    .unwrap();
    let resumed = fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &cfg(6, 9),
        &opts(dir.path(), true),
    )
    .unwrap();
    let whole = fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &cfg(6, 9),
        &opts(straight.path(), false),
    )
    .unwrap();
    assert_eq!(figures(&resumed.history), figures(&whole.history));
    assert_eq!(resumed.val_predictions, whole.val_predictions);
    // The run directory holds the best model and its description.
    assert!(dir.path().join(WEIGHTS_FILE).exists());
    let desc: ModelDescription = read_json(&dir.path().join(MODEL_FILE)).unwrap();
    assert_eq!(desc.best_epoch, whole.best_epoch);
    assert_eq!(desc.architecture.n_inputs, 6);
    assert_eq!(desc.standardisation.mean.len(), 6);
    // Resuming with other parameters is refused with a reason.
    let err = fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &TrainConfig {
            lr: 1e-4,
            ..cfg(6, 9)
        },
        &opts(dir.path(), true),
    )
    .err()
    .unwrap();
    assert!(
        err.to_string().contains("different training parameters"),
        "{err}"
    );
}

#[test]
fn interruption_keeps_the_best_model_on_disk() {
    let (x, y) = synthetic(300, 6, 0.02, 5);
    let data = examples(&x, &y, 6);
    let (train, val) = split(300);
    let dir = tempfile::tempdir().unwrap();
    fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &cfg(2, 1),
        &FitOptions {
            run_dir: Some(dir.path().to_path_buf()),
            ..FitOptions::default()
        },
    )
    .unwrap();
    let before = std::fs::read(dir.path().join(WEIGHTS_FILE)).unwrap();
    // Ctrl-C (the flag set) during the resumed run's first batch.
    let stop = AtomicBool::new(true);
    let err = fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &cfg(5, 1),
        &FitOptions {
            run_dir: Some(dir.path().to_path_buf()),
            resume: true,
            stop: Some(&stop),
            ..FitOptions::default()
        },
    )
    .err()
    .unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains("interrupted during epoch 3") && msg.contains("--resume"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(dir.path().join(WEIGHTS_FILE)).unwrap(),
        before
    );
    // No temporary files are left behind.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(!name.ends_with(".tmp"), "{name}");
    }
}

#[test]
fn bad_inputs_are_refused_with_reasons() {
    let (x, y) = synthetic(50, 6, 0.02, 6);
    let data = examples(&x, &y, 6);
    let (train, _) = split(50);
    let e = fit(
        &data,
        &train,
        &[],
        &small_arch(),
        &cfg(2, 1),
        &FitOptions::default(),
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("validation split is empty"), "{e}");
    let e = fit(
        &data,
        &train,
        &[45],
        &small_arch(),
        &TrainConfig {
            batch_size: 1,
            ..cfg(2, 1)
        },
        &FitOptions::default(),
    )
    .err()
    .unwrap();
    assert!(
        e.to_string().contains("batch size must be at least 2"),
        "{e}"
    );
    // A learning rate far too high diverges and says what to do.
    let e = fit(
        &data,
        &train,
        &[45, 46, 47],
        &small_arch(),
        &TrainConfig {
            lr: 1e12,
            ..cfg(3, 1)
        },
        &FitOptions::default(),
    );
    if let Err(e) = e {
        assert!(e.to_string().contains("lower the learning rate"), "{e}");
    }
}

#[test]
fn weight_average_is_kept_and_resumes_exactly() {
    let (x, y) = synthetic(300, 6, 0.02, 8);
    let data = examples(&x, &y, 6);
    let (train, val) = split(300);
    let with_ema = |epochs| TrainConfig {
        ema: 0.9,
        ..cfg(epochs, 3)
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let opts = |d: &std::path::Path, resume| FitOptions {
        run_dir: Some(d.to_path_buf()),
        resume,
        ..FitOptions::default()
    };
    fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &with_ema(2),
        &opts(a.path(), false),
    )
    .unwrap();
    let resumed = fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &with_ema(5),
        &opts(a.path(), true),
    )
    .unwrap();
    let whole = fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &with_ema(5),
        &opts(b.path(), false),
    )
    .unwrap();
    assert_eq!(figures(&resumed.history), figures(&whole.history));
    assert_eq!(resumed.val_predictions, whole.val_predictions);
    // The kept (averaged) weights are the ones the history scored best.
    let best = whole.history[whole.best_epoch - 1];
    assert!((whole.validation.mse - best.val.mse).abs() < 1e-9);
    // And they differ from a run without the average.
    let plain = fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &cfg(5, 3),
        &FitOptions::default(),
    )
    .unwrap();
    assert_ne!(plain.val_predictions, whole.val_predictions);
}

/// Stochastic weight averaging: every epoch runs, the kept network is the
/// average of the last `swa_epochs` (not the last epoch's weights), the run
/// directory holds exactly that network, a finished run resumes to the same
/// one, and conflicting settings are refused with reasons.
#[test]
fn weight_averaging_keeps_the_mean_of_the_last_epochs() {
    use valence_host::train::checkpoint::load_tensors;
    use valence_host::train::network::Mlp;

    let (x, y) = synthetic(300, 6, 0.02, 12);
    let data = examples(&x, &y, 6);
    let (train, val) = split(300);
    let averaged = |epochs| TrainConfig {
        swa_epochs: 3,
        ..cfg(epochs, 7)
    };
    let dir = tempfile::tempdir().unwrap();
    let opts = |resume| FitOptions {
        run_dir: Some(dir.path().to_path_buf()),
        resume,
        ..FitOptions::default()
    };
    let out = fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &averaged(6),
        &opts(false),
    )
    .unwrap();
    assert_eq!((out.history.len(), out.best_epoch), (6, 6));
    assert!(!out.stopped_early);
    // The average is not the last epoch's network.
    assert_ne!(out.validation.mse, out.history[5].val.mse);
    // The run directory holds the averaged network (what export reads).
    let desc: ModelDescription = read_json(&dir.path().join(MODEL_FILE)).unwrap();
    assert_eq!(desc.training.swa_epochs, 3);
    let device = candle_core::Device::Cpu;
    let saved = Mlp::new(&desc.architecture, 0, &device).unwrap();
    saved
        .load_tensors(&load_tensors(&dir.path().join(WEIGHTS_FILE), &device).unwrap())
        .unwrap();
    let z = candle_core::Tensor::from_vec(
        desc.standardisation.inputs(&x, &val),
        (val.len(), 6),
        &device,
    )
    .unwrap();
    let from_disk = desc.standardisation.unscale(&saved.predict(&z).unwrap());
    assert_eq!(from_disk, out.val_predictions);
    // Resuming the finished run rebuilds the same average from the checkpoint.
    let again = fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &averaged(6),
        &opts(true),
    )
    .unwrap();
    assert_eq!(again.val_predictions, out.val_predictions);
    // The same run without averaging keeps other weights.
    let plain = fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &cfg(6, 7),
        &FitOptions::default(),
    )
    .unwrap();
    assert_ne!(plain.val_predictions, out.val_predictions);
    // Raising --epochs once averaging has begun would move the window.
    let e = fit(
        &data,
        &train,
        &val,
        &small_arch(),
        &averaged(9),
        &opts(true),
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("weight average has begun"), "{e}");
    // Settings that contradict averaging.
    for (bad, says) in [
        (
            TrainConfig {
                patience: 5,
                ..averaged(6)
            },
            "--patience",
        ),
        (
            TrainConfig {
                swa_epochs: 7,
                ..averaged(6)
            },
            "longer than the training",
        ),
        (
            TrainConfig {
                ema: 0.9,
                ..averaged(6)
            },
            "--ema",
        ),
    ] {
        let e = fit(
            &data,
            &train,
            &val,
            &small_arch(),
            &bad,
            &FitOptions::default(),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains(says), "{e}");
    }
}

/// The examples of a row-major feature matrix `x` of `d` columns and labels `y`.
fn examples<'a>(x: &'a [f32], y: &'a [f32], d: usize) -> Examples<'a> {
    Examples {
        features: x,
        labels: y,
        n_features: d,
    }
}

/// What a report says about a synthetic dataset of `n` examples of `d` features.
fn synthetic_info(n: usize, d: usize) -> valence_host::train::report::DataInfo {
    valence_host::train::report::DataInfo {
        path: "synthetic".into(),
        n_examples: n,
        n_features: d,
        fingerprint: String::new(),
    }
}

/// A synthetic dataset of 6 features held for a cross-validation's
/// [`valence_host::train::cv::JobData`] to borrow.
struct CvData {
    x: Vec<f32>,
    y: Vec<f32>,
    info: valence_host::train::report::DataInfo,
    source: serde_json::Value,
}

impl CvData {
    /// `n` examples drawn with `seed`.
    fn new(n: usize, seed: u64) -> CvData {
        let (x, y) = synthetic(n, 6, 0.02, seed);
        let info = synthetic_info(y.len(), 6);
        CvData {
            x,
            y,
            info,
            source: serde_json::Value::Null,
        }
    }

    fn job_data(&self) -> valence_host::train::cv::JobData<'_> {
        valence_host::train::cv::JobData {
            examples: examples(&self.x, &self.y, 6),
            groups: None,
            feature_source: &self.source,
            info: &self.info,
        }
    }
}

/// The held-out rows of fold `fold` of repeat `repeat` (both from 1) of a
/// repeated cross-validation written to `dir`.
fn fold_val_rows(dir: &std::path::Path, repeat: usize, fold: usize) -> Vec<usize> {
    let p = dir.join(format!("repeat-{repeat:02}/fold-{fold:02}/fold.json"));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    serde_json::from_value(v["val_rows"].clone()).unwrap()
}

/// A cross-validation job of the small network: `folds` folds, run `repeats` times.
fn cv_job(cfg: TrainConfig, folds: usize, repeats: usize) -> valence_host::train::cv::Job<'static> {
    valence_host::train::cv::Job {
        arch: small_arch(),
        cfg,
        val_fraction: 0.1,
        folds: Some(folds),
        repeats,
        device: valence_host::train::device::DeviceKind::Cpu,
        resume: false,
        stop: None,
        verbose: false,
    }
}

/// The tuner's cross-validated objective uses the same folds and
/// early-stopping splits as `train --folds`: it equals the mean held-out MSE
/// that cross-validation reports.
#[test]
fn trial_objective_is_the_cross_validated_mse() {
    use valence_host::train::cv::{cross_validate, cross_validated_mse};

    let held = CvData::new(240, 13);
    let data = held.job_data();
    let job = cv_job(
        TrainConfig {
            swa_epochs: 2,
            ..cfg(4, 21)
        },
        3,
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let cv = cross_validate(&data, &job, 3, dir.path()).unwrap();
    let objective = cross_validated_mse(
        &data.examples,
        None,
        &job.arch,
        &job.cfg,
        (3, 0.1),
        &FitOptions::default(),
    )
    .unwrap();
    assert!(
        (objective - cv.validation.mean.mse).abs() < 1e-9,
        "{objective} against {}",
        cv.validation.mean.mse
    );
}

/// `--repeats R`: R cross-validations with their own fold draws (seed,
/// seed + 1, …), the first one the run without repeats, the report over
/// all of them.
#[test]
fn repeated_cross_validation() {
    use valence_host::train::cv::cross_validate;

    let held = CvData::new(150, 17);
    let data = held.job_data();
    let job = |repeats| cv_job(cfg(3, 5), 3, repeats);
    let once_dir = tempfile::tempdir().unwrap();
    let once = cross_validate(&data, &job(1), 3, once_dir.path()).unwrap();
    assert_eq!((once.repeats, once.per_repeat.len()), (1, 0));
    assert!(once_dir.path().join("fold-03/fold.json").exists());

    let dir = tempfile::tempdir().unwrap();
    let cv = cross_validate(&data, &job(2), 3, dir.path()).unwrap();
    assert_eq!((cv.k, cv.repeats, cv.per_fold.len()), (3, 2, 6));
    assert!(dir.path().join("repeat-02/fold-03/fold.json").exists());
    assert!(!dir.path().join("fold-01").exists());
    // The first repeat is the run without repeats, fold for fold (all but
    // the timings).
    let scores = |s: &[valence_host::train::report::RunSummary]| {
        s.iter()
            .map(|f| (f.validation, f.early_stopping, f.training, f.best_epoch))
            .collect::<Vec<_>>()
    };
    assert_eq!(scores(&cv.per_fold[..3]), scores(&once.per_fold));
    assert_eq!(cv.per_repeat[0].validation, once.validation);
    assert_eq!(cv.per_repeat[0].pooled, once.pooled);
    assert_eq!(
        (cv.per_repeat[0].seed, cv.per_repeat[1].seed),
        (job(1).cfg.seed, job(1).cfg.seed + 1)
    );
    // The second draws other folds.
    assert_ne!(
        fold_val_rows(dir.path(), 1, 1),
        fold_val_rows(dir.path(), 2, 1)
    );
    // The overall figures: the mean over all six folds, and every repeat's
    // out-of-fold predictions pooled (each example twice).
    let mean_r2 = cv.per_fold.iter().map(|s| s.validation.r2).sum::<f64>() / 6.0;
    assert!((cv.validation.mean.r2 - mean_r2).abs() < 1e-12);
    let mse = (cv.per_repeat[0].pooled.mse + cv.per_repeat[1].pooled.mse) / 2.0;
    assert!(
        (cv.pooled.mse - mse).abs() < 1e-9,
        "{} {mse}",
        cv.pooled.mse
    );
}

/// Nested tuning: each fold's tuner sees that fold's training and
/// early-stopping rows (with the fold's seed), never its held-out rows; the
/// fold then trains with what it chose, exactly as a plain fold would with
/// those parameters, and records them.
#[test]
fn nested_tuning_chooses_each_fold_from_its_training_part() {
    use std::collections::HashSet;
    use valence_host::train::cv::{cross_validate, cross_validate_tuned};
    use valence_host::train::report::FoldTuning;

    let held = CvData::new(150, 23);
    let data = held.job_data();
    let job = cv_job(cfg(3, 9), 3, 2);
    let dir = tempfile::tempdir().unwrap();
    let mut seen: Vec<(u64, Vec<usize>, Vec<usize>)> = Vec::new();
    let mut tuner = |seed: u64, train: &[usize], val: &[usize]| {
        seen.push((seed, train.to_vec(), val.to_vec()));
        // A choice that depends on the rows, so that folds differ.
        Ok(FoldTuning {
            lr: 1e-3 * (1 + seen.len()) as f64,
            batch_size: 16 + train.len() % 7,
            objective: 0.5,
        })
    };
    let cv = cross_validate_tuned(&data, &job, 3, dir.path(), Some(&mut tuner)).unwrap();
    assert_eq!(seen.len(), 6);
    for (i, (seed, train, val)) in seen.iter().enumerate() {
        let (r, f) = (i / 3 + 1, i % 3 + 1);
        assert_eq!(*seed, job.cfg.seed + (r as u64 - 1));
        let held_out: HashSet<usize> = fold_val_rows(dir.path(), r, f).into_iter().collect();
        let tuned: HashSet<usize> = train.iter().chain(val).copied().collect();
        assert!(
            tuned.is_disjoint(&held_out),
            "fold {r}/{f} tuned on held-out rows"
        );
        assert_eq!(tuned.len() + held_out.len(), 150);
        let t = cv.per_fold[i].tuned.expect("the fold records its choice");
        assert_eq!(t.lr, 1e-3 * (i + 2) as f64);
        assert_eq!(t.batch_size, 16 + train.len() % 7);
    }
    // The first fold of the first draw, trained plainly with its choice,
    // scores the same.
    let t = cv.per_fold[0].tuned.unwrap();
    let plain_job = cv_job(
        TrainConfig {
            lr: t.lr,
            batch_size: t.batch_size,
            ..cfg(3, 9)
        },
        3,
        1,
    );
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = cross_validate(&data, &plain_job, 3, plain_dir.path()).unwrap();
    assert_eq!(plain.per_fold[0].validation, cv.per_fold[0].validation);
    assert_eq!(plain.per_fold[0].tuned, None);
}
