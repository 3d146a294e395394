//! The int8 network: the requantisation rule against a wide-integer
//! reference, the fast layer against the reference layer, and a network
//! small enough to compute by hand.

use proptest::prelude::*;
use valence_core::mlp::{dense, dense_output, dense_reference};
use valence_core::model::{Activation, Layer};
use valence_core::quant::{requantize, SHIFT_RANGE};

fn i32s(values: &[i32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// floor((acc·M + 2^(t-1)) / 2^t) with t = 31 + s, in 128-bit arithmetic.
fn requantize_wide(acc: i32, m: i32, s: i8) -> i32 {
    let t = 31 + s as i32;
    let v = (acc as i128 * m as i128 + (1i128 << (t - 1))).div_euclid(1i128 << t);
    v.clamp(i32::MIN as i128, i32::MAX as i128) as i32
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    #[test]
    fn requantize_matches_wide_reference(acc in any::<i32>(), m in any::<i32>(), s in SHIFT_RANGE) {
        prop_assert_eq!(requantize(acc, m, s), requantize_wide(acc, m, s));
    }
}

prop_compose! {
    fn layers()(inputs in 1usize..70, outputs in 1usize..20, relu in any::<bool>(), zp in -128i32..=127)
        (weights in proptest::collection::vec(any::<u8>(), inputs * outputs),
         bias in proptest::collection::vec(-1_000_000i32..1_000_000, outputs),
         mult in proptest::collection::vec(1i32..i32::MAX, outputs),
         shift in proptest::collection::vec(-2i8..20, outputs),
         input in proptest::collection::vec(any::<i8>(), inputs),
         inputs in Just(inputs), outputs in Just(outputs), relu in Just(relu), zp in Just(zp))
        -> (usize, usize, bool, i32, Vec<u8>, Vec<i32>, Vec<i32>, Vec<i8>, Vec<i8>) {
        (inputs, outputs, relu, zp, weights, bias, mult, shift, input)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn fast_layer_equals_reference((inputs, outputs, relu, zp, weights, bias, mult, shift, input) in layers()) {
        let (bias, mult) = (i32s(&bias), i32s(&mult));
        let shift: Vec<u8> = shift.iter().map(|&s| s as u8).collect();
        let layer = Layer {
            inputs: inputs as u16,
            outputs: outputs as u16,
            activation: if relu { Activation::Relu } else { Activation::Linear },
            output_zero_point: zp,
            weights: &weights,
            bias: &bias,
            multiplier: &mult,
            shift: &shift,
        };
        let (mut a, mut b) = (vec![0i8; outputs], vec![0i8; outputs]);
        dense_reference(&layer, &input, &mut a);
        dense(&layer, &input, &mut b);
        prop_assert_eq!(a, b);
    }
}

#[test]
fn requantize_rounds_half_up_once() {
    assert_eq!(requantize(7, 1 << 30, 0), 4);
    assert_eq!(requantize(-7, 1 << 30, 0), -3);
    assert_eq!(requantize(5, 1 << 30, 0), 3);
    assert_eq!(requantize(-5, 1 << 30, 0), -2);
    assert_eq!(requantize(i32::MAX, i32::MAX, -30), i32::MAX);
    assert_eq!(requantize(i32::MIN, i32::MAX, -30), i32::MIN);
}

#[test]
fn a_network_computed_by_hand() {
    // Hidden: 3 -> 2, ReLU, output zero point -10, scale 0.5 (M = 2^30, s = 0).
    let w1: Vec<u8> = [1i8, -2, 3, 4, 5, -6].iter().map(|&w| w as u8).collect();
    let (b1, m1) = (i32s(&[100, -50]), i32s(&[1 << 30, 1 << 30]));
    let s1 = [0u8, 0];
    let hidden = Layer {
        inputs: 3,
        outputs: 2,
        activation: Activation::Relu,
        output_zero_point: -10,
        weights: &w1,
        bias: &b1,
        multiplier: &m1,
        shift: &s1,
    };
    let x = [10i8, 20, -30];
    let mut h = [0i8; 2];
    dense_reference(&hidden, &x, &mut h);
    // acc0 = 100 + 10 - 40 - 90 = -20 -> -10 -> -20, clamped at the zero point -10 (ReLU).
    // acc1 = -50 + 40 + 100 + 180 = 270 -> 135 -> 125.
    assert_eq!(h, [-10, 125]);
    // Output: 2 -> 1, scale 0.5·2^16 (M = 2^30, s = -16), zero point 1.0 in Q16.16.
    let w2: Vec<u8> = [3i8, -1].iter().map(|&w| w as u8).collect();
    let (b2, m2) = (i32s(&[7]), i32s(&[1 << 30]));
    let s2 = [(-16i8) as u8];
    let out = Layer {
        inputs: 2,
        outputs: 1,
        activation: Activation::Linear,
        output_zero_point: 1 << 16,
        weights: &w2,
        bias: &b2,
        multiplier: &m2,
        shift: &s2,
    };
    // acc = 7 - 30 - 125 = -148 -> -148 · 2^15 = -4_849_664; plus 65_536.
    let y = dense_output(&out, &h);
    assert_eq!(y, 65_536 - 4_849_664);
    assert_eq!(y as f32 / 65536.0, -73.0);
}
