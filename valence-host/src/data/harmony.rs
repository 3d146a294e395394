//! Harmony features beside the mel statistics: which feature set a dataset
//! is built from, and the per-window harmony statistics of a clip.
//!
//! [`harmony_windows`] runs the core's [`HostChromaStream`] (the default
//! chroma path: a 2048-point FFT every 1024 samples) over the same samples
//! as the mel front end and summarises, for each mel statistics window, the
//! chroma frames that lie entirely inside that window's span of samples
//! ([`window_span`]): chroma frame `t` covers samples
//! `[t·1024, t·1024 + 2048)` and belongs to window `i` when that range lies
//! inside window `i`'s `[start, end)`. The summary is the core's
//! [`HarmonyWindow`]: the mean chroma and the Krumhansl–Kessler key clarity,
//! [`N_HARMONY_FEATURES`] values in Q15 per window.
//!
//! [`FeatureSet`] says which of the two a dataset's vectors hold, in order:
//! the mel statistics (`2·n_mels` values in dB), then the harmony
//! statistics as fractions (the 12 mean chroma values in [0, 1], C first;
//! the best major and the best minor correlation and their difference).

use anyhow::{anyhow, bail, Result};
use serde::{Deserialize, Serialize};
use valence_core::chroma::{ChromaSpec, N_CHROMA};
use valence_core::chroma_stream::HostChromaStream;
use valence_core::harmony::{HarmonyWindow, N_HARMONY_FEATURES};
use valence_core::stats::StatsSpec;
use valence_core::FeatureSpec;

use super::extract::window_span;

/// Which features each window of a clip gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
pub enum FeatureSet {
    /// Mel statistics only (what the device computes and models carry).
    #[default]
    Mel,
    /// Mel statistics followed by the harmony statistics.
    MelHarmony,
    /// Harmony statistics only.
    Harmony,
}

impl FeatureSet {
    /// Whether the set holds the mel statistics.
    pub fn has_mel(self) -> bool {
        matches!(self, FeatureSet::Mel | FeatureSet::MelHarmony)
    }

    /// Whether the set holds the harmony statistics.
    pub fn has_harmony(self) -> bool {
        matches!(self, FeatureSet::MelHarmony | FeatureSet::Harmony)
    }

    /// Values per window for `n_mel_features` mel statistics.
    pub fn n_features(self, n_mel_features: usize) -> usize {
        let mel = if self.has_mel() { n_mel_features } else { 0 };
        let harmony = if self.has_harmony() {
            N_HARMONY_FEATURES
        } else {
            0
        };
        mel + harmony
    }

    /// The name as given on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FeatureSet::Mel => "mel",
            FeatureSet::MelHarmony => "mel-harmony",
            FeatureSet::Harmony => "harmony",
        }
    }
}

/// The chroma path used for harmony features at `sample_rate`: the core's
/// default FFT size and hop.
pub fn chroma_spec(sample_rate: u32) -> ChromaSpec {
    ChromaSpec {
        sample_rate,
        ..ChromaSpec::DEFAULT
    }
}

/// Names of the harmony features, in order.
pub fn harmony_feature_names() -> Vec<String> {
    const CLASSES: [&str; N_CHROMA] = [
        "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
    ];
    let mut names: Vec<String> = CLASSES.iter().map(|c| format!("chroma_{c}")).collect();
    names.extend(["best_major_r", "best_minor_r", "major_minus_minor"].map(String::from));
    names
}

