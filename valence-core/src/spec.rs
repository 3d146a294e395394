//! [`FeatureSpec`]: everything that decides what a log-mel frame means.
//!
//! A spec travels inside every model file, so that the device computes
//! exactly the features its model was trained on. [`FeatureSpec::validate`]
//! refuses any spec the front end could not honour, with one
//! [`SpecError`] variant per reason.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::mel::MelPoints;

/// Smallest supported FFT size.
pub const MIN_FFT_SIZE: u16 = 64;
/// Largest supported FFT size (the resolution of the shared cosine table).
pub const MAX_FFT_SIZE: u16 = crate::tables::MAX_FFT_SIZE as u16;
/// Supported sample rates, in Hz.
pub const SAMPLE_RATE_RANGE: core::ops::RangeInclusive<u32> = 1_000..=384_000;
/// Supported decibel floors, in whole dB.
pub const DB_FLOOR_RANGE: core::ops::RangeInclusive<i16> = -120..=0;

/// How frequencies map to mels (the two scales librosa offers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MelScale {
    /// Slaney's Auditory Toolbox scale: linear below 1 kHz, logarithmic above
    /// (librosa's default, `htk=False`).
    Slaney,
    /// The HTK formula `2595·log10(1 + f/700)` (librosa's `htk=True`).
    Htk,
}

/// How each triangular mel filter is scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MelNorm {
    /// Slaney-style area normalisation: each filter is divided by its width in
    /// Hz, times 2 (librosa's default, `norm='slaney'`).
    Slaney,
    /// Triangles with a peak of 1 (librosa's `norm=None`).
    None,
}

/// The parameters of the log-mel front end.
///
/// Defaults follow librosa's conventions; [`FeatureSpec::DEFAULT`] is the
/// project's default (16 kHz, 512-point FFT, hop 256, 64 mel bands, Slaney
/// scale and normalisation, floor -100 dB).
///
/// Frames are not centred: frame `t` covers samples `[t·hop, t·hop + n_fft)`.
/// The reference is
/// `librosa.power_to_db(librosa.feature.melspectrogram(y=pcm/32768, sr, n_fft,
/// hop_length=hop, n_mels, fmin, fmax, htk, norm, window='hann', center=False,
/// power=2.0), ref=1.0, amin=10**(db_floor/10), top_db=None)`.
///
/// ```
/// use valence_core::{FeatureSpec, SpecError};
/// let mut spec = FeatureSpec::DEFAULT;
/// assert_eq!(spec.validate(), Ok(()));
/// spec.fmax_hz = 9000.0;
/// assert!(matches!(spec.validate(), Err(SpecError::FmaxAboveNyquist { .. })));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Sample rate of the PCM input, in Hz.
    pub sample_rate: u32,
    /// FFT (and window) length in samples: a power of two from 64 to 4096.
    pub n_fft: u16,
    /// Samples between the starts of consecutive frames (1 to `n_fft`).
    pub hop: u16,
    /// Number of mel bands per frame.
    pub n_mels: u16,
    /// Lower edge of the lowest mel filter, in Hz.
    pub fmin_hz: f32,
    /// Upper edge of the highest mel filter, in Hz (at most `sample_rate / 2`).
    pub fmax_hz: f32,
    /// Mel scale.
    pub mel_scale: MelScale,
    /// Filter normalisation.
    pub norm: MelNorm,
    /// Floor of the output in whole decibels (librosa's `amin = 10^(floor/10)`):
    /// silence and anything quieter reads as this value.
    pub db_floor: i16,
}

impl FeatureSpec {
    /// The project default: 16 kHz, n_fft 512, hop 256, 64 mels, 0–8000 Hz,
    /// Slaney scale and normalisation, floor -100 dB.
    pub const DEFAULT: FeatureSpec = FeatureSpec {
        sample_rate: 16_000,
        n_fft: 512,
        hop: 256,
        n_mels: 64,
        fmin_hz: 0.0,
        fmax_hz: 8_000.0,
        mel_scale: MelScale::Slaney,
        norm: MelNorm::Slaney,
        db_floor: -100,
    };

