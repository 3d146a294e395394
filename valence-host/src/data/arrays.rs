//! Arrays from Python in, a [`Dataset`] out: the pickle / `.npy` / `.npz`
//! half of `valence features`.
//!
//! The file is read by [`read_pickle`], [`read_npz`] or [`read_npy`]
//! (labels then come from `--labels`: a 1-D `.npy`, or the file itself).
//! What it holds decides the examples:
//!
//! - a **2-D matrix** `(examples, features)`: ready feature vectors, one
//!   example per row, recorded as external features;
//! - **spectrograms** (a 3-D array, or a list of 2-D arrays of any number of
//!   frames): summarised as the device would, per-band mean and standard
//!   deviation of the dB frames in the device's Q8.8 integer arithmetic
//!   ([`spectrogram_stats`]). By default one example per clip over all its
//!   frames; with a statistics window, one example per window
//!   ([`spectrogram_window_stats`]), each with its clip's label and the clip
//!   as its group.

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use valence_core::stats::StatsSpec;

use super::dataset::{Dataset, DatasetParts, ExampleOrigin, FeatureSource, Provenance};
use super::npy::{read_npy, read_npz};
use super::pickle::{
    read_pickle, spectrogram_stats, spectrogram_window_stats, KeyOptions, NdArray, Orientation,
    PickleData, SpectrogramLayout, SpectrogramScale, XData,
};
use super::report::{ProblemKind, Problems};

/// One item's feature vectors: `(item index, [(start in seconds, vector)])`.
type ItemVectors = (usize, Vec<(f32, Vec<f32>)>);

/// How to build a dataset from arrays.
#[derive(Debug, Clone)]
pub struct ArrayBuild {
    /// Which dict keys hold features and labels.
    pub keys: KeyOptions,
    /// What spectrograms hold (used only when the features are spectrograms).
    pub layout: SpectrogramLayout,
    /// Window statistics over spectrograms; `None`: one example per clip.
    pub window: Option<StatsSpec>,
}

/// What the file held.
#[derive(Debug, Clone, Default)]
pub struct ArraySummary {
    /// The features, described (`float64 array of shape (767, 108)`).
    pub x: String,
    /// The dict key of the features, if any.
    pub x_key: Option<String>,
    /// The labels, described, if any.
    pub y: Option<String>,
    /// Where the labels came from (`labels["valence"]`, `y.npy`).
    pub y_from: Option<String>,
    /// Whether the features are spectrograms.
    pub spectrograms: bool,
    /// Items (rows or clips) in the file.
    pub items: usize,
    /// Items that gave examples.
    pub items_used: usize,
    /// Values per example.
    pub n_features: usize,
    /// Examples made.
    pub examples: usize,
    /// Smallest and largest label.
    pub label_range: Option<(f32, f32)>,
    /// Everything skipped.
    pub problems: Problems,
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Reads features (and labels, if present) from a pickle, `.npz` or `.npy`.
pub fn read_arrays(path: &Path, keys: &KeyOptions) -> Result<PickleData> {
    if !path.exists() {
        bail!("{}: no such file", path.display());
    }
    match extension(path).as_str() {
        "npz" => read_npz(path, keys),
        "npy" => {
            let x = read_npy(path)?;
            ensure!(
                (2..=3).contains(&x.ndim()),
                "{}: an array of shape {} is neither feature vectors (2-D) nor spectrograms (3-D)",
                path.display(),
                x.shape_text()
            );
            if let Some((i, v)) = x.first_non_finite() {
                bail!(
                    "{}: example {i} holds {v}: every feature must be a finite number",
                    path.display()
                );
            }
            Ok(PickleData {
                x: XData::Matrix(x),
                y: None,
                x_key: None,
                y_key: None,
            })
        }
        _ => read_pickle(path, keys),
    }
}

/// Labels from a 1-D (or `(n, 1)`) array, as `f32`.
fn labels_of(y: &NdArray, what: &str) -> Result<Vec<f32>> {
    let n = match y.shape[..] {
        [n] | [n, 1] => n,
        _ => bail!(
            "{what} has shape {}: one label per example (1-D) is needed",
            y.shape_text()
        ),
    };
    let v: Vec<f32> = (0..n).map(|i| y.data.get_f64(i) as f32).collect();
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        bail!("label {i} of {what} is not a finite number");
    }
    Ok(v)
}

