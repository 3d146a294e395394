//! `valence train` and `valence tune` end to end through the binary: the
//! run directory's files, report.json's keys, resuming, and the errors.

mod train_support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use train_support::{dataset, synthetic};

fn valence(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_valence"))
        .args(args)
        .output()
        .expect("valence runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_synthetic(path: &Path, n: usize, d: usize) {
    let (x, y) = synthetic(n, d, 0.01, 11);
    dataset(x, y, d, "synthetic").save(path).unwrap();
}

/// `valence tune` on `data` into `run` with 2 initial trials and `flags`.
fn tune(data: &Path, run: &Path, flags: &[&str]) -> (bool, String, String) {
    let (d, r) = (data.to_str().unwrap(), run.to_str().unwrap());
    let mut args = vec!["tune", "--data", d, "--init", "2", "--out", r];
    args.extend_from_slice(flags);
    valence(&args)
}

fn report(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

#[test]
fn train_with_folds_writes_a_complete_run_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data.vds");
    write_synthetic(&data, 600, 8);
    let run = tmp.path().join("run");
    let (d, r) = (data.to_str().unwrap(), run.to_str().unwrap());
    let (ok, stdout, stderr) = valence(&[
        "train", "--data", d, "--epochs", "8", "--lr", "3e-3", "--folds", "3", "--hidden", "32,16",
        "--out", r,
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("3-fold cross-validation: RMSE"), "{stdout}");
    for f in [
        "model.safetensors",
        "model.json",
        "report.json",
        "checkpoint/state.json",
        "fold-01/model.safetensors",
        "fold-03/fold.json",
    ] {
        assert!(run.join(f).exists(), "{f} missing");
    }
    if Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists() {
        for f in [
            "loss.png",
            "predicted_vs_true.png",
            "cv_predicted_vs_true.png",
        ] {
            assert!(run.join(f).exists(), "{f} missing");
        }
    }
    let rep = report(&run);
    assert_eq!(rep["command"], "train");
    for key in ["mse", "rmse", "r2", "pearson_r"] {
        assert!(rep["validation"][key].is_number(), "validation.{key}");
        assert!(
            rep["folds"]["validation"]["mean"][key].is_number(),
            "folds mean {key}"
        );
        assert!(
            rep["folds"]["validation"]["std"][key].is_number(),
            "folds std {key}"
        );
    }
    assert_eq!(rep["folds"]["per_fold"].as_array().unwrap().len(), 3);
    assert_eq!(rep["parameters"]["lr"], 3e-3);
    assert_eq!(rep["parameters"]["batch_size"], 64);
    assert_eq!(rep["architecture"]["hidden"], serde_json::json!([32, 16]));
    assert_eq!(rep["architecture"]["n_inputs"], 8);
    assert_eq!(
        rep["history"].as_array().unwrap().len(),
        rep["final_model"]["epochs_run"].as_u64().unwrap() as usize
    );
    assert!(
        rep["validation"]["r2"].as_f64().unwrap() > 0.3,
        "{}",
        rep["validation"]
    );
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("model.json")).unwrap()).unwrap();
    assert_eq!(model["format"], "valence-float-mlp");
    assert_eq!(
        model["standardisation"]["mean"].as_array().unwrap().len(),
        8
    );
    assert_eq!(
        model["feature_source"]["External"]["description"],
        "synthetic"
    );

    // The same folder again needs --resume; with it, the finished run is reused.
    let args = [
        "train", "--data", d, "--epochs", "8", "--lr", "3e-3", "--folds", "3", "--hidden", "32,16",
        "--out", r,
    ];
    let (ok, _, stderr) = valence(&args);
    assert!(
        !ok && stderr.contains("holds an earlier run") && stderr.contains("--resume"),
        "{stderr}"
    );
    let mut resumed = args.to_vec();
    resumed.push("--resume");
    let (ok, _, stderr) = valence(&resumed);
    assert!(ok, "{stderr}");
    assert_eq!(report(&run)["validation"], rep["validation"]);
}

