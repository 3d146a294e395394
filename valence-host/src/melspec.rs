//! Runs the core front end over a whole signal on the host: the same
//! arithmetic, the same bits as on the device.

use crate::clip_frontend::clip_frames;
use anyhow::{anyhow, Result};
use valence_core::frontend::HostFrontEnd;
use valence_core::FeatureSpec;

/// Log-mel frames of a signal: `frames × n_mels` values in Q8.8 dB, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MelFrames {
    /// Number of bands per frame.
    pub n_mels: usize,
    /// The frames, one after another.
    pub data: Vec<i16>,
}

impl MelFrames {
    /// Number of frames.
    pub fn len(&self) -> usize {
        self.data.len() / self.n_mels.max(1)
    }

    /// Whether there are no frames.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Frames as `f32` decibels.
    pub fn to_db(&self) -> Vec<f32> {
        self.data
            .iter()
            .map(|&v| valence_core::db_q8_to_f32(v))
            .collect()
    }
}

/// Computes every frame of `samples` with the core front end: its clip
/// path, several frames side by side on the widest vector unit
/// ([`crate::clip_frontend`]), bit for bit the frames of the streaming path.
pub fn mel_frames(spec: &FeatureSpec, samples: &[i16]) -> Result<MelFrames> {
    let fe = Box::new(HostFrontEnd::new(spec).map_err(|e| anyhow!("{e}"))?);
    let n_mels = spec.n_mels as usize;
    let mut data = vec![0i16; spec.frames_for(samples.len()) * n_mels];
    clip_frames(&fe, samples, &mut data)?;
    Ok(MelFrames { n_mels, data })
}
