//! The front end over a whole signal, `L` frames side by side.
//!
//! [`FrontEnd::push`] computes one frame at a time, which is what a
//! microphone gives. On the host a whole clip is at hand, and frames are
//! independent, so [`FrontEnd::clip_frames`] computes `L` of them at once:
//! every value of the streaming path becomes a row of `L` values, one per
//! frame (`[i32; L]`, a *lane* per frame), and every stage runs the streaming
//! path's arithmetic on each lane — the same window products, the same
//! block-floating-point shift (per lane), the same FFT passes with one
//! twiddle shared by all lanes, the same power split, filterbank walk, log
//! and decibels. With the loop over lanes innermost, a compiler turns each
//! step into SIMD instructions; the host builds this module for the vector
//! units it finds at run time, with kernels of its own for the two steps
//! compilers get wrong ([`LaneKernels`]). The frames are bit for bit those of
//! [`FrontEnd::push`] (tested on every spec shape and on generated and real
//! signals).
//!
//! ```text
//! samples ─► L frames transposed into lanes ─► window, bit reversal, peak per lane
//!         ─► FFT (shift per lane in the first pass) ─► power ─► filterbank ─► dB
//! ```
//!
//! No allocation: the caller lends the work rows ([`LaneScratch`]).

use core::fmt;

use crate::db::{log2_q24_nonzero, log2_q24_to_db_q8};
use crate::fft::{combine4, mul_half, power as bin_power};
use crate::frontend::{frame_offset_q24, FrontEnd};
use crate::mel::{band_sum, POWER_SHIFT};
use crate::tables::{radix4_table_rows, radix4_twiddles_q30, COS_Q31, MAX_FFT_SIZE};
use crate::window::{hann_coefficient, normalising_shift};

/// One complex point of `L` frames: real parts, then imaginary parts.
pub type LanePoint<const L: usize> = [[i32; L]; 2];

/// Work rows for [`FrontEnd::clip_frames`], lent by the caller (the core
/// never allocates). Each row holds one value of `L` frames; the lengths
/// needed for a spec are given by [`LaneScratch::rows_needed`].
#[derive(Debug)]
pub struct LaneScratch<'a, const L: usize> {
    /// The frames' samples in pairs (`2n`, `2n + 1`), transposed: `n_fft / 2` rows.
    pub samples: &'a mut [[[i16; 2]; L]],
    /// The FFT's complex points: `n_fft / 2` rows.
    pub points: &'a mut [LanePoint<L>],
    /// The power spectrum: `n_fft / 2 + 1` rows.
    pub power: &'a mut [[u64; L]],
    /// The band sums: `n_mels` rows.
    pub bands: &'a mut [[u64; L]],
}

/// Row counts of a [`LaneScratch`] for one spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaneRows {
    /// Rows of [`LaneScratch::samples`].
    pub samples: usize,
    /// Rows of [`LaneScratch::points`].
    pub points: usize,
    /// Rows of [`LaneScratch::power`].
    pub power: usize,
    /// Rows of [`LaneScratch::bands`].
    pub bands: usize,
}

impl<const L: usize> LaneScratch<'_, L> {
    /// The rows a front end set up for a spec with `n_fft` points and
    /// `n_mels` bands needs.
    pub const fn rows_needed(n_fft: usize, n_mels: usize) -> LaneRows {
        LaneRows {
            samples: n_fft / 2,
            points: n_fft / 2,
            power: n_fft / 2 + 1,
            bands: n_mels,
        }
    }
}

/// Why [`FrontEnd::clip_frames`] computed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LaneError {
    /// A scratch slice is shorter than the spec needs.
    ScratchTooSmall {
        /// The rows each slice needs.
        needed: LaneRows,
    },
    /// The output holds fewer values than `frames × n_mels`.
    OutputTooSmall {
        /// Values needed.
        needed: usize,
        /// Values the output holds.
        len: usize,
    },
    /// The front end has not been set up with a spec.
    NotLoaded,
}

impl fmt::Display for LaneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LaneError::ScratchTooSmall { needed } => write!(
                f,
                "lane scratch too small: needs {} sample rows, {} point rows, {} power rows, {} band rows",
                needed.samples, needed.points, needed.power, needed.bands
            ),
            LaneError::OutputTooSmall { needed, len } => write!(
                f,
                "output holds {len} values but the frames need {needed}"
            ),
            LaneError::NotLoaded => write!(f, "the front end has no spec"),
        }
    }
}