#[test]
fn tune_runs_its_budget_and_retrains_the_best() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data.vds");
    write_synthetic(&data, 500, 8);
    let run = tmp.path().join("tuned");
    let (ok, stdout, stderr) = tune(
        &data,
        &run,
        &["--iter", "2", "--epochs", "4", "--hidden", "32,16"],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("best: trial"), "{stdout}");
    let csv = std::fs::read_to_string(run.join("trials.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert!(csv.starts_with("trial,kind,lr,batch,val_mse,best_so_far"));
    let rep = report(&run);
    assert_eq!(rep["command"], "tune");
    let trials = rep["tuning"]["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 4);
    // The best trial is the one with the lowest validation MSE, and the
    // final model is trained with its parameters.
    let best = trials
        .iter()
        .min_by(|a, b| {
            a["value"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["value"].as_f64().unwrap())
        })
        .unwrap();
    assert_eq!(rep["tuning"]["best"]["trial"], best["index"]);
    assert_eq!(rep["parameters"]["lr"], best["values"][0]);
    assert_eq!(
        rep["parameters"]["batch_size"].as_f64().unwrap(),
        best["values"][1].as_f64().unwrap()
    );
    for t in trials {
        let (lr, batch) = (
            t["values"][0].as_f64().unwrap(),
            t["values"][1].as_f64().unwrap(),
        );
        assert!((1e-4..=5e-3).contains(&lr) && (16.0..=128.0).contains(&batch));
    }
    assert!(run.join("model.safetensors").exists());
}

#[test]
fn errors_say_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = out.to_str().unwrap();
    let (ok, _, stderr) = valence(&["train", "--data", "Cargo.toml", "--out", o]);
    assert!(
        !ok && stderr.contains("is not a valence dataset file")
            && stderr.contains("valence features"),
        "{stderr}"
    );
    let (ok, _, stderr) = valence(&["train", "--data", "no-such.vds", "--out", o]);
    assert!(!ok && stderr.contains("no-such.vds"), "{stderr}");
    let data = tmp.path().join("data.vds");
    write_synthetic(&data, 100, 6);
    let d = data.to_str().unwrap();
    if !cfg!(feature = "cuda") {
        let (ok, _, stderr) = valence(&["train", "--data", d, "--device", "cuda", "--out", o]);
        assert!(
            !ok && stderr.contains("without CUDA support") && stderr.contains("--features cuda"),
            "{stderr}"
        );
    }
    // Flags that cannot go together, or values out of range: (command,
    // flags, what the error must say).
    let refused: [(&str, &[&str], &[&str]); 9] = [
        ("train", &["--folds", "1"], &["--folds must be at least 2"]),
        (
            "train",
            &["--repeats", "3"],
            &["--repeats 3", "add --folds K"],
        ),
        (
            "train",
            &["--folds", "3", "--repeats", "0"],
            &["--repeats must be at least 1"],
        ),
        (
            "tune",
            &["--lr-min", "0"],
            &["lower bound must be positive"],
        ),
        (
            "train",
            &["--swa-epochs", "5", "--patience", "10"],
            &["exclude each other", "drop --patience"],
        ),
        (
            "train",
            &["--swa-epochs", "50", "--epochs", "20"],
            &["longer than the training"],
        ),
        (
            "tune",
            &["--trial-folds", "1"],
            &["--trial-folds must be at least 2"],
        ),
        ("tune", &["--nested"], &["--nested", "add --folds K"]),
        (
            "tune",
            &["--folds", "3", "--nested", "--trial-folds", "2"],
            &["--trial-folds cannot be combined"],
        ),
    ];
    for (command, flags, says) in refused {
        let mut args = vec![command, "--data", d, "--out", o];
        args.extend_from_slice(flags);
        let (ok, _, stderr) = valence(&args);
        assert!(!ok, "{args:?} was accepted");
        for s in says {
            assert!(stderr.contains(s), "{args:?}: {stderr}");
        }
    }
}

/// `tune --swa-epochs N --trial-folds K`: every trial is scored by K-fold
/// cross-validation of averaged networks, the report says so, and the
/// final model is the average of its last N epochs.
#[test]
fn tune_with_weight_averaging_and_trial_folds() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data.vds");
    write_synthetic(&data, 300, 6);
    let run = tmp.path().join("tuned");
    let (ok, stdout, stderr) = tune(
        &data,
        &run,
        &[
            "--iter",
            "1",
            "--epochs",
            "6",
            "--swa-epochs",
            "3",
            "--trial-folds",
            "2",
            "--hidden",
            "16",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("tuning by 2-fold cross-validation of 300 examples"),
        "{stdout}"
    );
    assert!(stdout.contains("cross-validated MSE"), "{stdout}");
    let rep = report(&run);
    assert_eq!(rep["tuning"]["trial_folds"], 2);
    assert_eq!(rep["tuning"]["trials"].as_array().unwrap().len(), 3);
    assert_eq!(rep["parameters"]["swa_epochs"], 3);
    assert_eq!(rep["parameters"]["patience"], 0);
    assert_eq!(rep["final_model"]["best_epoch"], 6);
    assert_eq!(rep["final_model"]["epochs_run"], 6);
}

/// `tune --folds K --nested`: every fold tunes on its own training part and
/// the report records each fold's choice, within the searched space.
#[test]
fn nested_tuning_reports_each_folds_choice() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data.vds");
    write_synthetic(&data, 120, 5);
    let run = tmp.path().join("nested");
    let (ok, _, stderr) = tune(
        &data,
        &run,
        &[
            "--iter", "1", "--epochs", "3", "--hidden", "8", "--folds", "3", "--nested",
        ],
    );
    assert!(ok, "{stderr}");
    assert_eq!(stderr.matches("nested tuning on").count(), 3, "{stderr}");
    let rep = report(&run);
    assert_eq!(rep["tuning"]["nested"], true);
    let folds = rep["folds"]["per_fold"].as_array().unwrap();
    assert_eq!(folds.len(), 3);
    for f in folds {
        let t = &f["tuned"];
        let lr = t["lr"].as_f64().unwrap();
        let batch = t["batch_size"].as_u64().unwrap();
        assert!((1e-4..=5e-3).contains(&lr), "{t}");
        assert!((16..=128).contains(&batch), "{t}");
        assert!(t["objective"].as_f64().unwrap().is_finite(), "{t}");
    }
    // The final model is tuned on the whole dataset, as without --nested.
    assert_eq!(rep["tuning"]["trials"].as_array().unwrap().len(), 3);
}

