//! The pitch-class (chroma) filterbank, built like
//! `librosa.filters.chroma(sr, n_fft, n_chroma=12, tuning=0)`, stored sparse
//! and applied to a fixed-point power spectrum in integer arithmetic.
//!
//! librosa gives every FFT bin `k` a Gaussian bump over the 12 pitch classes,
//! centred on the bin's pitch `12·log2(f_k / 27.5 Hz)` and as wide as the
//! bin's spacing in semitones (at least one), normalised to unit L2 norm over
//! the 12 classes and scaled by a Gaussian over octaves centred on 880 Hz
//! (`ctroct = 5`, `octwidth = 2`); the classes are rolled so that class 0 is
//! C. High bins therefore touch only a few neighbouring classes, low bins
//! (wide in semitones) touch all twelve.
//!
//! Storage is sparse: for each bin, the circular run of classes whose weight
//! is at least one step of the `u16` quantisation (weights are scaled so the
//! bank's largest is `u16::MAX`) is kept; everything smaller is below the
//! quantisation anyway. Measured on 16 kHz banks this keeps 1299 of 3084
//! weights at `n_fft` 512, 4954 of 12300 at 2048 and 9813 of 24588 at 4096
//! (see BENCHMARKS.md, "Chroma"). Each bin's run is one byte (first class
//! in the high nibble, length in the low nibble), two bins to a `u16` of a
//! caller-provided slice, so a streaming path can share one table between
//! its window and the runs ([`crate::chroma_stream`]).
//!
//! Construction uses `f64` and `libm`; applying the bank is integer only:
//! `u64` power shifted right by [`POWER_SHIFT`] times `u16` weight, summed in
//! `u64`, then normalised by the frame's largest class (librosa's
//! `norm=np.inf`) into Q15 ([`CHROMA_ONE`] is 1.0). The normalisation makes
//! the result independent of the power's scale, so block floating point
//! needs no bookkeeping here.

use core::fmt;

use crate::fft::unpack_power;
use crate::mel::POWER_SHIFT;
use crate::spec::{MAX_FFT_SIZE, MIN_FFT_SIZE, SAMPLE_RATE_RANGE};

/// Number of pitch classes (C, C♯, …, B).
pub const N_CHROMA: usize = 12;

/// Fraction bits of a normalised chroma value.
pub const CHROMA_FRAC_BITS: u32 = 15;

/// A normalised chroma value of 1.0 (the frame's strongest class).
pub const CHROMA_ONE: u16 = 1 << CHROMA_FRAC_BITS;

/// The parameters of a chroma path: sample rate, FFT size and hop.
///
/// The reference is `librosa.feature.chroma_stft(S=|STFT|², sr, tuning=0,
/// norm=np.inf)` with the STFT of non-centred periodic-Hann frames of
/// `n_fft` samples every `hop` samples (as the mel front end's reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChromaSpec {
    /// Sample rate of the PCM input, in Hz.
    pub sample_rate: u32,
    /// FFT (and window) length: a power of two from 64 to 4096.
    pub n_fft: u16,
    /// Samples between the starts of consecutive frames (1 to `n_fft`).
    pub hop: u16,
}

impl ChromaSpec {
    /// The chosen default: 16 kHz, a 2048-point FFT every 2048 samples
    /// (7.8 frames per second). Measured on notes from C2 to C6, a
    /// 512-point FFT (the mel front end's) names the pitch class of pure
    /// tones right only from B3 up (31 of 49 notes) and misses three
    /// piano-like low notes; 2048 points name all 49 of both kinds, as 4096
    /// do, at half the RAM of 4096 (BENCHMARKS.md, "Chroma"). Frames that
    /// do not overlap cost half of half-overlapping ones on a device, and
    /// the window statistics built from them predicted the VGMIDI ratings
    /// as well (BENCHMARKS.md, "Harmony features on VGMIDI").
    pub const DEFAULT: ChromaSpec = ChromaSpec {
        sample_rate: 16_000,
        n_fft: 2048,
        hop: 2048,
    };

    /// Number of FFT bins, `n_fft / 2 + 1`.
    pub fn n_bins(&self) -> usize {
        self.n_fft as usize / 2 + 1
    }

