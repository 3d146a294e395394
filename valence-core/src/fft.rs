//! The fixed-point FFT: a radix-2 complex transform with Q31 twiddles and
//! the split that turns it into the power spectrum of a real frame.
//!
//! A real frame of `N` samples is transformed as `M = N/2` complex points
//! `z[n] = x[2n] + i·x[2n+1]` (the classic "real FFT via half-size complex
//! FFT"). Data are `i32`; every product is a 32×32→64-bit multiply keeping
//! the rounded high word ([`mul_half`], one `SMMULR` on a Cortex-M4), which
//! with Q31 twiddles is exactly the halving every stage needs. So the
//! transform returns `Z/M` and can never overflow: with inputs of modulus at
//! most `2^29.5` (block floating point guarantees this), every intermediate
//! value stays below `2^29.5 + 2·stages` in modulus. About 20 significant
//! bits survive 11 stages — far more than the decibel budget needs.
//!
//! The first stage has twiddle 1 and needs no multiply.
//!
//! The power of bin `k` is `|X[k]|²` with `X = DFT(x)·2/N`, at most `2^60`,
//! and the sum over all bins is at most `2^60` as well (Parseval). Powers are
//! stored back into the same buffer as `u64` split over two `i32` slots, so
//! the front end needs no second buffer.

use crate::tables::{cos_sin_q31, MAX_FFT_SIZE};

/// `round(a·b / 2^32)`: with `b` in Q31 this is `a·b/2`, rounded.
#[inline(always)]
pub fn mul_half(a: i32, b: i32) -> i32 {
    ((a as i64 * b as i64 + (1 << 31)) >> 32) as i32
}

/// In-place radix-2 decimation-in-time FFT of `2^log2_m` complex points
/// stored as interleaved `(re, im)` `i32` pairs in bit-reversed order.
///
/// Computes `Z[k] = (1/M)·Σ z[n]·e^{-2πi·kn/M}` in natural order (each stage
/// halves, rounding toward −∞ on the untwiddled half). Inputs must have
/// modulus at most `2^29.5`. A buffer shorter than `2·2^log2_m` is left
/// untouched (never panics).
pub fn fft_q31(buf: &mut [i32], log2_m: u32) {
    let log2_m = log2_m.min(MAX_FFT_SIZE.trailing_zeros() - 1);
    let m = 1usize << log2_m;
    let Some(buf) = buf.get_mut(..2 * m) else {
        return;
    };
    if m < 2 {
        return;
    }
    // Stage 1 (twiddle 1): pairs of neighbouring points. |a ± b| < 2^31 for
    // inputs of modulus at most 2^29.5, so the sums fit before halving.
    for p in buf.chunks_exact_mut(4) {
        if let [ar, ai, br, bi] = p {
            let (a_r, a_i, b_r, b_i) = (*ar, *ai, *br, *bi);
            *ar = a_r.wrapping_add(b_r) >> 1;
            *ai = a_i.wrapping_add(b_i) >> 1;
            *br = a_r.wrapping_sub(b_r) >> 1;
            *bi = a_i.wrapping_sub(b_i) >> 1;
        }
    }
    let mut half = 2usize;
    while half < m {
        let stride = MAX_FFT_SIZE / (2 * half);
        let span = 4 * half; // one group of 2·half points, in i32 slots
        for k in 0..half {
            // Twiddle e^{-2πi·k/(2·half)} = c - i·s.
            let (c, s) = cos_sin_q31(k * stride);
            let Some(tail) = buf.get_mut(2 * k..) else {
                continue;
            };
            for group in tail.chunks_mut(span) {
                let Some((a, rest)) = group.split_first_chunk_mut::<2>() else {
                    continue;
                };
                let Some(b) = rest
                    .get_mut(2 * half - 2..)
                    .and_then(|r| r.first_chunk_mut::<2>())
                else {
                    continue;
                };
                let [br, bi] = *b;
                // t/2 = b·(c - i·s)/2
                let tr = mul_half(br, c).wrapping_add(mul_half(bi, s));
                let ti = mul_half(bi, c).wrapping_sub(mul_half(br, s));
                let (hr, hi) = (a[0] >> 1, a[1] >> 1);
                *a = [hr.wrapping_add(tr), hi.wrapping_add(ti)];
                *b = [hr.wrapping_sub(tr), hi.wrapping_sub(ti)];
            }
        }
        half *= 2;
    }
}

/// Stores a `u64` power as two `i32` words (low word first).
#[inline]
pub fn pack_power(p: u64, slot: &mut [i32]) {
    if let [lo, hi, ..] = slot {
        *lo = p as u32 as i32;
        *hi = (p >> 32) as u32 as i32;
    }
}

/// Reads a power written by [`pack_power`].
#[inline]
pub fn unpack_power(slot: &[i32]) -> u64 {
    match slot {
        [lo, hi, ..] => ((*hi as u32 as u64) << 32) | (*lo as u32 as u64),
        _ => 0,
    }
}

#[inline]
fn power(re: i32, im: i32) -> u64 {
    (re as i64 * re as i64) as u64 + (im as i64 * im as i64) as u64
}

