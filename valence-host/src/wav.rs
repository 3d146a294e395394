//! Reading PCM WAV files into 16-bit mono samples, the input of the front end.
//!
//! Integer PCM of 16 bits is taken as it is; 24- and 32-bit integer PCM and
//! 32-bit float are converted to 16 bits by rounding to nearest (ties away
//! from zero) and clipping. Several channels are mixed to mono by averaging
//! the 16-bit samples of each frame, rounded the same way.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// Decoded audio: mono 16-bit samples at the file's own rate.
#[derive(Debug, Clone)]
pub struct Pcm {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channels in the file (before mixing).
    pub channels: u16,
    /// Mono samples.
    pub samples: Vec<i16>,
}

fn round_to_i16(v: f64) -> i16 {
    v.round().clamp(i16::MIN as f64, i16::MAX as f64) as i16
}

/// Reads a WAV file (PCM 16/24/32-bit or float 32-bit, any channel count).
pub fn read_wav(path: &Path) -> Result<Pcm> {
    if !path.exists() {
        bail!("{}: no such file", path.display());
    }
    let mut reader = hound::WavReader::open(path).map_err(|e| match e {
        hound::Error::FormatError(msg) => {
            anyhow::anyhow!(
                "{}: not a WAV file this tool can read ({msg})",
                path.display()
            )
        }
        other => anyhow::anyhow!("{}: {other}", path.display()),
    })?;
    let spec = reader.spec();
    let channels = spec.channels.max(1);
    let scaled: Vec<f64> = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Int, 16) => reader
            .samples::<i16>()
            .map(|s| s.map(|v| v as f64))
            .collect::<Result<_, _>>()
            .with_context(|| format!("{}: damaged sample data", path.display()))?,
        (hound::SampleFormat::Int, bits @ 17..=32) => {
            let scale = 2f64.powi(bits as i32 - 16);
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f64 / scale))
                .collect::<Result<_, _>>()
                .with_context(|| format!("{}: damaged sample data", path.display()))?
        }
        (hound::SampleFormat::Float, 32) => reader
            .samples::<f32>()
            .map(|s| s.map(|v| v as f64 * 32768.0))
            .collect::<Result<_, _>>()
            .with_context(|| format!("{}: damaged sample data", path.display()))?,
        (format, bits) => bail!(
            "{}: {bits}-bit {format:?} WAV is not supported: use 16-bit or wider PCM, or 32-bit float",
            path.display()
        ),
    };
    let frames = scaled.len() / channels as usize;
    let mut samples = Vec::with_capacity(frames);
    for frame in scaled.chunks_exact(channels as usize) {
        // Round each channel to 16 bits first, then average.
        let sum: f64 = frame.iter().map(|&v| round_to_i16(v) as f64).sum();
        samples.push(round_to_i16(sum / channels as f64));
    }
    Ok(Pcm {
        sample_rate: spec.sample_rate,
        channels,
        samples,
    })
}
