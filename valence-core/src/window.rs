//! The periodic Hann window and block floating point.
//!
//! Each frame is multiplied by the periodic Hann window (as librosa uses it,
//! `0.5 - 0.5·cos(2πn/N)`) with coefficients in Q16, which gives exact
//! products in `i32`. The frame is then scaled by a power of two so that its
//! largest windowed sample lies in `[2^28, 2^29]`: a quiet frame keeps the
//! full precision of the FFT that follows. The shift is returned so that the
//! loudness can be restored after the filterbank (a signal 20 dB quieter
//! still reads 20 dB lower).
//!
//! One pass ([`window_bit_reversed`]) multiplies, tracks the magnitude and
//! writes the products straight into bit-reversed order of complex points
//! (sample `2n` is the real part and `2n + 1` the imaginary part of point
//! `n`), the input layout of [`crate::fft::fft_q31`]. The shift itself is
//! applied by the first pass of the FFT ([`crate::fft::fft_q31_scaled`]), so
//! the data are read and written once less.

use crate::tables::{cos_q31, MAX_FFT_SIZE};

/// Bit length the largest scaled sample reaches: values lie in `[-2^29, 2^29]`.
pub const SCALED_BITS: u32 = 29;

/// Fraction bits of the window coefficients (1.0 would be `1 << 16`).
pub const WINDOW_FRAC_BITS: u32 = 16;

/// Fills `out[n]` with the periodic Hann coefficient of an `N = 2^log2_n`
/// window in Q16 for the first half, `n` in `0..N/2`, rounded to nearest.
/// The window is symmetric (`w[N - n] = w[n]`) and its centre `w[N/2]` is
/// 1.0, which [`window_bit_reversed`] uses as `u16::MAX`; so half a table is
/// all a front end stores. Entries past `N/2` are left alone.
pub fn hann_q16(log2_n: u32, out: &mut [u16]) {
    let log2_n = log2_n.min(MAX_FFT_SIZE.trailing_zeros());
    let stride = MAX_FFT_SIZE >> log2_n;
    for (n, w) in out.iter_mut().take(1 << log2_n >> 1).enumerate() {
        // (1 - cos) / 2 in Q16 = (2^31 - cos_q31) / 2^16, rounded.
        let c = cos_q31(n * stride) as i64;
        let q = ((1i64 << 31) - c + (1 << 15)) >> 16;
        *w = q.clamp(0, u16::MAX as i64) as u16;
    }
}

/// The coefficient of sample `s` of an `n`-point periodic Hann window
/// whose first half is `half` (see [`hann_q16`]): `w[n - s] = w[s]`, and
/// the centre `w[n/2]`, 1.0, is used as `u16::MAX` (0 past the window).
#[inline(always)]
pub fn hann_coefficient(half: &[u16], n: usize, s: usize) -> u16 {
    let m = n / 2;
    if s < m {
        half.get(s).copied().unwrap_or(0)
    } else if s == m {
        u16::MAX
    } else {
        n.checked_sub(s)
            .and_then(|i| half.get(i))
            .copied()
            .unwrap_or(0)
    }
}

/// Windows the `N = 2^log2_n` samples of `frame` with the Q16 coefficients
/// whose first half is `half` (see [`hann_q16`]) and stores the products in `out` as `N/2` complex points in
/// bit-reversed order: samples `2n` and `2n + 1` become point `rev(n)`.
///
/// Returns the *peak*, the bitwise OR of `p ^ (p >> 31)` over all products
/// `p` (one's complement magnitudes). Its bit length `b` bounds the frame:
/// every `|p| ≤ 2^b` and some `|p| ≥ 2^(b-1)`, which is all
/// [`normalising_shift`] needs. It is zero only if every product is 0 or −1,
/// a frame more than 170 dB below full scale.
///
/// Products are exact: at most `32768 · 65535 < 2^31`. Slices shorter than
/// `N` (or `N < 16`) leave `out` untouched and return 0.
pub fn window_bit_reversed(frame: &[i16], half: &[u16], out: &mut [i32], log2_n: u32) -> u32 {
    let log2_n = log2_n.min(MAX_FFT_SIZE.trailing_zeros());
    let m = 1usize << log2_n >> 1;
    match frame.get(..2 * m).and_then(|f| f.split_at_checked(m)) {
        Some((first, second)) => window_halves_bit_reversed(first, second, half, out, log2_n),
        None => 0,
    }
}