    /// Checks that the chroma path can honour this spec.
    ///
    /// ```
    /// use valence_core::chroma::{ChromaError, ChromaSpec};
    /// let spec = ChromaSpec { sample_rate: 16_000, n_fft: 4096, hop: 2048 };
    /// assert_eq!(spec.validate(), Ok(()));
    /// let bad = ChromaSpec { n_fft: 3000, ..spec };
    /// assert_eq!(bad.validate(), Err(ChromaError::FftSizeNotPowerOfTwo { n_fft: 3000 }));
    /// ```
    pub fn validate(&self) -> Result<(), ChromaError> {
        if !SAMPLE_RATE_RANGE.contains(&self.sample_rate) {
            return Err(ChromaError::SampleRateOutOfRange {
                sample_rate: self.sample_rate,
            });
        }
        if !self.n_fft.is_power_of_two() {
            return Err(ChromaError::FftSizeNotPowerOfTwo { n_fft: self.n_fft });
        }
        if !(MIN_FFT_SIZE..=MAX_FFT_SIZE).contains(&self.n_fft) {
            return Err(ChromaError::FftSizeOutOfRange { n_fft: self.n_fft });
        }
        if self.hop == 0 || self.hop > self.n_fft {
            return Err(ChromaError::HopOutOfRange {
                hop: self.hop,
                n_fft: self.n_fft,
            });
        }
        Ok(())
    }
}

/// Why a chroma bank or stream could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChromaError {
    /// The sample rate is outside the supported range.
    SampleRateOutOfRange {
        /// Sample rate asked for, in Hz.
        sample_rate: u32,
    },
    /// The FFT size is not a power of two.
    FftSizeNotPowerOfTwo {
        /// FFT size asked for.
        n_fft: u16,
    },
    /// The FFT size is outside 64..=4096.
    FftSizeOutOfRange {
        /// FFT size asked for.
        n_fft: u16,
    },
    /// The hop is zero or longer than the FFT.
    HopOutOfRange {
        /// Hop asked for.
        hop: u16,
        /// FFT size of the spec.
        n_fft: u16,
    },
    /// The FFT is larger than the buffers were compiled for.
    FftTooLarge {
        /// FFT size asked for.
        n_fft: u16,
        /// Largest FFT size of the buffers.
        capacity: usize,
    },
    /// The sparse bank needs more weights than it was compiled for.
    TooManyWeights {
        /// Weights the bank needs.
        needed: usize,
        /// Weights it can hold (`MAX_WEIGHTS`).
        capacity: usize,
    },
}

impl fmt::Display for ChromaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChromaError::SampleRateOutOfRange { sample_rate } => write!(
                f,
                "sample rate {sample_rate} Hz is outside {}..={} Hz",
                SAMPLE_RATE_RANGE.start(),
                SAMPLE_RATE_RANGE.end()
            ),
            ChromaError::FftSizeNotPowerOfTwo { n_fft } => {
                write!(f, "chroma FFT size {n_fft} is not a power of two")
            }
            ChromaError::FftSizeOutOfRange { n_fft } => write!(
                f,
                "chroma FFT size {n_fft} is outside {MIN_FFT_SIZE}..={MAX_FFT_SIZE}"
            ),
            ChromaError::HopOutOfRange { hop, n_fft } => {
                write!(f, "chroma hop {hop} must be between 1 and n_fft = {n_fft}")
            }
            ChromaError::FftTooLarge { n_fft, capacity } => write!(
                f,
                "the chroma spec needs a {n_fft}-point FFT but the buffers were built for at most {capacity}"
            ),
            ChromaError::TooManyWeights { needed, capacity } => write!(
                f,
                "the chroma bank needs {needed} weights but was built for at most {capacity}"
            ),
        }
    }
}

impl core::error::Error for ChromaError {}

/// `librosa.filters.chroma` (tuning 0, 12 classes, `ctroct` 5, `octwidth` 2,
/// L2 column norm, `base_c`): the weight of FFT `bin` in pitch class
/// `class` (0 = C), in librosa's units. Computed in `f64`; for bank
/// construction and tests, never per frame.
pub fn librosa_chroma_weight(spec: &ChromaSpec, class: usize, bin: usize) -> f64 {
    let column = chroma_column(spec, bin);
    column.get(class % N_CHROMA).copied().unwrap_or(0.0)
}

