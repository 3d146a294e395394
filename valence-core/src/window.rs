//! The periodic Hann window and block floating point.
//!
//! Each frame is multiplied by the periodic Hann window (as librosa uses it,
//! `0.5 - 0.5·cos(2πn/N)`) with coefficients in Q16, which gives exact
//! products in `i32`. The frame is then shifted by a power of two so that its
//! largest windowed sample lies in `[2^28, 2^29]`: a quiet frame keeps the
//! full precision of the FFT that follows. The shift is returned so that the
//! loudness can be restored after the filterbank (a signal 20 dB quieter
//! still reads 20 dB lower).
//!
//! The same pass that applies the shift also reorders the frame into
//! bit-reversed order of complex points (sample `2n` is the real part and
//! `2n + 1` the imaginary part of point `n`), the input layout of
//! [`crate::fft::fft_q31`].

use crate::tables::{cos_q31, MAX_FFT_SIZE};

/// Bit length the largest scaled sample reaches: values lie in `[-2^29, 2^29]`.
pub const SCALED_BITS: u32 = 29;

/// Fraction bits of the window coefficients (1.0 would be `1 << 16`).
pub const WINDOW_FRAC_BITS: u32 = 16;

/// Fills `out[n]` with the periodic Hann coefficient of an `N = 2^log2_n`
/// window in Q16, `n` in `0..N`, rounded to nearest; the centre value 1.0
/// saturates to `u16::MAX`. Entries past `N` are left alone.
pub fn hann_q16(log2_n: u32, out: &mut [u16]) {
    let log2_n = log2_n.min(MAX_FFT_SIZE.trailing_zeros());
    let stride = MAX_FFT_SIZE >> log2_n;
    for (n, w) in out.iter_mut().take(1 << log2_n).enumerate() {
        // (1 - cos) / 2 in Q16 = (2^31 - cos_q31) / 2^16, rounded.
        let c = cos_q31(n * stride) as i64;
        let q = ((1i64 << 31) - c + (1 << 15)) >> 16;
        *w = q.clamp(0, u16::MAX as i64) as u16;
    }
}

/// Windows one frame into `out` in natural order and returns the largest
/// magnitude of the products.
///
/// The frame is `older ++ newer` (a ring buffer read from its oldest
/// sample); `window` holds its Q16 coefficients. Products are exact: at most
/// `32768 · 65535 < 2^31`.
pub fn apply_window(older: &[i16], newer: &[i16], window: &[u16], out: &mut [i32]) -> u32 {
    let mut max_abs = 0u32;
    let samples = older.iter().chain(newer.iter());
    for ((o, &x), &w) in out.iter_mut().zip(samples).zip(window.iter()) {
        let p = x as i32 * w as i32;
        *o = p;
        max_abs = max_abs.max(p.unsigned_abs());
    }
    max_abs
}

/// The left shift that brings a frame whose largest magnitude is `max_abs`
/// (non-zero) to `[2^28, 2^29]`; negative for a right shift.
pub fn normalising_shift(max_abs: u32) -> i32 {
    let bits = 32 - max_abs.leading_zeros() as i32; // 1..=32
    SCALED_BITS as i32 - bits
}

/// Applies the block-floating-point `shift` (left if positive, right with
/// rounding if negative) and permutes `2^log2_n` windowed samples into
/// bit-reversed order of complex points, in place.
pub fn scale_to_bit_reversed(buf: &mut [i32], log2_n: u32, shift: i32) {
    let log2_m = log2_n.clamp(1, MAX_FFT_SIZE.trailing_zeros()) - 1;
    let m = 1usize << log2_m;
    let Some(buf) = buf.get_mut(..2 * m) else {
        return;
    };
    let scale = |v: i32| -> i32 {
        if shift >= 0 {
            v << shift.min(31)
        } else {
            let r = (-shift).min(31);
            ((v as i64 + (1i64 << (r - 1))) >> r) as i32
        }
    };
    let rev_shift = usize::BITS - log2_m;
    for i in 0..m {
        let j = if log2_m == 0 {
            0
        } else {
            i.reverse_bits() >> rev_shift
        };
        if j < i {
            continue;
        }
        if j == i {
            if let Some(p) = buf.get_mut(2 * i..2 * i + 2) {
                p[0] = scale(p[0]);
                p[1] = scale(p[1]);
            }
            continue;
        }
        // i < j: swap points i and j, scaling both.
        let (head, tail) = buf.split_at_mut(2 * j);
        if let (Some(a), Some(b)) = (head.get_mut(2 * i..2 * i + 2), tail.get_mut(..2)) {
            let (a0, a1) = (scale(a[0]), scale(a[1]));
            a[0] = scale(b[0]);
            a[1] = scale(b[1]);
            b[0] = a0;
            b[1] = a1;
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn hann_matches_the_periodic_definition() {
        let mut w = [0u16; 4096];
        for log2_n in 6..=12u32 {
            let n_fft = 1usize << log2_n;
            hann_q16(log2_n, &mut w);
            for (n, &got) in w.iter().take(n_fft).enumerate() {
                let exact =
                    0.5 - 0.5 * (2.0 * core::f64::consts::PI * n as f64 / n_fft as f64).cos();
                let want = (exact * 65536.0).round().min(65535.0);
                assert_eq!(got as f64, want, "N={n_fft} n={n}");
            }
        }
    }

    #[test]
    fn block_floating_point_normalises_quiet_and_loud_frames() {
        let mut window = [0u16; 64];
        hann_q16(6, &mut window);
        for (samples, want_shift) in [([i16::MIN; 64], -2), ([1i16; 64], 29 - 16)] {
            let mut buf = [0i32; 64];
            let max = apply_window(&samples[..10], &samples[10..], &window, &mut buf);
            let shift = normalising_shift(max);
            assert_eq!(shift, want_shift);
            scale_to_bit_reversed(&mut buf, 6, shift);
            let max = buf.iter().map(|v| v.unsigned_abs()).max().unwrap();
            assert!((1 << 28..=1 << 29).contains(&max), "max {max}");
        }
    }

    #[test]
    fn bit_reversal_is_a_permutation() {
        let mut buf: std::vec::Vec<i32> = (0..512).collect();
        scale_to_bit_reversed(&mut buf, 9, 0);
        for i in 0..256usize {
            let j = (i as u32).reverse_bits() >> 24;
            assert_eq!(buf[2 * i], 2 * j as i32);
            assert_eq!(buf[2 * i + 1], 2 * j as i32 + 1);
        }
    }
}