    /// librosa's own defaults (22.05 kHz, n_fft 2048, hop 512, 128 mels), as
    /// used by the original Keras course project.
    pub const LIBROSA_DEFAULTS: FeatureSpec = FeatureSpec {
        sample_rate: 22_050,
        n_fft: 2048,
        hop: 512,
        n_mels: 128,
        fmin_hz: 0.0,
        fmax_hz: 11_025.0,
        mel_scale: MelScale::Slaney,
        norm: MelNorm::Slaney,
        db_floor: -100,
    };

    /// Number of FFT bins, `n_fft / 2 + 1`.
    pub fn n_bins(&self) -> usize {
        self.n_fft as usize / 2 + 1
    }

    /// Number of frames produced from `samples` samples (no centring, no padding).
    pub fn frames_for(&self, samples: usize) -> usize {
        let (n_fft, hop) = (self.n_fft as usize, self.hop.max(1) as usize);
        if samples < n_fft {
            0
        } else {
            (samples - n_fft) / hop + 1
        }
    }

    /// Checks that the front end can honour this spec.
    ///
    /// Returns the first problem found, checking in this order: sample rate,
    /// FFT size, hop, band count, frequency range, decibel floor, and finally
    /// that every mel filter covers at least one FFT bin (librosa would
    /// produce an all-zero filter and warn; we refuse).
    pub fn validate(&self) -> Result<(), SpecError> {
        if !SAMPLE_RATE_RANGE.contains(&self.sample_rate) {
            return Err(SpecError::SampleRateOutOfRange {
                sample_rate: self.sample_rate,
            });
        }
        if !self.n_fft.is_power_of_two() {
            return Err(SpecError::FftSizeNotPowerOfTwo { n_fft: self.n_fft });
        }
        if !(MIN_FFT_SIZE..=MAX_FFT_SIZE).contains(&self.n_fft) {
            return Err(SpecError::FftSizeOutOfRange { n_fft: self.n_fft });
        }
        if self.hop == 0 {
            return Err(SpecError::HopZero);
        }
        if self.hop > self.n_fft {
            return Err(SpecError::HopLargerThanFft {
                hop: self.hop,
                n_fft: self.n_fft,
            });
        }
        if self.n_mels == 0 {
            return Err(SpecError::NoMelBands);
        }
        if self.n_mels as usize > self.n_bins() {
            return Err(SpecError::MoreBandsThanBins {
                n_mels: self.n_mels,
                n_bins: self.n_bins() as u16,
            });
        }
        if !self.fmin_hz.is_finite() || self.fmin_hz < 0.0 {
            return Err(SpecError::InvalidFmin {
                fmin_hz: self.fmin_hz,
            });
        }
        if !self.fmax_hz.is_finite() || self.fmax_hz <= self.fmin_hz {
            return Err(SpecError::FmaxNotAboveFmin {
                fmin_hz: self.fmin_hz,
                fmax_hz: self.fmax_hz,
            });
        }
        let nyquist = self.sample_rate as f32 / 2.0;
        if self.fmax_hz > nyquist {
            return Err(SpecError::FmaxAboveNyquist {
                fmax_hz: self.fmax_hz,
                nyquist_hz: nyquist,
            });
        }
        if !DB_FLOOR_RANGE.contains(&self.db_floor) {
            return Err(SpecError::DbFloorOutOfRange {
                db_floor: self.db_floor,
            });
        }
        let points = MelPoints::new(self);
        for band in 0..self.n_mels as usize {
            if points.first_bin_above(points.hz(band))
                >= points.first_bin_at_or_above(points.hz(band + 2))
            {
                return Err(SpecError::EmptyMelBand {
                    band: band as u16,
                    n_mels: self.n_mels,
                });
            }
        }
        Ok(())
    }
}

