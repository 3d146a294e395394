//! The streaming front end: push PCM in chunks of any length, get one
//! log-mel frame per hop.
//!
//! [`FrontEnd`] owns a buffer of the last `n_fft` samples (with a hop of half
//! the FFT its two halves take turns as the frame's first half, so samples
//! are written once and never moved; with another hop the newest
//! `n_fft - hop` are moved to the front after each frame), a work buffer
//! for the FFT and the filterbank; its size is fixed by two const generics,
//! the largest FFT size and the largest band count it can serve, so it never
//! allocates. A spec that needs more is refused by [`FrontEnd::new`].
//!
//! Per frame: window, bit reversal and peak ([`crate::window`]), FFT with the
//! block-floating-point shift fused into its first pass, and power
//! ([`crate::fft`]), filterbank ([`crate::mel`]), log and decibels
//! ([`crate::db`]). The block-floating-point shift, the FFT's `1/M` and the
//! filter normalisation are all powers of two or per-band constants, undone
//! together in the log domain, so absolute loudness is preserved.

use core::fmt;

use crate::db::{log2_q24, log2_q24_to_db_q8, DB_FRAC_BITS};
use crate::fft::{fft_q31_scaled, real_power_in_place};
use crate::frame_buffer;
use crate::mel::{Filterbank, POWER_SHIFT, WEIGHT_FRAC_BITS};
use crate::spec::{FeatureSpec, MelNorm, MelScale, SpecError};
use crate::tables::LOG2_FRAC_BITS;
use crate::window::{hann_q16, normalising_shift, window_halves_bit_reversed, WINDOW_FRAC_BITS};

/// A front end large enough for any valid spec with at most 256 bands (host side).
pub type HostFrontEnd = FrontEnd<4096, 256>;

/// Why a [`FrontEnd`] could not be built.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum FrontEndError {
    /// The spec itself is invalid.
    Spec(SpecError),
    /// The spec's FFT is larger than this front end was compiled for.
    FftTooLarge {
        /// FFT size the spec asks for.
        n_fft: u16,
        /// Largest FFT size of this front end (`MAX_FFT`).
        capacity: usize,
    },
    /// The spec has more bands than this front end was compiled for.
    TooManyBands {
        /// Bands the spec asks for.
        n_mels: u16,
        /// Largest band count of this front end (`MAX_MELS`).
        capacity: usize,
    },
}

impl From<SpecError> for FrontEndError {
    fn from(e: SpecError) -> Self {
        FrontEndError::Spec(e)
    }
}

impl fmt::Display for FrontEndError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrontEndError::Spec(e) => write!(f, "invalid feature spec: {e}"),
            FrontEndError::FftTooLarge { n_fft, capacity } => write!(
                f,
                "the spec needs a {n_fft}-point FFT but this front end was built for at most {capacity}"
            ),
            FrontEndError::TooManyBands { n_mels, capacity } => write!(
                f,
                "the spec needs {n_mels} mel bands but this front end was built for at most {capacity}"
            ),
        }
    }
}

impl core::error::Error for FrontEndError {}

/// Streaming fixed-point log-mel front end for FFTs up to `MAX_FFT` points
/// and up to `MAX_MELS` bands.
///
/// Output frames are `n_mels` values in decibels, Q8.8 (`i16`, 256 = 1 dB),
/// floored at the spec's `db_floor`. Frame `t` covers samples
/// `[t·hop, t·hop + n_fft)` of everything pushed since construction or
/// [`FrontEnd::reset`]; how the input is chunked never changes the result.
///
/// RAM: `2·MAX_FFT` (samples) + `4·MAX_FFT` (work) + `2·MAX_FFT` (window) +
/// `2·MAX_FFT` (filter weights) + `16·MAX_MELS` bytes and a few words
/// (`core::mem::size_of` is checked in the tests).
#[derive(Clone)]
pub struct FrontEnd<const MAX_FFT: usize, const MAX_MELS: usize> {
    pub(crate) spec: FeatureSpec,
    pub(crate) log2_n: u32,
    pub(crate) n_fft: usize,
    pub(crate) hop: usize,
    pub(crate) n_mels: usize,
    pub(crate) floor_q8: i16,
    /// Samples of the current frame: `fill` of them are valid, oldest first
    /// from the start of the buffer, or, after an odd number of frames with
    /// a hop of half the FFT, from its second half on and then from its
    /// start ([`crate::frame_buffer`]).
    samples: [i16; MAX_FFT],
    fill: usize,
    frames: u64,
    work: [i32; MAX_FFT],
    /// `[..MAX_FFT/2]`: first half of the periodic Hann window (Q16);
    /// `[MAX_FFT/2..]`: the filterbank's per-bin weights (Q16).
    pub(crate) tables: [u16; MAX_FFT],
    pub(crate) bank: Filterbank<MAX_FFT, MAX_MELS>,
    bands: [u64; MAX_MELS],
    frame: [i16; MAX_MELS],
}

