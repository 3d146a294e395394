//! Quantisation of the folded float network into the core's int8 layers
//! ([`valence_core::model`]), after [`super::fold`] and
//! [`super::calibrate`].
//!
//! - Activations: per tensor, asymmetric: a range `[lo, hi]` (containing 0)
//!   maps onto int8 with scale `s = (hi − lo)/255` and zero point
//!   `zp = round(−128 − lo/s)`; a ReLU output (`lo = 0`) has `zp = −128`,
//!   the bottom of the int8 range, so the core's clamp at the zero point is
//!   the ReLU.
//! - Input: the standardisation is folded into the core's fixed-point input
//!   normalisation. Features are integers `f = u·x`: the mel statistics in
//!   Q8.8 dB (`u = 256`), the harmony statistics in Q15 (`u = 32768`), so
//!   `q = zp + round((x − mean)/(std·s)) = zp + requantize(f − offset, M, shift)`
//!   with `offset = round(u·mean)` and `(M, shift) = quantize_scale(1/(u·std·s))`.
//!   The input range lies inside `±clip` (it is calibrated on clipped
//!   values), so int8 saturation keeps the clip.
//! - Weights: symmetric per output channel, `s_w = max|w|/127` (raised for a
//!   channel whose weights are all but zero, so that its bias still fits in
//!   [`BIAS_LIMIT`]); biases `round(b/(s_w·s_x))` in `i32` with the input
//!   zero point folded in: `bias − zp_x·Σw_q`, since the core adds `Σ w·q`.
//! - Requantisation: hidden layers `M/2^(31+shift) ≈ s_w·s_x/s_y`; the last
//!   layer goes straight to the label in Q16.16: scale
//!   `65536·label_std·s_w·s_x` and output zero point `round(65536·label_mean)`.

use anyhow::{bail, ensure, Context, Result};
use valence_core::model::{Activation, InputNorm, Layer};
use valence_core::quant::quantize_scale;

use super::calibrate::{Range, Ranges};
use super::fold::FoldedNetwork;
use crate::train::standardise::Standardisation;

/// The largest bias magnitude (before folding the zero point) a channel may
/// need; channels whose weights are nearly zero get a coarser weight scale
/// instead. Leaves `2^31 − 2^24 ≫ 128·127·inputs` for the accumulation.
pub const BIAS_LIMIT: f64 = (1u32 << 24) as f64;

/// Scale and zero point of an int8 activation tensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivationQuant {
    /// Real value of one step.
    pub scale: f64,
    /// The int8 value of real 0.
    pub zero_point: i8,
}

impl ActivationQuant {
    /// The asymmetric int8 quantisation of `range`.
    pub fn of(range: Range) -> ActivationQuant {
        let span = range.hi - range.lo;
        let scale = if span > 0.0 && span.is_finite() {
            span / 255.0
        } else {
            1.0
        };
        let zero_point = (-128.0 - range.lo / scale).round().clamp(-128.0, 127.0) as i8;
        ActivationQuant { scale, zero_point }
    }

    /// `clamp(zp + round(v/scale), −128, 127)`: a real value to int8 (the
    /// host's input quantisation for features the device cannot compute).
    pub fn quantise(&self, v: f64) -> i8 {
        (self.zero_point as f64 + (v / self.scale).round()).clamp(-128.0, 127.0) as i8
    }
}

/// One int8 layer with its blobs in the model file's byte layout.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantisedLayer {
    /// Input width.
    pub inputs: u16,
    /// Output width.
    pub outputs: u16,
    /// ReLU (hidden) or linear (last).
    pub activation: Activation,
    /// Output zero point (label offset in Q16.16 for the last layer).
    pub output_zero_point: i32,
    /// int8 weights, row per output channel.
    pub weights: Vec<u8>,
    /// `i32` biases, little-endian.
    pub bias: Vec<u8>,
    /// `i32` multipliers, little-endian.
    pub multiplier: Vec<u8>,
    /// `i8` shifts.
    pub shift: Vec<u8>,
}

