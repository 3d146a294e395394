//! Shared helpers of the training and tuning tests: synthetic data with a
//! known relationship, PMEmo's feature table read straight from its CSV
//! files, and dataset files built from either.
#![allow(dead_code)]

use std::path::PathBuf;

use valence_host::data::dataset::{
    Dataset, DatasetParts, ExampleOrigin, FeatureSource, Provenance,
};

/// `n` examples of `d` features, standard normal (a seeded xorshift and
/// Box–Muller), with `y = 0.5 + 0.1·(x₀ − 0.5x₁ + 0.25x₂) + 0.05·tanh(x₃x₄) + noise·N(0,1)`.
pub fn synthetic(n: usize, d: usize, noise: f32, seed: u64) -> (Vec<f32>, Vec<f32>) {
    assert!(d >= 5);
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut uniform = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut normal = move || {
        let (u1, u2) = (uniform(), uniform());
        ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
    };
    let mut x = Vec::with_capacity(n * d);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let row: Vec<f32> = (0..d).map(|_| normal()).collect();
        let v = 0.5
            + 0.1 * (row[0] - 0.5 * row[1] + 0.25 * row[2])
            + 0.05 * (row[3] * row[4]).tanh()
            + noise * normal();
        x.extend_from_slice(&row);
        y.push(v);
    }
    (x, y)
}

/// A dataset file's contents from a feature matrix and labels.
pub fn dataset(features: Vec<f32>, labels: Vec<f32>, n_features: usize, what: &str) -> Dataset {
    let n = labels.len();
    Dataset::new(DatasetParts {
        n_features,
        features,
        labels,
        groups: None,
        clips: (0..n).map(|i| format!("{what}-{i}")).collect(),
        origins: (0..n)
            .map(|i| ExampleOrigin {
                clip: i as u32,
                start_s: 0.0,
            })
            .collect(),
        source: FeatureSource::External {
            description: what.to_string(),
        },
        provenance: Provenance {
            inputs: vec![what.to_string()],
            fingerprint: String::new(),
            tool: "valence tests".into(),
            clips_used: n as u64,
            skipped: vec![],
        },
    })
    .expect("valid dataset")
}

/// `../shared/data/pmemo`, next to the repository (or under `VALENCE_DATA`).
pub fn pmemo_dir() -> PathBuf {
    valence_tests::env::data_dir().join("pmemo")
}

/// PMEmo's 108 librosa features and static mean valence (767 songs), joined
/// on the song id, or None (with a SKIPPED line) when the data is absent.
pub fn pmemo() -> Option<(Vec<f32>, Vec<f32>, usize)> {
    let dir = pmemo_dir();
    let feats = dir.join("gioelson_static_features_librosa.csv");
    let labels = dir.join("gioelson_dataframe.csv");
    if !feats.exists() || !labels.exists() {
        println!(
            "SKIPPED: {} not found (PMEmo lives in ../shared/data)",
            dir.display()
        );
        return None;
    }
    let mut valence = std::collections::HashMap::new();
    let mut rdr = csv::Reader::from_path(&labels).unwrap();
    let header = rdr.headers().unwrap().clone();
    let id_col = header.iter().position(|h| h == "music_ID").unwrap();
    let v_col = header.iter().position(|h| h == "valence(mean)").unwrap();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        valence.insert(rec[id_col].to_string(), rec[v_col].parse::<f32>().unwrap());
    }
    let mut rdr = csv::Reader::from_path(&feats).unwrap();
    let header = rdr.headers().unwrap().clone();
    let id_col = header.iter().position(|h| h == "music_ID").unwrap();
    let n_features = header.len() - 1;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let Some(&v) = valence.get(&rec[id_col]) else {
            continue;
        };
        for (i, field) in rec.iter().enumerate() {
            if i != id_col {
                x.push(field.parse::<f32>().unwrap());
            }
        }
        y.push(v);
    }
    Some((x, y, n_features))
}