impl<const MAX_FFT: usize, const MAX_MELS: usize> FrontEnd<MAX_FFT, MAX_MELS> {
    /// Builds a front end for `spec`.
    ///
    /// ```
    /// use valence_core::{FeatureSpec, FrontEnd, FrontEndError};
    /// let fe = FrontEnd::<512, 64>::new(&FeatureSpec::DEFAULT);
    /// assert!(fe.is_ok());
    /// let too_big = FrontEnd::<512, 64>::new(&FeatureSpec::LIBROSA_DEFAULTS);
    /// assert!(matches!(too_big, Err(FrontEndError::FftTooLarge { n_fft: 2048, capacity: 512 })));
    /// ```
    pub fn new(spec: &FeatureSpec) -> Result<Self, FrontEndError> {
        let mut fe = Self::unloaded();
        fe.load(spec)?;
        Ok(fe)
    }

    /// A front end not yet set up: all zero bytes (so that a containing
    /// `static` needs no initialiser in flash), no spec. Only
    /// [`FrontEnd::load`] may be called on it before it succeeds; the
    /// sensor guarantees that.
    pub(crate) const fn unloaded() -> Self {
        FrontEnd {
            spec: FeatureSpec {
                sample_rate: 0,
                n_fft: 0,
                hop: 0,
                n_mels: 0,
                fmin_hz: 0.0,
                fmax_hz: 0.0,
                mel_scale: MelScale::Slaney,
                norm: MelNorm::Slaney,
                db_floor: 0,
            },
            log2_n: 0,
            n_fft: 0,
            hop: 0,
            n_mels: 0,
            floor_q8: 0,
            samples: [0; MAX_FFT],
            fill: 0,
            frames: 0,
            work: [0; MAX_FFT],
            tables: [0; MAX_FFT],
            bank: Filterbank::EMPTY,
            bands: [0; MAX_MELS],
            frame: [0; MAX_MELS],
        }
    }

    /// Sets this front end up for `spec` in place (tables computed where
    /// they live, no copy of the front end on the stack) and starts over, as
    /// [`FrontEnd::new`] would. A spec it cannot serve is refused and leaves
    /// it unchanged.
    ///
    /// ```
    /// use valence_core::{FeatureSpec, FrontEnd, FrontEndError};
    /// let mut fe = FrontEnd::<512, 64>::new(&FeatureSpec::DEFAULT).unwrap();
    /// let small = FeatureSpec { n_fft: 256, hop: 128, n_mels: 40, ..FeatureSpec::DEFAULT };
    /// fe.load(&small).unwrap();
    /// assert_eq!(fe.spec(), &small);
    /// let refused = fe.load(&FeatureSpec::LIBROSA_DEFAULTS);
    /// assert!(matches!(refused, Err(FrontEndError::FftTooLarge { .. })));
    /// assert_eq!(fe.spec(), &small);
    /// ```
    pub fn load(&mut self, spec: &FeatureSpec) -> Result<(), FrontEndError> {
        spec.validate()?;
        let n_fft = spec.n_fft as usize;
        let n_mels = spec.n_mels as usize;
        if n_fft > MAX_FFT {
            return Err(FrontEndError::FftTooLarge {
                n_fft: spec.n_fft,
                capacity: MAX_FFT,
            });
        }
        if n_mels > MAX_MELS {
            return Err(FrontEndError::TooManyBands {
                n_mels: spec.n_mels,
                capacity: MAX_MELS,
            });
        }
        // One table, two halves: the window's first half, then the filter
        // weights. The bank is built first: it refuses before writing.
        let (window, rise) = self.tables.split_at_mut(MAX_FFT / 2);
        self.bank = Filterbank::new(spec, rise).ok_or(FrontEndError::FftTooLarge {
            n_fft: spec.n_fft,
            capacity: MAX_FFT,
        })?;
        window.fill(0);
        hann_q16(n_fft.trailing_zeros(), window);
        self.spec = *spec;
        self.log2_n = n_fft.trailing_zeros();
        self.n_fft = n_fft;
        self.hop = spec.hop as usize;
        self.n_mels = n_mels;
        self.floor_q8 = spec.db_floor.saturating_mul(1 << DB_FRAC_BITS);
        self.work.fill(0);
        self.bands.fill(0);
        self.frame.fill(0);
        self.reset();
        Ok(())
    }

