//! The fixed-point FFT: a radix-4 complex transform with Q30 twiddles and
//! the split that turns it into the power spectrum of a real frame.
//!
//! A real frame of `N` samples is transformed as `M = N/2` complex points
//! `z[n] = x[2n] + i·x[2n+1]` (the classic "real FFT via half-size complex
//! FFT"). Data are `i32` in bit-reversed order (radix 2). The transform is
//! decimation in time, two radix-2 stages fused into each radix-4 pass
//! (radix 2²), so every pass over the data does the work of two stages; when
//! `log2 M` is odd the first pass is a single radix-2 stage.
//!
//! Every pass divides by its radix, so the transform returns `Z/M` and can
//! never overflow: with inputs of modulus at most `2^29.5` (block floating
//! point guarantees this), every output of a pass is bounded by the largest
//! input modulus plus a few LSB of rounding, and every intermediate value by
//! half of that. Products are 32×32→64-bit multiplies keeping the rounded
//! high word ([`mul_half`], one `SMMULR` on a Cortex-M4); with twiddles in
//! Q30 this is exactly `x·w/4`, the quarter each radix-4 pass needs; the
//! untwiddled input is divided by 4 with an arithmetic shift (rounding toward
//! −∞, which on the Cortex-M4 folds into the additions that use it). About 20
//! significant bits survive the largest transform — far more than the
//! decibel budget needs.
//!
//! The first pass has only trivial twiddles and needs no multiply; it also
//! applies the block-floating-point shift ([`fft_q31_scaled`]), so the
//! front end never makes a separate scaling pass. The twiddles of the other
//! passes come from [`crate::tables::RADIX4_TWIDDLES_Q30`] (one contiguous
//! run per pass), from [`crate::tables::RADIX4_LARGE_Q30`] for the passes
//! of 512 and 1024 points where a build carries it, or else from the
//! quarter-wave cosine table.
//!
//! The power of bin `k` is `|X[k]|²` with `X = DFT(x)·2/N`, at most `2^60`,
//! and the sum over all bins is at most `2^60` as well (Parseval). Powers are
//! stored back into the same buffer as `u64` split over two `i32` slots, so
//! the front end needs no second buffer. The split reads its Q31 twiddles
//! straight from [`crate::tables::COS_Q31`] with two strided walks (cosine up,
//! sine down), without branches.

use crate::tables::{radix4_table_rows, radix4_twiddles_q30, COS_Q31, MAX_FFT_SIZE};

/// `round(a·b / 2^32)`: with `b` in Q31 this is `a·b/2`, with `b` in Q30
/// `a·b/4`, rounded to nearest.
#[inline(always)]
pub fn mul_half(a: i32, b: i32) -> i32 {
    ((a as i64 * b as i64 + (1 << 31)) >> 32) as i32
}

/// `⌊v/4⌋`, an arithmetic shift.
#[inline(always)]
fn quarter(v: i32) -> i32 {
    v >> 2
}

/// `x·(c − i·s)/4` for a twiddle `c − i·s` in Q30.
#[inline(always)]
fn rotate_quarter(xr: i32, xi: i32, c: i32, s: i32) -> (i32, i32) {
    (
        mul_half(xr, c).wrapping_add(mul_half(xi, s)),
        mul_half(xi, c).wrapping_sub(mul_half(xr, s)),
    )
}

/// The radix-4 combination of four quarter-scaled inputs: `u0` is the
/// sub-transform of the residue-0 samples, `u1` of residue 2, `u2` of
/// residue 1 and `u3` of residue 3 (the bit-reversed layout), each already
/// multiplied by its twiddle. Returns the outputs at offsets 0, h, 2h, 3h.
#[inline(always)]
#[allow(clippy::type_complexity)]
pub(crate) fn combine4(
    u0: (i32, i32),
    u1: (i32, i32),
    u2: (i32, i32),
    u3: (i32, i32),
) -> ([i32; 2], [i32; 2], [i32; 2], [i32; 2]) {
    let (ar, ai) = (u0.0.wrapping_add(u1.0), u0.1.wrapping_add(u1.1));
    let (cr, ci) = (u0.0.wrapping_sub(u1.0), u0.1.wrapping_sub(u1.1));
    let (br, bi) = (u2.0.wrapping_add(u3.0), u2.1.wrapping_add(u3.1));
    let (dr, di) = (u2.0.wrapping_sub(u3.0), u2.1.wrapping_sub(u3.1));
    (
        // A + B, C − i·D, A − B, C + i·D
        [ar.wrapping_add(br), ai.wrapping_add(bi)],
        [cr.wrapping_add(di), ci.wrapping_sub(dr)],
        [ar.wrapping_sub(br), ai.wrapping_sub(bi)],
        [cr.wrapping_sub(di), ci.wrapping_add(dr)],
    )
}

