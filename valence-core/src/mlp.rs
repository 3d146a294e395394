//! The int8 multilayer perceptron: integer-only inference over a [`Model`]'s
//! blobs, read in place.
//!
//! [`dense_reference`] is the readable definition of a layer; [`dense`] is
//! the path the sensor runs (four multiply-accumulates per step from one
//! 32-bit word of weights), and the tests check on random layers that both
//! give identical outputs. Accumulation is `i32` with wrapping addition, so
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
        dense(layer, src, out);
        core::mem::swap(&mut src, &mut dst);
    }
    dense_output(last, src)
}

/// Converts a Q16.16 label value to `f32`.
pub fn q16_to_f32(v: i32) -> f32 {
    v as f32 / 65536.0
}