/// Pitch of FFT bin `k` (`k ≥ 1`) in semitones above 27.5 Hz (librosa's
/// `n_chroma · hz_to_octs(f, tuning=0)`); bin 0 is put 1.5 octaves below bin 1.
fn bin_pitch(spec: &ChromaSpec, k: usize) -> f64 {
    let n = spec.n_fft.max(1) as f64;
    let semis = |k: usize| {
        let hz = k as f64 * (spec.sample_rate as f64 / n);
        N_CHROMA as f64 * libm::log2(hz / (440.0 / 16.0))
    };
    if k == 0 {
        semis(1) - 1.5 * N_CHROMA as f64
    } else {
        semis(k)
    }
}

/// The 12 weights of FFT bin `k`, classes rolled so index 0 is C.
fn chroma_column(spec: &ChromaSpec, k: usize) -> [f64; N_CHROMA] {
    let pitch = bin_pitch(spec, k);
    // Width: the distance to the next bin in semitones, at least 1 (the
    // last of librosa's n_fft columns gets 1; we never reach it).
    let width = if k + 1 >= spec.n_fft as usize {
        1.0
    } else {
        (bin_pitch(spec, k + 1) - pitch).max(1.0)
    };
    let half = libm::round(N_CHROMA as f64 / 2.0);
    let mut raw = [0.0f64; N_CHROMA];
    for (c, w) in raw.iter_mut().enumerate() {
        let d = pitch - c as f64 + half + 10.0 * N_CHROMA as f64;
        let d = d - libm::floor(d / N_CHROMA as f64) * N_CHROMA as f64 - half;
        let x = 2.0 * d / width;
        *w = libm::exp(-0.5 * x * x);
    }
    let norm = libm::sqrt(raw.iter().map(|w| w * w).sum::<f64>());
    let octave = (pitch / N_CHROMA as f64 - 5.0) / 2.0;
    let scale = if norm > 0.0 {
        libm::exp(-0.5 * octave * octave) / norm
    } else {
        0.0
    };
    let mut out = [0.0f64; N_CHROMA];
    for (c, o) in out.iter_mut().enumerate() {
        // np.roll(wts, -3, axis=0): row c takes librosa's row c + 3 (A-based to C-based).
        *o = raw.get((c + 3) % N_CHROMA).copied().unwrap_or(0.0) * scale;
    }
    out
}

/// The sparse chroma filterbank of one spec, with room for `MAX_WEIGHTS`
/// weights.
///
/// The per-bin runs live in a caller-provided slice (`runs`, at least
/// `(n_fft/2 + 2) / 2` entries, two bins per `u16`: bin `2j` in the low
/// byte of `runs[j]`, bin `2j + 1` in the high byte; each byte holds the
/// first class in its high nibble and the run length in its low nibble).
#[derive(Debug, Clone)]
pub struct ChromaBank<const MAX_WEIGHTS: usize> {
    weights: [u16; MAX_WEIGHTS],
    n_weights: usize,
    n_bins: usize,
    scale: f64,
}

impl<const MAX_WEIGHTS: usize> ChromaBank<MAX_WEIGHTS> {
    /// A bank without weights (all zero bytes, so usable in a `static` in
    /// `.bss`): it maps every spectrum to zeros until [`ChromaBank::load`]
    /// succeeds.
    pub const fn unloaded() -> Self {
        ChromaBank {
            weights: [0; MAX_WEIGHTS],
            n_weights: 0,
            n_bins: 0,
            scale: 0.0,
        }
    }

    /// Builds the bank of `spec`, writing the per-bin runs into `runs`.
    pub fn new(spec: &ChromaSpec, runs: &mut [u16]) -> Result<Self, ChromaError> {
        let mut bank = Self::unloaded();
        bank.load(spec, runs)?;
        Ok(bank)
    }

