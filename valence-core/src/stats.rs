//! Window statistics: the summary of many log-mel frames that a model reads.
//!
//! Over a window of `window_frames` frames, each band's mean and (population)
//! standard deviation of its Q8.8 decibel values, computed exactly in
//! integers from a sum and a sum of squares, so that the host and the device
//! produce the identical feature vector from the same samples. A window
//! completes every `hop_frames` frames; windows may overlap by half
//! (`window_frames = 2 · hop_frames`), which needs two accumulators (one sum
//! per hop, each frame added once; a window joins two consecutive hops),
//! never a frame history: RAM does not grow with the window length.
//!
//! Rounding, documented because it is part of the feature definition:
//! - mean = `round(Σv / n)`, halves away from zero;
//! - std = `round(isqrt(n·Σv² − (Σv)²) / n)`, halves up, where `isqrt` is the
//!   integer square root rounded down.
//!
//! Both are Q8.8 decibels like the frames.

use core::fmt;

use serde::{Deserialize, Serialize};

/// The largest window, in frames (keeps every sum exact in 64 bits).
pub const MAX_WINDOW_FRAMES: u16 = 4096;

/// Which summary of the frames makes the feature vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Summary {
    /// Per-band mean followed by per-band standard deviation: `2 · n_mels` values.
    MeanStd,
}

/// How frames are summarised into feature vectors.
///
/// ```
/// use valence_core::stats::StatsSpec;
/// let spec = StatsSpec::DEFAULT;
/// assert_eq!(spec.validate(), Ok(()));
/// assert_eq!(spec.n_features(64), 128);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatsSpec {
    /// The summary taken.
    pub summary: Summary,
    /// Frames per window.
    pub window_frames: u16,
    /// Frames between the ends of consecutive windows: `window_frames` or half of it.
    pub hop_frames: u16,
}

impl StatsSpec {
    /// The project default: windows of 128 frames (2.05 s at 16 kHz with hop 256),
    /// a reading every 64 frames (1.02 s).
    pub const DEFAULT: StatsSpec = StatsSpec {
        summary: Summary::MeanStd,
        window_frames: 128,
        hop_frames: 64,
    };

    /// Number of features for `n_mels` bands.
    pub fn n_features(&self, n_mels: usize) -> usize {
        match self.summary {
            Summary::MeanStd => 2 * n_mels,
        }
    }

    /// Number of windows that are open at once (1 or 2).
    pub fn overlap(&self) -> usize {
        if self.window_frames == self.hop_frames {
            1
        } else {
            2
        }
    }

    /// Checks that the statistics can be computed as specified.
    pub fn validate(&self) -> Result<(), StatsError> {
        if self.window_frames == 0 || self.hop_frames == 0 {
            return Err(StatsError::Empty);
        }
        if self.window_frames > MAX_WINDOW_FRAMES {
            return Err(StatsError::WindowTooLong {
                window_frames: self.window_frames,
            });
        }
        if self.window_frames != self.hop_frames
            && self.window_frames as u32 != 2 * self.hop_frames as u32
        {
            return Err(StatsError::UnsupportedOverlap {
                window_frames: self.window_frames,
                hop_frames: self.hop_frames,
            });
        }
        Ok(())
    }
}

impl Default for StatsSpec {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why a [`StatsSpec`] cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatsError {
    /// The window or the hop is zero frames long.
    Empty,
    /// The window is longer than [`MAX_WINDOW_FRAMES`].
    WindowTooLong {
        /// The rejected length.
        window_frames: u16,
    },
    /// The window must equal the hop or be twice it.
    UnsupportedOverlap {
        /// Window length.
        window_frames: u16,
        /// Hop length.
        hop_frames: u16,
    },
}

impl fmt::Display for StatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            StatsError::Empty => write!(f, "the statistics window and hop must be at least one frame"),
            StatsError::WindowTooLong { window_frames } => write!(
                f,
                "a window of {window_frames} frames is longer than the supported {MAX_WINDOW_FRAMES}"
            ),
            StatsError::UnsupportedOverlap { window_frames, hop_frames } => write!(
                f,
                "a window of {window_frames} frames with a hop of {hop_frames}: the window must equal the hop or be twice it"
            ),
        }
    }
}

impl core::error::Error for StatsError {}

/// Exact per-band sums of one window.
#[derive(Debug, Clone)]
pub struct BandAccumulator<const MAX_MELS: usize> {
    sum: [i32; MAX_MELS],
    sum_sq: [u64; MAX_MELS],
    frames: u16,
}

impl<const MAX_MELS: usize> Default for BandAccumulator<MAX_MELS> {
    fn default() -> Self {
        Self::ZERO
    }
}

