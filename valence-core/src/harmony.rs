//! Harmony statistics of a window: the mean chroma and key clarity, from the
//! chroma frames of [`crate::chroma_stream::ChromaStream`].
//!
//! In the data flow this sits beside [`crate::stats`]: where the window
//! statistics summarise log-mel frames (loudness, timbre), [`HarmonyWindow`]
//! summarises the chroma frames that fall in the same span of samples
//! (pitch-class content, key and mode).
//!
//! Per window it gives:
//! - the **mean chroma**: the mean of each of the 12 pitch classes over the
//!   window's frames, Q15 (`u16`, 32768 = 1.0, class 0 = C);
//! - **key clarity**: the Pearson correlation of the mean chroma with the
//!   Krumhansl–Kessler major and minor key profiles rotated to each of the
//!   12 tonics ([`KK_MAJOR`], [`KK_MINOR`]), reported as the best major
//!   correlation and its tonic, the best minor correlation and its tonic,
//!   and their difference (positive: the window sounds more major).
//!   Correlations are Q15 in an `i32` (32768 = 1.0), so the difference,
//!   which lies in [−2, 2], never overflows.
//!
//! The mean chroma is written in one of two orders ([`ChromaOrder`]): by
//! pitch class from C, or by scale degree from the tonic of the window's
//! best-fitting key (of the 24), which reads the same for a piece and its
//! transposition: a model then learns "how much minor third" instead of
//! "how much E♭" — what carries valence across pieces in different keys.
//!
//! All arithmetic is integer: the correlation's numerator and the two
//! centred sums of squares are exact 64/128-bit integers, and the
//! normalisation takes an integer square root ([`isqrt_u128`]) of their
//! product. The only rounding is the final division (truncation toward
//! zero) and the floor of the square root: the result is within 2⁻¹⁴ of the
//! exact correlation of the Q15 means (checked against a float computation
//! in the tests). Nothing allocates and nothing panics.

use core::fmt;

use crate::chroma::N_CHROMA;

/// Krumhansl–Kessler major key profile (probe-tone ratings, C major, ×100):
/// 6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88.
pub const KK_MAJOR: [u16; N_CHROMA] = [635, 223, 348, 233, 438, 409, 252, 519, 239, 366, 229, 288];

/// Krumhansl–Kessler minor key profile (C minor, ×100):
/// 6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17.
pub const KK_MINOR: [u16; N_CHROMA] = [633, 268, 352, 538, 260, 353, 254, 475, 398, 269, 334, 317];

/// Number of values [`HarmonyStats::features_q15`] writes: 12 mean chroma
/// values, best major and best minor correlation, their difference.
pub const N_HARMONY_FEATURES: usize = N_CHROMA + 3;

/// The order of the 12 chroma values in [`HarmonyStats::features_q15`].
///
/// ```
/// use valence_core::harmony::{ChromaOrder, HarmonyWindow, N_HARMONY_FEATURES};
/// // An A minor triad (A, C, E) as one chroma frame.
/// let mut frame = [0u16; 12];
/// for class in [9, 0, 4] {
///     frame[class] = 20_000;
/// }
/// let mut window = HarmonyWindow::new();
/// window.push(&frame);
/// let stats = window.finish().unwrap();
/// let mut out = [0i32; N_HARMONY_FEATURES];
/// stats.features_q15(ChromaOrder::FromTonic, &mut out).unwrap();
/// // From the tonic A: degrees 0 (A), 3 (C, the minor third) and 7 (E).
/// assert_eq!(&out[..12], &[20_000, 0, 0, 20_000, 0, 0, 0, 20_000, 0, 0, 0, 0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChromaOrder {
    /// Pitch classes C, C♯, …, B.
    #[default]
    PitchClass,
    /// Scale degrees 0–11 from the tonic of the best key
    /// ([`KeyClarity::best_key`]: of the 24 major and minor keys, the one
    /// whose profile correlates best, major on ties): value `d` is pitch
    /// class `(tonic + d) mod 12`.
    FromTonic,
}