    /// Builds the bank of `spec` in place (nothing the size of the weights
    /// passes through the stack), writing the per-bin runs into `runs`. On
    /// error the bank is left empty.
    pub fn load(&mut self, spec: &ChromaSpec, runs: &mut [u16]) -> Result<(), ChromaError> {
        self.n_weights = 0;
        self.n_bins = 0;
        self.scale = 0.0;
        spec.validate()?;
        let n_bins = spec.n_bins();
        if runs.len() < n_bins.div_ceil(2) {
            return Err(ChromaError::FftTooLarge {
                n_fft: spec.n_fft,
                capacity: 2 * runs.len().saturating_sub(1),
            });
        }
        let mut peak = 0.0f64;
        for k in 0..n_bins {
            peak = chroma_column(spec, k).iter().fold(peak, |a, &w| a.max(w));
        }
        let scale = if peak > 0.0 {
            u16::MAX as f64 / peak
        } else {
            0.0
        };
        self.weights.fill(0);
        let mut needed = 0usize;
        for k in 0..n_bins {
            let q =
                chroma_column(spec, k).map(|w| libm::round(w * scale).min(u16::MAX as f64) as u16);
            let (start, len) = circular_run(&q);
            for j in 0..len {
                let w = q.get((start + j) % N_CHROMA).copied().unwrap_or(0);
                if let Some(slot) = self.weights.get_mut(needed) {
                    *slot = w;
                }
                needed += 1;
            }
            let byte = ((start as u16) << 4) | len as u16;
            if let Some(r) = runs.get_mut(k / 2) {
                *r = if k.is_multiple_of(2) {
                    (*r & 0xff00) | byte
                } else {
                    (*r & 0x00ff) | (byte << 8)
                };
            }
        }
        if needed > MAX_WEIGHTS {
            return Err(ChromaError::TooManyWeights {
                needed,
                capacity: MAX_WEIGHTS,
            });
        }
        self.n_weights = needed;
        self.n_bins = n_bins;
        self.scale = scale;
        Ok(())
    }

    /// Number of stored weights (for inspection and the RAM budget).
    pub fn weight_count(&self) -> usize {
        self.n_weights
    }

    /// The weight of FFT `bin` in `class` as the integer path applies it,
    /// in librosa's units (for inspection and tests).
    pub fn weight(&self, runs: &[u16], class: usize, bin: usize) -> f64 {
        let mut offset = 0usize;
        for k in 0..self.n_bins.min(bin + 1) {
            let (start, len) = run_of(runs, k);
            if k == bin {
                let j = (class + N_CHROMA - start % N_CHROMA) % N_CHROMA;
                if j < len && self.scale > 0.0 {
                    let w = self.weights.get(offset + j).copied().unwrap_or(0);
                    return w as f64 / self.scale;
                }
                return 0.0;
            }
            offset += len;
        }
        0.0
    }

    /// Raw class sums of one power spectrum: `Σ_k (P_k >> POWER_SHIFT)·w_ck`.
    ///
    /// `power` holds bins `0..n_fft/2` packed as pairs of `i32` (see
    /// [`crate::fft::unpack_power`]), `nyquist` is bin `n_fft/2`, exactly
    /// what [`crate::fft::real_power_in_place`] leaves. No overflow: the
    /// powers sum to at most `2^60` and each bin adds to one class at most
    /// once with a weight below `2^16`, so every sum is below `2^62`.
    pub fn accumulate(
        &self,
        runs: &[u16],
        power: &[i32],
        nyquist: u64,
        sums: &mut [u64; N_CHROMA],
    ) {
        // Runs start below 12 and are at most 12 long, so accumulating into
        // 24 slots never wraps; slot c + 12 is folded into c at the end.
        // Bins go two at a time (one `runs` entry, four power slots), the
        // weights in storage order; the last bin is the Nyquist bin.
        let mut acc = [0u64; 2 * N_CHROMA];
        let weights = self.weights.get(..self.n_weights).unwrap_or(&[]);
        let pairs = self.n_bins / 2;
        // The bin pairs both paths walk: runs entries with four power slots.
        let walked = pairs.min(runs.len()).min(power.len() / 4);
        let (runs_walked, power_walked) = (
            runs.get(..walked).unwrap_or(&[]),
            power.get(..4 * walked).unwrap_or(&[]),
        );
        let taken = accumulate_dsp(&mut acc, runs_walked, power_walked, weights);
        let mut w = weights.get(taken.unwrap_or(0)..).unwrap_or(&[]).iter();
        if taken.is_none() {
            for (quad, &byte_pair) in power_walked.chunks_exact(4).zip(runs_walked) {
                let (first, second) = quad.split_at(2);
                add_bin(&mut acc, &mut w, unpack_power(first), byte_pair & 0xff);
                add_bin(&mut acc, &mut w, unpack_power(second), byte_pair >> 8);
            }
        }
        if self.n_bins % 2 == 1 {
            let byte_pair = runs.get(pairs).copied().unwrap_or(0);
            add_bin(&mut acc, &mut w, nyquist, byte_pair & 0xff);
        }
        let (low, high) = acc.split_at(N_CHROMA);
        for ((s, &l), &h) in sums.iter_mut().zip(low).zip(high) {
            *s = l.wrapping_add(h);
        }
    }

