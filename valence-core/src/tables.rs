//! Compile-time tables: a quarter-wave cosine in Q31 and a log2 table in Q24.
//!
//! Both are computed by `const fn`s at build time with IEEE double arithmetic,
//! which the compiler evaluates identically for every target, and stored in
//! flash. Nothing here runs at frame time except table look-ups.
//!
//! The cosine table serves every FFT size from 64 to [`MAX_FFT_SIZE`]: the
//! angle `2π·j / MAX_FFT_SIZE` is read with quadrant folding, and a smaller
//! transform simply steps through it with a stride.
//!
//! The radix-4 stages of the FFT read their twiddles from
//! [`RADIX4_TWIDDLES_Q30`], derived from the cosine table at build time:
//! for every stage size up to [`RADIX4_TABLE_MAX`] points, the three
//! twiddles of each butterfly side by side in Q30, so a stage walks one
//! contiguous run of the table. The stages of 512 and 1024 points (FFT
//! sizes 1024 to 4096) have their own table where a build has a pass
//! specialised for them; elsewhere, and for the stage of 2048 points, the
//! passes fold the quarter-wave table per butterfly with
//! [`radix4_twiddles_q30`], which gives the same values.

/// Largest FFT size any front end can use (and the resolution of the cosine table).
pub const MAX_FFT_SIZE: usize = 4096;

/// Fraction bits of the cosine table: 1.0 would be `1 << 31`, which `i32`
/// cannot hold, so the single entry `cos(0)` saturates to `i32::MAX`.
pub const COS_FRAC_BITS: u32 = 31;

/// Entries in the quarter-wave cosine table: angles `0..=π/2`.
const QUARTER: usize = MAX_FFT_SIZE / 4;

/// `cos(2π·j / MAX_FFT_SIZE)` for `j` in `0..=MAX_FFT_SIZE/4`, in Q31, rounded
/// to nearest (`cos(0)` saturated to `i32::MAX`).
pub static COS_Q31: [i32; QUARTER + 1] = COS_TABLE;

/// The cosine table as a constant, for the tables derived from it at build time.
const COS_TABLE: [i32; QUARTER + 1] = cos_table();

/// Largest radix-4 stage (in complex points) whose twiddles are tabulated in
/// [`RADIX4_TWIDDLES_Q30`].
pub const RADIX4_TABLE_MAX: usize = 256;

/// Rows of [`RADIX4_TWIDDLES_Q30`]: `L/4` rows for every stage size
/// `L = 8, 16, …, RADIX4_TABLE_MAX`.
const RADIX4_ROWS: usize = RADIX4_TABLE_MAX / 2 - 2;

/// Radix-4 twiddles in Q30. The rows of the stage of size `L` (`8 ≤ L ≤`
/// [`RADIX4_TABLE_MAX`], a power of two) start at row `L/4 - 2`; row
/// `L/4 - 2 + k`, `k` in `0..L/4`, is [`radix4_twiddles_q30`]`(k, MAX_FFT_SIZE / L)`.
pub static RADIX4_TWIDDLES_Q30: [[i32; 6]; RADIX4_ROWS] = stage_rows(2, RADIX4_TABLE_MAX / 4);

/// The rows of [`RADIX4_TWIDDLES_Q30`] for a stage of `4·quarter` points, or
/// `None` if that stage is not tabulated.
#[inline]
pub fn radix4_table_rows(quarter: usize) -> Option<&'static [[i32; 6]]> {
    if !(2..=RADIX4_TABLE_MAX / 4).contains(&quarter) {
        return None;
    }
    RADIX4_TWIDDLES_Q30.get(quarter - 2..2 * quarter - 2)
}

/// Builds that carry [`RADIX4_LARGE_Q30`]: those with a pass specialised for
/// the large stages (the Cortex-M4's DSP build, 64-bit hosts). Others (the
/// RP2040's Cortex-M0+, whose flash is tight) fold the quarter-wave table.
macro_rules! with_large_stages {
    ($($item:item)*) => {
        $(
            #[cfg(any(
                all(feature = "cortex-m-dsp", target_arch = "arm"),
                target_pointer_width = "64"
            ))]
            $item
        )*
    };
}

with_large_stages! {
    /// Rows of [`RADIX4_LARGE_Q30`]: the stages of 512 and 1024 points.
    const RADIX4_LARGE_ROWS: usize = 128 + 256;

    /// Radix-4 twiddles in Q30 for the stages of 512 and 1024 points (the last
    /// passes of FFTs of 1024 to 4096 points, among them the 2048-point chroma
    /// FFT), laid out like [`RADIX4_TWIDDLES_Q30`]: row `L/4 - 128 + k` of the
    /// stage of size `L` is [`radix4_twiddles_q30`]`(k, MAX_FFT_SIZE / L)`.
    /// 9 KiB of flash, so only the builds with a specialised pass carry it.
    pub static RADIX4_LARGE_Q30: [[i32; 6]; RADIX4_LARGE_ROWS] = stage_rows(128, 256);

    /// The rows of [`RADIX4_LARGE_Q30`] for a stage of `4·quarter` points
    /// (`quarter` 128 or 256), or `None`.
    #[inline]
    pub fn radix4_large_rows(quarter: usize) -> Option<&'static [[i32; 6]]> {
        if quarter != 128 && quarter != 256 {
            return None;
        }
        RADIX4_LARGE_Q30.get(quarter - 128..2 * quarter - 128)
    }

}

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

