//! Models made on the spot for tests: owned blobs with sensible random
//! int8 weights and scales (so the activations neither saturate nor
//! vanish), turned into descriptors and files with the core's own writer.
//!
//! One source for two test suites: valence-core's own tests include it as
//! a module of their support, the cross-crate checks (`tests/src/models.rs`)
//! through a `#[path]` module, so both build their models the same way.

use valence_core::model::{
    write_model, Activation, FeatureSet, InputNorm, Label, Layer, Metadata, ModelDescriptor,
    MAX_LAYERS,
};
use valence_core::quant::quantize_scale;
use valence_core::stats::StatsSpec;
use valence_core::FeatureSpec;

/// A small deterministic RNG (xorshift) so tests need no extra crates.
pub struct Rng(pub u64);

impl Rng {
    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + (self.next_u32() % (hi - lo + 1) as u32) as i32
    }
}

/// One dense layer with owned blobs.
pub struct OwnedLayer {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// Activation after the layer.
    pub activation: Activation,
    /// Zero point of the layer's int8 output.
    pub zero_point: i32,
    /// `outputs × inputs` int8 weights.
    pub weights: Vec<u8>,
    /// One `i32` bias per output, little-endian.
    pub bias: Vec<u8>,
    /// One `i32` requantisation multiplier per output, little-endian.
    pub multiplier: Vec<u8>,
    /// One `i8` requantisation shift per output.
    pub shift: Vec<u8>,
}

/// A model with owned blobs, turned into a file with the core's own writer.
pub struct OwnedModel {
    /// The front end's spec.
    pub spec: FeatureSpec,
    /// The window statistics' spec.
    pub stats: StatsSpec,
    /// Input normalisation: one `i32` offset per feature.
    pub offset: Vec<u8>,
    /// Input normalisation: one `i32` multiplier per feature.
    pub in_mult: Vec<u8>,
    /// Input normalisation: one `i8` shift per feature.
    pub in_shift: Vec<u8>,
    /// Zero point of the quantised input.
    pub in_zero_point: i8,
    /// The dense layers, input first.
    pub layers: Vec<OwnedLayer>,
    /// The data fingerprint recorded in the metadata.
    pub fingerprint: Vec<u8>,
    /// The features the network reads.
    pub feature_set: FeatureSet,
}

fn i32s(values: impl IntoIterator<Item = i32>) -> Vec<u8> {
    values.into_iter().flat_map(i32::to_le_bytes).collect()
}

impl OwnedModel {
    /// A model for `spec`/`stats` with hidden layer widths `hidden` and one output.
    pub fn random(seed: u64, spec: FeatureSpec, stats: StatsSpec, hidden: &[usize]) -> Self {
        Self::random_with_set(seed, spec, stats, hidden, FeatureSet::Mel)
    }