impl<const MAX_MELS: usize> BandAccumulator<MAX_MELS> {
    /// No frames yet (all zero bytes, so usable in a `static` in `.bss`).
    pub(crate) const ZERO: Self = BandAccumulator {
        sum: [0; MAX_MELS],
        sum_sq: [0; MAX_MELS],
        frames: 0,
    };

    /// Frames added since the last reset.
    pub fn frames(&self) -> u16 {
        self.frames
    }

    /// Empties the accumulator.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Adds one frame (at most `MAX_MELS` bands are used). At most
    /// [`MAX_WINDOW_FRAMES`] frames may be added between resets; further
    /// frames are ignored.
    pub fn add(&mut self, frame: &[i16]) {
        if self.frames >= MAX_WINDOW_FRAMES {
            return;
        }
        for ((s, q), &v) in self.sum.iter_mut().zip(self.sum_sq.iter_mut()).zip(frame) {
            // |v| ≤ 2^15 and at most 2^12 frames: |Σv| ≤ 2^27, Σv² ≤ 2^42.
            *s = s.wrapping_add(v as i32);
            *q = q.wrapping_add((v as i32 * v as i32) as u64);
        }
        self.frames += 1;
    }

    /// Writes the per-band means into `mean` and standard deviations into
    /// `std` (Q8.8 dB) for the first `min(mean.len(), std.len(), MAX_MELS)`
    /// bands. Writes nothing if no frame was added.
    pub fn finish(&self, mean: &mut [i16], std: &mut [i16]) {
        let bands = self.sum.iter().copied().zip(self.sum_sq.iter().copied());
        summarise(self.frames as i64, bands, mean, std);
    }

    /// [`BandAccumulator::finish`] over the frames of `earlier` and `self`
    /// together: two consecutive hops that make one window. The sums are
    /// exact, so this equals one accumulator fed both hops' frames.
    pub fn finish_joined(&self, earlier: &Self, mean: &mut [i16], std: &mut [i16]) {
        let sums = self.sum.iter().zip(earlier.sum.iter());
        let squares = self.sum_sq.iter().zip(earlier.sum_sq.iter());
        let bands = sums
            .zip(squares)
            .map(|((&a, &b), (&qa, &qb))| (a.wrapping_add(b), qa.wrapping_add(qb)));
        let n = self.frames as i64 + earlier.frames as i64;
        summarise(n, bands, mean, std);
    }
}

/// Means and standard deviations of `n` frames from each band's sum and sum
/// of squares (the rounding of the module documentation). Writes nothing if
/// `n` is 0.
fn summarise(n: i64, bands: impl Iterator<Item = (i32, u64)>, mean: &mut [i16], std: &mut [i16]) {
    if n == 0 {
        return;
    }
    for ((m, s), (sum, sum_sq)) in mean.iter_mut().zip(std.iter_mut()).zip(bands) {
        let sum = sum as i64;
        // Round half away from zero.
        let twice = 2 * sum + if sum >= 0 { n } else { -n };
        *m = (twice / (2 * n)).clamp(i16::MIN as i64, i16::MAX as i64) as i16;
        // n·Σv² − (Σv)² ≥ 0 (Cauchy–Schwarz), at most 2^54.
        let spread = (n as u64 * sum_sq).saturating_sub((sum * sum) as u64);
        let root = spread.isqrt();
        *s = ((root + n as u64 / 2) / n as u64).min(i16::MAX as u64) as i16;
    }
}

/// The two per-hop sums behind windows of one or two hops: each value is
/// added once, to the sum of the hop it arrives in; a window of two hops
/// joins the current hop's sum with the previous one's, a window of one hop
/// is the current sum alone. Shared by [`WindowStats`] and the onset
/// statistics ([`crate::onset::OnsetStats`]), which end their hops on the
/// same frames.
#[derive(Debug, Clone)]
pub(crate) struct HopSums<const N: usize> {
    acc: [BandAccumulator<N>; 2],
    /// Which sum takes the current hop's values and whether the other
    /// holds a complete earlier hop: 0 at the start (the first, no earlier
    /// hop), then alternately 1 (the second) and 2 (the first).
    phase: u32,
}

impl<const N: usize> HopSums<N> {
    /// No values yet (all zero bytes).
    pub(crate) const ZERO: Self = HopSums {
        acc: [BandAccumulator::ZERO, BandAccumulator::ZERO],
        phase: 0,
    };

    /// Starts over: no hop yet.
    pub(crate) fn reset(&mut self) {
        for a in &mut self.acc {
            a.reset();
        }
        self.phase = 0;
    }