impl QuantisedLayer {
    /// The core's view of this layer (borrowing the blobs).
    pub fn as_core(&self) -> Layer<'_> {
        Layer {
            inputs: self.inputs,
            outputs: self.outputs,
            activation: self.activation,
            output_zero_point: self.output_zero_point,
            weights: &self.weights,
            bias: &self.bias,
            multiplier: &self.multiplier,
            shift: &self.shift,
        }
    }

    /// Bytes of the layer's blobs.
    pub fn blob_bytes(&self) -> usize {
        self.weights.len() + self.bias.len() + self.multiplier.len() + self.shift.len()
    }
}

/// The core's fixed-point input normalisation, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantisedInputNorm {
    /// `i32` offsets (Q8.8 dB), little-endian.
    pub offset: Vec<u8>,
    /// `i32` multipliers, little-endian.
    pub multiplier: Vec<u8>,
    /// `i8` shifts.
    pub shift: Vec<u8>,
    /// The first layer's input zero point.
    pub zero_point: i8,
}

impl QuantisedInputNorm {
    /// The core's view (borrowing the blobs).
    pub fn as_core(&self) -> InputNorm<'_> {
        InputNorm {
            offset: &self.offset,
            multiplier: &self.multiplier,
            shift: &self.shift,
            zero_point: self.zero_point,
        }
    }
}

/// The quantised network.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantisedNetwork {
    /// Quantisation of the standardised input vector.
    pub input: ActivationQuant,
    /// The fixed-point input normalisation from Q8.8 dB features (features
    /// computed by the core's front end only).
    pub input_norm: Option<QuantisedInputNorm>,
    /// The layers, input first.
    pub layers: Vec<QuantisedLayer>,
}

impl QuantisedNetwork {
    /// Multiply-accumulates per inference.
    pub fn macs(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.inputs as usize * l.outputs as usize)
            .sum()
    }

    /// Bytes of the layers' and the input normalisation's blobs.
    pub fn blob_bytes(&self) -> usize {
        let norm = self
            .input_norm
            .as_ref()
            .map_or(0, |n| n.offset.len() + n.multiplier.len() + n.shift.len());
        norm + self
            .layers
            .iter()
            .map(QuantisedLayer::blob_bytes)
            .sum::<usize>()
    }
}

/// The input normalisation for features computed by the core: feature `i`
/// is the integer `units[i]·x` on the device (256 for the mel statistics in
/// Q8.8 dB, 32768 for the harmony statistics in Q15).
fn input_norm(
    st: &Standardisation,
    input: ActivationQuant,
    units: &[f64],
) -> Result<QuantisedInputNorm> {
    ensure!(
        units.len() == st.mean.len(),
        "{} feature units for {} features",
        units.len(),
        st.mean.len()
    );
    let mut norm = QuantisedInputNorm {
        offset: Vec::with_capacity(4 * st.mean.len()),
        multiplier: Vec::with_capacity(4 * st.mean.len()),
        shift: Vec::with_capacity(st.mean.len()),
        zero_point: input.zero_point,
    };
    for (i, ((&mean, &std), &unit)) in st.mean.iter().zip(&st.std).zip(units).enumerate() {
        let offset = (unit * mean as f64).round();
        ensure!(
            offset.abs() < 2f64.powi(31),
            "feature {i}: the mean {mean} is out of the fixed-point range"
        );
        let scale = 1.0 / (unit * std as f64 * input.scale);
        let (m, s) = quantize_scale(scale).with_context(|| {
            format!("feature {i}: the input scale {scale:e} cannot be represented in fixed point")
        })?;
        norm.offset.extend((offset as i32).to_le_bytes());
        norm.multiplier.extend(m.to_le_bytes());
        norm.shift.push(s as u8);
    }
    Ok(norm)
}

