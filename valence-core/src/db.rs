//! Fixed-point logarithms: `log2` of a 64-bit band energy through CLZ and an
//! interpolated table, and its conversion to decibels.
//!
//! Output format of the whole front end: **decibels in Q8.8**, an `i16` where
//! `256` is 1 dB (resolution 1/256 dB ≈ 0.0039 dB, range ±128 dB). Use
//! [`db_q8_to_f32`] to read it as a float.
//!
//! `log2` works in Q24: the integer part comes from the position of the
//! highest set bit, the fraction from [`LOG2_Q24`]
//! with linear interpolation between 64 segments. The interpolation error is
//! at most 4.4e-5 (in log2 units, about 0.00013 dB), i.e. about 3 LSB of Q16.

use crate::tables::{LOG2_FRAC_BITS, LOG2_Q24, LOG2_SEGMENTS};

/// Fraction bits of the decibel output: a frame value `v` means `v / 256` dB.
pub const DB_FRAC_BITS: u32 = 8;

/// Bits of `10·log10(2)` in [`DB_PER_OCTAVE_Q28`].
const DB_PER_OCTAVE_FRAC_BITS: u32 = 28;

/// `10·log10(2)` (decibels per factor of two in power) in Q28, rounded.
pub const DB_PER_OCTAVE_Q28: i64 = 808_071_242;

/// `log2(x)` in Q24 for `x > 0`; `None` for `x == 0`.
///
/// ```
/// use valence_core::db::log2_q24;
/// assert_eq!(log2_q24(1), Some(0));
/// assert_eq!(log2_q24(1 << 40), Some(40 << 24));
/// assert_eq!(log2_q24(0), None);
/// ```
#[inline]
pub fn log2_q24(x: u64) -> Option<i32> {
    if x == 0 {
        return None;
    }
    let lz = x.leading_zeros();
    let exponent = 63 - lz as i32; // 0..=63
    let m = x << lz; // leading one at bit 63
    let seg_bits = LOG2_SEGMENTS.trailing_zeros(); // 6
    let idx = ((m >> (63 - seg_bits)) as usize) & (LOG2_SEGMENTS - 1);
    // The next 24 bits below the segment index interpolate inside the segment.
    let frac = (m >> (63 - seg_bits - LOG2_FRAC_BITS)) & ((1u64 << LOG2_FRAC_BITS) - 1);
    let lo = LOG2_Q24[idx & (LOG2_SEGMENTS - 1)] as u64;
    let hi = LOG2_Q24[(idx & (LOG2_SEGMENTS - 1)) + 1] as u64;
    // hi - lo < 2^19 and frac < 2^24: the product fits easily.
    let interp = lo + (((hi - lo) * frac + (1 << (LOG2_FRAC_BITS - 1))) >> LOG2_FRAC_BITS);
    Some((exponent << LOG2_FRAC_BITS) + interp as i32)
}

/// Converts a log2 power value in Q24 (any range that fits `i64` without
/// overflow of the product, i.e. `|log2| < 2^33`) to decibels in Q8.8,
/// rounding half up and saturating to the `i16` range.
#[inline]
pub fn log2_q24_to_db_q8(log2: i64) -> i16 {
    const SHIFT: u32 = LOG2_FRAC_BITS + DB_PER_OCTAVE_FRAC_BITS - DB_FRAC_BITS;
    let product = log2.saturating_mul(DB_PER_OCTAVE_Q28);
    let db = product.saturating_add(1 << (SHIFT - 1)) >> SHIFT;
    db.clamp(i16::MIN as i64, i16::MAX as i64) as i16
}

/// A Q8.8 decibel value as `f32` (for display and export).
///
/// ```
/// use valence_core::db_q8_to_f32;
/// assert_eq!(db_q8_to_f32(-100 * 256), -100.0);
/// assert_eq!(db_q8_to_f32(384), 1.5);
/// ```
#[inline]
pub fn db_q8_to_f32(v: i16) -> f32 {
    v as f32 / (1 << DB_FRAC_BITS) as f32
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn db_per_octave_constant() {
        let exact = 10.0 * 2f64.log10() * (1u64 << DB_PER_OCTAVE_FRAC_BITS) as f64;
        assert_eq!(DB_PER_OCTAVE_Q28, exact.round() as i64);
    }

    #[test]
    fn log2_error_is_a_few_q16_lsb() {
        let mut worst = 0f64;
        let mut x: u64 = 1;
        // Dense near small values, then a multiplicative walk over the range.
        for v in 1..5000u64 {
            let got = log2_q24(v).unwrap() as f64 / (1u64 << 24) as f64;
            worst = worst.max((got - (v as f64).log2()).abs());
        }
        while x < u64::MAX / 3 {
            x = x + x / 7 + 13;
            let got = log2_q24(x).unwrap() as f64 / (1u64 << 24) as f64;
            worst = worst.max((got - (x as f64).log2()).abs());
        }
        // 4.4e-5 from linear interpolation, plus rounding.
        assert!(worst < 5e-5, "worst log2 error {worst}");
    }

    #[test]
    fn db_conversion_rounds_and_saturates() {
        // 10 * log10(2^10) = 30.103 dB
        let db = log2_q24_to_db_q8(10 << 24);
        assert_eq!(db, (30.10299956639812f64 * 256.0).round() as i16);
        assert_eq!(log2_q24_to_db_q8(-(200 << 24)), i16::MIN);
        assert_eq!(log2_q24_to_db_q8(200 << 24), i16::MAX);
        assert_eq!(log2_q24_to_db_q8(i64::MIN), i16::MIN);
    }
}