impl core::error::Error for LaneError {}

/// The two steps of the clip path whose best instruction sequences
/// compilers do not find on their own, as functions a caller may replace
/// with kernels for its vector unit (`valence-host` does for AVX-512 and
/// AVX2; a closure defined in a function built for a unit is built for it
/// too). Replacements must give the same bits as [`PortableKernels::PORTABLE`].
#[derive(Debug, Clone, Copy)]
pub struct LaneKernels<M, A> {
    /// The rounded product [`crate::fft::mul_half`] of every lane by one
    /// twiddle ([`mul_half_lanes`]): compilers widen each lane to 64 bits
    /// and narrow it back, where a vector unit can multiply the even and
    /// the odd lanes in place and blend.
    pub mul: M,
    /// One bin of the filterbank walk ([`accumulate_lanes`]): compilers may
    /// vectorise the walk across bins instead of across lanes.
    pub accumulate: A,
}

/// The portable kernels' types.
pub type PortableKernels<const L: usize> =
    LaneKernels<fn(&[i32; L], i32) -> [i32; L], fn(&mut [u64; L], &mut [u64; L], &[u64; L], u16)>;

impl<const L: usize> PortableKernels<L> {
    /// The plain definitions, lane by lane.
    pub const PORTABLE: Self = LaneKernels {
        mul: mul_half_lanes::<L>,
        accumulate: accumulate_lanes::<L>,
    };
}

/// `[mul_half(a[0], b), mul_half(a[1], b), …]` ([`crate::fft::mul_half`]).
#[inline(always)]
pub fn mul_half_lanes<const L: usize>(a: &[i32; L], b: i32) -> [i32; L] {
    core::array::from_fn(|l| mul_half(a[l], b))
}

/// Adds one bin of weight `t` (Q16) to every lane's sums: with
/// `p = power >> POWER_SHIFT`, `rise += p·t` and `total += p`, wrapping
/// like `u64` (as [`crate::mel::Filterbank::accumulate`] does).
#[inline(always)]
pub fn accumulate_lanes<const L: usize>(
    rise: &mut [u64; L],
    total: &mut [u64; L],
    power: &[u64; L],
    t: u16,
) {
    for l in 0..L {
        let p = power[l] >> POWER_SHIFT;
        rise[l] = rise[l].wrapping_add(p.wrapping_mul(t as u64));
        total[l] = total[l].wrapping_add(p);
    }
}

/// Silent samples for lanes past the last frame.
static SILENCE: [i16; MAX_FFT_SIZE] = [0; MAX_FFT_SIZE];

impl<const MAX_FFT: usize, const MAX_MELS: usize> FrontEnd<MAX_FFT, MAX_MELS> {
    /// Computes every frame of `samples` (frame `t` covers samples
    /// `[t·hop, t·hop + n_fft)`, as [`FrontEnd::push`] numbers them from a
    /// reset) into `out`, `n_mels` Q8.8 values per frame, `L` frames at a
    /// time; returns the number of frames. Does not touch the streaming
    /// state. The frames are bit for bit those that [`FrontEnd::push`] gives.
    ///
    /// ```
    /// use valence_core::lanes::{LanePoint, LaneScratch};
    /// use valence_core::{FeatureSpec, FrontEnd};
    ///
    /// let spec = FeatureSpec::DEFAULT;
    /// let fe = FrontEnd::<512, 64>::new(&spec).unwrap();
    /// let tone: Vec<i16> = (0..4000).map(|n| ((n * 37 % 200) as i16 - 100) * 50).collect();
    ///
    /// const L: usize = 8;
    /// let rows = LaneScratch::<L>::rows_needed(512, 64);
    /// let (mut s, mut p) = (vec![[[0i16; 2]; L]; rows.samples], vec![[[0i32; L]; 2]; rows.points]);
    /// let (mut w, mut b) = (vec![[0u64; L]; rows.power], vec![[0u64; L]; rows.bands]);
    /// let mut scratch = LaneScratch { samples: &mut s, points: &mut p, power: &mut w, bands: &mut b };
    /// let mut out = vec![0i16; spec.frames_for(tone.len()) * 64];
    /// let frames = fe.clip_frames(&tone, &mut scratch, &mut out).unwrap();
    ///
    /// let mut streamed = Vec::new();
    /// let mut fresh = FrontEnd::<512, 64>::new(&spec).unwrap();
    /// fresh.push(&tone, |frame| streamed.extend_from_slice(frame));
    /// assert_eq!(frames, 14);
    /// assert_eq!(out, streamed);
    /// ```
    ///
    /// Everything it calls is inlined into it, and it is `#[inline(always)]`
    /// itself, so that a caller compiled for wider vector units (the host
    /// chooses at run time) gets all of it built for them.
    #[inline(always)]
    pub fn clip_frames<const L: usize>(
        &self,
        samples: &[i16],
        scratch: &mut LaneScratch<'_, L>,
        out: &mut [i16],
    ) -> Result<usize, LaneError> {
        self.clip_frames_with(samples, scratch, out, LaneKernels::PORTABLE)
    }