/// Turns the output of [`fft_q31`] for a real frame of `N = 2^(log2_m+1)`
/// samples into its power spectrum, in place.
///
/// Bins `0..N/2` are written packed (see [`pack_power`]) over the complex
/// slots; bin `N/2` (Nyquist) is returned. Each power is `|X[k]|²` with
/// `X = DFT(x)·2/N`, rounded at the last step.
pub fn real_power_in_place(buf: &mut [i32], log2_m: u32) -> u64 {
    let log2_m = log2_m.min(MAX_FFT_SIZE.trailing_zeros() - 1);
    let m = 1usize << log2_m;
    let Some(buf) = buf.get_mut(..2 * m) else {
        return 0;
    };
    // Angle unit for W^k = e^{-2πi·k/N}: table index k·stride.
    let stride = MAX_FFT_SIZE >> (log2_m + 1);
    let (r0, i0) = match buf {
        [r, i, ..] => (*r as i64, *i as i64),
        _ => return 0,
    };
    // k = 0: X[0] = Re + Im and X[N/2] = Re - Im, both real.
    let nyquist = ((r0 - i0) * (r0 - i0)) as u64;
    pack_power(((r0 + i0) * (r0 + i0)) as u64, buf);
    if m < 2 {
        return nyquist;
    }
    // k = M/2: X[M/2] = conj(Z[M/2]).
    if let Some(slot) = buf.get_mut(m..m + 2) {
        let p = power(slot[0], slot[1]);
        pack_power(p, slot);
    }
    let (head, tail) = buf.split_at_mut(m);
    // head holds points 0..M/2, tail points M/2..M; pair k with M-k.
    let lower = head.chunks_exact_mut(2).enumerate().skip(1);
    let upper = tail.chunks_exact_mut(2).rev();
    for ((k, a), b) in lower.zip(upper) {
        let (ar, ai, br, bi) = (a[0], a[1], b[0], b[1]);
        // E2 = A + conj(B) = 2E; D = A - conj(B); O2 = -i·D = 2O = (D_i, -D_r).
        // Halved first so everything stays in i32: e = E2/2, o = O2/2.
        let (er, ei) = ((ar >> 1) + (br >> 1), (ai >> 1) - (bi >> 1));
        let (or, oi) = ((ai >> 1) + (bi >> 1), (br >> 1) - (ar >> 1));
        // y = W^k·o / 2 with W^k = c - i·s (mul_half halves).
        let (c, s) = cos_sin_q31(k * stride);
        let yr = mul_half(or, c).wrapping_add(mul_half(oi, s));
        let yi = mul_half(oi, c).wrapping_sub(mul_half(or, s));
        // X[k] = e + W·o = e + 2y;  X[M-k] = conj(e - 2y).
        let (xr, xi) = (er.wrapping_add(yr << 1), ei.wrapping_add(yi << 1));
        let (wr, wi) = (er.wrapping_sub(yr << 1), ei.wrapping_sub(yi << 1));
        pack_power(power(xr, xi), a);
        pack_power(power(wr, wi), b);
    }
    nyquist
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    fn naive_power(x: &[f64]) -> Vec<f64> {
        let n = x.len();
        (0..=n / 2)
            .map(|k| {
                let (mut re, mut im) = (0.0, 0.0);
                for (t, &v) in x.iter().enumerate() {
                    let a = -2.0 * core::f64::consts::PI * (k * t) as f64 / n as f64;
                    re += v * a.cos();
                    im += v * a.sin();
                }
                let s = 2.0 / n as f64;
                (re * s).powi(2) + (im * s).powi(2)
            })
            .collect()
    }

    fn fixed_power(x: &[i32]) -> Vec<f64> {
        let n = x.len();
        let log2_m = (n / 2).trailing_zeros();
        let mut buf = std::vec![0i32; n];
        for (i, &v) in x.iter().enumerate() {
            let point = ((i >> 1) as u32).reverse_bits() >> (32 - log2_m);
            buf[2 * point as usize + (i & 1)] = v;
        }
        fft_q31(&mut buf, log2_m);
        let nyq = real_power_in_place(&mut buf, log2_m);
        let mut out: Vec<f64> = buf
            .chunks_exact(2)
            .map(|c| unpack_power(c) as f64)
            .collect();
        out.push(nyq as f64);
        out
    }

    #[test]
    fn matches_a_naive_dft_to_within_rounding() {
        let mut seed = 12345u32;
        for log2_n in [6u32, 9, 12] {
            let n = 1usize << log2_n;
            let x: Vec<i32> = (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                    ((seed >> 3) as i32) >> 3 // |x| < 2^28
                })
                .collect();
            let xf: Vec<f64> = x.iter().map(|&v| v as f64).collect();
            let want = naive_power(&xf);
            let got = fixed_power(&x);
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                // Amplitude error in LSB: the halving of each stage rounds
                // toward -inf, so up to about one LSB per stage.
                let err = (g.sqrt() - w.sqrt()).abs();
                assert!(
                    err <= 2.0 + log2_n as f64,
                    "N={n} k={k}: {g} vs {w} ({err} LSB)"
                );
            }
        }
    }

    #[test]
    fn full_scale_extremes_do_not_overflow() {
        // Alternating and constant full-scale inputs put all energy in one bin.
        let n = 512;
        let dc: Vec<i32> = std::vec![1 << 29; n];
        let p = fixed_power(&dc);
        assert!((p[0] - (2.0f64 * (1u64 << 29) as f64).powi(2)).abs() / p[0] < 1e-6);
        let alt: Vec<i32> = (0..n)
            .map(|i| if i % 2 == 0 { 1 << 29 } else { -(1 << 29) })
            .collect();
        let p = fixed_power(&alt);
        assert!((p[n / 2] - (2.0f64 * (1u64 << 29) as f64).powi(2)).abs() / p[n / 2] < 1e-6);
    }
}