/// Builds a dataset from a pickle / `.npy` / `.npz`, with labels from the
/// file or from `labels` (a `.npy`). The dataset is `None` when there are no
/// labels.
pub fn build_from_arrays(
    input: &Path,
    labels: Option<&Path>,
    opts: &ArrayBuild,
) -> Result<(Option<Dataset>, ArraySummary)> {
    let data = read_arrays(input, &opts.keys)?;
    let mut fingerprint = blake3::Hasher::new();
    let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    fingerprint.update(blake3::hash(&bytes).as_bytes());
    let n_items = data.x.n_examples();
    let mut summary = ArraySummary {
        x: data.x.describe(),
        x_key: data.x_key.clone(),
        items: n_items,
        ..ArraySummary::default()
    };
    let ys: Option<Vec<f32>> = match (labels, &data.y) {
        (Some(p), Some(_)) => bail!(
            "{} holds labels ({}) and --labels {} names more: use one of them",
            input.display(),
            data.y_key
                .as_deref()
                .map_or("as its second item".to_owned(), |k| format!("key {k:?}")),
            p.display()
        ),
        (Some(p), None) => {
            ensure!(
                extension(p) == "npy",
                "--labels {}: with array input the labels are a 1-D .npy file (or part of the input file)",
                p.display()
            );
            let y = read_npy(p)?;
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            fingerprint.update(blake3::hash(&bytes).as_bytes());
            let v = labels_of(&y, &p.display().to_string())?;
            ensure!(
                v.len() == n_items,
                "{} holds {n_items} examples but {} holds {} labels: they must match one to one",
                input.display(),
                p.display(),
                v.len()
            );
            summary.y = Some(format!("{} array of shape {}", y.dtype, y.shape_text()));
            summary.y_from = Some(p.display().to_string());
            Some(v)
        }
        (None, Some(y)) => {
            let what = data
                .y_key
                .as_ref()
                .map_or("the labels".to_owned(), |k| format!("labels[{k:?}]"));
            summary.y = Some(format!("{} array of shape {}", y.dtype, y.shape_text()));
            summary.y_from = Some(what.clone());
            Some(labels_of(y, &what)?)
        }
        (None, None) => None,
    };
    let matrix = match &data.x {
        XData::Matrix(a) if a.ndim() == 2 => Some(a),
        XData::Matrix(a) if a.ndim() != 3 => bail!(
            "the features have shape {}: expected (examples, features) or spectrograms (clips, a, b)",
            a.shape_text()
        ),
        _ => None,
    };
    let spectrograms = matrix.is_none();
    summary.spectrograms = spectrograms;

    // Per item: its feature vectors and their start times.
    let mut rows: Vec<ItemVectors> = Vec::new();
    let mut problems = Problems::default();
    if let Some(a) = matrix {
        let d = a.shape[1];
        let v = a.to_f32();
        for i in 0..n_items {
            rows.push((i, vec![(0.0, v[i * d..(i + 1) * d].to_vec())]));
        }
    } else {
        let hop_s = opts.layout.spec.hop as f64 / opts.layout.spec.sample_rate as f64;
        for i in 0..n_items {
            let clip = data.x.example(i);
            let vectors = match &opts.window {
                None => spectrogram_stats(&clip, &opts.layout).map(|v| vec![(0.0, v)]),
                Some(stats) => spectrogram_window_stats(&clip, &opts.layout, stats).map(|ws| {
                    ws.into_iter()
                        .enumerate()
                        .map(|(w, v)| ((w as f64 * stats.hop_frames as f64 * hop_s) as f32, v))
                        .collect()
                }),
            };
            match vectors {
                Ok(v) if v.is_empty() => problems.push(
                    ProblemKind::TooShort,
                    format!("clip {i}"),
                    format!(
                        "a spectrogram of shape {} is shorter than one window",
                        clip.shape_text()
                    ),
                ),
                Ok(v) => rows.push((i, v)),
                Err(e) => {
                    problems.push(ProblemKind::BadItem, format!("clip {i}"), format!("{e:#}"))
                }
            }
        }
    }
    summary.items_used = rows.len();
    summary.n_features = rows
        .first()
        .and_then(|r| r.1.first())
        .map_or(0, |v| v.1.len());
    summary.examples = rows.iter().map(|r| r.1.len()).sum();
    if let Some(ys) = &ys {
        summary.label_range =
            rows.iter()
                .map(|r| ys[r.0])
                .fold(None, |acc: Option<(f32, f32)>, y| {
                    Some(acc.map_or((y, y), |(lo, hi)| (lo.min(y), hi.max(y))))
                });
    }
    summary.problems = problems;
    let Some(ys) = ys else {
        return Ok((None, summary));
    };
    if rows.is_empty() {
        return Ok((None, summary));
    }
    let windowed = spectrograms && opts.window.is_some();
    let mut parts = DatasetParts {
        n_features: summary.n_features,
        features: Vec::new(),
        labels: Vec::new(),
        groups: windowed.then(Vec::new),
        clips: (0..n_items).map(|i| format!("item {i}")).collect(),
        origins: Vec::new(),
        source: source_description(input, &data, opts, spectrograms),
        provenance: Provenance {
            inputs: std::iter::once(input.display().to_string())
                .chain(labels.map(|p| p.display().to_string()))
                .collect(),
            fingerprint: fingerprint.finalize().to_hex().to_string(),
            tool: format!("valence {}", env!("CARGO_PKG_VERSION")),
            clips_used: summary.items_used as u64,
            skipped: summary.problems.described_counts(),
        },
    };
    for (i, vectors) in rows {
        for (start_s, v) in vectors {
            ensure!(
                v.len() == parts.n_features,
                "item {i} gives {} features where the first gave {}",
                v.len(),
                parts.n_features
            );
            parts.features.extend(v);
            parts.labels.push(ys[i]);
            if let Some(g) = &mut parts.groups {
                g.push(format!("item {i}"));
            }
            parts.origins.push(ExampleOrigin {
                clip: i as u32,
                start_s,
            });
        }
    }
    Ok((Some(Dataset::new(parts)?), summary))
}

