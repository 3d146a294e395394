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
    // Everything below depends only on the 32 bits from the leading one
    // down, so the normalisation works on 32-bit words (cheap on a 32-bit
    // core): `top` is the high word of `x << leading_zeros(x)`.
    let (hi, lo) = ((x >> 32) as u32, x as u32);
    let (exponent, top) = if hi != 0 {
        let lz = hi.leading_zeros();
        (
            63 - lz as i32,
            (hi << lz) | lo.checked_shr(32 - lz).unwrap_or(0),
        )
    } else if lo != 0 {
        let lz = lo.leading_zeros();
        (31 - lz as i32, lo << lz)
    } else {
        return None;
    };
    let seg_bits = LOG2_SEGMENTS.trailing_zeros(); // 6
    let idx = (top >> (31 - seg_bits)) as usize & (LOG2_SEGMENTS - 1);
    // The next 24 bits below the segment index interpolate inside the segment.
    let frac = (top >> (31 - seg_bits - LOG2_FRAC_BITS)) & ((1u32 << LOG2_FRAC_BITS) - 1);
    let (lo, hi) = match LOG2_Q24.get(idx..idx + 2) {
        Some(&[lo, hi]) => (lo, hi),
        _ => (0, 0),
    };
    // hi - lo < 2^19 and frac < 2^24: the product fits easily in 64 bits.
    let step = ((hi - lo) as u64 * frac as u64 + (1 << (LOG2_FRAC_BITS - 1))) >> LOG2_FRAC_BITS;
    Some((exponent << LOG2_FRAC_BITS) + (lo + step as u32) as i32)
}

/// [`log2_q24`] of a non-zero `x` without branches: one normalising shift
/// of all 64 bits instead of the 32-bit words, the same result. The host's
/// frames side by side ([`crate::lanes`]) use it, where every lane must take
/// the same path; for `x == 0` the value means nothing.
///
/// ```
/// use valence_core::db::{log2_q24, log2_q24_nonzero};
/// for x in [1u64, 3, 1 << 31, (1 << 32) + 1, u64::MAX] {
///     assert_eq!(Some(log2_q24_nonzero(x)), log2_q24(x));
/// }
/// ```
#[inline(always)]
pub fn log2_q24_nonzero(x: u64) -> i32 {
    let lz = x.leading_zeros();
    let top = (x.wrapping_shl(lz) >> 32) as u32;
    let exponent = 63 - lz as i32;
    let seg_bits = LOG2_SEGMENTS.trailing_zeros();
    let idx = (top >> (31 - seg_bits)) as usize & (LOG2_SEGMENTS - 1);
    let frac = (top >> (31 - seg_bits - LOG2_FRAC_BITS)) & ((1u32 << LOG2_FRAC_BITS) - 1);
    let (lo, hi) = (LOG2_Q24[idx], LOG2_Q24[idx + 1]);
    let step =
        (hi.wrapping_sub(lo) as u64 * frac as u64 + (1 << (LOG2_FRAC_BITS - 1))) >> LOG2_FRAC_BITS;
    (exponent << LOG2_FRAC_BITS).wrapping_add(lo.wrapping_add(step as u32) as i32)
}

/// Converts a log2 power value in Q24 to decibels in Q8.8, rounding half up
/// and saturating to the `i16` range.
#[inline(always)]
pub fn log2_q24_to_db_q8(log2: i64) -> i16 {
    const SHIFT: u32 = LOG2_FRAC_BITS + DB_PER_OCTAVE_FRAC_BITS - DB_FRAC_BITS;
    // Beyond ±2^31 (±128 octaves) the result saturates anyway; within it the
    // product stays below 2^61, so one 32×32→64-bit multiply does.
    let log2 = log2.clamp(i32::MIN as i64, i32::MAX as i64);
    let db = (log2 * DB_PER_OCTAVE_Q28 + (1 << (SHIFT - 1))) >> SHIFT;
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

    /// The 64-bit formulation: normalise, index and interpolate on `x << lz`.
    fn log2_q24_wide(x: u64) -> i32 {
        let lz = x.leading_zeros();
        let m = x << lz;
        let idx = ((m >> 57) & 63) as usize;
        let frac = (m >> 33) & ((1 << 24) - 1);
        let (lo, hi) = (LOG2_Q24[idx] as u64, LOG2_Q24[idx + 1] as u64);
        (((63 - lz as i32) << 24) as i64 + (lo + (((hi - lo) * frac + (1 << 23)) >> 24)) as i64)
            as i32
    }

    /// Both formulations in use — the word-normalised one of the device
    /// path and the branch-free one of the host's lanes — against this one.
    #[test]
    fn word_normalisation_equals_the_64_bit_one() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for shift in 0..64 {
            for _ in 0..2000 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let x = (seed >> shift).max(1);
                assert_eq!(log2_q24(x), Some(log2_q24_wide(x)), "x = {x}");
                assert_eq!(log2_q24_nonzero(x), log2_q24_wide(x), "x = {x}");
            }
            let edge = 1u64 << shift;
            for x in [edge, edge - 1, edge + 1, edge | (edge >> 1)] {
                if x > 0 {
                    assert_eq!(log2_q24(x), Some(log2_q24_wide(x)), "x = {x}");
                    assert_eq!(log2_q24_nonzero(x), log2_q24_wide(x), "x = {x}");
                }
            }
        }
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