    /// The spec this front end computes.
    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    /// The filterbank in use (for inspection and tests).
    pub fn filterbank(&self) -> &Filterbank<MAX_FFT, MAX_MELS> {
        &self.bank
    }

    /// The weight of FFT `bin` in mel `band` as the integer path applies it,
    /// in librosa's units (for inspection and tests).
    pub fn filter_weight(&self, band: usize, bin: usize) -> f64 {
        let rise = self.tables.get(MAX_FFT / 2..).unwrap_or(&[]);
        self.bank.weight(rise, band, bin)
    }

    /// The FFT work buffer, lent out between frames (the sensor runs its
    /// network's DSP kernel in it). Its contents are overwritten by the next
    /// frame and mean nothing outside one.
    pub fn scratch_mut(&mut self) -> &mut [i32] {
        &mut self.work
    }

    /// Number of frames emitted since construction or the last reset.
    pub fn frames_emitted(&self) -> u64 {
        self.frames
    }

    /// Forgets all pushed samples: the next frame starts with the next sample.
    pub fn reset(&mut self) {
        self.samples = [0; MAX_FFT];
        self.fill = 0;
        self.frames = 0;
    }

    /// Consumes samples from the front of `input` until a frame is complete
    /// and returns it, or consumes all of `input` and returns `None`.
    ///
    /// ```
    /// use valence_core::{FeatureSpec, FrontEnd};
    /// let mut fe = FrontEnd::<512, 64>::new(&FeatureSpec::DEFAULT).unwrap();
    /// let samples = [0i16; 1024];
    /// let mut input: &[i16] = &samples;
    /// let mut count = 0;
    /// while let Some(frame) = fe.next_frame(&mut input) {
    ///     assert!(frame.iter().all(|&v| v == -100 * 256)); // silence reads as the floor
    ///     count += 1;
    /// }
    /// assert_eq!(count, 3); // frames start at 0, 256 and 512
    /// ```
    pub fn next_frame(&mut self, input: &mut &[i16]) -> Option<&[i16]> {
        let n_fft = self.n_fft.min(MAX_FFT);
        let swapped = frame_buffer::swapped_by(n_fft, self.hop, self.frames);
        if !frame_buffer::fill_frame(&mut self.samples, &mut self.fill, n_fft, swapped, input) {
            return None;
        }
        self.compute_frame();
        self.frames += 1;
        frame_buffer::keep_after_frame(&mut self.samples, &mut self.fill, n_fft, self.hop);
        self.frame.get(..self.n_mels)
    }

    /// Pushes samples and calls `on_frame` with every frame they complete.
    pub fn push(&mut self, samples: &[i16], mut on_frame: impl FnMut(&[i16])) {
        let mut input = samples;
        while let Some(frame) = self.next_frame(&mut input) {
            on_frame(frame);
        }
    }