/// `(M, shift)` for a requantisation scale; a scale too small for the
/// shift range gives `M = 0` (the output is then the zero point, which is
/// what such a scale rounds to anyway).
fn requant(scale: f64, what: &str) -> Result<(i32, i8)> {
    if let Some(q) = quantize_scale(scale) {
        return Ok(q);
    }
    if scale.is_finite() && (0.0..1e-9).contains(&scale) {
        return Ok((0, 0));
    }
    bail!("{what}: the requantisation scale {scale:e} cannot be represented in fixed point")
}

/// Quantises one folded layer whose input has quantisation `x`; `out` is
/// the output's quantisation for a hidden layer, or the Q16.16 label
/// scale `(label_std, label_mean)` for the last layer.
fn layer(
    index: usize,
    dense: &super::fold::DenseF64,
    x: ActivationQuant,
    out: Result<ActivationQuant, (f64, f64)>,
) -> Result<QuantisedLayer> {
    let (n_in, n_out) = (dense.inputs, dense.outputs);
    let dims = |v: usize| {
        u16::try_from(v).with_context(|| format!("layer {index}: width {v} is too large"))
    };
    let mut q = QuantisedLayer {
        inputs: dims(n_in)?,
        outputs: dims(n_out)?,
        activation: if dense.relu {
            Activation::Relu
        } else {
            Activation::Linear
        },
        output_zero_point: match out {
            Ok(y) => y.zero_point as i32,
            Err((_, label_mean)) => {
                let zp = (65536.0 * label_mean).round();
                ensure!(
                    zp.abs() < 2f64.powi(31),
                    "the label mean {label_mean} is out of the Q16.16 range"
                );
                zp as i32
            }
        },
        weights: Vec::with_capacity(n_in * n_out),
        bias: Vec::with_capacity(4 * n_out),
        multiplier: Vec::with_capacity(4 * n_out),
        shift: Vec::with_capacity(n_out),
    };
    for (o, (row, &b)) in dense
        .weights
        .chunks_exact(n_in)
        .zip(&dense.bias)
        .enumerate()
    {
        let max_abs = row.iter().fold(0.0f64, |m, w| m.max(w.abs()));
        let mut s_w = (max_abs / 127.0).max(b.abs() / (x.scale * BIAS_LIMIT));
        if s_w == 0.0 {
            s_w = 1.0;
        }
        let wq: Vec<i8> = row
            .iter()
            .map(|w| (w / s_w).round().clamp(-127.0, 127.0) as i8)
            .collect();
        let sum: i64 = wq.iter().map(|&w| w as i64).sum();
        let bias = (b / (s_w * x.scale)).round() as i64 - x.zero_point as i64 * sum;
        let worst = bias.abs() + 128 * 127 * n_in as i64;
        ensure!(
            worst < i32::MAX as i64,
            "layer {index}, channel {o}: the int32 accumulator could overflow (bias {bias}, {n_in} inputs)"
        );
        let what = format!("layer {index}, channel {o}");
        let (m, s) = match out {
            Ok(y) => requant(s_w * x.scale / y.scale, &what)?,
            Err((label_std, _)) => requant(65536.0 * label_std * s_w * x.scale, &what)?,
        };
        q.weights.extend(wq.iter().map(|&w| w as u8));
        q.bias.extend((bias as i32).to_le_bytes());
        q.multiplier.extend(m.to_le_bytes());
        q.shift.push(s as u8);
    }
    Ok(q)
}

