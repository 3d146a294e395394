//! The device model file: the quantised network, the feature spec, the
//! label and the provenance, encoded by the core's [`write_model`] (which
//! validates it, so every file written here loads), and written to disk
//! atomically.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use heapless::Vec as HVec;
use valence_core::model::{
    write_model, FeatureSet, Label, Metadata, ModelDescriptor, ModelError, HEADER_LEN, MAX_LAYERS,
};
use valence_core::stats::StatsSpec;
use valence_core::FeatureSpec;

use super::quantise::{QuantisedInputNorm, QuantisedNetwork};
use crate::atomic::write_atomically;

/// The parts of a model file besides the network.
#[derive(Debug, Clone)]
pub struct FileInfo<'a> {
    /// Front end the features come from.
    pub spec: FeatureSpec,
    /// Window statistics.
    pub stats: StatsSpec,
    /// The features the network reads (mel models are written as format
    /// version 1, the others as version 2).
    pub feature_set: FeatureSet,
    /// Label name.
    pub label_name: &'a str,
    /// Label range.
    pub label_range: (f32, f32),
    /// Creation time, seconds since the Unix epoch.
    pub created_unix_s: u64,
    /// Fingerprint of the training data.
    pub data_fingerprint: &'a [u8],
    /// Validation MSE, float.
    pub val_mse_float: f32,
    /// Validation MSE, int8.
    pub val_mse_int8: f32,
    /// Free text.
    pub notes: &'a str,
}

/// The model file's bytes for `net` with the input normalisation `norm`.
pub fn model_bytes(
    net: &QuantisedNetwork,
    norm: &QuantisedInputNorm,
    info: &FileInfo<'_>,
) -> Result<Vec<u8>> {
    let mut layers: HVec<_, MAX_LAYERS> = HVec::new();
    for l in &net.layers {
        layers
            .push(l.as_core())
            .map_err(|_| anyhow!("a device model holds at most {MAX_LAYERS} layers"))?;
    }
    let desc = ModelDescriptor {
        feature_spec: info.spec,
        stats_spec: info.stats,
        input: norm.as_core(),
        layers,
        label: Label {
            name: info.label_name,
            min: info.label_range.0,
            max: info.label_range.1,
        },
        metadata: Metadata {
            created_unix_s: info.created_unix_s,
            data_fingerprint: info.data_fingerprint,
            val_mse_float: info.val_mse_float,
            val_mse_int8: info.val_mse_int8,
            notes: info.notes,
        },
        feature_set: info.feature_set,
    };
    // Blobs, strings and a generous allowance for postcard's varints.
    let mut capacity = HEADER_LEN
        + valence_core::model::FEATURE_SET_FIELD_LEN
        + net.blob_bytes()
        + info.notes.len()
        + info.label_name.len()
        + info.data_fingerprint.len()
        + 1024;
    loop {
        let mut buf = vec![0u8; capacity];
        match write_model(&desc, &mut buf) {
            Ok(len) => {
                buf.truncate(len);
                return Ok(buf);
            }
            Err(ModelError::BufferTooSmall { .. }) if capacity < 1 << 30 => capacity *= 2,
            Err(e) => return Err(anyhow!("the quantised model is invalid: {e}")),
        }
    }
}

/// Writes a model file atomically (a temporary file renamed into place).
pub fn write_model_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |w| Ok(w.write_all(bytes)?))
        .with_context(|| format!("cannot write the model file {}", path.display()))
}

/// A hex fingerprint as bytes (the text's own bytes if it is not hex).
pub fn fingerprint_bytes(hex: &str) -> Vec<u8> {
    let decoded: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    match decoded {
        Some(b) if hex.len().is_multiple_of(2) => b,
        _ => hex.as_bytes().to_vec(),
    }
}
