//! Export: from a trained run directory to a device model file (`VLNC`,
//! [`valence_core::model`]), with the float-against-int8 figures that say
//! whether the int8 model is good enough.
//!
//! Runs on features the core computes from audio give a model file that
//! declares its feature set: the mel statistics only (format version 1, as
//! before feature sets existed), or with the harmony statistics (version 2);
//! runs on external features give the figures and no file.
//!
//! Modules, in data-flow order:
//!
//! - [`run`]: the run directory (float network, standardisation, the
//!   dataset and split it was trained on).
//! - [`fold`]: batch norm folded into the dense layers; dropout dropped.
//! - [`calibrate`]: per-tensor activation ranges on the training split.
//! - [`quantise`]: int8 weights per output channel, `i32` biases,
//!   requantisation multipliers and shifts, the input standardisation in
//!   the core's fixed-point input normalisation, the last layer straight to
//!   the label in Q16.16.
//! - [`int8`]: int8 predictions through `valence-core` itself.
//! - [`evaluate`]: float against int8 on the validation split, the goals.
//! - [`summary`]: [`ExportSummary`], printed and put in `report.json`.
//! - [`model_file`]: the model file's bytes, written atomically.
//!
//! Quality goals (asserted by the tests on every dataset we test): the
//! int8 model's validation MSE at most 1.02 × the float model's, and the
//! 99th percentile of `|int8 − float|` at most 1 % of the label range.
//!
//! The label range is the one given in [`ExportOptions::label_range`], else
//! the smallest and largest training label (dataset files record no label
//! scale); the device clamps nothing to it, it is the yardstick of the
//! second goal and tells a reader of the model what the output means.

pub mod calibrate;
pub mod evaluate;
pub mod fold;
pub mod int8;
pub mod model_file;
pub mod quantise;
pub mod run;
pub mod summary;

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, ensure, Context, Result};
use valence_core::model::FeatureSet;
use valence_core::Model;

pub use calibrate::RangeRule;
pub use evaluate::Comparison;
pub use model_file::write_model_file;
pub use run::TrainedRun;
pub use summary::ExportSummary;

use crate::data::dataset::{Dataset, FeatureSource};
use model_file::{fingerprint_bytes, model_bytes, FileInfo};

/// The range rule export uses unless told otherwise (see BENCHMARKS.md,
/// "Quantisation", for the measurements behind the choice).
pub const DEFAULT_RANGE_RULE: RangeRule = RangeRule::MinMax;

/// The examples listed as the worst cases.
pub const N_WORST: usize = 5;

/// How to export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    /// Creation time written into the model, seconds since the Unix epoch.
    pub created_unix_s: u64,
    /// Name of the label.
    pub label_name: String,
    /// The label's scale; `None`: the training labels' min and max.
    pub label_range: Option<(f32, f32)>,
    /// How activation ranges are calibrated.
    pub calibration: RangeRule,
}

/// The creation time: `SOURCE_DATE_EPOCH` when set (reproducible builds),
/// else now.
pub fn creation_time() -> Result<u64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v.trim().parse::<u64>().with_context(|| {
            format!("SOURCE_DATE_EPOCH={v:?} is not a number of seconds since 1970")
        }),
        Err(_) => Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)),
    }
}

impl ExportOptions {
    /// The defaults, with the creation time from [`creation_time`].
    pub fn from_env() -> Result<ExportOptions> {
        Ok(ExportOptions {
            created_unix_s: creation_time()?,
            ..ExportOptions::default()
        })
    }
}

impl Default for ExportOptions {
    /// Label `valence`, range from the training labels, the default range
    /// rule; creation time from `SOURCE_DATE_EPOCH` or now (an unreadable
    /// `SOURCE_DATE_EPOCH` counts as unset here; [`ExportOptions::from_env`]
    /// refuses it).
    fn default() -> Self {
        ExportOptions {
            created_unix_s: creation_time().unwrap_or_else(|_| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0)
            }),
            label_name: "valence".into(),
            label_range: None,
            calibration: DEFAULT_RANGE_RULE,
        }
    }
}

/// What an export produced.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The model file's bytes; `None` for external features, which the
    /// device cannot compute (see [`ExportSummary::no_device_model`]).
    pub bytes: Option<Vec<u8>>,
    /// The figures.
    pub summary: ExportSummary,
}

/// Why external features give no device model.
fn no_device_reason(description: &str) -> String {
    format!(
        "the network was trained on external features ({description}), which the device cannot \
         compute and which do not fit the model file's Q8.8 dB input; train on a dataset built \
         from audio by `valence features` for a device model"
    )
}

/// Exports the run in `run_dir`, trained on `dataset`: quantises it,
/// measures float against int8 on the run's validation split, and returns
/// the model file's bytes (features from audio) with the summary.
pub fn export_run(run_dir: &Path, dataset: &Dataset, opts: &ExportOptions) -> Result<Exported> {
    let run = TrainedRun::load(run_dir)?;
    export_loaded(&run, dataset, opts)
}

