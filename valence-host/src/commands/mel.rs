//! `valence mel AUDIO --out FRAMES.npy`: the core's log-mel frames of one
//! recording, as float32 decibels of shape `(frames, n_mels)`.
//!
//! The recording (WAV, FLAC, OGG Vorbis or MP3) is decoded, mixed to mono,
//! resampled to `--sample-rate` and quantised to 16 bits as
//! [`crate::data::audio`] describes, then run through the core front end.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use crate::data::audio::load_pcm16;
use crate::melspec::mel_frames;
use crate::npy::write_f32_matrix;
use crate::spec_args::SpecArgs;

/// Arguments of `valence mel`.
#[derive(Debug, Clone, Args)]
pub struct MelArgs {
    /// Input audio: WAV, FLAC, OGG Vorbis or MP3, any rate and channel count.
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
    let pcm = load_pcm16(&args.audio, spec.sample_rate)?;
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