    fn compute_frame(&mut self) {
        let (window, rise) = self.tables.split_at(MAX_FFT / 2);
        let n_fft = self.n_fft.min(MAX_FFT);
        let swapped = frame_buffer::swapped_by(n_fft, self.hop, self.frames);
        let (first, second) = frame_buffer::halves(&self.samples, n_fft, swapped);
        let peak = window_halves_bit_reversed(first, second, window, &mut self.work, self.log2_n);
        if peak == 0 {
            self.frame = [self.floor_q8; MAX_MELS];
            return;
        }
        let shift = normalising_shift(peak);
        let log2_m = self.log2_n.saturating_sub(1);
        fft_q31_scaled(&mut self.work, log2_m, shift);
        let nyquist = real_power_in_place(&mut self.work, log2_m);
        self.bank
            .accumulate(rise, &self.work, nyquist, &mut self.bands);
        let frame_offset_q24 = frame_offset_q24(log2_m, shift);
        let floor = self.floor_q8;
        let offsets = self.bank.band_log2_offsets();
        let n_mels = self.n_mels.min(MAX_MELS);
        if bands_to_db_dsp(
            self.bands.get(..n_mels).unwrap_or(&[]),
            offsets,
            frame_offset_q24,
            floor,
            &mut self.frame,
        ) {
            return;
        }
        let bands = self
            .frame
            .iter_mut()
            .zip(self.bands.iter())
            .zip(self.bank.band_log2_offsets())
            .take(self.n_mels);
        for ((out, &sum), &band_offset) in bands {
            *out = match log2_q24(sum) {
                None => floor,
                Some(l) => {
                    let total = l
                        .saturating_add(band_offset)
                        .saturating_add(frame_offset_q24);
                    log2_q24_to_db_q8(total as i64).max(floor)
                }
            };
        }
    }
}

/// The log2 offset (Q24) that turns a band sum of a frame whose FFT of
/// `2^log2_m` points ran on input scaled by `2^shift` back into librosa's
/// units: the block-floating-point shift, the FFT's `1/M` and the fixed
/// scales of the power and the weights, all powers of two.
#[inline(always)]
pub(crate) fn frame_offset_q24(log2_m: u32, shift: i32) -> i32 {
    // Scale bookkeeping, all powers of two: the FFT input is
    // v = (pcm/2^15)·hann·2^(15 + WINDOW_FRAC_BITS + shift), its output
    // X = DFT(v)/M, the bands sum (|X|² >> POWER_SHIFT)·weight·2^WEIGHT_FRAC_BITS.
    // So log2(librosa's mel power) = log2(band) + band offset + frame offset:
    let input_log2 = 15 + WINDOW_FRAC_BITS as i64 + shift as i64;
    let frame_log2 =
        2 * log2_m as i64 - 2 * input_log2 + POWER_SHIFT as i64 - WEIGHT_FRAC_BITS as i64;
    // In Q24: frame_log2 lies in -110..=-38 (shift -2..=28, log2 M up to
    // 11), band log2 values in 0..64, normalisations in about -16..=1, so
    // the sums fit in i32 (saturation only guards the impossible).
    (frame_log2 << LOG2_FRAC_BITS) as i32
}

/// The band loop's log and decibels on the Cortex-M4's DSP build
/// ([`crate::frontend_dsp::bands_to_db`]); `false` if it did not run.
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
#[inline(always)]
fn bands_to_db_dsp(
    bands: &[u64],
    offsets: &[i32],
    frame_offset: i32,
    floor: i16,
    out: &mut [i16],
) -> bool {
    crate::frontend_dsp::bands_to_db(bands, offsets, frame_offset, floor, out)
}

/// The portable build runs [`FrontEnd`]'s own band loop.
#[cfg(not(all(feature = "cortex-m-dsp", target_arch = "arm")))]
#[inline(always)]
fn bands_to_db_dsp(
    _bands: &[u64],
    _offsets: &[i32],
    _frame_offset: i32,
    _floor: i16,
    _out: &mut [i16],
) -> bool {
    false
}

impl<const MAX_FFT: usize, const MAX_MELS: usize> fmt::Debug for FrontEnd<MAX_FFT, MAX_MELS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrontEnd")
            .field("spec", &self.spec)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}