/// Q15 scale of correlations and chroma (1.0).
const ONE_Q15: i64 = 1 << 15;

/// Why harmony statistics could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HarmonyError {
    /// The window holds no chroma frame (it is shorter than one chroma FFT).
    NoFrames,
    /// The output slice is too short.
    OutputTooShort {
        /// Values needed.
        needed: usize,
        /// Values given.
        given: usize,
    },
}

impl fmt::Display for HarmonyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarmonyError::NoFrames => write!(
                f,
                "the window holds no chroma frame: it is shorter than one chroma FFT"
            ),
            HarmonyError::OutputTooShort { needed, given } => write!(
                f,
                "harmony features need {needed} output values, the slice holds {given}"
            ),
        }
    }
}

/// The best-matching major and minor keys of a chroma vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyClarity {
    /// Highest correlation with a rotated major profile, Q15.
    pub best_major: i32,
    /// Its tonic (0 = C … 11 = B).
    pub major_tonic: u8,
    /// Highest correlation with a rotated minor profile, Q15.
    pub best_minor: i32,
    /// Its tonic (0 = C … 11 = B).
    pub minor_tonic: u8,
}

impl KeyClarity {
    /// `best_major − best_minor`, Q15: positive when the chroma fits a major
    /// key better than any minor key.
    pub fn major_minus_minor(&self) -> i32 {
        self.best_major - self.best_minor
    }

    /// The best key overall as an index: 0–11 major tonics C…B, 12–23 minor
    /// tonics C…B (major wins ties).
    pub fn best_key(&self) -> u8 {
        if self.best_major >= self.best_minor {
            self.major_tonic
        } else {
            N_CHROMA as u8 + self.minor_tonic
        }
    }

    /// Key clarity of `chroma` (any non-negative scale; Q15 is the usual).
    /// A flat chroma (all classes equal, silence included) correlates with
    /// nothing: both correlations are 0 with tonic C.
    pub fn of(chroma: &[u16; N_CHROMA]) -> KeyClarity {
        let (best_major, major_tonic) = best_rotation(chroma, &KK_MAJOR);
        let (best_minor, minor_tonic) = best_rotation(chroma, &KK_MINOR);
        KeyClarity {
            best_major,
            major_tonic,
            best_minor,
            minor_tonic,
        }
    }
}

/// The highest correlation of `chroma` with `profile` rotated to each tonic,
/// and that tonic (the lowest one on ties).
fn best_rotation(chroma: &[u16; N_CHROMA], profile: &[u16; N_CHROMA]) -> (i32, u8) {
    let mut best = (i32::MIN, 0u8);
    for tonic in 0..N_CHROMA {
        let r = correlation_q15(chroma, profile, tonic);
        if r > best.0 {
            best = (r, tonic as u8);
        }
    }
    best
}

/// Pearson correlation, Q15, of `x` with `profile` rotated so that its
/// first entry falls on pitch class `tonic`: class `c` is compared with
/// `profile[(c − tonic) mod 12]`. 0 when either side is flat.
pub fn correlation_q15(x: &[u16; N_CHROMA], profile: &[u16; N_CHROMA], tonic: usize) -> i32 {
    let n = N_CHROMA as i64;
    let (mut sx, mut sp, mut sxx, mut spp, mut sxp) = (0i64, 0i64, 0i64, 0i64, 0i64);
    for (c, &xv) in x.iter().enumerate() {
        let xv = xv as i64;
        let pv = profile[(c + N_CHROMA - tonic % N_CHROMA) % N_CHROMA] as i64;
        sx += xv;
        sp += pv;
        sxx += xv * xv;
        spp += pv * pv;
        sxp += xv * pv;
    }
    // n²·cov, n²·var: exact. x ≤ 65535, p ≤ 65535: each term stays below 2⁴⁰.
    let cov = n * sxp - sx * sp;
    let var_x = (n * sxx - sx * sx) as u128;
    let var_p = (n * spp - sp * sp) as u128;
    let denom = isqrt_u128(var_x * var_p);
    if denom == 0 {
        return 0;
    }
    let r = (cov as i128 * ONE_Q15 as i128) / denom as i128;
    r.clamp(-ONE_Q15 as i128, ONE_Q15 as i128) as i32
}

