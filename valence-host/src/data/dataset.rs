//! The dataset file: the feature vectors, labels and provenance that
//! `valence features` writes and `train` and `tune` read.
//!
//! # Format (version 1)
//!
//! ```text
//! offset  size  content
//! 0       8     magic b"VALDSET\0"
//! 8       4     format version, u32 little-endian (1)
//! 12      8     payload length in bytes, u64 little-endian
//! 20      32    BLAKE3 hash of the payload
//! 52      …     payload: postcard encoding of the dataset (below)
//! ```
//!
//! The payload, in postcard's encoding (varint lengths; `f32` as 4 bytes
//! little-endian), holds in order: `n_features`; the feature matrix
//! (`n_examples × n_features` `f32`, row-major, in dB for features computed
//! from audio); the labels (`n_examples` `f32`); the optional groups (one
//! string per example); the clip names and, per example, its clip index and
//! start time; the [`FeatureSource`] (the [`FeatureSpec`] and [`StatsSpec`]
//! the features were computed with, or a description of external features,
//! or for harmony features also the feature set and the chroma FFT size and
//! hop; postcard tags the variants 0, 1 and 2, so files written before the
//! harmony variant existed still load);
//! the [`Provenance`]. A newer format gets a new version number; readers
//! refuse versions they do not know, and a payload whose hash does not match
//! (a truncated or damaged file) is refused with a clear error.
//!
//! Files are written atomically, and the same inputs give the same bytes
//! (there is no timestamp inside).

use std::io::Write;
use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use serde::{Deserialize, Serialize};
use valence_core::stats::StatsSpec;
use valence_core::FeatureSpec;

use super::harmony::FeatureSet;
use crate::atomic::write_atomically;

/// The first eight bytes of every dataset file.
pub const MAGIC: &[u8; 8] = b"VALDSET\0";
/// The format version this code writes (and the only one it reads).
pub const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8 + 32;

/// What the features are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FeatureSource {
    /// Computed from audio by the core front end and window statistics: the
    /// same vectors the device computes with this spec.
    Audio {
        /// Front-end parameters.
        spec: FeatureSpec,
        /// Window statistics.
        stats: StatsSpec,
    },
    /// Features made elsewhere (a pickle or `.npy` of ready features, or
    /// statistics of spectrograms made by another tool): a model trained on
    /// them is only valid for features made the same way.
    External {
        /// What they are, in words.
        description: String,
    },
    /// Computed from audio by the core front end and window statistics plus
    /// the core's harmony statistics over the same windows
    /// ([`crate::data::harmony`]) and, for the onset sets, the core's onset
    /// statistics of the same frames. Models trained on them declare the
    /// feature set (model format version 2) and need a device built with
    /// the harmony path. (A variant of its own, last, so that dataset files
    /// written before it still load.)
    AudioHarmony {
        /// Front-end parameters.
        spec: FeatureSpec,
        /// Window statistics.
        stats: StatsSpec,
        /// Which features each vector holds, in order.
        set: FeatureSet,
        /// FFT size of the chroma path.
        chroma_n_fft: u16,
        /// Hop of the chroma path, in samples.
        chroma_hop: u16,
    },
}

impl FeatureSource {
    /// Features of `set` computed from audio by the core with `spec` and
    /// `stats` (and, when `set` holds harmony, the default chroma path at
    /// the spec's rate, [`super::harmony::chroma_spec`]).
    pub fn of_audio(spec: FeatureSpec, stats: StatsSpec, set: FeatureSet) -> FeatureSource {
        match set {
            FeatureSet::Mel => FeatureSource::Audio { spec, stats },
            _ => {
                let chroma = super::harmony::chroma_spec(spec.sample_rate);
                FeatureSource::AudioHarmony {
                    spec,
                    stats,
                    set,
                    chroma_n_fft: chroma.n_fft,
                    chroma_hop: chroma.hop,
                }
            }
        }
    }
}

/// Where a dataset came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The inputs as given on the command line (data, labels).
    pub inputs: Vec<String>,
    /// BLAKE3 over the content of every input file used, in order (hex).
    pub fingerprint: String,
    /// Name and version of the tool that wrote the file.
    pub tool: String,
    /// Clips (recordings or array items) that gave examples.
    pub clips_used: u64,
    /// Clips or label rows skipped, with the reasons counted.
    pub skipped: Vec<(String, u64)>,
}

/// Where one example comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExampleOrigin {
    /// Index into [`Dataset::clips`].
    pub clip: u32,
    /// Start of the example's window in the clip, in seconds (0 for whole clips).
    pub start_s: f32,
}

/// Feature vectors with labels, ready for training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    n_features: u32,
    features: Vec<f32>,
    labels: Vec<f32>,
    groups: Option<Vec<String>>,
    clips: Vec<String>,
    origins: Vec<ExampleOrigin>,
    source: FeatureSource,
    provenance: Provenance,
}