    /// [`FrontEnd::clip_frames`] with the lane kernels `kernels` (see
    /// [`LaneKernels`]).
    #[inline(always)]
    pub fn clip_frames_with<const L: usize, M, A>(
        &self,
        samples: &[i16],
        scratch: &mut LaneScratch<'_, L>,
        out: &mut [i16],
        kernels: LaneKernels<M, A>,
    ) -> Result<usize, LaneError>
    where
        M: Fn(&[i32; L], i32) -> [i32; L],
        A: Fn(&mut [u64; L], &mut [u64; L], &[u64; L], u16),
    {
        let (n_fft, hop, n_mels) = (self.n_fft, self.hop, self.n_mels);
        if n_fft < 16 || hop == 0 || n_fft > MAX_FFT || n_mels > MAX_MELS {
            return Err(LaneError::NotLoaded);
        }
        let needed = LaneScratch::<L>::rows_needed(n_fft, n_mels);
        let m = n_fft / 2;
        let (Some(xs), Some(points), Some(power), Some(bands)) = (
            scratch.samples.get_mut(..m),
            scratch.points.get_mut(..m),
            scratch.power.get_mut(..m + 1),
            scratch.bands.get_mut(..n_mels),
        ) else {
            return Err(LaneError::ScratchTooSmall { needed });
        };
        let frames = self.spec.frames_for(samples.len());
        let values = frames * n_mels;
        let Some(out) = out.get_mut(..values) else {
            return Err(LaneError::OutputTooSmall {
                needed: values,
                len: out.len(),
            });
        };
        if L == 0 {
            return Ok(0);
        }
        for (block, rows) in out.chunks_mut(L * n_mels.max(1)).enumerate() {
            let first = block * L;
            // Transpose the block's frames into lanes (silence past the end).
            transpose(samples, first, n_fft, hop, xs);
            let peak = self.window_lanes(xs, points);
            let shift: [i32; L] = core::array::from_fn(|l| normalising_shift(peak[l]));
            fft_lanes(points, self.log2_n - 1, &shift, &kernels.mul);
            power_lanes(points, power, self.log2_n - 1, &kernels.mul);
            self.filterbank_lanes(power, bands, &kernels.accumulate);
            self.bands_to_db_lanes(bands, &shift, &peak, rows);
        }
        Ok(frames)
    }

    /// Windows the lanes' samples into bit-reversed points (as
    /// [`crate::window::window_halves_bit_reversed`] does for one frame) and
    /// returns each lane's peak.
    #[inline(always)]
    fn window_lanes<const L: usize>(
        &self,
        xs: &[[[i16; 2]; L]],
        points: &mut [LanePoint<L>],
    ) -> [u32; L] {
        let n = self.n_fft;
        let m = n / 2;
        let log2_m = self.log2_n - 1;
        let half = self.tables.get(..m).unwrap_or(&[]);
        let coeff = |s: usize| hann_coefficient(half, n, s) as i32;
        let mut peak = [0u32; L];
        for (j, pair) in xs.iter().enumerate().take(m) {
            let (w0, w1) = (coeff(2 * j), coeff(2 * j + 1));
            let r = (j as u32).reverse_bits().wrapping_shr(32 - log2_m) as usize;
            let Some(point) = points.get_mut(r) else {
                continue;
            };
            for l in 0..L {
                let p0 = pair[l][0] as i32 * w0;
                let p1 = pair[l][1] as i32 * w1;
                peak[l] |= (p0 ^ (p0 >> 31)) as u32 | (p1 ^ (p1 >> 31)) as u32;
                point[0][l] = p0;
                point[1][l] = p1;
            }
        }
        peak
    }

