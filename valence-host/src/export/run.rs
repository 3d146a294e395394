//! A trained run directory as export and `verify` read it: the model
//! description, the float network on candle (for float predictions), the
//! dataset it was trained on and exactly the train/validation split the
//! training used.
//!
//! The split comes from `model.json`'s `split` (written by `train` and
//! `tune`); run directories of older versions have none, and then it comes
//! from `report.json` (dataset path and size, `val_fraction`, the seed),
//! which gives the same rows. The dataset must be the one the run was
//! trained on: same size, same fingerprint, same feature source.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use candle_core::{Device, Tensor};

use super::fold::FoldedNetwork;
use crate::data::dataset::{Dataset, FeatureSource};
use crate::data::split::train_val_split;
use crate::train::checkpoint::{
    load_tensors, read_json, ModelDescription, SplitRecord, MODEL_FILE, MODEL_FORMAT,
};
use crate::train::network::Mlp;
use crate::train::report::{DataInfo, REPORT_FILE};

/// A run directory, loaded.
pub struct TrainedRun {
    /// The directory.
    pub dir: PathBuf,
    /// Its `model.json`.
    pub description: ModelDescription,
    /// The float network with the run's best weights.
    pub network: Mlp,
    /// The batch-norm-folded float network.
    pub folded: FoldedNetwork,
}

impl TrainedRun {
    /// Reads `dir/model.json` and the weights it names.
    pub fn load(dir: &Path) -> Result<TrainedRun> {
        let json = dir.join(MODEL_FILE);
        ensure!(
            json.exists(),
            "{} is not a run directory (no {MODEL_FILE}); train one with `valence train`",
            dir.display()
        );
        let description: ModelDescription = read_json(&json)?;
        ensure!(
            description.format == MODEL_FORMAT,
            "{}: format `{}` is not a valence float model (`{MODEL_FORMAT}`)",
            json.display(),
            description.format
        );
        let device = Device::Cpu;
        let tensors = load_tensors(&dir.join(&description.weights), &device)?;
        let arch = &description.architecture;
        let network = Mlp::new(arch, 0, &device)?;
        network.load_tensors(&tensors).with_context(|| {
            format!("{} does not match {}", description.weights, json.display())
        })?;
        let folded = FoldedNetwork::from_tensors(arch, &tensors)
            .with_context(|| format!("{}", dir.join(&description.weights).display()))?;
        Ok(TrainedRun {
            dir: dir.to_path_buf(),
            description,
            network,
            folded,
        })
    }

    /// What the features are.
    pub fn feature_source(&self) -> Result<FeatureSource> {
        serde_json::from_value(self.description.feature_source.clone()).with_context(|| {
            format!(
                "{}: the feature source is not one this valence knows",
                self.dir.join(MODEL_FILE).display()
            )
        })
    }

    /// How the run split its dataset.
    pub fn split_record(&self) -> Result<SplitRecord> {
        if let Some(s) = &self.description.split {
            return Ok(s.clone());
        }
        let path = self.dir.join(REPORT_FILE);
        let missing = || {
            anyhow::anyhow!(
                "{} records neither its dataset nor its split (a cross-validation fold, or an \
                 unfinished run): export the run directory that `valence train` or `valence tune` wrote",
                self.dir.display()
            )
        };
        if !path.exists() {
            return Err(missing());
        }
        let report: serde_json::Value = read_json(&path)?;
        let data: DataInfo = serde_json::from_value(report["data"].clone())
            .with_context(|| format!("{}: no dataset description", path.display()))?;
        let val_fraction = report["val_fraction"].as_f64().ok_or_else(missing)?;
        let seed = report["parameters"]["seed"].as_u64().ok_or_else(missing)?;
        let data_path = Path::new(&data.path);
        let data = DataInfo {
            path: if data_path.is_relative() && !data_path.exists() {
                self.dir.join(data_path).display().to_string()
            } else {
                data.path
            },
            ..data
        };
        Ok(SplitRecord {
            data,
            val_fraction,
            seed,
        })
    }

    /// The dataset file the run was trained on, as recorded.
    pub fn dataset_path(&self) -> Result<PathBuf> {
        Ok(PathBuf::from(self.split_record()?.data.path))
    }

    /// Checks that `ds` has the features this run's network takes.
    pub fn check_features(&self, ds: &Dataset) -> Result<()> {
        let want = self.feature_source()?;
        ensure!(
            ds.n_features() == self.description.architecture.n_inputs,
            "the dataset has {} features per example, the run's network takes {}",
            ds.n_features(),
            self.description.architecture.n_inputs
        );
        if *ds.spec() != want {
            bail!(
                "the dataset's features ({}) are not the ones the run was trained on ({})",
                describe_source(ds.spec()),
                describe_source(&want)
            );
        }
        Ok(())
    }

    /// The run's `(train, validation)` rows of `ds`, which must be the
    /// dataset it was trained on.
    pub fn split(&self, ds: &Dataset) -> Result<(Vec<usize>, Vec<usize>)> {
        self.check_features(ds)?;
        let rec = self.split_record()?;
        let other = || {
            format!(
                "the dataset is not the one the run was trained on ({}, {} examples)",
                rec.data.path, rec.data.n_examples
            )
        };
        ensure!(
            ds.n_examples() == rec.data.n_examples,
            "{}: it has {} examples",
            other(),
            ds.n_examples()
        );
        ensure!(
            ds.provenance().fingerprint == rec.data.fingerprint,
            "{}: its fingerprint differs",
            other()
        );
        let (train, val) =
            train_val_split(ds.n_examples(), rec.val_fraction, rec.seed, ds.groups());
        ensure!(
            !train.is_empty() && !val.is_empty(),
            "the split has {} training and {} validation examples; export needs both",
            train.len(),
            val.len()
        );
        Ok((train, val))
    }

    /// Float predictions (label units) of the run's network, on candle, for
    /// rows `rows` of `ds`.
    pub fn float_predictions(&self, ds: &Dataset, rows: &[usize]) -> Result<Vec<f64>> {
        let st = &self.description.standardisation;
        let z = st.inputs(ds.feature_matrix(), rows);
        let x = Tensor::from_vec(z, (rows.len(), ds.n_features()), self.network.device())?;
        let out = self.network.predict(&x)?;
        Ok(st.unscale(&out).into_iter().map(f64::from).collect())
    }
}

/// A feature source in a few words, for messages.
pub fn describe_source(source: &FeatureSource) -> String {
    match source {
        FeatureSource::Audio { spec, stats } => format!(
            "the core front end at {} Hz, n_fft {}, hop {}, {} mels, {:?}",
            spec.sample_rate, spec.n_fft, spec.hop, spec.n_mels, stats
        ),
        FeatureSource::External { description } => format!("external features: {description}"),
        FeatureSource::AudioHarmony {
            spec, stats, set, ..
        } => format!(
            "the core front end at {} Hz, n_fft {}, hop {}, {} mels, {:?}, feature set {}",
            spec.sample_rate,
            spec.n_fft,
            spec.hop,
            spec.n_mels,
            stats,
            set.name()
        ),
    }
}