    /// The normalised chroma of one power spectrum (see [`Self::accumulate`]
    /// for the layout) in Q15: the strongest class reads [`CHROMA_ONE`];
    /// a spectrum without power reads all zeros, as librosa's does.
    pub fn chroma_q15(&self, runs: &[u16], power: &[i32], nyquist: u64, out: &mut [u16; N_CHROMA]) {
        let mut sums = [0u64; N_CHROMA];
        self.accumulate(runs, power, nyquist, &mut sums);
        normalise_q15(&sums, out);
    }
}

/// The bins of [`ChromaBank::accumulate`]'s walk on the Cortex-M4's DSP
/// build ([`crate::chroma_dsp`]): how many weights they took.
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
#[inline(always)]
fn accumulate_dsp(
    acc: &mut [u64; 2 * N_CHROMA],
    runs: &[u16],
    power: &[i32],
    weights: &[u16],
) -> Option<usize> {
    Some(crate::chroma_dsp::accumulate_bins(
        acc, runs, power, weights,
    ))
}

/// The portable build walks the bins in [`ChromaBank::accumulate`]'s loop.
#[cfg(not(all(feature = "cortex-m-dsp", target_arch = "arm")))]
#[inline(always)]
fn accumulate_dsp(
    _acc: &mut [u64; 2 * N_CHROMA],
    _runs: &[u16],
    _power: &[i32],
    _weights: &[u16],
) -> Option<usize> {
    None
}

/// Adds bin power `p` (before the shift by [`POWER_SHIFT`]) times each of
/// its weights, taken in order from `weights`, to the classes of its run
/// (`byte`: first class in the high nibble, length in the low one).
#[inline(always)]
fn add_bin(
    acc: &mut [u64; 2 * N_CHROMA],
    weights: &mut core::slice::Iter<'_, u16>,
    p: u64,
    byte: u16,
) {
    let start = ((byte >> 4) as usize).min(N_CHROMA - 1);
    let len = ((byte & 0xf) as usize).min(N_CHROMA);
    let p = p >> POWER_SHIFT;
    // start ≤ 11 and len ≤ 12: the run lies inside the 24 slots.
    if let Some(dst) = acc.get_mut(start..start + len) {
        for (a, &w) in dst.iter_mut().zip(weights.by_ref()) {
            *a = a.wrapping_add(p.wrapping_mul(w as u64));
        }
    }
}

/// Divides every sum by the largest (librosa's `norm=np.inf`), in Q15,
/// rounded to nearest; all zeros stay zeros.
pub fn normalise_q15(sums: &[u64; N_CHROMA], out: &mut [u16; N_CHROMA]) {
    let max = sums.iter().copied().max().unwrap_or(0);
    // Keep 32 significant bits of the largest sum so that `r << 15` fits.
    let shift = (64 - max.leading_zeros()).saturating_sub(32);
    let m = max >> shift;
    for (o, &s) in out.iter_mut().zip(sums) {
        let r = s >> shift;
        *o = ((r << CHROMA_FRAC_BITS) + m / 2)
            .checked_div(m)
            .map_or(0, |v| v.min(CHROMA_ONE as u64) as u16);
    }
}