fn source_description(
    input: &Path,
    data: &PickleData,
    opts: &ArrayBuild,
    spectrograms: bool,
) -> FeatureSource {
    let name = input.file_name().map_or_else(
        || input.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let key = data
        .x_key
        .as_ref()
        .map(|k| format!(" (key {k:?})"))
        .unwrap_or_default();
    let description = if spectrograms {
        let l = &opts.layout;
        let s = &l.spec;
        let window = match &opts.window {
            None => "over each whole clip".to_owned(),
            Some(w) => format!(
                "over windows of {} frames every {}",
                w.window_frames, w.hop_frames
            ),
        };
        format!(
            "per-band mean and standard deviation (dB, Q8.8 integer arithmetic) {window} of the {} mel spectrograms{key} in {name}: \
             {} Hz, n_fft {}, hop {}, {} mels, {:?} scale, {:?} norm, axes {}",
            match l.power_or_db {
                SpectrogramScale::Power => "power",
                SpectrogramScale::Db => "decibel",
            },
            s.sample_rate,
            s.n_fft,
            s.hop,
            s.n_mels,
            s.mel_scale,
            s.norm,
            match l.orientation {
                Orientation::MelsByFrames => "(n_mels, frames)",
                Orientation::FramesByMels => "(frames, n_mels)",
            }
        )
    } else {
        format!(
            "ready feature vectors{key} from {name} ({})",
            data.x.describe()
        )
    };
    FeatureSource::External { description }
}