    /// The sum that takes the current hop's values.
    #[inline(always)]
    pub(crate) fn current(&mut self) -> &mut BandAccumulator<N> {
        let [first, second] = &mut self.acc;
        if self.phase == 1 {
            second
        } else {
            first
        }
    }

    /// Ends the current hop of a spec whose windows span `overlap` hops (1
    /// or 2). When that completes a window, writes its means and standard
    /// deviations and returns `true` (with two hops, the first window
    /// completes at the end of the second hop).
    #[inline(always)]
    pub(crate) fn end_hop(&mut self, overlap: usize, mean: &mut [i16], std: &mut [i16]) -> bool {
        let [first, second] = &mut self.acc;
        let (current, earlier) = if self.phase == 1 {
            (second, first)
        } else {
            (first, second)
        };
        if overlap == 1 {
            current.finish(mean, std);
            current.reset();
            return true;
        }
        let reading = self.phase != 0;
        if reading {
            current.finish_joined(earlier, mean, std);
        }
        // The earlier hop leaves the window; its sum takes the next.
        earlier.reset();
        self.phase = if self.phase == 1 { 2 } else { 1 };
        reading
    }
}

/// Streaming window statistics: frames in, a feature summary every `hop_frames`.
#[derive(Debug, Clone)]
pub struct WindowStats<const MAX_MELS: usize> {
    spec: StatsSpec,
    n_mels: usize,
    /// One sum per hop: with half-overlapping windows, the current hop's
    /// and the previous one's (a window is the two together), so that each
    /// frame is added once; with windows of one hop, only the first.
    hops: HopSums<MAX_MELS>,
}

impl<const MAX_MELS: usize> WindowStats<MAX_MELS> {
    /// Statistics over `n_mels` bands (at most `MAX_MELS`; more are cut).
    pub fn new(spec: &StatsSpec, n_mels: usize) -> Result<Self, StatsError> {
        let mut stats = Self::unloaded();
        stats.load(spec, n_mels)?;
        Ok(stats)
    }

    /// Statistics not yet set up: all zero bytes (an empty spec, no bands),
    /// so that a containing `static` needs no initialiser in flash. They
    /// produce nothing until [`WindowStats::load`] succeeds.
    pub(crate) const fn unloaded() -> Self {
        WindowStats {
            spec: StatsSpec {
                summary: Summary::MeanStd,
                window_frames: 0,
                hop_frames: 0,
            },
            n_mels: 0,
            hops: HopSums::ZERO,
        }
    }

    /// Sets these statistics up for `spec` over `n_mels` bands (at most
    /// `MAX_MELS`; more are cut) in place, starting over as at construction.
    /// An invalid spec is refused and leaves them unchanged.
    pub fn load(&mut self, spec: &StatsSpec, n_mels: usize) -> Result<(), StatsError> {
        spec.validate()?;
        self.spec = *spec;
        self.n_mels = n_mels.min(MAX_MELS);
        self.reset();
        Ok(())
    }

    /// The spec in use.
    pub fn spec(&self) -> &StatsSpec {
        &self.spec
    }

    /// Starts over, as at construction.
    pub fn reset(&mut self) {
        self.hops.reset();
    }

