//! PMEmo (real features, real human valence labels): cross-validated
//! quality of the MLP. Skips with a message when ../shared/data is absent.

mod train_support;

use train_support::pmemo;

/// The weight-averaging configuration of BENCHMARKS.md's PMEmo table (the
/// tuner's learning rate and batch; 40 epochs, the last 30 averaged) and
/// its measuring split's fraction.
fn averaged() -> (valence_host::train::TrainConfig, f64) {
    let cfg = valence_host::train::TrainConfig {
        lr: 2.47e-3,
        batch_size: 16,
        weight_decay: 1.0,
        clip: 3.0,
        epochs: 40,
        patience: 0,
        swa_epochs: 30,
        ..Default::default()
    };
    (cfg, 0.02)
}

/// 5-fold cross-validation with the parameters `valence tune` found on
/// PMEmo with weight averaging (BENCHMARKS.md has the 10-fold figure and
/// its command): each fold trains 40 epochs on its training part, keeps the
/// mean of the last 30 epochs' weights and is scored on its held-out part.
/// Predicting the mean gives RMSE 0.162; ridge regression 0.115.
#[test]
fn pmemo_cross_validated_quality() {
    use valence_host::train::cv::{cross_validate, Job, JobData};
    use valence_host::train::device::DeviceKind;
    use valence_host::train::report::DataInfo;
    use valence_host::train::{Architecture, Examples};

    let Some((x, y, d)) = pmemo() else { return };
    assert_eq!((y.len(), d), (767, 108));
    let info = DataInfo {
        path: "pmemo".into(),
        n_examples: y.len(),
        n_features: d,
        fingerprint: String::new(),
    };
    let source = serde_json::Value::Null;
    let data = JobData {
        examples: Examples {
            features: &x,
            labels: &y,
            n_features: d,
        },
        groups: None,
        feature_source: &source,
        info: &info,
    };
    let job = Job {
        arch: Architecture {
            dropout: 0.5,
            ..Architecture::default_for(d)
        },
        cfg: averaged().0,
        val_fraction: averaged().1,
        folds: Some(5),
        repeats: 1,
        device: DeviceKind::Cpu,
        resume: false,
        stop: None,
        verbose: false,
    };
    let dir = tempfile::tempdir().unwrap();
    let cv = cross_validate(&data, &job, 5, dir.path()).unwrap();
    let m = cv.validation.mean;
    println!(
        "PMEmo 5-fold CV: RMSE {:.4} ± {:.4}, R² {:.3}, r {:.3}",
        m.rmse, cv.validation.std.rmse, m.r2, m.pearson_r
    );
    // Measured 0.1114, R² 0.518, r 0.728 (early stopping with the earlier
    // parameters gave 0.1158 on these folds); ridge regression 0.115.
    assert!(m.rmse <= 0.114, "RMSE {}", m.rmse);
    assert!(m.r2 >= 0.49, "R² {}", m.r2);
    assert!(m.pearson_r >= 0.70, "r {}", m.pearson_r);
}

/// Averaging networks trained from different seeds, measured under the
/// protocol of the 10-fold figure in BENCHMARKS.md (the same folds and the
/// same early-stopping split per fold as `valence train --folds 10`, with
/// the tuned parameters): each fold trains `VALENCE_PMEMO_ENSEMBLE` (default
/// 5) networks, seeds 42, 43, …, and scores both the first network alone
/// (what `train` ships) and the mean of all on the held-out fold. With
/// `VALENCE_PMEMO_ENSEMBLE_SWA=1` the networks are those of the weight
/// averaging row instead (lr 2.47e-3, batch 16, 40 epochs, the last 30
/// averaged, a 2 % split). Slow (minutes), hence ignored:
/// `cargo test --release -p valence-host --test train_pmemo -- --ignored --nocapture pmemo_seed_ensemble`.
#[test]
#[ignore]
fn pmemo_seed_ensemble() {
    use valence_host::data::split::{k_folds, train_val_split};
    use valence_host::train::fit::{fit, predict_rows, FitOptions};
    use valence_host::train::metrics::Metrics;
    use valence_host::train::{Architecture, Examples, TrainConfig};

    let Some((x, y, d)) = pmemo() else { return };
    let members: u64 = std::env::var("VALENCE_PMEMO_ENSEMBLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    assert!(members >= 1, "VALENCE_PMEMO_ENSEMBLE must be at least 1");
    let data = Examples {
        features: &x,
        labels: &y,
        n_features: d,
    };
    let arch = Architecture {
        dropout: 0.5,
        ..Architecture::default_for(d)
    };
    let with_averaging = std::env::var("VALENCE_PMEMO_ENSEMBLE_SWA").is_ok_and(|v| v == "1");
    let (base, val_fraction) = if with_averaging {
        averaged()
    } else {
        let cfg = TrainConfig {
            lr: 2.56e-3,
            batch_size: 33,
            weight_decay: 1.0,
            clip: 3.0,
            ..TrainConfig::default()
        };
        (cfg, 0.1)
    };
    let folds = k_folds(y.len(), 10, base.seed, None);
    let (mut single, mut ensemble) = (Vec::new(), Vec::new());
    for (i, (train_all, held_out)) in folds.iter().enumerate() {
        let (t, v) = train_val_split(
            train_all.len(),
            val_fraction,
            base.seed.wrapping_add(i as u64),
            None,
        );
        let train: Vec<usize> = t.iter().map(|&j| train_all[j]).collect();
        let val: Vec<usize> = v.iter().map(|&j| train_all[j]).collect();
        let truth: Vec<f32> = held_out.iter().map(|&r| y[r]).collect();
        let mut sum = vec![0f64; held_out.len()];
        for m in 0..members {
            let cfg = TrainConfig {
                seed: base.seed + m,
                ..base.clone()
            };
            let out = fit(&data, &train, &val, &arch, &cfg, &FitOptions::default()).unwrap();
            let pred = predict_rows(&out, &data, held_out).unwrap();
            if m == 0 {
                single.push(Metrics::of(&pred, &truth));
            }
            sum.iter_mut().zip(&pred).for_each(|(s, p)| *s += *p as f64);
        }
        let mean: Vec<f32> = sum.iter().map(|s| (s / members as f64) as f32).collect();
        ensemble.push(Metrics::of(&mean, &truth));
    }
    let avg = |m: &[Metrics], f: fn(&Metrics) -> f64| m.iter().map(f).sum::<f64>() / m.len() as f64;
    let (s_rmse, s_r2) = (avg(&single, |m| m.rmse), avg(&single, |m| m.r2));
    let (e_rmse, e_r2) = (avg(&ensemble, |m| m.rmse), avg(&ensemble, |m| m.r2));
    println!("PMEmo 10-fold CV, one network: RMSE {s_rmse:.4}, R² {s_r2:.3}");
    println!("PMEmo 10-fold CV, mean of {members} networks: RMSE {e_rmse:.4}, R² {e_r2:.3}");
    if members >= 5 {
        // The RMSE goal; measured 0.1111 with 5 networks, 0.1110
        // with 10 (R² 0.513, 0.514: its R² goal of 0.52 is not met); 0.1114
        // with 5 weight-averaged networks.
        assert!(e_rmse <= 0.112, "ensemble RMSE {e_rmse} above 0.112");
    }
    assert!(
        e_rmse <= s_rmse,
        "the ensemble ({e_rmse}) is worse than one network ({s_rmse})"
    );
}
