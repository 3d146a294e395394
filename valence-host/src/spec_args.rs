//! The feature-spec flags shared by every command that computes features
//! (`--sample-rate`, `--n-fft`, `--hop`, `--n-mels`, `--fmin`, `--fmax`,
//! `--htk`, `--norm`, `--db-floor`), turned into a validated [`FeatureSpec`].

use anyhow::{anyhow, Result};
use clap::{Args, ValueEnum};
use valence_core::{FeatureSpec, MelNorm, MelScale};

/// Filter normalisation, as spelled on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NormArg {
    /// Slaney area normalisation (librosa's default).
    Slaney,
    /// Triangles with peak 1.
    None,
}

/// Front-end parameters; defaults are the project default spec.
#[derive(Debug, Clone, Args)]
pub struct SpecArgs {
    /// Sample rate the features are computed at, in Hz.
    #[arg(long, default_value_t = 16_000)]
    pub sample_rate: u32,
    /// FFT (window) size: a power of two from 64 to 4096.
    #[arg(long, default_value_t = 512)]
    pub n_fft: u16,
    /// Hop between frames, in samples.
    #[arg(long, default_value_t = 256)]
    pub hop: u16,
    /// Number of mel bands.
    #[arg(long, default_value_t = 64)]
    pub n_mels: u16,
    /// Lowest filter edge, in Hz.
    #[arg(long, default_value_t = 0.0)]
    pub fmin: f32,
    /// Highest filter edge, in Hz [default: sample rate / 2].
    #[arg(long)]
    pub fmax: Option<f32>,
    /// Use the HTK mel formula instead of Slaney's.
    #[arg(long)]
    pub htk: bool,
    /// Filter normalisation.
    #[arg(long, value_enum, default_value_t = NormArg::Slaney)]
    pub norm: NormArg,
    /// Floor of the output, in whole dB.
    #[arg(long, default_value_t = -100, allow_negative_numbers = true)]
    pub db_floor: i16,
}

impl SpecArgs {
    /// The validated spec these flags describe.
    pub fn to_spec(&self) -> Result<FeatureSpec> {
        let spec = FeatureSpec {
            sample_rate: self.sample_rate,
            n_fft: self.n_fft,
            hop: self.hop,
            n_mels: self.n_mels,
            fmin_hz: self.fmin,
            fmax_hz: self.fmax.unwrap_or(self.sample_rate as f32 / 2.0),
            mel_scale: if self.htk {
                MelScale::Htk
            } else {
                MelScale::Slaney
            },
            norm: match self.norm {
                NormArg::Slaney => MelNorm::Slaney,
                NormArg::None => MelNorm::None,
            },
            db_floor: self.db_floor,
        };
        spec.validate()
            .map_err(|e| anyhow!("invalid feature spec: {e}"))?;
        Ok(spec)
    }
}
