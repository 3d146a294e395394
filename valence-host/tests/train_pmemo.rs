//! PMEmo (real features, real human valence labels): cross-validated
//! quality of the MLP. Skips with a message when ../shared/data is absent.

mod train_support;

use train_support::{dataset, pmemo};

/// Not a test: writes PMEmo as a dataset file for the CLI
/// (`VALENCE_PMEMO_OUT=$PWD/pmemo.vds cargo test --release -p valence-host --test train_pmemo -- --ignored`).
#[test]
#[ignore]
fn write_pmemo_dataset() {
    let Some((x, y, d)) = pmemo() else { return };
    let out = std::env::var("VALENCE_PMEMO_OUT").unwrap_or_else(|_| "pmemo.vds".into());
    dataset(
        x,
        y,
        d,
        "PMEmo static: 108 librosa features (gioelson), valence(mean)",
    )
    .save(std::path::Path::new(&out))
    .unwrap();
    println!("wrote {out}");
}

/// 5-fold cross-validation with the parameters `valence tune` found on
/// PMEmo (BENCHMARKS.md has the 10-fold figure and its command). Each fold
/// early-stops on a split of its own training part and is scored on its
/// held-out part. Predicting the mean gives RMSE 0.162; ridge regression 0.115.
#[test]
fn pmemo_cross_validated_quality() {
    use valence_host::train::cv::{cross_validate, Job, JobData};
    use valence_host::train::device::DeviceKind;
    use valence_host::train::report::DataInfo;
    use valence_host::train::{Architecture, Examples, TrainConfig};

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
        cfg: TrainConfig {
            lr: 2.56e-3,
            batch_size: 33,
            weight_decay: 1.0,
            ..TrainConfig::default()
        },
        val_fraction: 0.1,
        folds: Some(5),
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
    assert!(m.rmse <= 0.120, "RMSE {}", m.rmse);
    assert!(m.r2 >= 0.42, "R² {}", m.r2);
    assert!(m.pearson_r >= 0.65, "r {}", m.pearson_r);
}