/// [`export_run`] on a run already loaded.
pub fn export_loaded(run: &TrainedRun, ds: &Dataset, opts: &ExportOptions) -> Result<Exported> {
    let source = run.feature_source()?;
    // Features the core computes: the spec, statistics and feature set a
    // model file declares.
    let device_features = match &source {
        FeatureSource::Audio { spec, stats } => Some((*spec, *stats, FeatureSet::Mel)),
        FeatureSource::AudioHarmony {
            spec,
            stats,
            set,
            chroma_n_fft,
            chroma_hop,
        } => {
            let chroma = valence_core::model::chroma_spec(spec);
            ensure!(
                (*chroma_n_fft, *chroma_hop) == (chroma.n_fft, chroma.hop),
                "the run's harmony features use a {chroma_n_fft}-point chroma FFT every \
                 {chroma_hop} samples; model files (and devices) compute {} every {}",
                chroma.n_fft,
                chroma.hop
            );
            Some((*spec, *stats, *set))
        }
        FeatureSource::External { .. } => None,
    };
    let (train, val) = run.split(ds)?;
    let st = &run.description.standardisation;
    let z: Vec<f64> = st
        .inputs(ds.feature_matrix(), &train)
        .into_iter()
        .map(f64::from)
        .collect();
    let ranges = calibrate::calibrate(&run.folded, &z, st.clip as f64, opts.calibration)?;
    let units = device_features
        .map(|(spec, stats, set)| int8::feature_units(set, stats.n_features(spec.n_mels as usize)));
    let net = quantise::quantise(&run.folded, &ranges, st, units.as_deref())?;

    let labels = ds.labels();
    let (label_range, range_source) = match opts.label_range {
        Some(r) => (r, "given"),
        None => {
            let (lo, hi) = train
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &r| {
                    (lo.min(labels[r]), hi.max(labels[r]))
                });
            (
                (lo, hi),
                "min and max of the training labels; the dataset records no label scale",
            )
        }
    };
    ensure!(
        label_range.0.is_finite() && label_range.1.is_finite() && label_range.0 < label_range.1,
        "the label range {} to {} is not an increasing interval{}",
        label_range.0,
        label_range.1,
        if opts.label_range.is_none() {
            " (the training labels are all equal): give the label scale"
        } else {
            ""
        }
    );
    let range64 = (label_range.0 as f64, label_range.1 as f64);
    let val_labels: Vec<f64> = val.iter().map(|&r| labels[r] as f64).collect();
    let float = run.float_predictions(ds, &val)?;
    let compare = |int8: &[f64]| Comparison::of(&val, &val_labels, &float, int8, range64, N_WORST);

    let (comparison, bytes, no_device) = match (&source, device_features) {
        (_, Some((spec, stats, feature_set))) => {
            let norm = net
                .input_norm
                .as_ref()
                .ok_or_else(|| anyhow!("no input normalisation for features from audio"))?;
            let fingerprint = fingerprint_bytes(&ds.provenance().fingerprint);
            let arch = &run.description.architecture;
            let mut notes = String::new();
            let mut info = FileInfo {
                spec,
                stats,
                feature_set,
                label_name: &opts.label_name,
                label_range,
                created_unix_s: opts.created_unix_s,
                data_fingerprint: &fingerprint,
                val_mse_float: 0.0,
                val_mse_int8: 0.0,
                notes: "",
            };
            // Measure on a first encoding, then write the figures into the
            // final one and check that it predicts the same.
            let draft = model_bytes(&net, norm, &info)?;
            let model = Model::from_bytes(&draft)
                .map_err(|e| anyhow!("the exported model does not load: {e}"))?;
            let int8 = int8::predict_model(&model, ds.feature_matrix(), &val)?;
            let c = compare(&int8);
            notes.push_str(&format!(
                "valence {} export: MLP {} -> {:?} -> 1, activation ranges by {} on {} training rows; \
                 validation p99 |int8 - float| {:.3}% of the label range",
                env!("CARGO_PKG_VERSION"),
                arch.n_inputs,
                arch.hidden,
                opts.calibration,
                train.len(),
                c.diff_p99_pct
            ));
            info.val_mse_float = c.mse_float as f32;
            info.val_mse_int8 = c.mse_int8 as f32;
            info.notes = &notes;
            let bytes = model_bytes(&net, norm, &info)?;
            let same = {
                let model = Model::from_bytes(&bytes)
                    .map_err(|e| anyhow!("the exported model does not load: {e}"))?;
                int8::predict_model(&model, ds.feature_matrix(), &val)? == int8
            };
            if !same {
                bail!("the exported model predicts differently from the measured one");
            }
            (c, Some(bytes), None)
        }
        (FeatureSource::External { description }, None) => {
            let int8 = int8::predict_layers(&net, st, ds.feature_matrix(), &val);
            (compare(&int8), None, Some(no_device_reason(description)))
        }
        (_, None) => bail!("features from audio without a device spec"),
    };
    let mut summary = ExportSummary::new(&comparison, train.len(), opts.calibration);
    summary.label_name = opts.label_name.clone();
    summary.label_range_source = range_source.into();
    summary.macs = net.macs();
    summary.bytes = bytes.as_ref().map(Vec::len);
    summary.network_bytes = net.blob_bytes();
    summary.no_device_model = no_device;
    Ok(Exported { bytes, summary })
}
