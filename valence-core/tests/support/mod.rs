//! Test support: owned model blobs with sensible random weights, turned into
//! descriptors and files with the core's own writer.
#![allow(dead_code)]

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
    pub fn next_u32(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
    pub fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + (self.next_u32() % (hi - lo + 1) as u32) as i32
    }
}

pub struct OwnedLayer {
    pub inputs: usize,
    pub outputs: usize,
    pub activation: Activation,
    pub zero_point: i32,
    pub weights: Vec<u8>,
    pub bias: Vec<u8>,
    pub multiplier: Vec<u8>,
    pub shift: Vec<u8>,
}

pub struct OwnedModel {
    pub spec: FeatureSpec,
    pub stats: StatsSpec,
    pub offset: Vec<u8>,
    pub in_mult: Vec<u8>,
    pub in_shift: Vec<u8>,
    pub in_zero_point: i8,
    pub layers: Vec<OwnedLayer>,
    pub fingerprint: Vec<u8>,
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

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut buf = vec![0u8; 1 << 20];
        let n = write_model(&self.descriptor(), &mut buf).expect("valid model");
        buf.truncate(n);
        buf
    }
}

/// Header + payload for any descriptor, valid or not (bypasses validation).
pub fn encode_unchecked(desc: &ModelDescriptor<'_>, version: u16) -> Vec<u8> {
    let mut payload = vec![0u8; 1 << 20];
    let mut n = postcard::to_slice(desc, &mut payload).unwrap().len();
    if version >= 2 {
        // The feature-set field: set, chroma FFT size and hop (2048, 2048).
        let field = [desc.feature_set.code(), 0x00, 0x08, 0x00, 0x08];
        payload[n..n + field.len()].copy_from_slice(&field);
        n += field.len();
    }
    payload.truncate(n);
    let mut out = Vec::new();
    out.extend_from_slice(b"VLNC");
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(n as u32).to_le_bytes());
    out.extend_from_slice(&valence_core::model::crc32(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// A deterministic music-like test signal: noise, tones and a slow envelope.
pub fn test_signal(n: usize, seed: u32) -> Vec<i16> {
    let mut s = seed;
    (0..n)
        .map(|i| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = ((s >> 16) as i32 - 32768) / 12;
            let env = 0.55 + 0.45 * (i as f64 * 0.0003).sin();
            let tone = 7000.0 * (i as f64 * 0.071).sin() + 2500.0 * (i as f64 * 0.37).sin();
            ((noise as f64 + tone) * env).clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}