/// Quantises `net` with the calibrated `ranges`; `st` supplies the label
/// scale and, when `input_units` are given (features computed by the core:
/// each feature's integer unit, see [`super::int8::feature_units`]), the
/// input normalisation.
pub fn quantise(
    net: &FoldedNetwork,
    ranges: &Ranges,
    st: &Standardisation,
    input_units: Option<&[f64]>,
) -> Result<QuantisedNetwork> {
    ensure!(
        ranges.hidden.len() + 1 == net.layers.len(),
        "{} calibrated ranges for {} hidden layers",
        ranges.hidden.len(),
        net.layers.len() - 1
    );
    ensure!(
        net.layers.len() <= valence_core::model::MAX_LAYERS,
        "the network has {} layers; a device model holds at most {}",
        net.layers.len(),
        valence_core::model::MAX_LAYERS
    );
    let input = ActivationQuant::of(ranges.input);
    let input_norm = match input_units {
        Some(units) => Some(input_norm(st, input, units)?),
        None => None,
    };
    let mut layers = Vec::with_capacity(net.layers.len());
    let mut x = input;
    for (i, dense) in net.layers.iter().enumerate() {
        let out = match ranges.hidden.get(i) {
            Some(&r) => Ok(ActivationQuant::of(r)),
            None => Err((st.label_std as f64, st.label_mean as f64)),
        };
        layers.push(layer(i, dense, x, out)?);
        if let Ok(y) = out {
            x = y;
        }
    }
    Ok(QuantisedNetwork {
        input,
        input_norm,
        layers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fold::DenseF64;

    #[test]
    fn activation_quantisation_by_hand() {
        let relu = ActivationQuant::of(Range { lo: 0.0, hi: 5.1 });
        assert!((relu.scale - 0.02).abs() < 1e-15);
        assert_eq!(relu.zero_point, -128);
        let sym = ActivationQuant::of(Range { lo: -1.0, hi: 1.0 });
        assert_eq!(sym.zero_point, -1); // round(−128 + 127.5)
        assert_eq!(sym.quantise(1.0), 127);
        assert_eq!(sym.quantise(-1.0), -128);
        assert_eq!(sym.quantise(9.0), 127); // saturates
    }

    /// One hidden unit, weights [1.27, −0.635], bias 0.5, input scale 0.1
    /// and zero point 10, output range [0, 2.55]:
    /// `s_w = 0.01`, `w_q = [127, −64]` (−63.5 rounds away from 0),
    /// bias `round(0.5/0.001) − 10·(127 − 64) = 500 − 630 = −130`,
    /// requantisation scale `0.01·0.1/0.01 = 0.1`. For x = [1, 2]
    /// (`q = [20, 30]`): `acc = −130 + 127·20 − 64·30 = 490`, output
    /// `−128 + 49 = −79` (0.49 after the weight's rounding; 0.5 exactly).
    #[test]
    fn a_layer_by_hand_through_the_core_kernel() {
        let dense = DenseF64 {
            inputs: 2,
            outputs: 1,
            weights: vec![1.27, -0.635],
            bias: vec![0.5],
            relu: true,
        };
        let x = ActivationQuant {
            scale: 0.1,
            zero_point: 10,
        };
        let y = ActivationQuant::of(Range { lo: 0.0, hi: 2.55 });
        let q = layer(0, &dense, x, Ok(y)).unwrap();
        assert_eq!(q.weights, vec![127u8, (-64i8) as u8]);
        assert_eq!(q.bias, (-130i32).to_le_bytes().to_vec());
        let (m, s) = quantize_scale(0.1).unwrap();
        assert_eq!(q.multiplier, m.to_le_bytes().to_vec());
        assert_eq!(q.shift, vec![s as u8]);
        let mut out = [0i8; 1];
        valence_core::mlp::dense(&q.as_core(), &[20, 30], &mut out);
        assert_eq!(out, [-79]);
    }

    /// The last layer maps to Q16.16 label units: with label_std 2 and
    /// label_mean 3, a standardised output of 0.5 is the label 4.
    #[test]
    fn the_last_layer_gives_the_label_in_q16() {
        let dense = DenseF64 {
            inputs: 1,
            outputs: 1,
            weights: vec![0.5],
            bias: vec![0.0],
            relu: false,
        };
        let x = ActivationQuant {
            scale: 1.0 / 127.0,
            zero_point: 0,
        };
        let q = layer(1, &dense, x, Err((2.0, 3.0))).unwrap();
        assert_eq!(q.output_zero_point, 3 << 16);
        // x = 1.0 (q = 127): 0.5 standardised → 3 + 2·0.5 = 4.
        let v = valence_core::mlp::dense_output(&q.as_core(), &[127]);
        assert!((v as f64 / 65536.0 - 4.0).abs() < 1e-4, "{v}");
    }
}
