//! Compile-time tables: a quarter-wave cosine in Q31 and a log2 table in Q24.
//!
//! Both are computed by `const fn`s at build time with IEEE double arithmetic,
//! which the compiler evaluates identically for every target, and stored in
//! flash. Nothing here runs at frame time except table look-ups.
//!
//! The cosine table serves every FFT size from 64 to [`MAX_FFT_SIZE`]: the
//! angle `2π·j / MAX_FFT_SIZE` is read with quadrant folding, and a smaller
//! transform simply steps through it with a stride.

/// Largest FFT size any front end can use (and the resolution of the cosine table).
pub const MAX_FFT_SIZE: usize = 4096;

/// Fraction bits of the cosine table: 1.0 would be `1 << 31`, which `i32`
/// cannot hold, so the single entry `cos(0)` saturates to `i32::MAX`.
pub const COS_FRAC_BITS: u32 = 31;

/// Entries in the quarter-wave cosine table: angles `0..=π/2`.
const QUARTER: usize = MAX_FFT_SIZE / 4;

/// `cos(2π·j / MAX_FFT_SIZE)` for `j` in `0..=MAX_FFT_SIZE/4`, in Q31, rounded
/// to nearest (`cos(0)` saturated to `i32::MAX`).
pub static COS_Q31: [i32; QUARTER + 1] = cos_table();

/// Number of segments of the log2 table (a power of two).
pub const LOG2_SEGMENTS: usize = 64;

/// Fraction bits of [`LOG2_Q24`] and of the log2 values in [`crate::db`].
pub const LOG2_FRAC_BITS: u32 = 24;

/// `log2(1 + i/64)` for `i` in `0..=64`, in Q24, rounded to nearest.
pub static LOG2_Q24: [u32; LOG2_SEGMENTS + 1] = log2_table();

/// Cosine of `x` radians for `0 <= x <= π/2` by its Taylor series (error far below 1e-16).
const fn cos_taylor(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut n = 1;
    while n <= 16 {
        let k = (2 * n) as f64;
        term = -term * x2 / ((k - 1.0) * k);
        sum += term;
        n += 1;
    }
    sum
}

const fn cos_table() -> [i32; QUARTER + 1] {
    let mut table = [0i32; QUARTER + 1];
    let scale = (1u64 << COS_FRAC_BITS) as f64;
    let mut j = 0;
    while j <= QUARTER {
        // Use the shorter series argument: cos(x) = sin(π/2 - x) would need a
        // second series, so fold the upper half of the quadrant through the
        // identity cos(x) = 2·cos²(x/2) - 1, which keeps the argument below π/4.
        let x = 2.0 * core::f64::consts::PI * (j as f64) / (MAX_FFT_SIZE as f64);
        let c = if j * 2 <= QUARTER {
            cos_taylor(x)
        } else {
            let h = cos_taylor(x / 2.0);
            2.0 * h * h - 1.0
        };
        let v = c * scale;
        // Round half away from zero (all values are >= 0 here); 1.0 saturates.
        let r = (v + 0.5) as i64;
        table[j] = if r > i32::MAX as i64 {
            i32::MAX
        } else {
            r as i32
        };
        j += 1;
    }
    table
}

/// Natural logarithm of `y` in `[1, 2]` through `ln(y) = 2·atanh((y-1)/(y+1))`.
const fn ln_1_to_2(y: f64) -> f64 {
    let z = (y - 1.0) / (y + 1.0); // |z| <= 1/3
    let z2 = z * z;
    let mut power = z;
    let mut sum = 0.0;
    let mut n = 0;
    while n < 40 {
        sum += power / ((2 * n + 1) as f64);
        power *= z2;
        n += 1;
    }
    2.0 * sum
}

const fn log2_table() -> [u32; LOG2_SEGMENTS + 1] {
    let mut table = [0u32; LOG2_SEGMENTS + 1];
    let scale = (1u64 << LOG2_FRAC_BITS) as f64;
    let ln2 = ln_1_to_2(2.0);
    let mut i = 0;
    while i <= LOG2_SEGMENTS {
        let y = 1.0 + (i as f64) / (LOG2_SEGMENTS as f64);
        table[i] = (ln_1_to_2(y) / ln2 * scale + 0.5) as u32;
        i += 1;
    }
    table
}

/// `cos(2π·j / MAX_FFT_SIZE)` in Q31 for any `j` (taken modulo `MAX_FFT_SIZE`).
#[inline]
pub fn cos_q31(j: usize) -> i32 {
    let j = j % MAX_FFT_SIZE;
    let q = QUARTER;
    if j <= q {
        COS_Q31[j.min(q)]
    } else if j <= 2 * q {
        -COS_Q31[(2 * q - j).min(q)]
    } else if j <= 3 * q {
        -COS_Q31[(j - 2 * q).min(q)]
    } else {
        COS_Q31[(4 * q - j).min(q)]
    }
}

/// `sin(2π·j / MAX_FFT_SIZE)` in Q31 for any `j` (taken modulo `MAX_FFT_SIZE`).
#[inline]
pub fn sin_q31(j: usize) -> i32 {
    // sin(θ) = cos(θ - π/2)
    cos_q31(j.wrapping_add(MAX_FFT_SIZE - QUARTER))
}

/// `(cos θ, sin θ)` in Q31 for `θ = 2π·j / MAX_FFT_SIZE` with `j` in
/// `0..MAX_FFT_SIZE/2` (the upper half-plane, all an FFT needs): one branch
/// and two loads.
#[inline]
pub fn cos_sin_q31(j: usize) -> (i32, i32) {
    let q = QUARTER;
    if j <= q {
        (COS_Q31[j.min(q)], COS_Q31[(q - j.min(q)).min(q)])
    } else {
        let j = j.min(2 * q);
        (-COS_Q31[(2 * q - j).min(q)], COS_Q31[(j - q).min(q)])
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn cosine_table_is_correctly_rounded() {
        let scale = (1u64 << COS_FRAC_BITS) as f64;
        for j in 0..MAX_FFT_SIZE {
            let x = 2.0 * core::f64::consts::PI * j as f64 / MAX_FFT_SIZE as f64;
            let lim = i32::MAX as f64;
            let c = (std::primitive::f64::cos(x) * scale).clamp(-lim, lim);
            let s = (std::primitive::f64::sin(x) * scale).clamp(-lim, lim);
            assert!((cos_q31(j) as f64 - c).abs() <= 0.5 + 1e-6, "cos j={j}");
            assert!((sin_q31(j) as f64 - s).abs() <= 0.5 + 1e-6, "sin j={j}");
            if j < MAX_FFT_SIZE / 2 {
                assert_eq!(cos_sin_q31(j), (cos_q31(j), sin_q31(j)), "j={j}");
            }
        }
        assert_eq!(COS_Q31[0], i32::MAX);
        assert_eq!(COS_Q31[QUARTER], 0);
    }

    #[test]
    fn log2_table_is_correctly_rounded() {
        let scale = (1u64 << LOG2_FRAC_BITS) as f64;
        for (i, &v) in LOG2_Q24.iter().enumerate() {
            let exact = (1.0 + i as f64 / LOG2_SEGMENTS as f64).log2() * scale;
            assert!(
                (v as f64 - exact).abs() <= 0.5 + 1e-6,
                "i={i}: {v} vs {exact}"
            );
        }
        assert_eq!(LOG2_Q24[LOG2_SEGMENTS], 1 << LOG2_FRAC_BITS);
    }
}
