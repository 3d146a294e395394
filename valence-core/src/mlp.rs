//! The int8 multilayer perceptron: integer-only inference over a [`Model`]'s
//! blobs, read in place.
//!
//! [`dense_reference`] is the readable definition of a layer; [`dense`] is
//! the portable fast path (four multiply-accumulates per step), and the tests
//! check on random layers that both give identical outputs. The sensor calls
//! [`dense_with_scratch`], which on ARM with the `cortex-m-dsp` feature runs
//! the dot products on the DSP extension (`crate::mlp_dsp`, 1.85
//! instructions per MAC on a Cortex-M4) and is otherwise [`dense`]; the
//! emulated-device tests compare the two bit for bit on every reading. Accumulation is `i32` with wrapping addition, so
//! both paths agree bit for bit even if an exporter produced a layer that
//! overflows; a correct exporter keeps `|bias| + 127·128·inputs` below 2^31.

use crate::model::{Activation, InputNorm, Layer, Model};
use crate::quant::requantize;

#[inline(always)]
fn le_i32(bytes: &[u8]) -> i32 {
    match bytes {
        [a, b, c, d, ..] => i32::from_le_bytes([*a, *b, *c, *d]),
        _ => 0,
    }
}

/// Standardises a feature vector (`means ++ stds`, Q8.8 dB) into int8
/// activations: `clamp(zp + requantize(f - offset, M, s), -128, 127)`.
pub fn quantize_input(norm: &InputNorm<'_>, means: &[i16], stds: &[i16], out: &mut [i8]) {
    let features = means.iter().chain(stds.iter());
    let params = norm
        .offset
        .chunks_exact(4)
        .zip(norm.multiplier.chunks_exact(4))
        .zip(norm.shift.iter());
    for ((q, &f), ((offset, mult), &shift)) in out.iter_mut().zip(features).zip(params) {
        let centred = (f as i32).saturating_sub(le_i32(offset));
        let v =
            (norm.zero_point as i32).saturating_add(requantize(centred, le_i32(mult), shift as i8));
        *q = v.clamp(-128, 127) as i8;
    }
}

/// Standardises a feature vector of `i32` values into int8 activations, as
/// [`quantize_input`] does: `clamp(zp + requantize(f - offset, M, s), -128, 127)`.
/// For models with harmony features ([`crate::model::FeatureSet`]): the mel
/// statistics in Q8.8 dB (if the set has them) followed by the harmony
/// statistics in Q15; the model's offsets are in the same units.
pub fn quantize_features(
    norm: &InputNorm<'_>,
    features: impl IntoIterator<Item = i32>,
    out: &mut [i8],
) {
    let params = norm
        .offset
        .chunks_exact(4)
        .zip(norm.multiplier.chunks_exact(4))
        .zip(norm.shift.iter());
    for ((q, f), ((offset, mult), &shift)) in out.iter_mut().zip(features).zip(params) {
        let centred = f.saturating_sub(le_i32(offset));
        let v =
            (norm.zero_point as i32).saturating_add(requantize(centred, le_i32(mult), shift as i8));
        *q = v.clamp(-128, 127) as i8;
    }
}

fn output_floor(layer: &Layer<'_>) -> i32 {
    match layer.activation {
        Activation::Relu => layer.output_zero_point.clamp(-128, 127),
        Activation::Linear => -128,
    }
}

/// One hidden layer, written as the maths: for each output channel,
/// `acc = bias + Σ w·x`, requantised, offset by the zero point, clamped.
pub fn dense_reference(layer: &Layer<'_>, input: &[i8], output: &mut [i8]) {
    let inputs = layer.inputs as usize;
    let floor = output_floor(layer);
    let rows = layer.weights.chunks_exact(inputs.max(1));
    let params = layer
        .bias
        .chunks_exact(4)
        .zip(layer.multiplier.chunks_exact(4))
        .zip(layer.shift.iter());
    for ((y, row), ((bias, mult), &shift)) in output.iter_mut().zip(rows).zip(params) {
        let mut acc = le_i32(bias);
        for (&w, &x) in row.iter().zip(input) {
            acc = acc.wrapping_add(w as i8 as i32 * x as i32);
        }
        let v = layer
            .output_zero_point
            .saturating_add(requantize(acc, le_i32(mult), shift as i8));
        *y = v.clamp(floor, 127) as i8;
    }
}

/// The dot product of one weight row with the input, four at a time.
#[inline(always)]
fn dot(row: &[u8], input: &[i8], bias: i32) -> i32 {
    let mut acc = bias;
    let mut w4 = row.chunks_exact(4);
    let mut x4 = input.chunks_exact(4);
    for (w, x) in (&mut w4).zip(&mut x4) {
        if let ([w0, w1, w2, w3], [x0, x1, x2, x3]) = (w, x) {
            let s = (*w0 as i8 as i32) * (*x0 as i32)
                + (*w1 as i8 as i32) * (*x1 as i32)
                + (*w2 as i8 as i32) * (*x2 as i32)
                + (*w3 as i8 as i32) * (*x3 as i32);
            acc = acc.wrapping_add(s);
        }
    }
    for (&w, &x) in w4.remainder().iter().zip(x4.remainder()) {
        acc = acc.wrapping_add(w as i8 as i32 * x as i32);
    }
    acc
}

