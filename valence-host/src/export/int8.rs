//! int8 predictions, always computed by `valence-core` itself — never by a
//! re-implementation — so that what export and `verify` measure is what
//! the device computes.
//!
//! - Features from the core's front end: [`predict_model`] runs a loaded
//!   [`Model`] the way the sensor does: the dB features (mel and onset
//!   statistics) back to Q8.8 (they are exactly `q/256`), harmony features
//!   back to Q15 (exactly `q/32768`), [`mlp::quantize_features`],
//!   [`mlp::infer`].
//! - External features (which the device cannot compute and which do not
//!   fit the Q8.8 input format): [`predict_layers`] quantises the
//!   standardised input to int8 on the host in `f64`, then runs the core's
//!   layer kernels ([`mlp::dense`], [`mlp::dense_output`]) — the same calls
//!   [`mlp::infer`] makes — on the quantised layers.

use anyhow::{ensure, Result};
use valence_core::harmony::N_HARMONY_FEATURES;
use valence_core::model::FeatureSet;
use valence_core::onset::N_ONSET_FEATURES;
use valence_core::{mlp, Model};

use super::quantise::QuantisedNetwork;
use crate::train::standardise::Standardisation;

/// Integer units of each feature of a model reading `set` with
/// `n_mel_features` mel statistics: 256 for the mel statistics (Q8.8 dB),
/// 32768 for the harmony statistics (Q15), 256 for the onset statistics
/// (Q8.8 dB).
pub fn feature_units(set: FeatureSet, n_mel_features: usize) -> Vec<f64> {
    let mel = if set.has_mel() { n_mel_features } else { 0 };
    let mut units = vec![256.0; mel];
    if set.has_harmony() {
        units.extend([32768.0; N_HARMONY_FEATURES]);
    }
    if set.has_onset() {
        units.extend([256.0; N_ONSET_FEATURES]);
    }
    units
}

/// A harmony feature (a Q15 value as `f32`, exact) back to Q15, saturating.
pub fn q15(x: f32) -> i32 {
    (x as f64 * 32768.0)
        .round()
        .clamp(i32::MIN as f64, i32::MAX as f64) as i32
}

/// A dB feature (a Q8.8 value as `f32`) back to Q8.8, saturating.
pub fn q88(x: f32) -> i16 {
    (x as f64 * 256.0)
        .round()
        .clamp(i16::MIN as f64, i16::MAX as f64) as i16
}

/// Q16.16 to label units.
fn label(v: i32) -> f64 {
    v as f64 / 65536.0
}

/// int8 predictions (label units) of `model` for rows `rows` of a
/// row-major matrix of its features (`means ++ stds` in dB, then the
/// harmony values as fractions, as the model's feature set says).
pub fn predict_model(model: &Model<'_>, features: &[f32], rows: &[usize]) -> Result<Vec<f64>> {
    let d = model.n_features();
    ensure!(
        d > 0 && features.len().is_multiple_of(d),
        "the feature rows do not hold the {d} values the model takes"
    );
    let units = feature_units(model.feature_set(), model.n_mel_features());
    let width = model.max_width();
    let (mut a, mut b) = (vec![0i8; width], vec![0i8; width]);
    let mut q = vec![0i32; d];
    let norm = model.descriptor().input;
    rows.iter()
        .map(|&r| {
            let row = features
                .get(r * d..(r + 1) * d)
                .ok_or_else(|| anyhow::anyhow!("row {r} is out of range"))?;
            for ((q, &x), &unit) in q.iter_mut().zip(row).zip(&units) {
                *q = if unit == 256.0 { q88(x) as i32 } else { q15(x) };
            }
            mlp::quantize_features(&norm, q.iter().copied(), &mut a[..d]);
            Ok(label(mlp::infer(model, &mut a, &mut b)))
        })
        .collect()
}

/// int8 predictions (label units) of `net` for rows `rows` of a row-major
/// matrix of external features: host-side input quantisation of the
/// standardised values, then the core's layer kernels.
pub fn predict_layers(
    net: &QuantisedNetwork,
    st: &Standardisation,
    features: &[f32],
    rows: &[usize],
) -> Vec<f64> {
    let width = net
        .layers
        .iter()
        .map(|l| l.outputs as usize)
        .fold(st.mean.len(), usize::max);
    let layers: Vec<_> = net.layers.iter().map(|l| l.as_core()).collect();
    let Some((last, hidden)) = layers.split_last() else {
        return vec![0.0; rows.len()];
    };
    let (mut a, mut b) = (vec![0i8; width], vec![0i8; width]);
    rows.iter()
        .map(|&r| {
            let z = st.inputs(features, &[r]);
            for (q, &z) in a.iter_mut().zip(&z) {
                *q = net.input.quantise(z as f64);
            }
            for layer in hidden {
                mlp::dense(layer, &a, &mut b[..layer.outputs as usize]);
                std::mem::swap(&mut a, &mut b);
            }
            label(mlp::dense_output(last, &a))
        })
        .collect()
}