    /// The filterbank walk of [`crate::mel::Filterbank::accumulate`] on every lane.
    #[inline(always)]
    fn filterbank_lanes<const L: usize>(
        &self,
        power: &[[u64; L]],
        bands: &mut [[u64; L]],
        accumulate: &impl Fn(&mut [u64; L], &mut [u64; L], &[u64; L], u16),
    ) {
        let rise = self.tables.get(MAX_FFT / 2..).unwrap_or(&[]);
        let mut previous_rise = [0u64; L];
        for (j, bins_of) in self.bank.intervals() {
            let mut rise_sum = [0u64; L];
            let mut total = [0u64; L];
            let weights = rise.get(bins_of.clone()).unwrap_or(&[]);
            let bins = power.get(bins_of).unwrap_or(&[]);
            for (&t, bin) in weights.iter().zip(bins) {
                accumulate(&mut rise_sum, &mut total, bin, t);
            }
            if let Some(b) = j.checked_sub(1).and_then(|i| bands.get_mut(i)) {
                for l in 0..L {
                    b[l] = band_sum(previous_rise[l], total[l], rise_sum[l]);
                }
            }
            previous_rise = rise_sum;
        }
    }

    /// Log and decibels of every lane's bands into the block's output rows
    /// (`n_mels` values per frame; lanes without a row are dropped).
    #[inline(always)]
    fn bands_to_db_lanes<const L: usize>(
        &self,
        bands: &[[u64; L]],
        shift: &[i32; L],
        peak: &[u32; L],
        rows: &mut [i16],
    ) {
        let floor = self.floor_q8;
        let n_mels = self.n_mels.max(1);
        let log2_m = self.log2_n.saturating_sub(1);
        let frame_offset: [i32; L] = core::array::from_fn(|l| frame_offset_q24(log2_m, shift[l]));
        let offsets = self.bank.band_log2_offsets();
        for (b, (band, &band_offset)) in bands.iter().zip(offsets).enumerate() {
            let mut db = [0i16; L];
            for l in 0..L {
                let total = log2_q24_nonzero(band[l])
                    .saturating_add(band_offset)
                    .saturating_add(frame_offset[l]);
                let v = log2_q24_to_db_q8(total as i64).max(floor);
                // A zero sum has no logarithm, a silent frame none at all.
                db[l] = if band[l] == 0 || peak[l] == 0 {
                    floor
                } else {
                    v
                };
            }
            for (frame, &v) in rows.chunks_mut(n_mels).zip(&db) {
                if let Some(out) = frame.get_mut(b) {
                    *out = v;
                }
            }
        }
    }
}

/// Copies frames `first..first + L` of `samples` (`n_fft` samples every
/// `hop`) into lanes, sample pair `j` of frame `first + l` into `xs[j][l]`;
/// silence for frames past the end. With a hop of half the FFT every half
/// frame is read once and serves two lanes: as the second half of one frame
/// and the first half of the next.
#[inline(always)]
fn transpose<const L: usize>(
    samples: &[i16],
    first: usize,
    n_fft: usize,
    hop: usize,
    xs: &mut [[[i16; 2]; L]],
) {
    let span = |start: usize, len: usize| {
        samples
            .get(start..)
            .and_then(|s| s.get(..len))
            .or_else(|| SILENCE.get(..len))
            .unwrap_or(&[])
    };
    if 2 * hop == n_fft {
        // Frame l's first half is half frame l, its second half is half
        // frame l + 1: the first halves of frames l + 1 shifted down a lane,
        // and for the last lane, half frame L.
        let (front, back) = xs.split_at_mut((n_fft / 4).min(xs.len()));
        for h in 0..L {
            let (pairs, _) = span((first + h) * hop, hop).as_chunks::<2>();
            for (row, p) in front.iter_mut().zip(pairs) {
                row[h] = *p;
            }
        }
        let (last, _) = span((first + L) * hop, hop).as_chunks::<2>();
        for ((b, f), p) in back.iter_mut().zip(front.iter()).zip(last) {
            if let (Some(to), Some(from)) = (b.get_mut(..L.saturating_sub(1)), f.get(1..)) {
                to.copy_from_slice(from);
            }
            if let Some(v) = b.last_mut() {
                *v = *p;
            }
        }
    } else {
        for l in 0..L {
            let (pairs, _) = span((first + l) * hop, n_fft).as_chunks::<2>();
            for (row, p) in xs.iter_mut().zip(pairs) {
                row[l] = *p;
            }
        }
    }
}