/// Writes a point `[re, im]` into a two-slot chunk.
#[inline(always)]
fn put(slot: &mut [i32], v: [i32; 2]) {
    if let [r, i] = slot {
        *r = v[0];
        *i = v[1];
    }
}

/// Reads a point `[re, im]` from a two-slot chunk.
#[inline(always)]
fn get(slot: &[i32]) -> (i32, i32) {
    match slot {
        [r, i] => (*r, *i),
        _ => (0, 0),
    }
}

/// First pass for even `log2 M`: radix-4 butterflies of four neighbouring
/// points (all twiddles 1); `scale` brings each input to a quarter of its
/// block-floating-point value.
#[inline(always)]
fn first_pass_radix4(buf: &mut [i32], scale: impl Fn(i32) -> i32) {
    for p in buf.chunks_exact_mut(8) {
        if let [x0r, x0i, x1r, x1i, x2r, x2i, x3r, x3i] = p {
            let u0 = (scale(*x0r), scale(*x0i));
            let u1 = (scale(*x1r), scale(*x1i));
            let u2 = (scale(*x2r), scale(*x2i));
            let u3 = (scale(*x3r), scale(*x3i));
            let (y0, y1, y2, y3) = combine4(u0, u1, u2, u3);
            [*x0r, *x0i] = y0;
            [*x1r, *x1i] = y1;
            [*x2r, *x2i] = y2;
            [*x3r, *x3i] = y3;
        }
    }
}

/// First pass for odd `log2 M`: radix-2 butterflies of neighbouring points;
/// `scale` brings each input to half of its block-floating-point value.
#[inline(always)]
fn first_pass_radix2(buf: &mut [i32], scale: impl Fn(i32) -> i32) {
    for p in buf.chunks_exact_mut(4) {
        if let [ar, ai, br, bi] = p {
            let (a_r, a_i, b_r, b_i) = (scale(*ar), scale(*ai), scale(*br), scale(*bi));
            *ar = a_r.wrapping_add(b_r);
            *ai = a_i.wrapping_add(b_i);
            *br = a_r.wrapping_sub(b_r);
            *bi = a_i.wrapping_sub(b_i);
        }
    }
}

/// Runs the first pass with the input scaled by `2^(shift - extra)`
/// (`extra` = log2 of the pass radix): a left shift, or an arithmetic right
/// shift (rounding toward −∞). Each variant is its own loop, so the shift
/// costs one instruction per value.
#[inline(always)]
fn first_pass(buf: &mut [i32], radix4: bool, shift: i32) {
    let extra = if radix4 { 2 } else { 1 };
    let net = shift.clamp(-8, 30) - extra;
    if net >= 0 {
        let l = net as u32;
        if radix4 && first_pass_left_dsp(buf, l) {
            return;
        }
        let scale = move |v: i32| v.wrapping_shl(l);
        if radix4 {
            first_pass_radix4(buf, scale);
        } else {
            first_pass_radix2(buf, scale);
        }
    } else {
        let r = net.unsigned_abs();
        if radix4 && first_pass_right_dsp(buf, r) {
            return;
        }
        let scale = move |v: i32| v >> r;
        if radix4 {
            first_pass_radix4(buf, scale);
        } else {
            first_pass_radix2(buf, scale);
        }
    }
}

