//! The flags of `valence features` that differ from `valence mel`'s: the
//! feature spec with no fixed defaults (audio and spectrogram input default
//! differently) and what spectrogram arrays hold.

use anyhow::Result;
use clap::{Args, ValueEnum};
use valence_core::{FeatureSpec, MelNorm, MelScale};

use crate::spec_args::NormArg;

/// What spectrogram values are, as spelled on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScaleArg {
    /// Power (librosa.feature.melspectrogram).
    Power,
    /// Decibels (librosa.power_to_db).
    Db,
}

/// Spectrogram axis order, as spelled on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OrientationArg {
    /// (n_mels, frames), as librosa returns it.
    MelsByFrames,
    /// (frames, n_mels).
    FramesByMels,
}

/// The feature-spec flags of `valence mel`, each optional: audio input
/// fills the gaps with the project default spec, spectrogram input with
/// librosa's defaults.
#[derive(Debug, Clone, Args)]
pub struct SpecFlags {
    /// Sample rate in Hz [default: 16000 for audio, 22050 for spectrograms].
    #[arg(long)]
    pub sample_rate: Option<u32>,
    /// FFT (window) size: a power of two from 64 to 4096 [default: 512; 2048].
    #[arg(long)]
    pub n_fft: Option<u16>,
    /// Hop between frames, in samples [default: 256; 512].
    #[arg(long)]
    pub hop: Option<u16>,
    /// Number of mel bands [default: 64; 128].
    #[arg(long)]
    pub n_mels: Option<u16>,
    /// Lowest filter edge, in Hz [default: 0].
    #[arg(long)]
    pub fmin: Option<f32>,
    /// Highest filter edge, in Hz [default: sample rate / 2].
    #[arg(long)]
    pub fmax: Option<f32>,
    /// Use the HTK mel formula instead of Slaney's.
    #[arg(long)]
    pub htk: bool,
    /// Filter normalisation [default: slaney].
    #[arg(long, value_enum)]
    pub norm: Option<NormArg>,
    /// Floor of the output, in whole dB [default: -100].
    #[arg(long, allow_negative_numbers = true)]
    pub db_floor: Option<i16>,
}

impl SpecFlags {
    /// The spec: these flags over `base`, validated. `fmax` follows a changed
    /// sample rate unless given.
    pub fn resolve(&self, base: FeatureSpec) -> Result<FeatureSpec> {
        let sample_rate = self.sample_rate.unwrap_or(base.sample_rate);
        let spec = FeatureSpec {
            sample_rate,
            n_fft: self.n_fft.unwrap_or(base.n_fft),
            hop: self.hop.unwrap_or(base.hop),
            n_mels: self.n_mels.unwrap_or(base.n_mels),
            fmin_hz: self.fmin.unwrap_or(base.fmin_hz),
            fmax_hz: self.fmax.unwrap_or(sample_rate as f32 / 2.0),
            mel_scale: if self.htk {
                MelScale::Htk
            } else {
                base.mel_scale
            },
            norm: match self.norm {
                Some(NormArg::Slaney) => MelNorm::Slaney,
                Some(NormArg::None) => MelNorm::None,
                None => base.norm,
            },
            db_floor: self.db_floor.unwrap_or(base.db_floor),
        };
        spec.validate()
            .map_err(|e| anyhow::anyhow!("invalid feature spec: {e}"))?;
        Ok(spec)
    }
}