/// [`crate::fft::fft_q31_scaled`] on every lane, lane `l` scaled by
/// `2^shift[l]`.
#[inline(always)]
fn fft_lanes<const L: usize>(
    points: &mut [LanePoint<L>],
    log2_m: u32,
    shift: &[i32; L],
    mul: &impl Fn(&[i32; L], i32) -> [i32; L],
) {
    let radix4_first = log2_m.is_multiple_of(2);
    let extra = if radix4_first { 2 } else { 1 };
    // A left shift then an arithmetic right shift, one of them zero: the
    // streaming path's two variants of the first pass in one.
    let mut left = [0u32; L];
    let mut right = [0u32; L];
    for l in 0..L {
        let net = shift[l].clamp(-8, 30) - extra;
        left[l] = net.max(0) as u32;
        right[l] = (-net).max(0) as u32;
    }
    let scale = |v: i32, l: usize| v.wrapping_shl(left[l]).wrapping_shr(right[l]);
    if radix4_first {
        for quad in points.chunks_exact_mut(4) {
            if let [p0, p1, p2, p3] = quad {
                for l in 0..L {
                    let u0 = (scale(p0[0][l], l), scale(p0[1][l], l));
                    let u1 = (scale(p1[0][l], l), scale(p1[1][l], l));
                    let u2 = (scale(p2[0][l], l), scale(p2[1][l], l));
                    let u3 = (scale(p3[0][l], l), scale(p3[1][l], l));
                    let (y0, y1, y2, y3) = combine4(u0, u1, u2, u3);
                    [p0[0][l], p0[1][l]] = y0;
                    [p1[0][l], p1[1][l]] = y1;
                    [p2[0][l], p2[1][l]] = y2;
                    [p3[0][l], p3[1][l]] = y3;
                }
            }
        }
    } else {
        for pair in points.chunks_exact_mut(2) {
            if let [a, b] = pair {
                for l in 0..L {
                    let (ar, ai) = (scale(a[0][l], l), scale(a[1][l], l));
                    let (br, bi) = (scale(b[0][l], l), scale(b[1][l], l));
                    a[0][l] = ar.wrapping_add(br);
                    a[1][l] = ai.wrapping_add(bi);
                    b[0][l] = ar.wrapping_sub(br);
                    b[1][l] = ai.wrapping_sub(bi);
                }
            }
        }
    }
    let mut log2_h = if radix4_first { 2 } else { 1 };
    while log2_h < log2_m {
        let h = 1usize << log2_h;
        let rows = radix4_table_rows(h);
        let stride = MAX_FFT_SIZE >> (log2_h + 2);
        for group in points.chunks_exact_mut(4 * h) {
            let (lo, hi) = group.split_at_mut(2 * h);
            let (q0, q1) = lo.split_at_mut(h);
            let (q2, q3) = hi.split_at_mut(h);
            let quads = q0.iter_mut().zip(q1).zip(q2).zip(q3);
            for (k, (((p0, p1), p2), p3)) in quads.enumerate() {
                let w = match rows.and_then(|r| r.get(k)) {
                    Some(&w) => w,
                    None => radix4_twiddles_q30(k, stride),
                };
                butterfly4(p0, p1, p2, p3, w, mul);
            }
        }
        log2_h += 2;
    }
}

/// One radix-4 butterfly of [`crate::fft`]'s passes on every lane: `p1`
/// holds the residue-2 sub-transform (twiddle `W^2k`), `p2` residue 1 (`W^k`).
#[inline(always)]
fn butterfly4<const L: usize>(
    p0: &mut LanePoint<L>,
    p1: &mut LanePoint<L>,
    p2: &mut LanePoint<L>,
    p3: &mut LanePoint<L>,
    w: [i32; 6],
    mul: &impl Fn(&[i32; L], i32) -> [i32; L],
) {
    let [c1, s1, c2, s2, c3, s3] = w;
    // x·(c − i·s)/4 of every lane, as crate::fft::rotate_quarter computes it.
    let rotate = |x: &LanePoint<L>, c: i32, s: i32| {
        let (rc, is, ic, rs) = (mul(&x[0], c), mul(&x[1], s), mul(&x[1], c), mul(&x[0], s));
        let re: [i32; L] = core::array::from_fn(|l| rc[l].wrapping_add(is[l]));
        let im: [i32; L] = core::array::from_fn(|l| ic[l].wrapping_sub(rs[l]));
        [re, im]
    };
    let u1 = rotate(p1, c2, s2);
    let u2 = rotate(p2, c1, s1);
    let u3 = rotate(p3, c3, s3);
    for l in 0..L {
        let u0 = (p0[0][l] >> 2, p0[1][l] >> 2);
        let (y0, y1, y2, y3) = combine4(
            u0,
            (u1[0][l], u1[1][l]),
            (u2[0][l], u2[1][l]),
            (u3[0][l], u3[1][l]),
        );
        [p0[0][l], p0[1][l]] = y0;
        [p1[0][l], p1[1][l]] = y1;
        [p2[0][l], p2[1][l]] = y2;
        [p3[0][l], p3[1][l]] = y3;
    }
}