/// One radix-4 pass over groups of `4·h` points; `twiddles` yields the
/// `h` rows `[c1, s1, c2, s2, c3, s3]` (Q30) of the pass.
#[inline(always)]
fn radix4_pass<T>(buf: &mut [i32], h: usize, twiddles: T)
where
    T: Iterator<Item = [i32; 6]> + Clone,
{
    let q = 2 * h; // i32 slots per quarter
    for group in buf.chunks_exact_mut((4 * q).max(1)) {
        let Some((lo, hi)) = group.split_at_mut_checked(2 * q) else {
            continue;
        };
        let (Some((q0, q1)), Some((q2, q3))) =
            (lo.split_at_mut_checked(q), hi.split_at_mut_checked(q))
        else {
            continue;
        };
        let points = q0
            .chunks_exact_mut(2)
            .zip(q1.chunks_exact_mut(2))
            .zip(q2.chunks_exact_mut(2))
            .zip(q3.chunks_exact_mut(2))
            .zip(twiddles.clone());
        for ((((p0, p1), p2), p3), w) in points {
            let [c1, s1, c2, s2, c3, s3] = w;
            let (x0r, x0i) = get(p0);
            let (x1r, x1i) = get(p1);
            let (x2r, x2i) = get(p2);
            let (x3r, x3i) = get(p3);
            // p1 holds the residue-2 sub-transform (twiddle W^2k), p2 residue 1 (W^k).
            let u0 = (quarter(x0r), quarter(x0i));
            let u1 = rotate_quarter(x1r, x1i, c2, s2);
            let u2 = rotate_quarter(x2r, x2i, c1, s1);
            let u3 = rotate_quarter(x3r, x3i, c3, s3);
            let (y0, y1, y2, y3) = combine4(u0, u1, u2, u3);
            put(p0, y0);
            put(p1, y1);
            put(p2, y2);
            put(p3, y3);
        }
    }
}

/// [`radix4_pass`] for a stage size known at compile time, for 64-bit
/// hosts: `H` butterflies per group, `G = 8·H` `i32` slots per group. Every
/// index is a constant offset from one group base, so the compiler drops the
/// bounds checks and the iterator bookkeeping. Same arithmetic as
/// [`radix4_pass`]. (Not used on 32-bit targets: the microcontrollers have
/// the assembly pass or need the flash more.)
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn radix4_pass_fixed<const H: usize, const G: usize>(buf: &mut [i32], rows: &[[i32; 6]]) -> bool {
    let Some(rows) = rows.first_chunk::<H>() else {
        return false;
    };
    if G != 8 * H {
        return false;
    }
    let (groups, _) = buf.as_chunks_mut::<G>();
    for g in groups {
        for (k, w) in rows.iter().enumerate() {
            let i = 2 * k;
            let [c1, s1, c2, s2, c3, s3] = *w;
            // Offset 2H holds the residue-2 sub-transform (twiddle W^2k), 4H residue 1 (W^k).
            let u1 = rotate_quarter(g[i + 2 * H], g[i + 2 * H + 1], c2, s2);
            let u2 = rotate_quarter(g[i + 4 * H], g[i + 4 * H + 1], c1, s1);
            let u3 = rotate_quarter(g[i + 6 * H], g[i + 6 * H + 1], c3, s3);
            let u0 = (quarter(g[i]), quarter(g[i + 1]));
            let (y0, y1, y2, y3) = combine4(u0, u1, u2, u3);
            [g[i], g[i + 1]] = y0;
            [g[i + 2 * H], g[i + 2 * H + 1]] = y1;
            [g[i + 4 * H], g[i + 4 * H + 1]] = y2;
            [g[i + 6 * H], g[i + 6 * H + 1]] = y3;
        }
    }
    true
}

/// In-place FFT of `2^log2_m` complex points stored as interleaved
/// `(re, im)` `i32` pairs in bit-reversed order.
///
/// Computes `Z[k] = (1/M)·Σ z[n]·e^{-2πi·kn/M}` in natural order, each pass
/// rounding its products to nearest and its quarters toward −∞. Inputs must have modulus at most `2^29.5`. A buffer
/// shorter than `2·2^log2_m` is left untouched (never panics).
pub fn fft_q31(buf: &mut [i32], log2_m: u32) {
    fft_q31_scaled(buf, log2_m, 0);
}