/// [`window_bit_reversed`] of the frame whose first `N/2` samples are
/// `first` and whose last `N/2` are `second`: the front end keeps the two
/// halves of a frame wherever they lie (with a hop of half the FFT, each
/// half is written once and read by two frames, never moved).
pub fn window_halves_bit_reversed(
    first: &[i16],
    second: &[i16],
    half: &[u16],
    out: &mut [i32],
    log2_n: u32,
) -> u32 {
    let log2_n = log2_n.min(MAX_FFT_SIZE.trailing_zeros());
    let n = 1usize << log2_n;
    let m = n / 2; // complex points, and samples in each half
    let (Some(first), Some(second), Some(half), Some(out)) = (
        first.get(..m),
        second.get(..m),
        half.get(..m),
        out.get_mut(..n),
    ) else {
        return 0;
    };
    if n < 16 {
        return 0;
    }
    // Point j (samples 2j, 2j + 1, coefficients w[2j], w[2j + 1]) and its
    // mirror image, point M - 1 - j (samples N - 2j - 2, N - 2j - 1,
    // coefficients w[2j + 2], w[2j + 1] since w[N - i] = w[i]), for j < M/2:
    // three coefficients serve four samples, and the mirror point's
    // bit-reversed index is the complement of point j's. w[N/2], past the
    // table, is the centre 1.0. The DSP kernel, where there is one, does all
    // but the last pair.
    let (mut peak, done) = match dsp_pairs(first, second, half, out, log2_n - 1) {
        Some(p) => (p, m / 2 - 1),
        None => (0, 0),
    };
    let (points, _) = out.as_chunks_mut::<2>();
    let Some(points) = points.get_mut(..m) else {
        return 0;
    };
    let rev_shift = 32 - (log2_n - 1); // log2(M) bits to reverse
    let mut mul = |x: i16, w: u16| -> i32 {
        let p = x as i32 * w as i32;
        peak |= (p ^ (p >> 31)) as u32;
        p
    };
    // The pairs from `done` on, sliced rather than skipped (skipping steps
    // through every pair).
    let (front, back, coeffs) = (
        first.as_chunks::<2>().0,
        second.as_chunks::<2>().0,
        half.as_chunks::<2>().0,
    );
    let front = front.get(done..).unwrap_or(&[]);
    let back = back.get(..back.len().saturating_sub(done)).unwrap_or(&[]);
    let coeffs = coeffs.get(done..).unwrap_or(&[]);
    let pairs = front.iter().zip(back.iter().rev()).zip(coeffs.iter());
    for (i, ((&[f0, f1], &[b0, b1]), &[w0, w1])) in pairs.enumerate() {
        let j = i + done;
        let w2 = half.get(2 * j + 2).copied().unwrap_or(u16::MAX);
        let front = [mul(f0, w0), mul(f1, w1)];
        let back = [mul(b0, w2), mul(b1, w1)];
        let r = (j as u32).reverse_bits().wrapping_shr(rev_shift) as usize;
        if let Some(p) = points.get_mut(r) {
            *p = front;
        }
        if let Some(p) = points.get_mut((m - 1) ^ r) {
            *p = back;
        }
    }
    peak
}

/// The window loop on the Cortex-M4's DSP build ([`crate::frontend_dsp`]).
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
#[inline(always)]
fn dsp_pairs(
    first: &[i16],
    second: &[i16],
    half: &[u16],
    out: &mut [i32],
    log2_m: u32,
) -> Option<u32> {
    crate::frontend_dsp::window_pairs(first, second, half, out, log2_m)
}

/// The portable build has no kernel: the loop does every pair.
#[cfg(not(all(feature = "cortex-m-dsp", target_arch = "arm")))]
#[inline(always)]
fn dsp_pairs(
    _first: &[i16],
    _second: &[i16],
    _half: &[u16],
    _out: &mut [i32],
    _log2_m: u32,
) -> Option<u32> {
    None
}