/// Harmony statistics of the first `n_windows` mel statistics windows of
/// `samples` (see the module doc for the alignment): `n_windows` rows of
/// [`N_HARMONY_FEATURES`] Q15 values.
pub fn harmony_windows(
    spec: &FeatureSpec,
    stats: &StatsSpec,
    samples: &[i16],
    n_windows: usize,
) -> Result<Vec<i32>> {
    let cspec = chroma_spec(spec.sample_rate);
    let mut stream = Box::new(HostChromaStream::new(&cspec).map_err(|e| {
        anyhow!(
            "cannot build the chroma path at {} Hz: {e}",
            spec.sample_rate
        )
    })?);
    let mut frames: Vec<[u16; N_CHROMA]> = Vec::new();
    stream.push(samples, |f| frames.push(*f));
    let hop = cspec.hop as u64;
    let n_fft = cspec.n_fft as u64;
    let mut out = vec![0i32; n_windows * N_HARMONY_FEATURES];
    for (i, row) in out.chunks_exact_mut(N_HARMONY_FEATURES).enumerate() {
        let (start, end) = window_span(spec, stats, i);
        let first = start.div_ceil(hop) as usize;
        let mut window = HarmonyWindow::new();
        for (t, frame) in frames.iter().enumerate().skip(first) {
            if t as u64 * hop + n_fft > end {
                break;
            }
            window.push(frame);
        }
        let summary = window.finish().map_err(|e| {
            anyhow!(
                "window {i} (samples {start} to {end}): {e}; harmony features need windows of \
                 at least {n_fft} samples plus one chroma hop ({hop}); use a longer \
                 --window-frames"
            )
        })?;
        summary
            .features_q15(row)
            .map_err(|e| anyhow!("window {i}: {e}"))?;
    }
    if n_windows > 0 && frames.is_empty() {
        bail!("the clip is shorter than one chroma frame ({n_fft} samples)");
    }
    Ok(out)
}

/// One window's harmony values (Q15) as fractions (1.0 = 32768).
pub fn harmony_to_f32(row: &[i32]) -> impl Iterator<Item = f32> + '_ {
    row.iter().map(|&v| v as f32 / 32768.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chords of sines, 0.5 s each, repeated for `seconds`, 16 kHz PCM16.
    fn cadence(chords: &[[f64; 3]], seconds: f64) -> Vec<i16> {
        let n = (seconds * 16_000.0) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / 16_000.0;
                let freqs = &chords[(t / 0.5) as usize % chords.len()];
                let v: f64 = freqs
                    .iter()
                    .map(|f| (2.0 * std::f64::consts::PI * f * t).sin())
                    .sum();
                (v / 3.0 * 12_000.0) as i16
            })
            .collect()
    }

    #[test]
    fn cadences_in_c_major_and_a_minor_name_their_keys() {
        let spec = FeatureSpec::DEFAULT;
        let stats = StatsSpec::DEFAULT;
        let (c4, d4, e4, f4, g4, a4, b4) = (261.63, 293.66, 329.63, 349.23, 392.0, 440.0, 493.88);
        let (e3, gs3, a3, b3) = (164.81, 207.65, 220.0, 246.94);
        // I–IV–V–I and i–iv–V–i: a lone triad is ambiguous (C–E–G fits
        // E minor about as well as C major), a cadence is not.
        let major = [
            [c4, e4, g4],
            [f4, a4, c4 * 2.0],
            [g4, b4, d4 * 2.0],
            [c4, e4, g4],
        ];
        let minor = [[a3, c4, e4], [d4, f4, a4], [e3, gs3, b3], [a3, c4, e4]];
        for (chords, key) in [(major, 0u8), (minor, 12 + 9)] {
            let pcm = cadence(&chords, 3.0);
            let rows = harmony_windows(&spec, &stats, &pcm, 1).unwrap();
            assert_eq!(rows.len(), N_HARMONY_FEATURES);
            let chroma: [u16; N_CHROMA] = core::array::from_fn(|c| rows[c] as u16);
            let k = valence_core::harmony::KeyClarity::of(&chroma);
            assert_eq!(k.best_key(), key, "{rows:?}");
            assert_eq!(rows[14] > 0, key < 12, "{rows:?}");
        }
    }

    #[test]
    fn windows_too_short_for_a_chroma_frame_are_refused() {
        let spec = FeatureSpec::DEFAULT;
        let stats = StatsSpec {
            window_frames: 4,
            hop_frames: 4,
            ..StatsSpec::DEFAULT
        };
        let pcm = cadence(&[[440.0, 550.0, 660.0]], 1.0);
        let err = harmony_windows(&spec, &stats, &pcm, 1).unwrap_err();
        assert!(format!("{err:#}").contains("--window-frames"), "{err:#}");
    }

    #[test]
    fn feature_counts_follow_the_set() {
        assert_eq!(FeatureSet::Mel.n_features(128), 128);
        assert_eq!(FeatureSet::MelHarmony.n_features(128), 128 + 15);
        assert_eq!(FeatureSet::Harmony.n_features(128), 15);
        assert_eq!(harmony_feature_names().len(), N_HARMONY_FEATURES);
    }
}
