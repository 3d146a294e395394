//! `valence mel AUDIO --out FRAMES.npy`: the core's log-mel frames of one
//! recording, as float32 decibels of shape `(frames, n_mels)`.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use crate::melspec::mel_frames;
use crate::npy::write_f32_matrix;
use crate::spec_args::SpecArgs;
use crate::wav::read_wav;

/// Arguments of `valence mel`.
#[derive(Debug, Clone, Args)]
pub struct MelArgs {
    /// Input audio: a PCM WAV file (16-bit or wider, any channel count).
    pub audio: PathBuf,
    /// Output `.npy` file (float32, frames × n_mels, decibels).
    #[arg(long)]
    pub out: PathBuf,
    /// Front-end parameters.
    #[command(flatten)]
    pub spec: SpecArgs,
}

/// Runs `valence mel`; returns the number of frames written.
pub fn run(args: &MelArgs) -> Result<usize> {
    let spec = args.spec.to_spec()?;
    let pcm = read_wav(&args.audio)?;
    if pcm.sample_rate != spec.sample_rate {
        bail!(
            "{} is sampled at {} Hz but the features are computed at {} Hz: \
             pass --sample-rate {} or resample the file first",
            args.audio.display(),
            pcm.sample_rate,
            spec.sample_rate,
            pcm.sample_rate
        );
    }
    if pcm.samples.len() < spec.n_fft as usize {
        bail!(
            "{} holds {} samples, fewer than one {}-sample frame",
            args.audio.display(),
            pcm.samples.len(),
            spec.n_fft
        );
    }
    let frames = mel_frames(&spec, &pcm.samples)?;
    write_f32_matrix(&args.out, frames.len(), frames.n_mels, &frames.to_db())?;
    Ok(frames.len())
}