impl Default for FeatureSpec {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why a [`FeatureSpec`] cannot be used.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum SpecError {
    /// The sample rate is outside [`SAMPLE_RATE_RANGE`].
    SampleRateOutOfRange {
        /// The rejected rate.
        sample_rate: u32,
    },
    /// The FFT size is not a power of two.
    FftSizeNotPowerOfTwo {
        /// The rejected size.
        n_fft: u16,
    },
    /// The FFT size is a power of two outside 64..=4096.
    FftSizeOutOfRange {
        /// The rejected size.
        n_fft: u16,
    },
    /// The hop is zero.
    HopZero,
    /// The hop is longer than the FFT window (samples would be skipped).
    HopLargerThanFft {
        /// The rejected hop.
        hop: u16,
        /// The FFT size.
        n_fft: u16,
    },
    /// No mel bands were asked for.
    NoMelBands,
    /// More mel bands than FFT bins.
    MoreBandsThanBins {
        /// The rejected band count.
        n_mels: u16,
        /// `n_fft / 2 + 1`.
        n_bins: u16,
    },
    /// `fmin` is negative or not finite.
    InvalidFmin {
        /// The rejected value.
        fmin_hz: f32,
    },
    /// `fmax` is not finite or not above `fmin`.
    FmaxNotAboveFmin {
        /// Lower edge.
        fmin_hz: f32,
        /// The rejected upper edge.
        fmax_hz: f32,
    },
    /// `fmax` is above the Nyquist frequency.
    FmaxAboveNyquist {
        /// The rejected upper edge.
        fmax_hz: f32,
        /// `sample_rate / 2`.
        nyquist_hz: f32,
    },
    /// The decibel floor is outside [`DB_FLOOR_RANGE`].
    DbFloorOutOfRange {
        /// The rejected floor.
        db_floor: i16,
    },
    /// A mel filter falls between two FFT bins and would always be empty:
    /// too many bands for this FFT size and frequency range.
    EmptyMelBand {
        /// The first empty band (0-based).
        band: u16,
        /// The number of bands asked for.
        n_mels: u16,
    },
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SpecError::SampleRateOutOfRange { sample_rate } => write!(
                f,
                "sample rate {sample_rate} Hz is outside the supported {}..={} Hz",
                SAMPLE_RATE_RANGE.start(),
                SAMPLE_RATE_RANGE.end()
            ),
            SpecError::FftSizeNotPowerOfTwo { n_fft } => {
                write!(f, "FFT size {n_fft} is not a power of two")
            }
            SpecError::FftSizeOutOfRange { n_fft } => write!(
                f,
                "FFT size {n_fft} is outside the supported {MIN_FFT_SIZE}..={MAX_FFT_SIZE}"
            ),
            SpecError::HopZero => write!(f, "hop must be at least 1 sample"),
            SpecError::HopLargerThanFft { hop, n_fft } => write!(
                f,
                "hop {hop} is larger than the FFT size {n_fft}: samples between frames would be ignored"
            ),
            SpecError::NoMelBands => write!(f, "at least one mel band is needed"),
            SpecError::MoreBandsThanBins { n_mels, n_bins } => write!(
                f,
                "{n_mels} mel bands cannot be made from {n_bins} FFT bins: use fewer bands or a larger FFT"
            ),
            SpecError::InvalidFmin { fmin_hz } => {
                write!(f, "fmin {fmin_hz} Hz must be a finite value >= 0")
            }
            SpecError::FmaxNotAboveFmin { fmin_hz, fmax_hz } => {
                write!(f, "fmax {fmax_hz} Hz must be finite and above fmin {fmin_hz} Hz")
            }
            SpecError::FmaxAboveNyquist { fmax_hz, nyquist_hz } => write!(
                f,
                "fmax {fmax_hz} Hz is above the Nyquist frequency {nyquist_hz} Hz"
            ),
            SpecError::DbFloorOutOfRange { db_floor } => write!(
                f,
                "decibel floor {db_floor} dB is outside the supported {}..={} dB",
                DB_FLOOR_RANGE.start(),
                DB_FLOOR_RANGE.end()
            ),
            SpecError::EmptyMelBand { band, n_mels } => write!(
                f,
                "mel band {band} of {n_mels} covers no FFT bin: use fewer bands, a larger FFT or a wider frequency range"
            ),
        }
    }
}

impl core::error::Error for SpecError {}