    /// Adds one frame. When it completes a window, writes the window's means
    /// and standard deviations (`n_mels` each) and returns `true`.
    ///
    /// With half-overlapping windows the first reading comes after
    /// `window_frames` frames and then every `hop_frames`.
    pub fn push(&mut self, frame: &[i16], mean: &mut [i16], std: &mut [i16]) -> bool {
        let frame = frame.get(..self.n_mels).unwrap_or(frame);
        let current = self.hops.current();
        current.add(frame);
        if current.frames() < self.spec.hop_frames {
            return false;
        }
        // A hop is complete.
        self.hops.end_hop(self.spec.overlap(), mean, std)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    fn float_stats(frames: &[Vec<i16>], band: usize) -> (f64, f64) {
        let v: Vec<f64> = frames.iter().map(|f| f[band] as f64).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
        (mean, var.sqrt())
    }

    #[test]
    fn matches_float_mean_and_population_std() {
        let mut seed = 99u32;
        let frames: Vec<Vec<i16>> = (0..300)
            .map(|_| {
                (0..8)
                    .map(|b| {
                        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        ((seed >> 20) as i16 - 2048) * (b + 1) - 20_000
                    })
                    .collect()
            })
            .collect();
        let mut acc = BandAccumulator::<8>::default();
        for f in &frames {
            acc.add(f);
        }
        let (mut mean, mut std) = ([0i16; 8], [0i16; 8]);
        acc.finish(&mut mean, &mut std);
        for b in 0..8 {
            let (m, s) = float_stats(&frames, b);
            assert!(
                (mean[b] as f64 - m).abs() <= 0.5,
                "mean {b}: {} vs {m}",
                mean[b]
            );
            assert!(
                (std[b] as f64 - s).abs() <= 0.5 + 1.0 / 300.0,
                "std {b}: {} vs {s}",
                std[b]
            );
        }
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let mut acc = BandAccumulator::<2>::default();
        for i in 0..MAX_WINDOW_FRAMES as usize + 10 {
            acc.add(&[i16::MIN, if i % 2 == 0 { i16::MIN } else { i16::MAX }]);
        }
        assert_eq!(acc.frames(), MAX_WINDOW_FRAMES);
        let (mut mean, mut std) = ([0i16; 2], [0i16; 2]);
        acc.finish(&mut mean, &mut std);
        assert_eq!((mean[0], std[0]), (i16::MIN, 0));
        // The exact mean is -0.5: halves round away from zero.
        assert_eq!(mean[1], -1);
        // The exact std is 32767.5, saturated.
        assert_eq!(std[1], i16::MAX);
    }

    #[test]
    fn half_overlapping_windows_read_every_hop() {
        let spec = StatsSpec {
            summary: Summary::MeanStd,
            window_frames: 4,
            hop_frames: 2,
        };
        let mut ws = WindowStats::<1>::new(&spec, 1).unwrap();
        let (mut mean, mut std) = ([0i16; 1], [0i16; 1]);
        let mut readings = Vec::new();
        for t in 0..10i16 {
            if ws.push(&[t * 10], &mut mean, &mut std) {
                readings.push((t, mean[0]));
            }
        }
        // Windows [0,4), [2,6), [4,8), [6,10): means of 0..3, 2..5, 4..7, 6..9 (×10).
        assert_eq!(readings, std::vec![(3, 15), (5, 35), (7, 55), (9, 75)]);
    }

    /// Every reading equals one accumulator fed exactly that window's
    /// frames, for windows of one hop and half-overlapping ones, with the
    /// readings at the documented frames.
    #[test]
    fn readings_equal_the_summary_of_each_window() {
        let mut seed = 7u32;
        let frames: Vec<[i16; 3]> = (0..200)
            .map(|_| {
                core::array::from_fn(|b| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    ((seed >> 16) as i16).wrapping_mul(b as i16 + 1)
                })
            })
            .collect();
        for (window, hop) in [(8u16, 8u16), (10, 5), (16, 8), (2, 1), (1, 1)] {
            let spec = StatsSpec {
                summary: Summary::MeanStd,
                window_frames: window,
                hop_frames: hop,
            };
            let mut ws = WindowStats::<3>::new(&spec, 3).unwrap();
            let (mut mean, mut std) = ([0i16; 3], [0i16; 3]);
            let mut got = Vec::new();
            for (t, f) in frames.iter().enumerate() {
                if ws.push(f, &mut mean, &mut std) {
                    got.push((t, mean, std));
                }
            }
            let (w, h) = (window as usize, hop as usize);
            let want: Vec<_> = (0..)
                .map(|k| k * h)
                .take_while(|start| start + w <= frames.len())
                .map(|start| {
                    let mut acc = BandAccumulator::<3>::default();
                    for f in &frames[start..start + w] {
                        acc.add(f);
                    }
                    let (mut m, mut s) = ([0i16; 3], [0i16; 3]);
                    acc.finish(&mut m, &mut s);
                    (start + w - 1, m, s)
                })
                .collect();
            assert_eq!(got, want, "window {window}, hop {hop}");
            // After a reset, the same again.
            ws.reset();
            let mut again = Vec::new();
            for (t, f) in frames.iter().enumerate() {
                if ws.push(f, &mut mean, &mut std) {
                    again.push((t, mean, std));
                }
            }
            assert_eq!(again, want, "window {window}, hop {hop}, after reset");
        }
    }

    #[test]
    fn spec_errors() {
        let bad = |w, h| {
            StatsSpec {
                summary: Summary::MeanStd,
                window_frames: w,
                hop_frames: h,
            }
            .validate()
        };
        assert_eq!(bad(0, 1), Err(StatsError::Empty));
        assert_eq!(
            bad(5000, 2500),
            Err(StatsError::WindowTooLong {
                window_frames: 5000
            })
        );
        assert_eq!(
            bad(6, 2),
            Err(StatsError::UnsupportedOverlap {
                window_frames: 6,
                hop_frames: 2
            })
        );
        assert_eq!(bad(8, 8), Ok(()));
    }
}