/// The left shift that brings a frame whose peak (see
/// [`window_bit_reversed`]; any value with the bit length of the largest
/// magnitude works) is `peak` (non-zero) to `[2^28, 2^29]`; negative for a
/// right shift. With products below `2^31` it lies in `-2..=28`.
#[inline(always)]
pub fn normalising_shift(peak: u32) -> i32 {
    let bits = 32 - peak.leading_zeros() as i32; // 1..=32
    SCALED_BITS as i32 - bits
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
            for (n, &got) in w.iter().take(n_fft / 2).enumerate() {
                let exact =
                    0.5 - 0.5 * (2.0 * core::f64::consts::PI * n as f64 / n_fft as f64).cos();
                let want = (exact * 65536.0).round().min(65535.0);
                assert_eq!(got as f64, want, "N={n_fft} n={n}");
            }
        }
    }

    #[test]
    fn coefficients_of_the_whole_window_follow_the_periodic_definition() {
        let mut half = [0u16; 2048];
        for log2_n in 6..=12u32 {
            let n = 1usize << log2_n;
            hann_q16(log2_n, &mut half);
            for s in 0..n {
                let exact = 0.5 - 0.5 * (2.0 * core::f64::consts::PI * s as f64 / n as f64).cos();
                let want = (exact * 65536.0).round().min(65535.0);
                assert_eq!(hann_coefficient(&half, n, s) as f64, want, "N={n} s={s}");
            }
            assert_eq!(hann_coefficient(&half, n, n), 0, "past the window");
        }
    }

    #[test]
    fn peak_gives_a_shift_into_the_scaled_range() {
        let mut window = [0u16; 64];
        hann_q16(6, &mut window);
        let mut cases: std::vec::Vec<[i16; 64]> =
            std::vec![[i16::MIN; 64], [i16::MAX; 64], [1; 64], [-1; 64]];
        let mut seed = 7u32;
        for _ in 0..200 {
            let mut x = [0i16; 64];
            let amp = (seed >> 20) as i32 + 1;
            for v in x.iter_mut() {
                seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                *v = (((seed >> 16) as i32 - 32768) * amp / 4096).clamp(-32768, 32767) as i16;
            }
            cases.push(x);
        }
        // A single negative power of two at the peak: one's complement magnitude.
        let mut spike = [0i16; 64];
        spike[32] = -(1 << 12);
        cases.push(spike);
        for samples in cases {
            let mut buf = [0i32; 64];
            let peak = window_bit_reversed(&samples, &window, &mut buf, 6);
            let max = buf.iter().map(|v| v.unsigned_abs()).max().unwrap();
            if max == 0 {
                assert_eq!(peak, 0);
                continue;
            }
            let shift = normalising_shift(peak);
            assert!((-2..=28).contains(&shift), "shift {shift}");
            let scaled = if shift >= 0 {
                (max as u64) << shift
            } else {
                (max as u64 + (1 << (-shift - 1))) >> -shift
            };
            assert!(
                (1 << 28..=1 << 29).contains(&scaled),
                "max {max} shift {shift}"
            );
        }
    }

    #[test]
    fn window_writes_products_in_bit_reversed_order() {
        for log2_n in [4u32, 6, 9, 12] {
            let n = 1usize << log2_n;
            let samples: std::vec::Vec<i16> =
                (0..n).map(|i| (i as i16).wrapping_mul(7) - 900).collect();
            // Any first half; the second half mirrors it around a centre of 1.0.
            let half: std::vec::Vec<u16> = (0..n / 2).map(|i| (i * 13 % 65536) as u16).collect();
            let window: std::vec::Vec<u16> = (0..n)
                .map(|i| match i.cmp(&(n / 2)) {
                    core::cmp::Ordering::Less => half[i],
                    core::cmp::Ordering::Equal => u16::MAX,
                    core::cmp::Ordering::Greater => half[n - i],
                })
                .collect();
            let mut buf = std::vec![0i32; n];
            let peak = window_bit_reversed(&samples, &half, &mut buf, log2_n);
            let log2_m = log2_n - 1;
            let mut or = 0u32;
            for i in 0..n / 2 {
                let j = (i as u32).reverse_bits() >> (32 - log2_m);
                for c in 0..2 {
                    let src = 2 * j as usize + c;
                    let p = samples[src] as i32 * window[src] as i32;
                    assert_eq!(buf[2 * i + c], p, "N={n} point {i}");
                    or |= (p ^ (p >> 31)) as u32;
                }
            }
            assert_eq!(peak, or);
        }
    }
}