/// The parts of a [`Dataset`], for building one.
#[derive(Debug, Clone)]
pub struct DatasetParts {
    /// Values per example.
    pub n_features: usize,
    /// `n_examples × n_features` values, row-major.
    pub features: Vec<f32>,
    /// One label per example.
    pub labels: Vec<f32>,
    /// One group per example, if grouped.
    pub groups: Option<Vec<String>>,
    /// Names of the clips the examples come from.
    pub clips: Vec<String>,
    /// One origin per example.
    pub origins: Vec<ExampleOrigin>,
    /// What the features are.
    pub source: FeatureSource,
    /// Where they came from.
    pub provenance: Provenance,
}

impl Dataset {
    /// Builds a dataset, checking that every length agrees and every value
    /// is finite.
    pub fn new(parts: DatasetParts) -> Result<Dataset> {
        let n = parts.labels.len();
        ensure!(parts.n_features > 0, "a dataset needs at least one feature");
        ensure!(
            parts.features.len() == n * parts.n_features,
            "{} feature values for {n} examples of {} features",
            parts.features.len(),
            parts.n_features
        );
        ensure!(
            parts.origins.len() == n,
            "{} origins for {n} examples",
            parts.origins.len()
        );
        if let Some(g) = &parts.groups {
            ensure!(g.len() == n, "{} groups for {n} examples", g.len());
        }
        if let Some(i) = parts.features.iter().position(|v| !v.is_finite()) {
            bail!(
                "example {}: feature {} is not finite",
                i / parts.n_features,
                i % parts.n_features
            );
        }
        if let Some(i) = parts.labels.iter().position(|v| !v.is_finite()) {
            bail!("example {i}: the label is not finite");
        }
        if let Some(o) = parts
            .origins
            .iter()
            .find(|o| o.clip as usize >= parts.clips.len())
        {
            bail!("an example names clip {} of {}", o.clip, parts.clips.len());
        }
        Ok(Dataset {
            n_features: u32::try_from(parts.n_features).context("too many features")?,
            features: parts.features,
            labels: parts.labels,
            groups: parts.groups,
            clips: parts.clips,
            origins: parts.origins,
            source: parts.source,
            provenance: parts.provenance,
        })
    }

    /// Number of examples.
    pub fn n_examples(&self) -> usize {
        self.labels.len()
    }

    /// Values per example.
    pub fn n_features(&self) -> usize {
        self.n_features as usize
    }

    /// The feature vector of example `i` (panics when out of range).
    pub fn features(&self, i: usize) -> &[f32] {
        let n = self.n_features();
        &self.features[i * n..(i + 1) * n]
    }

    /// All feature vectors, row-major.
    pub fn feature_matrix(&self) -> &[f32] {
        &self.features
    }

    /// One label per example.
    pub fn labels(&self) -> &[f32] {
        &self.labels
    }

    /// One group per example (clips of one group must stay on one side of a split).
    pub fn groups(&self) -> Option<&[String]> {
        self.groups.as_deref()
    }

    /// The clip names examples refer to.
    pub fn clips(&self) -> &[String] {
        &self.clips
    }

    /// Where each example comes from.
    pub fn origins(&self) -> &[ExampleOrigin] {
        &self.origins
    }

    /// What the features are (the spec a model trained on them must use).
    pub fn spec(&self) -> &FeatureSource {
        &self.source
    }