/// [`fft_q31`] of the input multiplied by `2^shift` (for negative `shift`
/// an arithmetic right shift, rounding toward −∞), fused into the first pass.
///
/// The scaled inputs must have modulus at most `2^29.5`, and `shift` must
/// lie in `-8..=30`. This is how the front end applies block floating point.
#[inline]
pub fn fft_q31_scaled(buf: &mut [i32], log2_m: u32, shift: i32) {
    // No larger than the buffer holds: with a buffer of known length this
    // lets the compiler drop the passes of larger transforms.
    let fits = (buf.len() / 2).max(1).ilog2();
    let log2_m = log2_m.min(MAX_FFT_SIZE.trailing_zeros() - 1).min(fits);
    let m = 1usize << log2_m;
    let Some(buf) = buf.get_mut(..2 * m) else {
        return;
    };
    if m < 2 {
        return;
    }
    let radix4_first = log2_m.is_multiple_of(2);
    first_pass(buf, radix4_first, shift);
    // Passes of 4h points, h = 4^i (even log2 M) or 2·4^i (odd).
    let mut log2_h = if radix4_first { 2 } else { 1 };
    while log2_h < log2_m {
        let h = 1usize << log2_h;
        match radix4_table_rows(h) {
            Some(rows) => {
                if !radix4_pass_dsp(buf, log2_h, rows) {
                    radix4_pass(buf, h, rows.iter().copied());
                }
            }
            None => {
                if !large_pass(buf, log2_h) {
                    let stride = MAX_FFT_SIZE >> (log2_h + 2);
                    radix4_pass(buf, h, (0..h).map(move |k| radix4_twiddles_q30(k, stride)));
                }
            }
        }
        log2_h += 2;
    }
}

/// Runs a tabulated radix-4 pass of `4·2^log2_h` points with a pass
/// specialised for its size: here on the Cortex-M4's DSP instructions
/// ([`crate::frontend_dsp`]); `false` if it did not (a stage size without a
/// specialised pass, or a target without any).
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
#[inline(always)]
fn radix4_pass_dsp(buf: &mut [i32], log2_h: u32, rows: &[[i32; 6]]) -> bool {
    use crate::frontend_dsp::radix4_pass as pass;
    match log2_h {
        1 => pass::<2>(buf, rows),
        2 => pass::<4>(buf, rows),
        3 => pass::<8>(buf, rows),
        4 => pass::<16>(buf, rows),
        5 => pass::<32>(buf, rows),
        6 => pass::<64>(buf, rows),
        _ => false,
    }
}

/// A pass of 512 or 1024 points (`log2_h` 7 or 8) with its twiddles from
/// [`crate::tables::RADIX4_LARGE_Q30`] instead of folded per butterfly, on
/// the Cortex-M4's DSP build: the 1024-point stage by its kernel
/// ([`crate::frontend_dsp::radix4_pass_far`]), the 512-point one by the
/// portable pass; `false` if it did not run.
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
#[inline(always)]
fn large_pass(buf: &mut [i32], log2_h: u32) -> bool {
    use crate::frontend_dsp::radix4_pass_far as pass;
    match (
        log2_h,
        crate::tables::radix4_large_rows(1usize << log2_h.min(31)),
    ) {
        (8, Some(rows)) => pass::<256>(buf, rows),
        (_, Some(rows)) => {
            radix4_pass(buf, 1usize << log2_h.min(31), rows.iter().copied());
            true
        }
        _ => false,
    }
}

/// A pass of 512 or 1024 points with its twiddles from
/// [`crate::tables::RADIX4_LARGE_Q30`], specialised for its size, on 64-bit
/// hosts; `false` if it did not run.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn large_pass(buf: &mut [i32], log2_h: u32) -> bool {
    use crate::tables::radix4_large_rows;
    match (log2_h, radix4_large_rows(1usize << log2_h.min(31))) {
        (7, Some(rows)) => radix4_pass_fixed::<128, 1024>(buf, rows),
        (8, Some(rows)) => radix4_pass_fixed::<256, 2048>(buf, rows),
        _ => false,
    }
}

