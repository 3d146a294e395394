//! A real dataset through the pickle reader: PMEmo's 108 librosa features per
//! song joined with the static valence means, pickled at test time by
//! `python/make_pickle_fixtures.py --pmemo` (pandas reads the CSV files,
//! numpy and pickle write the file), then read here and checked against
//! Python's own numbers.
//!
//! Skips (with a message) when `../shared/data` (or `VALENCE_DATA`) is
//! absent. When it is present, the Python environment must be too
//! (`scripts/setup-python.sh`, or `VALENCE_PYTHON`).

use std::path::PathBuf;

use std::process::Command;
use valence_tests::env::data_dir as data_dir_or_default;

use serde_json::Value;
use valence_host::data::pickle::{read_pickle, ArrayData, DType, KeyOptions, XData};

fn data_dir() -> Option<PathBuf> {
    let dir = data_dir_or_default();
    dir.join("pmemo").is_dir().then_some(dir)
}

fn root() -> PathBuf {
    valence_tests::env::repo_root()
}

fn python() -> PathBuf {
    valence_tests::env::python("writing the PMEmo pickle")
}

fn bits(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap())
        .collect()
}

#[test]
fn pmemo_features_and_valence_from_a_real_pickle() {
    let Some(data) = data_dir() else {
        println!("SKIPPED pmemo_features_and_valence_from_a_real_pickle: ../shared/data/pmemo not found (real data is not part of the repository)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let pkl = tmp.path().join("pmemo.pkl");
    let out = Command::new(python())
        .arg(root().join("python/make_pickle_fixtures.py"))
        .arg("--pmemo")
        .arg(&pkl)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .expect("cannot run python/make_pickle_fixtures.py");
    assert!(
        out.status.success(),
        "python/make_pickle_fixtures.py --pmemo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(pkl.with_extension("json")).unwrap())
            .unwrap();

    let d = read_pickle(&pkl, &KeyOptions::default()).unwrap_or_else(|e| panic!("{e:#}"));
    let n = want["n_joined"].as_u64().unwrap() as usize;
    let n_features = want["n_features"].as_u64().unwrap() as usize;
    assert_eq!((n, n_features), (767, 108), "the join Python made");
    assert_eq!(d.x_key.as_deref(), Some("features"));
    assert_eq!(d.y_key.as_deref(), Some("valence"));
    let XData::Matrix(x) = &d.x else {
        panic!("features: {}", d.x.describe())
    };
    assert_eq!(x.shape, vec![n, n_features]);
    assert_eq!(x.dtype, DType::F64);
    let y = d.y.as_ref().unwrap();
    assert_eq!((y.shape.clone(), y.dtype), (vec![n], DType::F64));

    // Exact values: first and last rows, first labels.
    let row_bits =
        |i: usize| -> Vec<u64> { x.index(i).to_f64().iter().map(|v| v.to_bits()).collect() };
    assert_eq!(row_bits(0), bits(&want["first_row_bits"]));
    assert_eq!(row_bits(n - 1), bits(&want["last_row_bits"]));
    let ArrayData::F64(labels) = &y.data else {
        panic!("labels are not floats")
    };
    let first: Vec<u64> = labels[..5].iter().map(|v| v.to_bits()).collect();
    assert_eq!(first, bits(&want["first_labels_bits"]));

    // Sums (numpy sums pairwise, so allow for the order of additions).
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let label_sum: f64 = labels.iter().sum();
    assert!(
        close(label_sum, want["label_sum"].as_f64().unwrap()),
        "{label_sum}"
    );
    let feature_sum: f64 = x.to_f64().iter().sum();
    assert!(
        close(feature_sum, want["feature_sum"].as_f64().unwrap()),
        "{feature_sum}"
    );
    println!(
        "PMEmo: {n} songs × {n_features} features, valence mean {:.4} (Python {:.4}), music_ID {}..{}",
        label_sum / n as f64,
        want["label_mean"].as_f64().unwrap(),
        want["first_id"],
        want["last_id"]
    );
}