/// The shortest circular run of classes holding every non-zero weight of a
/// quantised column, as `(first class, length)`; `(0, 0)` for an empty one.
fn circular_run(q: &[u16; N_CHROMA]) -> (usize, usize) {
    let nonzero = |c: usize| q.get(c % N_CHROMA).is_some_and(|&w| w > 0);
    if !(0..N_CHROMA).any(nonzero) {
        return (0, 0);
    }
    // The run starts after the longest circular gap of zeros.
    let mut best = (0usize, 0usize); // (gap start, gap length)
    for s in 0..N_CHROMA {
        let gap = (0..N_CHROMA).take_while(|&j| !nonzero(s + j)).count();
        if gap > best.1 {
            best = (s, gap);
        }
    }
    if best.1 == 0 {
        return (0, N_CHROMA);
    }
    ((best.0 + best.1) % N_CHROMA, N_CHROMA - best.1)
}

/// The run of bin `k` stored in `runs` as `(first class, length)`.
#[inline(always)]
fn run_of(runs: &[u16], k: usize) -> (usize, usize) {
    let pair = runs.get(k / 2).copied().unwrap_or(0);
    let byte = if k.is_multiple_of(2) {
        pair & 0xff
    } else {
        pair >> 8
    };
    (
        ((byte >> 4) as usize).min(N_CHROMA - 1),
        ((byte & 0xf) as usize).min(N_CHROMA),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circular_runs_cover_exactly_the_non_zero_classes() {
        let mut q = [0u16; N_CHROMA];
        assert_eq!(circular_run(&q), (0, 0));
        q[11] = 1;
        q[0] = 5;
        q[1] = 1;
        assert_eq!(circular_run(&q), (11, 3));
        let full = [1u16; N_CHROMA];
        assert_eq!(circular_run(&full), (0, N_CHROMA));
    }

    /// The sums written bin by bin, as the definition reads.
    fn sums_by_definition<const W: usize>(
        bank: &ChromaBank<W>,
        runs: &[u16],
        power: &[i32],
        nyquist: u64,
    ) -> [u64; N_CHROMA] {
        let mut sums = [0u64; N_CHROMA];
        let last = bank.n_bins - 1;
        let mut offset = 0;
        for k in 0..bank.n_bins {
            let p = if k == last {
                nyquist
            } else {
                unpack_power(&power[2 * k..2 * k + 2])
            } >> POWER_SHIFT;
            let (start, len) = run_of(runs, k);
            for j in 0..len {
                let c = (start + j) % N_CHROMA;
                sums[c] = sums[c].wrapping_add(p.wrapping_mul(bank.weights[offset + j] as u64));
            }
            offset += len;
        }
        sums
    }

    #[test]
    fn accumulate_equals_the_bin_by_bin_definition() {
        let mut seed = 0x9E37_79B9u32;
        for (n_fft, sample_rate) in [(2048u16, 16_000u32), (512, 16_000), (1024, 22_050)] {
            let spec = ChromaSpec {
                sample_rate,
                n_fft,
                hop: n_fft / 2,
            };
            let mut runs = [0u16; 1025];
            let bank = ChromaBank::<5000>::new(&spec, &mut runs).unwrap();
            for round in 0..20 {
                // Powers of any size up to 2^46 per bin (a sum below 2^60).
                let power: [i32; 2048] = core::array::from_fn(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    seed as i32
                });
                let mut power = power;
                for pair in power.chunks_exact_mut(2) {
                    pair[1] &= (1 << (round % 15)) - 1;
                }
                let nyquist = (seed as u64) << 10;
                let mut got = [0u64; N_CHROMA];
                bank.accumulate(&runs, &power[..n_fft as usize], nyquist, &mut got);
                let want = sums_by_definition(&bank, &runs, &power, nyquist);
                assert_eq!(got, want, "n_fft {n_fft}, round {round}");
            }
        }
    }

    #[test]
    fn normalisation_maps_the_largest_class_to_one() {
        let mut out = [0u16; N_CHROMA];
        let mut sums = [0u64; N_CHROMA];
        normalise_q15(&sums, &mut out);
        assert_eq!(out, [0; N_CHROMA]);
        sums[3] = 1 << 61;
        sums[4] = 1 << 60;
        sums[5] = 3;
        normalise_q15(&sums, &mut out);
        assert_eq!((out[3], out[4], out[5]), (CHROMA_ONE, CHROMA_ONE / 2, 0));
    }
}