/// [`crate::fft::real_power_in_place`] on every lane, into `power`
/// (`M + 1` rows: bins `0..=M`, the last one Nyquist).
#[inline(always)]
fn power_lanes<const L: usize>(
    points: &[LanePoint<L>],
    power: &mut [[u64; L]],
    log2_m: u32,
    mul: &impl Fn(&[i32; L], i32) -> [i32; L],
) {
    let m = 1usize << log2_m;
    let (Some(points), Some(power)) = (points.get(..m), power.get_mut(..m + 1)) else {
        return;
    };
    let (Some(first), Some(middle)) = (points.first(), points.get(m / 2)) else {
        return;
    };
    // k = 0: X[0] = Re + Im and X[N/2] = Re - Im, both real.
    let (sum, difference): ([u64; L], [u64; L]) = (
        core::array::from_fn(|l| {
            let v = first[0][l] as i64 + first[1][l] as i64;
            (v * v) as u64
        }),
        core::array::from_fn(|l| {
            let v = first[0][l] as i64 - first[1][l] as i64;
            (v * v) as u64
        }),
    );
    if let Some(p0) = power.first_mut() {
        *p0 = sum;
    }
    if let Some(pn) = power.get_mut(m) {
        *pn = difference;
    }
    if let Some(pm) = power.get_mut(m / 2) {
        for l in 0..L {
            pm[l] = bin_power(middle[0][l], middle[1][l]);
        }
    }
    let stride = (MAX_FFT_SIZE >> (log2_m + 1)).max(1);
    let (low, high) = power.split_at_mut(m / 2 + 1);
    let lower = points.get(1..m / 2).unwrap_or(&[]);
    let upper = points.get(m / 2 + 1..).unwrap_or(&[]).iter().rev();
    let low = low.get_mut(1..).unwrap_or(&mut []);
    let high = high
        .get_mut(..m / 2 - 1)
        .unwrap_or(&mut [])
        .iter_mut()
        .rev();
    let pairs = lower.iter().zip(upper).zip(low).zip(high).enumerate();
    for (i, (((a, b), pa), pb)) in pairs {
        let k = i + 1;
        // W^k = c - i·s, c = COS_Q31[k·stride], s = COS_Q31[N/4·stride - k·stride].
        let c = COS_Q31.get(k * stride).copied().unwrap_or(0);
        let s = COS_Q31
            .get(MAX_FFT_SIZE / 4 - k * stride)
            .copied()
            .unwrap_or(0);
        let e2r: [i32; L] = core::array::from_fn(|l| a[0][l].wrapping_add(b[0][l]));
        let e2i: [i32; L] = core::array::from_fn(|l| a[1][l].wrapping_sub(b[1][l]));
        let o2r: [i32; L] = core::array::from_fn(|l| a[1][l].wrapping_add(b[1][l]));
        let o2i: [i32; L] = core::array::from_fn(|l| b[0][l].wrapping_sub(a[0][l]));
        // y = W^k·O2/2 (Q31 twiddle); e = E2/2.
        let (rc, is, ic, rs) = (mul(&o2r, c), mul(&o2i, s), mul(&o2i, c), mul(&o2r, s));
        for l in 0..L {
            let yr = rc[l].wrapping_add(is[l]);
            let yi = ic[l].wrapping_sub(rs[l]);
            let (er, ei) = (e2r[l] >> 1, e2i[l] >> 1);
            pa[l] = bin_power(er.wrapping_add(yr), ei.wrapping_add(yi));
            pb[l] = bin_power(er.wrapping_sub(yr), ei.wrapping_sub(yi));
        }
    }
}