/// The radix-4 twiddle rows of the stages whose quarters run from `first`
/// to `last` (powers of two, doubling): row `quarter - first + k` is butterfly
/// `k` of the stage of `4·quarter` points.
const fn stage_rows<const ROWS: usize>(first: usize, last: usize) -> [[i32; 6]; ROWS] {
    let mut table = [[0i32; 6]; ROWS];
    let mut quarter = first;
    while quarter <= last {
        let stride = MAX_FFT_SIZE / (4 * quarter);
        let mut k = 0;
        while k < quarter {
            table[quarter - first + k] = twiddles_from(&COS_TABLE, k, stride);
            k += 1;
        }
        quarter *= 2;
    }
    table
}

/// `cos(2π·j / MAX_FFT_SIZE)` from a quarter-wave `table`, `j` taken modulo `MAX_FFT_SIZE`.
const fn cos_from(table: &[i32; QUARTER + 1], j: usize) -> i32 {
    let j = j % MAX_FFT_SIZE;
    let q = QUARTER;
    if j <= q {
        table[j]
    } else if j <= 2 * q {
        -table[2 * q - j]
    } else if j <= 3 * q {
        -table[j - 2 * q]
    } else {
        table[4 * q - j]
    }
}

/// A Q31 value rounded to Q30 (half up); `i32::MAX` (the saturated 1.0) gives exactly `1 << 30`.
const fn q31_to_q30(v: i32) -> i32 {
    (v >> 1) + (v & 1)
}

const fn twiddles_from(table: &[i32; QUARTER + 1], k: usize, stride: usize) -> [i32; 6] {
    let mut out = [0i32; 6];
    let mut m = 1;
    while m <= 3 {
        let j = (m * k * stride) % MAX_FFT_SIZE;
        out[2 * m - 2] = q31_to_q30(cos_from(table, j));
        out[2 * m - 1] = q31_to_q30(cos_from(table, j + 3 * QUARTER));
        m += 1;
    }
    out
}

/// The twiddles of butterfly `k` of a radix-4 stage whose angle unit is
/// `stride` table steps (`stride = MAX_FFT_SIZE / L` for a stage of `L`
/// points): `[cos θ, sin θ, cos 2θ, sin 2θ, cos 3θ, sin 3θ]` with
/// `θ = 2π·k·stride / MAX_FFT_SIZE`, each the Q31 table value rounded to Q30
/// (so `1.0` is exactly `1 << 30`).
#[inline]
pub fn radix4_twiddles_q30(k: usize, stride: usize) -> [i32; 6] {
    let mut out = [0i32; 6];
    for (m, pair) in out.chunks_exact_mut(2).enumerate() {
        let j = k.wrapping_mul(stride).wrapping_mul(m + 1);
        if let [c, s] = pair {
            *c = q31_to_q30(cos_q31(j));
            *s = q31_to_q30(sin_q31(j));
        }
    }
    out
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
    fn radix4_table_matches_the_folded_cosine() {
        let mut quarter = 2;
        while quarter <= RADIX4_TABLE_MAX / 4 {
            let rows = radix4_table_rows(quarter).unwrap();
            assert_eq!(rows.len(), quarter);
            let stride = MAX_FFT_SIZE / (4 * quarter);
            for (k, row) in rows.iter().enumerate() {
                assert_eq!(
                    *row,
                    radix4_twiddles_q30(k, stride),
                    "L={} k={k}",
                    4 * quarter
                );
                for m in 1..=3 {
                    let a = 2.0 * core::f64::consts::PI * (m * k) as f64 / (4 * quarter) as f64;
                    let scale = (1u64 << 30) as f64;
                    assert!((row[2 * m - 2] as f64 - a.cos() * scale).abs() <= 1.0);
                    assert!((row[2 * m - 1] as f64 - a.sin() * scale).abs() <= 1.0);
                }
            }
            quarter *= 2;
        }
        assert_eq!(
            radix4_twiddles_q30(0, 1),
            [1 << 30, 0, 1 << 30, 0, 1 << 30, 0]
        );
        assert!(radix4_table_rows(1).is_none());
        assert!(radix4_table_rows(RADIX4_TABLE_MAX / 2).is_none());
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn large_stage_table_matches_the_folded_cosine() {
        for quarter in [128usize, 256] {
            let rows = radix4_large_rows(quarter).unwrap();
            assert_eq!(rows.len(), quarter);
            let stride = MAX_FFT_SIZE / (4 * quarter);
            for (k, row) in rows.iter().enumerate() {
                assert_eq!(
                    *row,
                    radix4_twiddles_q30(k, stride),
                    "L={} k={k}",
                    4 * quarter
                );
            }
        }
        assert!(radix4_large_rows(64).is_none());
        assert!(radix4_large_rows(512).is_none());
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