/// Other builds carry no large-stage table and fold the cosine table.
#[cfg(all(
    not(target_pointer_width = "64"),
    not(all(feature = "cortex-m-dsp", target_arch = "arm"))
))]
#[inline(always)]
fn large_pass(_buf: &mut [i32], _log2_h: u32) -> bool {
    false
}

/// The first radix-4 pass with a left shift on the Cortex-M4's DSP build
/// ([`crate::frontend_dsp`]); `false` if it did not run.
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
#[inline(always)]
fn first_pass_left_dsp(buf: &mut [i32], shift: u32) -> bool {
    crate::frontend_dsp::first_pass_left(buf, shift)
}

/// The first radix-4 pass with a rounding right shift on the Cortex-M4's
/// DSP build ([`crate::frontend_dsp`]); `false` if it did not run.
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
#[inline(always)]
fn first_pass_right_dsp(buf: &mut [i32], shift: u32) -> bool {
    crate::frontend_dsp::first_pass_right(buf, shift)
}

/// The portable build has no specialised first pass.
#[cfg(not(all(feature = "cortex-m-dsp", target_arch = "arm")))]
#[inline(always)]
fn first_pass_left_dsp(_buf: &mut [i32], _shift: u32) -> bool {
    false
}

/// The portable build has no specialised first pass.
#[cfg(not(all(feature = "cortex-m-dsp", target_arch = "arm")))]
#[inline(always)]
fn first_pass_right_dsp(_buf: &mut [i32], _shift: u32) -> bool {
    false
}

/// 64-bit hosts run the tabulated passes specialised for their size.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn radix4_pass_dsp(buf: &mut [i32], log2_h: u32, rows: &[[i32; 6]]) -> bool {
    match log2_h {
        1 => radix4_pass_fixed::<2, 16>(buf, rows),
        2 => radix4_pass_fixed::<4, 32>(buf, rows),
        3 => radix4_pass_fixed::<8, 64>(buf, rows),
        4 => radix4_pass_fixed::<16, 128>(buf, rows),
        5 => radix4_pass_fixed::<32, 256>(buf, rows),
        6 => radix4_pass_fixed::<64, 512>(buf, rows),
        _ => false,
    }
}

/// Other 32-bit builds have no specialised pass.
#[cfg(all(
    not(target_pointer_width = "64"),
    not(all(feature = "cortex-m-dsp", target_arch = "arm"))
))]
#[inline(always)]
fn radix4_pass_dsp(_buf: &mut [i32], _log2_h: u32, _rows: &[[i32; 6]]) -> bool {
    false
}

/// The real split and power on the Cortex-M4's DSP build
/// ([`crate::frontend_dsp`]); `false` if it did not run.
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
#[inline(always)]
fn split_power_dsp(head: &mut [i32], tail: &mut [i32], log2_m: u32) -> bool {
    crate::frontend_dsp::split_power(head, tail, log2_m)
}