    /// A model reading the features of `set` (mel statistics, then the 15
    /// harmony values in Q15, then the 2 onset values in Q8.8 dB) with
    /// hidden layer widths `hidden`.
    pub fn random_with_set(
        seed: u64,
        spec: FeatureSpec,
        stats: StatsSpec,
        hidden: &[usize],
        set: FeatureSet,
    ) -> Self {
        let mut rng = Rng(seed | 1);
        let n_mels = spec.n_mels as usize;
        let n_mel_features = if set.has_mel() {
            stats.n_features(n_mels)
        } else {
            0
        };
        let features = set.n_features(stats.n_features(n_mels));
        // The onset values (Q8.8 dB) come last.
        let onset_from = if set.has_onset() {
            features - valence_core::onset::N_ONSET_FEATURES
        } else {
            features
        };
        // Means around -40 dB, spreads around 6 dB, both mapped to about ±100;
        // harmony values (Q15) around 0.3, a spread of 0.3 mapped to about ±100;
        // onset values around 1 dB, a spread of 1 dB mapped to about ±100.
        let (m, s) = quantize_scale(100.0 / (20.0 * 256.0)).unwrap();
        let (hm, hs) = quantize_scale(100.0 / (0.3 * 32768.0)).unwrap();
        let (om, os) = quantize_scale(100.0 / 256.0).unwrap();
        let offset = i32s((0..features).map(|i| {
            if i >= onset_from {
                256
            } else if i >= n_mel_features {
                (0.3 * 32768.0) as i32
            } else if i < n_mels {
                -40 * 256
            } else {
                6 * 256
            }
        }));
        let in_mult = i32s((0..features).map(|i| {
            if i >= onset_from {
                om
            } else if i < n_mel_features {
                m
            } else {
                hm
            }
        }));
        let in_shift: Vec<u8> = (0..features)
            .map(|i| {
                if i >= onset_from {
                    os as u8
                } else if i < n_mel_features {
                    s as u8
                } else {
                    hs as u8
                }
            })
            .collect();
        let mut layers = Vec::new();
        let mut inputs = features;
        let widths: Vec<usize> = hidden.iter().copied().chain([1]).collect();
        for (l, &outputs) in widths.iter().enumerate() {
            let last = l + 1 == widths.len();
            let weights: Vec<u8> = (0..inputs * outputs)
                .map(|_| rng.range(-127, 127) as i8 as u8)
                .collect();
            let bias = i32s((0..outputs).map(|_| rng.range(-20_000, 20_000)));
            // Typical |acc| ≈ 127·64·sqrt(inputs): map it to about ±64 (hidden) or ±1.0 (output).
            let typical = 127.0 * 64.0 * (inputs as f64).sqrt();
            let target = if last { 65536.0 } else { 64.0 };
            let (m, s) = quantize_scale(target / typical).unwrap();
            let multiplier = i32s((0..outputs).map(|_| m + rng.range(-1000, 1000)));
            let shift = vec![s as u8; outputs];
            layers.push(OwnedLayer {
                inputs,
                outputs,
                activation: if last {
                    Activation::Linear
                } else {
                    Activation::Relu
                },
                zero_point: if last { 3 << 16 } else { -8 },
                weights,
                bias,
                multiplier,
                shift,
            });
            inputs = outputs;
        }
        OwnedModel {
            spec,
            stats,
            offset,
            in_mult,
            in_shift,
            in_zero_point: -3,
            layers,
            fingerprint: vec![0xAB; 32],
            feature_set: set,
        }
    }

    /// The descriptor borrowing the blobs.
    pub fn descriptor(&self) -> ModelDescriptor<'_> {
        let mut layers = heapless::Vec::<Layer<'_>, MAX_LAYERS>::new();
        for l in &self.layers {
            let pushed = layers.push(Layer {
                inputs: l.inputs as u16,
                outputs: l.outputs as u16,
                activation: l.activation,
                output_zero_point: l.zero_point,
                weights: &l.weights,
                bias: &l.bias,
                multiplier: &l.multiplier,
                shift: &l.shift,
            });
            assert!(pushed.is_ok(), "too many layers");
        }
        ModelDescriptor {
            feature_spec: self.spec,
            stats_spec: self.stats,
            input: InputNorm {
                offset: &self.offset,
                multiplier: &self.in_mult,
                shift: &self.in_shift,
                zero_point: self.in_zero_point,
            },
            layers,
            label: Label {
                name: "valence",
                min: 1.0,
                max: 9.0,
            },
            metadata: Metadata {
                created_unix_s: 1_790_000_000,
                data_fingerprint: &self.fingerprint,
                val_mse_float: 0.5,
                val_mse_int8: 0.51,
                notes: "test model",
            },
            feature_set: self.feature_set,
        }
    }

    /// The model file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut buf = vec![0u8; 1 << 20];
        let n = write_model(&self.descriptor(), &mut buf).expect("valid model");
        buf.truncate(n);
        buf
    }
}