    /// Where the dataset came from.
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    /// The examples at `indices`, in that order (for splits).
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let n = self.n_features();
        let mut features = Vec::with_capacity(indices.len() * n);
        for &i in indices {
            features.extend_from_slice(self.features(i));
        }
        Dataset {
            n_features: self.n_features,
            features,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            groups: self
                .groups
                .as_ref()
                .map(|g| indices.iter().map(|&i| g[i].clone()).collect()),
            clips: self.clips.clone(),
            origins: indices.iter().map(|&i| self.origins[i]).collect(),
            source: self.source.clone(),
            provenance: self.provenance.clone(),
        }
    }

    /// The file's bytes (see the module doc).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let payload = postcard::to_stdvec(self).context("cannot encode the dataset")?;
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(blake3::hash(&payload).as_bytes());
        out.extend_from_slice(&payload);
        Ok(out)
    }

    /// Parses a dataset file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Dataset> {
        ensure!(
            bytes.len() >= 8 && &bytes[..8] == MAGIC,
            "not a valence dataset file (made by `valence features`)"
        );
        ensure!(bytes.len() >= HEADER_LEN, "the dataset file is truncated");
        let version = u32::from_le_bytes(bytes[8..12].try_into()?);
        ensure!(
            version == FORMAT_VERSION,
            "dataset format version {version} is not supported by this valence (it reads version {FORMAT_VERSION}); \
             rebuild the dataset with `valence features`"
        );
        let len = u64::from_le_bytes(bytes[12..20].try_into()?);
        let payload = &bytes[HEADER_LEN..];
        ensure!(
            payload.len() as u64 == len,
            "the dataset file is truncated or has trailing data ({} payload bytes, the header says {len})",
            payload.len()
        );
        ensure!(
            blake3::hash(payload).as_bytes() == &bytes[20..52],
            "the dataset file is damaged (its checksum does not match)"
        );
        let ds: Dataset = postcard::from_bytes(payload).context("the dataset file is damaged")?;
        // Re-check the invariants of `new`.
        Dataset::new(DatasetParts {
            n_features: ds.n_features as usize,
            features: ds.features,
            labels: ds.labels,
            groups: ds.groups,
            clips: ds.clips,
            origins: ds.origins,
            source: ds.source,
            provenance: ds.provenance,
        })
    }

    /// Writes the dataset to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = self.to_bytes()?;
        write_atomically(path, |w| Ok(w.write_all(&bytes)?))
    }

    /// Reads a dataset file.
    pub fn load(path: &Path) -> Result<Dataset> {
        if !path.exists() {
            bail!("{}: no such file", path.display());
        }
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Dataset::from_bytes(&bytes).with_context(|| path.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_source_variants_keep_their_tags() {
        // Files written before `AudioHarmony` existed hold tags 0 and 1:
        // new variants go last so those files still decode.
        let audio = FeatureSource::Audio {
            spec: FeatureSpec::DEFAULT,
            stats: StatsSpec::DEFAULT,
        };
        assert_eq!(postcard::to_stdvec(&audio).unwrap()[0], 0);
        let external = FeatureSource::External {
            description: "x".into(),
        };
        assert_eq!(postcard::to_stdvec(&external).unwrap(), vec![1, 1, b'x']);
        let harmony = FeatureSource::AudioHarmony {
            spec: FeatureSpec::DEFAULT,
            stats: StatsSpec::DEFAULT,
            set: FeatureSet::MelHarmony,
            chroma_n_fft: 2048,
            chroma_hop: 2048,
        };
        let bytes = postcard::to_stdvec(&harmony).unwrap();
        assert_eq!(bytes[0], 2);
        assert_eq!(
            postcard::from_bytes::<FeatureSource>(&bytes).unwrap(),
            harmony
        );
    }

    fn sample() -> Dataset {
        Dataset::new(DatasetParts {
            n_features: 2,
            features: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            labels: vec![0.1, 0.2, 0.3],
            groups: Some(vec!["a".into(), "a".into(), "b".into()]),
            clips: vec!["x.wav".into(), "y.wav".into()],
            origins: vec![
                ExampleOrigin {
                    clip: 0,
                    start_s: 0.0,
                },
                ExampleOrigin {
                    clip: 0,
                    start_s: 1.0,
                },
                ExampleOrigin {
                    clip: 1,
                    start_s: 0.0,
                },
            ],
            source: FeatureSource::Audio {
                spec: FeatureSpec::DEFAULT,
                stats: StatsSpec::DEFAULT,
            },
            provenance: Provenance {
                inputs: vec!["x".into()],
                fingerprint: "00".into(),
                tool: "valence test".into(),
                clips_used: 2,
                skipped: vec![],
            },
        })
        .unwrap()
    }

    #[test]
    fn round_trip_and_damage() {
        let ds = sample();
        let bytes = ds.to_bytes().unwrap();
        assert_eq!(Dataset::from_bytes(&bytes).unwrap(), ds);
        assert_eq!(ds.features(1), &[3.0, 4.0]);
        let err = |b: &[u8]| format!("{:#}", Dataset::from_bytes(b).unwrap_err());
        assert!(err(&bytes[..bytes.len() - 1]).contains("truncated"));
        let mut bad = bytes.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(err(&bad).contains("damaged"));
        let mut v2 = bytes.clone();
        v2[8] = 2;
        assert!(err(&v2).contains("version 2"));
        assert!(err(b"PK\x03\x04 something else").contains("not a valence dataset"));
        let sub = ds.subset(&[2, 0]);
        assert_eq!(sub.labels(), &[0.3, 0.1]);
        assert_eq!(sub.features(0), &[5.0, 6.0]);
    }

    #[test]
    fn invariants_are_checked() {
        let mut parts = DatasetParts {
            n_features: 2,
            features: vec![1.0, f32::NAN],
            labels: vec![0.0],
            groups: None,
            clips: vec!["c".into()],
            origins: vec![ExampleOrigin {
                clip: 0,
                start_s: 0.0,
            }],
            source: FeatureSource::External {
                description: "test".into(),
            },
            provenance: sample().provenance().clone(),
        };
        assert!(Dataset::new(parts.clone()).is_err());
        parts.features = vec![1.0, 2.0, 3.0];
        assert!(Dataset::new(parts).is_err());
    }
}