/// `--folds K --repeats R`: R·K folds reported, each repeat's figures, the
/// models of repeat r in `repeat-RR/fold-NN/`.
#[test]
fn repeated_folds_are_reported_and_kept_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data.vds");
    write_synthetic(&data, 120, 5);
    let run = tmp.path().join("run");
    let (d, r) = (data.to_str().unwrap(), run.to_str().unwrap());
    let (ok, stdout, stderr) = valence(&[
        "train",
        "--data",
        d,
        "--epochs",
        "2",
        "--hidden",
        "8",
        "--folds",
        "3",
        "--repeats",
        "2",
        "--out",
        r,
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("2×3-fold cross-validation"), "{stdout}");
    assert!(
        stdout.contains("out-of-fold predictions pooled"),
        "{stdout}"
    );
    let folds = &report(&run)["folds"];
    assert_eq!(folds["k"], 3);
    assert_eq!(folds["repeats"], 2);
    assert_eq!(folds["per_fold"].as_array().unwrap().len(), 6);
    let repeats = folds["per_repeat"].as_array().unwrap();
    assert_eq!(
        (repeats[0]["seed"].as_u64(), repeats[1]["seed"].as_u64()),
        (Some(42), Some(43))
    );
    for (rep, fold) in [(1, 1), (1, 3), (2, 1), (2, 3)] {
        let f = run.join(format!("repeat-{rep:02}/fold-{fold:02}/fold.json"));
        assert!(f.exists(), "{} missing", f.display());
    }
    assert!(!run.join("fold-01").exists());
}

/// `--hidden none --ridge`: the closed-form fit, its penalty in the report,
/// cross-validated like any other model; and the flags it cannot take.
#[test]
fn ridge_fits_in_closed_form() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data.vds");
    write_synthetic(&data, 150, 5);
    let run = tmp.path().join("run");
    let (d, r) = (data.to_str().unwrap(), run.to_str().unwrap());
    let (ok, stdout, stderr) = valence(&[
        "train", "--data", d, "--hidden", "none", "--ridge", "--folds", "3", "--out", r,
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("ridge, penalty"), "{stdout}");
    let rep = report(&run);
    assert_eq!(rep["parameters"]["ridge"], true);
    assert_eq!(rep["architecture"]["hidden"].as_array().unwrap().len(), 0);
    let alpha = rep["final_model"]["ridge_alpha"].as_f64().unwrap();
    assert!((1e-2..=1e5).contains(&alpha), "{alpha}");
    assert!(rep["history"].as_array().unwrap().is_empty());
    let folds = rep["folds"]["per_fold"].as_array().unwrap();
    assert!(folds.iter().all(|f| f["ridge_alpha"].as_f64().is_some()));
    // The synthetic labels are a noisy linear function of the inputs.
    assert!(
        rep["validation"]["r2"].as_f64().unwrap() > 0.5,
        "{}",
        rep["validation"]
    );
    assert!(run.join("model.safetensors").exists());
    assert!(!run.join("loss.png").exists());

    let (ok, _, stderr) = valence(&["train", "--data", d, "--ridge", "--out", r]);
    assert!(!ok && stderr.contains("add --hidden none"), "{stderr}");
    let (ok, _, stderr) = valence(&[
        "train",
        "--data",
        d,
        "--hidden",
        "none",
        "--ridge",
        "--swa-epochs",
        "3",
        "--out",
        r,
    ]);
    assert!(!ok && stderr.contains("drop --swa-epochs"), "{stderr}");
    let (ok, _, stderr) = tune(&data, &run, &["--hidden", "none", "--ridge"]);
    assert!(
        !ok && stderr.contains("no learning rate or batch size to tune"),
        "{stderr}"
    );
}

/// A device model left in the run directory by an earlier export holds
/// other weights; when this run writes none (its features are not the
/// device's), the stale file is removed rather than passed off as this
/// run's.
#[test]
fn a_stale_device_model_does_not_outlive_its_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data.vds");
    write_synthetic(&data, 200, 8);
    let run = tmp.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("model.vlm"), b"an earlier export").unwrap();
    let (d, r) = (data.to_str().unwrap(), run.to_str().unwrap());
    let (ok, stdout, stderr) = valence(&[
        "train", "--data", d, "--epochs", "2", "--hidden", "8", "--out", r,
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("no device model written"), "{stdout}");
    assert!(stdout.contains("came from an earlier export"), "{stdout}");
    assert!(!run.join("model.vlm").exists());
    assert!(run.join("model.safetensors").exists());
}