/// One hidden layer, the fast path: identical results to [`dense_reference`].
pub fn dense(layer: &Layer<'_>, input: &[i8], output: &mut [i8]) {
    let inputs = layer.inputs as usize;
    let floor = output_floor(layer);
    let input = input.get(..inputs).unwrap_or(input);
    let rows = layer.weights.chunks_exact(inputs.max(1));
    let params = layer
        .bias
        .chunks_exact(4)
        .zip(layer.multiplier.chunks_exact(4))
        .zip(layer.shift.iter());
    for ((y, row), ((bias, mult), &shift)) in output.iter_mut().zip(rows).zip(params) {
        let acc = dot(row, input, le_i32(bias));
        let v = layer
            .output_zero_point
            .saturating_add(requantize(acc, le_i32(mult), shift as i8));
        *y = v.clamp(floor, 127) as i8;
    }
}

/// One hidden layer using `scratch` (at least `inputs / 2` words) for the
/// DSP kernel's pre-extended inputs when the crate is built with the
/// `cortex-m-dsp` feature for ARM; otherwise (or with too small a scratch)
/// exactly [`dense`]. Either way the outputs are identical.
pub fn dense_with_scratch(layer: &Layer<'_>, input: &[i8], output: &mut [i8], scratch: &mut [i32]) {
    #[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
    {
        let inputs = layer.inputs as usize;
        let blocks = inputs / 16;
        let head = 16 * blocks;
        if let (Some(pairs), Some(input)) = (scratch.get_mut(..8 * blocks), input.get(..inputs)) {
            crate::mlp_dsp::extend_input(input.get(..head).unwrap_or(&[]), pairs);
            let pairs = &*pairs;
            let floor = output_floor(layer);
            let tail_input = input.get(head..).unwrap_or(&[]);
            let finish = |row: &[u8], acc: i32, mult: &[u8], shift: u8| -> i8 {
                let mut acc = acc;
                if !tail_input.is_empty() {
                    for (&w, &x) in row.get(head..).unwrap_or(&[]).iter().zip(tail_input) {
                        acc = acc.wrapping_add(w as i8 as i32 * x as i32);
                    }
                }
                let v = layer.output_zero_point.saturating_add(requantize(
                    acc,
                    le_i32(mult),
                    shift as i8,
                ));
                v.clamp(floor, 127) as i8
            };
            // Rows two at a time (each input word is loaded once for both),
            // then the odd row if there is one.
            let width = inputs.max(1);
            let row_pairs = layer.weights.chunks_exact(2 * width);
            let odd_row = row_pairs.remainder();
            let params = layer
                .bias
                .chunks_exact(8)
                .zip(layer.multiplier.chunks_exact(8))
                .zip(layer.shift.chunks_exact(2));
            let mut outputs = output.chunks_exact_mut(2);
            for ((two_rows, ((bias, mult), shift)), y) in row_pairs.zip(params).zip(&mut outputs) {
                let (row_a, row_b) = two_rows.split_at(width);
                let (bias_a, bias_b) = bias.split_at(4);
                let (mult_a, mult_b) = mult.split_at(4);
                let (acc_a, acc_b) = crate::mlp_dsp::dot16x2(
                    row_a,
                    row_b,
                    pairs,
                    blocks,
                    (le_i32(bias_a), le_i32(bias_b)),
                );
                if let ([ya, yb], [sa, sb]) = (y, shift) {
                    *ya = finish(row_a, acc_a, mult_a, *sa);
                    *yb = finish(row_b, acc_b, mult_b, *sb);
                }
            }
            let last = layer.outputs as usize / 2 * 2;
            if let (Some(y), false) = (outputs.into_remainder().first_mut(), odd_row.is_empty()) {
                let bias = layer.bias.get(4 * last..).unwrap_or(&[]);
                let mult = layer.multiplier.get(4 * last..).unwrap_or(&[]);
                let shift = layer.shift.get(last).copied().unwrap_or(0);
                let acc = crate::mlp_dsp::dot16(odd_row, pairs, blocks, le_i32(bias));
                *y = finish(odd_row, acc, mult, shift);
            }
            return;
        }
    }
    let _ = &scratch;
    dense(layer, input, output)
}

/// The last layer (one output): the label in Q16.16, saturated to `i32`.
pub fn dense_output(layer: &Layer<'_>, input: &[i8]) -> i32 {
    let inputs = layer.inputs as usize;
    let input = input.get(..inputs).unwrap_or(input);
    let row = layer.weights.get(..inputs).unwrap_or(&[]);
    let acc = dot(row, input, le_i32(layer.bias));
    layer.output_zero_point.saturating_add(requantize(
        acc,
        le_i32(layer.multiplier),
        layer.shift.first().copied().unwrap_or(0) as i8,
    ))
}

/// Runs the network on int8 input activations already in `a` (the first
/// `n_features` entries), using `a` and `b` alternately as scratch. Both
/// must hold at least [`Model::max_width`] values (the sensor guarantees it);
/// shorter buffers give a wrong answer, never a panic.
pub fn infer(model: &Model<'_>, a: &mut [i8], b: &mut [i8]) -> i32 {
    infer_with_scratch(model, a, b, &mut [])
}

/// [`infer`], lending `scratch` to [`dense_with_scratch`] (the sensor lends
/// the front end's work buffer, idle between frames).
pub fn infer_with_scratch(
    model: &Model<'_>,
    a: &mut [i8],
    b: &mut [i8],
    scratch: &mut [i32],
) -> i32 {
    let layers = &model.descriptor().layers;
    let Some((last, hidden)) = layers.split_last() else {
        return 0;
    };
    let (mut src, mut dst) = (a, b);
    for layer in hidden {
        let outputs = layer.outputs as usize;
        let out = match dst.get_mut(..outputs) {
            Some(o) => o,
            None => return 0,
        };
        dense_with_scratch(layer, src, out, scratch);
        core::mem::swap(&mut src, &mut dst);
    }
    dense_output(last, src)
}

/// Converts a Q16.16 label value to `f32`.
pub fn q16_to_f32(v: i32) -> f32 {
    v as f32 / 65536.0
}
