//! Models made on the spot: sensible random int8 weights and scales (so the
//! activations neither saturate nor vanish), written with the core's own
//! writer. The same construction as valence-core's test support.

use valence_core::model::{
    write_model, Activation, FeatureSet, InputNorm, Label, Layer, Metadata, ModelDescriptor,
    MAX_LAYERS,
};
use valence_core::quant::quantize_scale;
use valence_core::stats::{StatsSpec, Summary};
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
    #[allow(missing_docs)]
    pub inputs: usize,
    #[allow(missing_docs)]
    pub outputs: usize,
    #[allow(missing_docs)]
    pub activation: Activation,
    #[allow(missing_docs)]
    pub zero_point: i32,
    #[allow(missing_docs)]
    pub weights: Vec<u8>,
    #[allow(missing_docs)]
    pub bias: Vec<u8>,
    #[allow(missing_docs)]
    pub multiplier: Vec<u8>,
    #[allow(missing_docs)]
    pub shift: Vec<u8>,
}

/// A model with owned blobs, turned into a file with the core's own writer.
pub struct OwnedModel {
    #[allow(missing_docs)]
    pub spec: FeatureSpec,
    #[allow(missing_docs)]
    pub stats: StatsSpec,
    #[allow(missing_docs)]
    pub offset: Vec<u8>,
    #[allow(missing_docs)]
    pub in_mult: Vec<u8>,
    #[allow(missing_docs)]
    pub in_shift: Vec<u8>,
    #[allow(missing_docs)]
    pub in_zero_point: i8,
    #[allow(missing_docs)]
    pub layers: Vec<OwnedLayer>,
    #[allow(missing_docs)]
    pub fingerprint: Vec<u8>,
    #[allow(missing_docs)]
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
    /// harmony values in Q15) with hidden layer widths `hidden`.
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
        // Means around -40 dB, spreads around 6 dB, both mapped to about ±100;
        // harmony values (Q15) around 0.3, a spread of 0.3 mapped to about ±100.
        let (m, s) = quantize_scale(100.0 / (20.0 * 256.0)).unwrap();
        let (hm, hs) = quantize_scale(100.0 / (0.3 * 32768.0)).unwrap();
        let offset = i32s((0..features).map(|i| {
            if i >= n_mel_features {
                (0.3 * 32768.0) as i32
            } else if i < n_mels {
                -40 * 256
            } else {
                6 * 256
            }
        }));
        let in_mult = i32s((0..features).map(|i| if i < n_mel_features { m } else { hm }));
        let in_shift: Vec<u8> = (0..features)
            .map(|i| {
                if i < n_mel_features {
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
