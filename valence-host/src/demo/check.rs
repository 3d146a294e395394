//! The last step of the demo's data flow: an exported model file run the
//! way a device runs it — the core's [`DefaultHarmonySensor`] (the default
//! sensor with the harmony path, which runs mel models too) fed the raw samples
//! of held-out clips — and scored against their labels. Nothing of the
//! training code is involved, so this checks the model file, the int8
//! network and the front end together.
//!
//! Besides the error it measures whether the model heard the strongest cue
//! of the rule, the mode: the fraction of (major, minor) pairs of held-out
//! clips in which the major clip's mean reading is the higher (0.5 is
//! chance, 1 a perfect ranking), next to the same fraction for the labels.

use anyhow::{anyhow, ensure, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use valence_core::sensor::DefaultHarmonySensor;
use valence_core::Model;

use super::corpus::Clip;
use super::cues::Mode;

/// How the model did on the held-out clips, reading by reading.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SensorCheck {
    /// Held-out clips.
    pub clips: usize,
    /// Readings over them (one per statistics window).
    pub readings: usize,
    /// Mean squared error of the readings against the clips' labels.
    pub mse: f64,
    /// Mean reading of the major clips.
    pub mean_major: f64,
    /// Mean reading of the minor clips.
    pub mean_minor: f64,
    /// Fraction of (major, minor) clip pairs whose major clip has the
    /// higher mean reading (ties count half).
    pub major_above_minor: f64,
    /// The same fraction for the labels themselves.
    pub labels_major_above_minor: f64,
}

/// Fraction of (a, b) pairs with `a > b`, ties counting half.
pub fn pairwise_above(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return f64::NAN;
    }
    let mut wins = 0.0;
    for x in a {
        for y in b {
            wins += if x > y {
                1.0
            } else if x == y {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (a.len() * b.len()) as f64
}

/// The readings of `model_bytes` on one clip's samples, in label units.
pub fn readings(model_bytes: &[u8], samples: &[i16]) -> Result<Vec<f32>> {
    let model =
        Model::from_bytes(model_bytes).map_err(|e| anyhow!("the model file is not valid: {e}"))?;
    let mut sensor = Box::new(
        DefaultHarmonySensor::new(model)
            .map_err(|e| anyhow!("the model does not fit the default sensor: {e}"))?,
    );
    let mut out = Vec::new();
    sensor.push(samples, |r| out.push(r.value()));
    Ok(out)
}

/// Runs the model on every clip of `held_out` (rendered `clip_seconds`
/// long) and scores the readings.
pub fn check(model_bytes: &[u8], held_out: &[&Clip], clip_seconds: f64) -> Result<SensorCheck> {
    ensure!(
        !held_out.is_empty(),
        "no held-out clips to check the model on"
    );
    let per_clip: Vec<Result<Vec<f32>>> = held_out
        .par_iter()
        .map(|c| readings(model_bytes, &c.render(clip_seconds)))
        .collect();
    let (mut sq, mut n) = (0.0f64, 0usize);
    let (mut major, mut minor) = (Vec::new(), Vec::new());
    let (mut major_labels, mut minor_labels) = (Vec::new(), Vec::new());
    for (clip, r) in held_out.iter().zip(per_clip) {
        let r = r?;
        ensure!(
            !r.is_empty(),
            "{} gave no reading: it is shorter than one statistics window",
            clip.name
        );
        for &v in &r {
            sq += (v as f64 - clip.valence as f64).powi(2);
        }
        n += r.len();
        let mean = r.iter().map(|&v| v as f64).sum::<f64>() / r.len() as f64;
        match clip.cues.mode {
            Mode::Major => {
                major.push(mean);
                major_labels.push(clip.valence as f64);
            }
            Mode::Minor => {
                minor.push(mean);
                minor_labels.push(clip.valence as f64);
            }
        }
    }
    let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    Ok(SensorCheck {
        clips: held_out.len(),
        readings: n,
        mse: sq / n as f64,
        mean_major: avg(&major),
        mean_minor: avg(&minor),
        major_above_minor: pairwise_above(&major, &minor),
        labels_major_above_minor: pairwise_above(&major_labels, &minor_labels),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_by_hand() {
        assert_eq!(pairwise_above(&[2.0, 3.0], &[1.0, 2.5]), 0.75);
        assert_eq!(pairwise_above(&[1.0], &[1.0]), 0.5);
        assert!(pairwise_above(&[], &[1.0]).is_nan());
    }

    #[test]
    fn damaged_model_is_an_error() {
        let e = readings(b"not a model", &[0; 100]).unwrap_err();
        assert!(format!("{e:#}").contains("not valid"), "{e:#}");
    }
}
