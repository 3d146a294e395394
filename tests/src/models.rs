//! Models made on the spot: sensible random int8 weights and scales (so the
//! activations neither saturate nor vanish), written with the core's own
//! writer. The construction itself is valence-core's test support
//! (`valence-core/tests/support/owned_model.rs`), shared by path; this module
//! adds the models the cross-crate checks use.

use valence_core::model::FeatureSet;
use valence_core::stats::{StatsSpec, Summary};
use valence_core::FeatureSpec;

#[path = "../../valence-core/tests/support/owned_model.rs"]
mod owned_model;

pub use owned_model::{OwnedLayer, OwnedModel, Rng};

/// A small model on a smaller spec than the default (n_fft 256, hop 128,
/// 40 bands, windows of 32 frames every 16, one hidden layer of 24): many
/// readings per second, so the comparisons see many values.
pub fn small_model() -> OwnedModel {
    let spec = FeatureSpec {
        n_fft: 256,
        hop: 128,
        n_mels: 40,
        ..FeatureSpec::DEFAULT
    };
    let stats = StatsSpec {
        summary: Summary::MeanStd,
        window_frames: 32,
        hop_frames: 16,
    };
    OwnedModel::random(5, spec, stats, &[24])
}

/// A model of the default shape: the default feature and statistics specs
/// and the default network 128→256→128→64→1 (73,792 MACs), random weights.
/// Costs and sizes measured with it are those of any default-shape model.
pub fn default_shape_model() -> OwnedModel {
    OwnedModel::random(
        11,
        FeatureSpec::DEFAULT,
        StatsSpec::DEFAULT,
        &[256, 128, 64],
    )
}

/// A model of the default shape that reads the mel statistics and the
/// harmony statistics (format version 2, feature set mel + harmony): the
/// default specs and the network 143→256→128→64→1 (77,632 MACs), random
/// weights. A device needs the harmony path (valence-core's `harmony`
/// feature) to run it.
pub fn default_harmony_model() -> OwnedModel {
    OwnedModel::random_with_set(
        17,
        FeatureSpec::DEFAULT,
        StatsSpec::DEFAULT,
        &[256, 128, 64],
        FeatureSet::MelHarmony,
    )
}

/// The default shape reading the mel statistics, the harmony statistics and
/// the onset statistics (145 inputs): what a model of
/// `--feature-set mel-harmony-onset` looks like.
pub fn default_onset_model() -> OwnedModel {
    OwnedModel::random_with_set(
        19,
        FeatureSpec::DEFAULT,
        StatsSpec::DEFAULT,
        &[256, 128, 64],
        FeatureSet::MelHarmonyOnset,
    )
}

/// The same shape reading the key sets' vector (145 inputs: the chroma from
/// the best key's tonic): what a model of `--feature-set mel-key-onset`, the
/// demo's default, looks like.
pub fn default_key_model() -> OwnedModel {
    OwnedModel::random_with_set(
        23,
        FeatureSpec::DEFAULT,
        StatsSpec::DEFAULT,
        &[256, 128, 64],
        FeatureSet::MelKeyOnset,
    )
}

/// The smallest useful model (n_fft 64, hop 32, 4 bands, windows of 4 frames
/// every 2, one hidden layer of 3): a compact seed for fuzzing the model
/// reader, where every byte is a place to mutate.
pub fn tiny_model() -> OwnedModel {
    let spec = FeatureSpec {
        n_mels: 4,
        n_fft: 64,
        hop: 32,
        ..FeatureSpec::DEFAULT
    };
    let stats = StatsSpec {
        summary: Summary::MeanStd,
        window_frames: 4,
        hop_frames: 2,
    };
    OwnedModel::random(5, spec, stats, &[3])
}