/// Integer square root: the largest `r` with `r² ≤ v`.
pub fn isqrt_u128(v: u128) -> u128 {
    // Bit by bit, from the highest even bit down: no division, no overflow.
    let mut rem = v;
    let mut root: u128 = 0;
    let mut bit: u128 = 1 << 126;
    while bit > v {
        bit >>= 2;
    }
    while bit != 0 {
        if rem >= root + bit {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    root
}

/// Harmony statistics of one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HarmonyStats {
    /// Mean of each pitch class over the window's frames, Q15.
    pub mean_chroma: [u16; N_CHROMA],
    /// Key clarity of the mean chroma.
    pub clarity: KeyClarity,
}

impl HarmonyStats {
    /// The statistics as [`N_HARMONY_FEATURES`] Q15 values: the mean chroma
    /// in `order` (C … B, or from the best key's tonic), the best major
    /// correlation, the best minor correlation and their difference.
    /// Returns the number written.
    pub fn features_q15(&self, order: ChromaOrder, out: &mut [i32]) -> Result<usize, HarmonyError> {
        let given = out.len();
        let out = out
            .get_mut(..N_HARMONY_FEATURES)
            .ok_or(HarmonyError::OutputTooShort {
                needed: N_HARMONY_FEATURES,
                given,
            })?;
        let first = match order {
            ChromaOrder::PitchClass => 0,
            ChromaOrder::FromTonic => self.clarity.best_key() as usize % N_CHROMA,
        };
        let from_first = self.mean_chroma.iter().cycle().skip(first);
        for (o, &c) in out.iter_mut().zip(from_first.take(N_CHROMA)) {
            *o = c as i32;
        }
        out[N_CHROMA] = self.clarity.best_major;
        out[N_CHROMA + 1] = self.clarity.best_minor;
        out[N_CHROMA + 2] = self.clarity.major_minus_minor();
        Ok(N_HARMONY_FEATURES)
    }
}

/// Accumulates the chroma frames of one window and summarises them.
///
/// RAM: 12 `u64` sums and a frame count (104 bytes).
#[derive(Debug, Clone, Default)]
pub struct HarmonyWindow {
    sums: [u64; N_CHROMA],
    frames: u32,
}

impl HarmonyWindow {
    /// An empty window.
    pub const fn new() -> HarmonyWindow {
        HarmonyWindow {
            sums: [0; N_CHROMA],
            frames: 0,
        }
    }

    /// Adds one chroma frame (Q15, as [`crate::chroma_stream::ChromaStream`]
    /// emits). The count saturates at `u32::MAX` frames (over eight years of
    /// audio at the default hop), where further frames are ignored.
    pub fn push(&mut self, frame: &[u16; N_CHROMA]) {
        if self.frames == u32::MAX {
            return;
        }
        for (s, &v) in self.sums.iter_mut().zip(frame.iter()) {
            *s += v as u64;
        }
        self.frames += 1;
    }

    /// Frames pushed since construction or the last reset.
    pub fn frames(&self) -> u32 {
        self.frames
    }

    /// Empties the window.
    pub fn reset(&mut self) {
        *self = HarmonyWindow::new();
    }

    /// The window's mean chroma (rounded to nearest) and its key clarity.
    pub fn finish(&self) -> Result<HarmonyStats, HarmonyError> {
        if self.frames == 0 {
            return Err(HarmonyError::NoFrames);
        }
        let n = self.frames as u64;
        let mut mean = [0u16; N_CHROMA];
        for (m, &s) in mean.iter_mut().zip(self.sums.iter()) {
            // Each frame value is at most 65535, so the mean is too.
            *m = ((s + n / 2) / n).min(u16::MAX as u64) as u16;
        }
        Ok(HarmonyStats {
            mean_chroma: mean,
            clarity: KeyClarity::of(&mean),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: u16 = 1 << 15;

    fn chroma_of(classes: &[usize]) -> [u16; N_CHROMA] {
        let mut c = [0u16; N_CHROMA];
        for &k in classes {
            c[k] = Q;
        }
        c
    }

    /// Pearson correlation in floating point (the oracle).
    fn pearson(x: &[u16; N_CHROMA], profile: &[u16; N_CHROMA], tonic: usize) -> f64 {
        let xs: [f64; N_CHROMA] = core::array::from_fn(|c| x[c] as f64);
        let ps: [f64; N_CHROMA] =
            core::array::from_fn(|c| profile[(c + N_CHROMA - tonic) % N_CHROMA] as f64);
        let mx = xs.iter().sum::<f64>() / 12.0;
        let mp = ps.iter().sum::<f64>() / 12.0;
        let (mut cov, mut vx, mut vp) = (0.0, 0.0, 0.0);
        for c in 0..N_CHROMA {
            cov += (xs[c] - mx) * (ps[c] - mp);
            vx += (xs[c] - mx) * (xs[c] - mx);
            vp += (ps[c] - mp) * (ps[c] - mp);
        }
        cov / sqrt(vx * vp)
    }

    /// Newton's square root (no_std has no `f64::sqrt`).
    fn sqrt(v: f64) -> f64 {
        if v <= 0.0 {
            return 0.0;
        }
        let mut r = if v > 1.0 { v } else { 1.0 };
        for _ in 0..200 {
            r = 0.5 * (r + v / r);
        }
        r
    }

    #[test]
    fn isqrt_is_the_floor_of_the_square_root() {
        for v in 0u128..2000 {
            let r = isqrt_u128(v);
            assert!(r * r <= v && (r + 1) * (r + 1) > v, "v {v} r {r}");
        }
        for &v in &[u64::MAX as u128, (1u128 << 100) + 12345, u128::MAX] {
            let r = isqrt_u128(v);
            assert!(r * r <= v, "v {v}");
            assert!((r + 1).checked_mul(r + 1).is_none_or(|s| s > v), "v {v}");
        }
    }

    #[test]
    fn c_major_triad_picks_c_major() {
        let k = KeyClarity::of(&chroma_of(&[0, 4, 7]));
        assert_eq!(k.major_tonic, 0);
        assert_eq!(k.best_key(), 0, "{k:?}");
        assert!(k.major_minus_minor() > 0, "{k:?}");
    }

    #[test]
    fn a_minor_triad_picks_a_minor() {
        let k = KeyClarity::of(&chroma_of(&[9, 0, 4]));
        assert_eq!(k.minor_tonic, 9);
        assert_eq!(k.best_key(), 12 + 9, "{k:?}");
        assert!(k.major_minus_minor() < 0, "{k:?}");
    }

    #[test]
    fn every_major_and_minor_triad_names_its_key() {
        for t in 0..N_CHROMA {
            let maj = KeyClarity::of(&chroma_of(&[t, (t + 4) % 12, (t + 7) % 12]));
            assert_eq!(maj.best_key() as usize, t, "major triad on {t}: {maj:?}");
            let min = KeyClarity::of(&chroma_of(&[t, (t + 3) % 12, (t + 7) % 12]));
            assert_eq!(
                min.best_key() as usize,
                12 + t,
                "minor triad on {t}: {min:?}"
            );
        }
    }

    #[test]
    fn the_profile_itself_correlates_perfectly() {
        let scaled: [u16; N_CHROMA] = core::array::from_fn(|c| KK_MAJOR[c] * 50);
        assert_eq!(correlation_q15(&scaled, &KK_MAJOR, 0), 1 << 15);
        let k = KeyClarity::of(&scaled);
        assert_eq!((k.best_major, k.major_tonic), (1 << 15, 0));
    }

    #[test]
    fn correlations_match_floating_point_within_two_to_the_minus_14() {
        // A deterministic spread of chroma vectors: triads, single notes,
        // and pseudo-random mixtures.
        let mut seed = 0x1234_5678u32;
        let mut cases = [[0u16; N_CHROMA]; 64];
        for (i, case) in cases.iter_mut().enumerate() {
            for v in case.iter_mut() {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                *v = ((seed >> 16) as u16) >> (i % 3);
            }
        }
        cases[0] = chroma_of(&[0, 4, 7]);
        cases[1] = chroma_of(&[2]);
        let tol = 2.0 / 32768.0;
        for x in &cases {
            for profile in [&KK_MAJOR, &KK_MINOR] {
                for tonic in 0..N_CHROMA {
                    let got = correlation_q15(x, profile, tonic) as f64 / 32768.0;
                    let want = pearson(x, profile, tonic);
                    let err = (got - want).abs();
                    assert!(err <= tol, "x {x:?} tonic {tonic}: {got} vs {want}");
                }
            }
        }
    }

    #[test]
    fn flat_chroma_and_silence_correlate_with_nothing() {
        for x in [[0u16; N_CHROMA], [Q; N_CHROMA]] {
            let k = KeyClarity::of(&x);
            assert_eq!((k.best_major, k.best_minor), (0, 0));
        }
    }

    #[test]
    fn window_means_frames_and_refuses_empty_windows() {
        let mut w = HarmonyWindow::new();
        assert_eq!(w.finish(), Err(HarmonyError::NoFrames));
        // Half the frames C major, half A minor: mean 1.0 on C and E
        // (in both), 0.5 on G and A.
        for _ in 0..3 {
            w.push(&chroma_of(&[0, 4, 7]));
            w.push(&chroma_of(&[9, 0, 4]));
        }
        assert_eq!(w.frames(), 6);
        let s = w.finish().unwrap();
        let mut want = [0u16; N_CHROMA];
        want[0] = Q;
        want[4] = Q;
        want[7] = Q / 2;
        want[9] = Q / 2;
        assert_eq!(s.mean_chroma, want);
        assert_eq!(s.clarity, KeyClarity::of(&want));
        let mut out = [0i32; N_HARMONY_FEATURES];
        assert_eq!(
            s.features_q15(ChromaOrder::PitchClass, &mut out),
            Ok(N_HARMONY_FEATURES)
        );
        assert_eq!(out[0], Q as i32);
        assert_eq!(out[14], out[12] - out[13]);
        assert_eq!(
            s.features_q15(ChromaOrder::FromTonic, &mut [0; 3]),
            Err(HarmonyError::OutputTooShort {
                needed: N_HARMONY_FEATURES,
                given: 3
            })
        );
        w.reset();
        assert_eq!(w.frames(), 0);
    }

    /// The key-relative order reads the same for every transposition of a
    /// window (major and minor triads and a scale-like mixture), and is the
    /// pitch-class order rotated to the best key's tonic.
    #[test]
    fn chroma_from_the_tonic_reads_alike_in_every_key() {
        let shapes: [&[usize]; 3] = [&[0, 4, 7], &[9, 0, 4], &[0, 2, 4, 5, 7, 9, 11]];
        for shape in shapes {
            let mut reference = None;
            for shift in 0..N_CHROMA {
                let classes: heapless::Vec<usize, 12> =
                    shape.iter().map(|c| (c + shift) % N_CHROMA).collect();
                let mut w = HarmonyWindow::new();
                w.push(&chroma_of(&classes));
                let s = w.finish().unwrap();
                let mut by_class = [0i32; N_HARMONY_FEATURES];
                let mut by_degree = [0i32; N_HARMONY_FEATURES];
                s.features_q15(ChromaOrder::PitchClass, &mut by_class)
                    .unwrap();
                s.features_q15(ChromaOrder::FromTonic, &mut by_degree)
                    .unwrap();
                let tonic = s.clarity.best_key() as usize % N_CHROMA;
                for d in 0..N_CHROMA {
                    assert_eq!(by_degree[d], by_class[(tonic + d) % N_CHROMA]);
                }
                assert_eq!(by_degree[N_CHROMA..], by_class[N_CHROMA..]);
                match reference {
                    None => reference = Some(by_degree),
                    Some(r) => assert_eq!(r, by_degree, "{shape:?} shifted by {shift}"),
                }
            }
        }
    }
}
