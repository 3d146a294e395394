//! Fixed-point requantisation: the one rounding rule of the int8 network.
//!
//! A real scale `m ∈ (0, 1)` is stored as an `i32` multiplier `M` and a
//! shift `s`, meaning `m = M / 2^(31 + s)`. Requantising an accumulator `a`
//! computes, in 64-bit arithmetic, exactly
//!
//! ```text
//! requantize(a, M, s) = floor((a·M + 2^(30 + s)) / 2^(31 + s))
//! ```
//!
//! i.e. `a·m` rounded to nearest with halves toward +∞ — a single rounding
//! (unlike TFLite's doubling-high-multiply followed by a rounding shift,
//! which rounds twice). The result saturates to the `i32` range. Shifts lie
//! in [`SHIFT_RANGE`], so the total shift is between 1 and 62 bits and
//! `a·M + 2^(30+s)` never overflows `i64`.

/// Allowed values of the per-channel shift `s`.
pub const SHIFT_RANGE: core::ops::RangeInclusive<i8> = -30..=31;

/// `round(a·M / 2^(31 + s))`, halves toward +∞, saturated to `i32`.
///
/// ```
/// use valence_core::quant::requantize;
/// // M = 2^30, s = 0: multiply by 0.5.
/// assert_eq!(requantize(7, 1 << 30, 0), 4);   // 3.5 rounds up
/// assert_eq!(requantize(-7, 1 << 30, 0), -3); // -3.5 rounds toward +inf
/// ```
#[inline(always)]
pub fn requantize(acc: i32, multiplier: i32, shift: i8) -> i32 {
    let total = (31 + shift.clamp(*SHIFT_RANGE.start(), *SHIFT_RANGE.end()) as i32) as u32;
    // |acc·M| ≤ 2^62 and the rounding term ≤ 2^61: no overflow.
    let product = acc as i64 * multiplier as i64;
    if total >= 32 {
        // The usual case (scales below 1/2), in 32-bit words: with
        // P = hi·2^32 + lo, floor((P + 2^(t-1)) / 2^t) is hi plus the carry
        // of lo + 2^31 for t = 32, and floor((hi + 2^(t-33)) / 2^(t-32)) for
        // t > 32 (lo < 2^32 cannot change the floor). |hi| ≤ 2^30: no overflow.
        let hi = (product >> 32) as i32;
        let lo = product as u32;
        if total == 32 {
            hi + (lo >> 31) as i32
        } else {
            (hi + (1i32 << (total - 33))) >> (total - 32)
        }
    } else {
        let rounded = (product + (1i64 << (total - 1))) >> total;
        rounded.clamp(i32::MIN as i64, i32::MAX as i64) as i32
    }
}

/// The multiplier and shift that best represent a positive real `scale`
/// (`0 < scale < 2^31`): `M` in `[2^30, 2^31)` unless the shift range is
/// exhausted. Host-side helper for exporters (uses floating point).
pub fn quantize_scale(scale: f64) -> Option<(i32, i8)> {
    if !(scale.is_finite() && scale > 0.0) {
        return None;
    }
    // scale = M / 2^(31+s) with M in [2^30, 2^31): s = -floor(log2(scale)) - 1.
    let mut exp = 0i32;
    let mut m = scale;
    while m >= 1.0 {
        m /= 2.0;
        exp += 1;
    }
    while m < 0.5 {
        m *= 2.0;
        exp -= 1;
    }
    // scale = m·2^exp with m in [0.5, 1): M = m·2^31, s = -exp.
    let mut mult = libm::round(m * (1u64 << 31) as f64) as i64;
    let mut shift = -exp;
    if mult == 1 << 31 {
        mult /= 2;
        shift -= 1;
    }
    while shift > *SHIFT_RANGE.end() as i32 {
        // Too small a scale: give up precision rather than range.
        mult = (mult + 1) / 2;
        shift -= 1;
    }
    if shift < *SHIFT_RANGE.start() as i32 || mult == 0 {
        return None;
    }
    Some((mult as i32, shift as i8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantized_scales_are_accurate() {
        for &scale in &[1e-6, 0.0123, 0.5, 0.75, 0.999_999_9, 1.0, 3.5, 1234.5] {
            let (m, s) = quantize_scale(scale).unwrap();
            let back = m as f64 / 2f64.powi(31 + s as i32);
            assert!((back - scale).abs() <= scale * 1e-9, "{scale}: {back}");
        }
        assert_eq!(quantize_scale(0.0), None);
        assert_eq!(quantize_scale(f64::NAN), None);
    }
}