/// The portable build splits in [`real_power_in_place`]'s own loop.
#[cfg(not(all(feature = "cortex-m-dsp", target_arch = "arm")))]
#[inline(always)]
fn split_power_dsp(_head: &mut [i32], _tail: &mut [i32], _log2_m: u32) -> bool {
    false
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

#[inline(always)]
pub(crate) fn power(re: i32, im: i32) -> u64 {
    (re as i64 * re as i64 + im as i64 * im as i64) as u64
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
    let (head, tail) = buf.split_at_mut(m);
    // k = M/2: X[M/2] = conj(Z[M/2]).
    if let Some(slot) = tail.get_mut(..2) {
        let (r, i) = get(slot);
        pack_power(power(r, i), slot);
    }
    // head holds points 0..M/2, tail points M/2..M; pair k with M-k for
    // k in 1..M/2 (the Cortex-M4's DSP build has a kernel for it).
    if split_power_dsp(head, tail, log2_m) {
        return nyquist;
    }
    // W^k = e^{-2πi·k/N} = c - i·s with c = COS_Q31[k·stride]
    // and s = COS_Q31[1024 - k·stride]: both walks stay in the first quadrant.
    let stride = (MAX_FFT_SIZE >> (log2_m + 1)).max(1);
    let angles = COS_Q31.get(stride..MAX_FFT_SIZE / 4).unwrap_or(&[]);
    let cos = angles
        .chunks_exact(stride)
        .map(|c| c.first().copied().unwrap_or(0));
    let sin = angles
        .rchunks_exact(stride)
        .map(|c| c.first().copied().unwrap_or(0));
    let lower = head.get_mut(2..).unwrap_or(&mut []).chunks_exact_mut(2);
    let upper = tail.get_mut(2..).unwrap_or(&mut []).rchunks_exact_mut(2);
    for (((a, b), c), s) in lower.zip(upper).zip(cos).zip(sin) {
        let (ar, ai) = get(a);
        let (br, bi) = get(b);
        // E2 = A + conj(B) = 2E and O2 = -i·(A - conj(B)) = 2O: each component
        // is a sum of two values below 2^29.5 in modulus, so it fits.
        let (e2r, e2i) = (ar.wrapping_add(br), ai.wrapping_sub(bi));
        let (o2r, o2i) = (ai.wrapping_add(bi), br.wrapping_sub(ar));
        // y = W^k·O2/2 (mul_half halves, Q31 twiddle); e = E2/2.
        let yr = mul_half(o2r, c).wrapping_add(mul_half(o2i, s));
        let yi = mul_half(o2i, c).wrapping_sub(mul_half(o2r, s));
        let (er, ei) = (e2r >> 1, e2i >> 1);
        // X[k] = e + y;  X[M-k] = conj(e - y). |X| <= 2^30.
        pack_power(power(er.wrapping_add(yr), ei.wrapping_add(yi)), a);
        pack_power(power(er.wrapping_sub(yr), ei.wrapping_sub(yi)), b);
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
        for log2_n in 6u32..=12 {
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

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn large_stage_passes_equal_the_folded_pass() {
        let mut seed = 5u32;
        for log2_h in [7u32, 8] {
            let h = 1usize << log2_h;
            // Two groups of 4h points, inputs below 2^29 in modulus.
            let x: Vec<i32> = (0..16 * h)
                .map(|_| {
                    seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                    (seed as i32) >> 3
                })
                .collect();
            let stride = MAX_FFT_SIZE >> (log2_h + 2);
            let mut folded = x.clone();
            radix4_pass(
                &mut folded,
                h,
                (0..h).map(|k| radix4_twiddles_q30(k, stride)),
            );
            let mut tabulated = x;
            assert!(large_pass(&mut tabulated, log2_h));
            assert_eq!(folded, tabulated, "stage of {} points", 4 * h);
        }
        assert!(!large_pass(&mut [0i32; 64], 6));
    }

    #[test]
    fn scaled_transform_equals_transform_of_the_scaled_input() {
        // Every odd and even size, every first-pass variant (left shift,
        // arithmetic right shift).
        let mut seed = 99u32;
        for log2_m in 2u32..=11 {
            let m = 1usize << log2_m;
            for shift in [-2i32, -1, 0, 1, 3, 10] {
                let x: Vec<i32> = (0..2 * m)
                    .map(|_| {
                        seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                        ((seed as i32) >> 2) >> (2 + shift.max(0)) // scaled modulus < 2^29.5
                    })
                    .collect();
                let pre: Vec<i32> = x
                    .iter()
                    .map(|&v| if shift >= 0 { v << shift } else { v >> -shift })
                    .collect();
                let mut a = x.clone();
                fft_q31_scaled(&mut a, log2_m, shift);
                let mut b = pre.clone();
                fft_q31(&mut b, log2_m);
                // The fused pass rounds once instead of twice: a few LSB apart.
                for (k, (p, q)) in a.iter().zip(&b).enumerate() {
                    assert!(
                        (p - q).abs() <= 4,
                        "M={m} shift={shift} slot {k}: {p} vs {q}"
                    );
                }
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
