//! Shared helpers of the librosa-oracle tests: reading `.npy` files, building
//! specs from the fixture manifest, running the core, and the error budget.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use valence_core::frontend::HostFrontEnd;
use valence_core::{db_q8_to_f32, FeatureSpec, MelNorm, MelScale};

/// The budget of the issue that introduced the front end (decibels).
pub const NEAR_MAE_DB: f64 = 0.02;
/// 99.9th percentile of |error| for bins within 60 dB of the frame's loudest.
pub const NEAR_P999_DB: f64 = 0.1;
/// 99th percentile of |error| for bins 60 to 90 dB below the frame's loudest.
pub const FAR_P99_DB: f64 = 1.0;

pub fn read_npy_i16(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    npyz::NpyFile::new(&bytes[..])
        .unwrap()
        .into_vec::<i16>()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A float matrix (float32 or float64 on disk) as `(rows, cols, data)`.
pub fn read_npy_f64(path: &Path) -> (usize, usize, Vec<f64>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    let (rows, cols) = match shape.as_slice() {
        [r, c] => (*r as usize, *c as usize),
        [r] => (*r as usize, 1),
        other => panic!("{}: unexpected shape {other:?}", path.display()),
    };
    let data = match npy.dtype() {
        npyz::DType::Plain(t) if t.size_field() == 4 => npy
            .into_vec::<f32>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect(),
        _ => npy.into_vec::<f64>().unwrap(),
    };
    (rows, cols, data)
}

pub fn spec_from_manifest(cfg: &serde_json::Value) -> FeatureSpec {
    let num = |k: &str| {
        cfg[k]
            .as_f64()
            .unwrap_or_else(|| panic!("manifest: no {k}"))
    };
    FeatureSpec {
        sample_rate: num("sample_rate") as u32,
        n_fft: num("n_fft") as u16,
        hop: num("hop") as u16,
        n_mels: num("n_mels") as u16,
        fmin_hz: num("fmin") as f32,
        fmax_hz: num("fmax") as f32,
        mel_scale: if cfg["htk"].as_bool().unwrap() {
            MelScale::Htk
        } else {
            MelScale::Slaney
        },
        norm: match cfg["norm"].as_str().unwrap() {
            "slaney" => MelNorm::Slaney,
            "none" => MelNorm::None,
            other => panic!("manifest: unknown norm {other}"),
        },
        db_floor: num("db_floor") as i16,
    }
}

/// The core's frames of `samples` in dB, row-major.
pub fn core_frames_db(spec: &FeatureSpec, samples: &[i16]) -> Vec<f64> {
    let mut fe = Box::new(HostFrontEnd::new(spec).expect("valid spec"));
    let mut out = Vec::new();
    fe.push(samples, |frame| {
        out.extend(frame.iter().map(|&v| db_q8_to_f32(v) as f64))
    });
    out
}

/// Absolute errors split by distance below each frame's loudest reference bin.
#[derive(Debug, Default, Clone)]
pub struct ErrorStats {
    pub near: Vec<f64>,
    pub far: Vec<f64>,
    pub frames: usize,
}

impl ErrorStats {
    /// Adds one signal: `ours` and `reference` are `frames × n_mels` dB, row-major.
    pub fn add(&mut self, ours: &[f64], reference: &[f64], n_mels: usize) {
        assert_eq!(
            ours.len(),
            reference.len(),
            "frame count differs: core {} vs librosa {}",
            ours.len() / n_mels,
            reference.len() / n_mels
        );
        for (o, r) in ours
            .chunks_exact(n_mels)
            .zip(reference.chunks_exact(n_mels))
        {
            let loudest = r.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            for (&a, &b) in o.iter().zip(r) {
                let err = (a - b).abs();
                if b >= loudest - 60.0 {
                    self.near.push(err);
                } else if b >= loudest - 90.0 {
                    self.far.push(err);
                }
            }
            self.frames += 1;
        }
    }

    pub fn merge(&mut self, other: &ErrorStats) {
        self.near.extend_from_slice(&other.near);
        self.far.extend_from_slice(&other.far);
        self.frames += other.frames;
    }

    pub fn near_mae(&self) -> f64 {
        if self.near.is_empty() {
            0.0
        } else {
            self.near.iter().sum::<f64>() / self.near.len() as f64
        }
    }

    pub fn near_p999(&self) -> f64 {
        percentile(&self.near, 0.999)
    }

    pub fn near_max(&self) -> f64 {
        self.near.iter().cloned().fold(0.0, f64::max)
    }

    pub fn far_p99(&self) -> f64 {
        percentile(&self.far, 0.99)
    }

    pub fn within_budget(&self) -> bool {
        self.near_mae() <= NEAR_MAE_DB
            && self.near_p999() <= NEAR_P999_DB
            && self.far_p99() <= FAR_P99_DB
    }
}

/// Nearest-rank percentile (0 for an empty set).
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// A Markdown table of error statistics, one row per `(config, signal)` label.
pub fn table(title: &str, rows: &[(String, String, ErrorStats)]) -> String {
    let mut s = String::new();
    writeln!(s, "\n{title}").unwrap();
    writeln!(
        s,
        "| config | signal | frames | bins ≤60 dB | MAE dB | p99.9 dB | max dB | bins 60–90 dB | p99 dB | ok |"
    )
    .unwrap();
    writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|").unwrap();
    for (cfg, sig, st) in rows {
        writeln!(
            s,
            "| {cfg} | {sig} | {} | {} | {:.4} | {:.4} | {:.4} | {} | {:.3} | {} |",
            st.frames,
            st.near.len(),
            st.near_mae(),
            st.near_p999(),
            st.near_max(),
            st.far.len(),
            st.far_p99(),
            if st.within_budget() { "yes" } else { "NO" }
        )
        .unwrap();
    }
    writeln!(
        s,
        "budget: MAE ≤ {NEAR_MAE_DB} dB and p99.9 ≤ {NEAR_P999_DB} dB within 60 dB of each frame's loudest bin; p99 ≤ {FAR_P99_DB} dB from 60 to 90 dB below"
    )
    .unwrap();
    s
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The real-data folder: `VALENCE_DATA`, else `../shared/data` next to the
/// repository.
pub fn data_dir() -> PathBuf {
    std::env::var_os("VALENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/data"))
}

/// The Python interpreter with librosa: `VALENCE_PYTHON`, else the `.venv`
/// that `scripts/setup-python.sh` makes.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("VALENCE_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "the librosa oracle needs a Python environment: run scripts/setup-python.sh \
         (or set VALENCE_PYTHON to a python with librosa 0.11)"
    );
    venv
}

/// The real recordings the oracle tests use: every WAV, OGG, MP3 and FLAC in
/// `music/` and `emomusic/audio/` of the data folder, sorted by name.
pub fn recordings(data: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in ["music", "emomusic/audio"] {
        let dir = data.join(sub);
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("wav" | "ogg" | "mp3" | "flac")
                )
            })
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

/// The real recordings for the test `test`, or `None` (after saying
/// `SKIPPED`) when the data folder is absent: it is not part of the
/// repository. Present but incomplete is an error.
pub fn real_recordings_or_skip(test: &str) -> Option<Vec<PathBuf>> {
    let data = data_dir();
    if !data.is_dir() {
        println!(
            "SKIPPED {test}: {} not found (real recordings are not part of the repository)",
            data.display()
        );
        return None;
    }
    let files = recordings(&data);
    assert!(
        files.len() >= 10,
        "expected the music and emoMusic recordings in {}",
        data.display()
    );
    Some(files)
}
