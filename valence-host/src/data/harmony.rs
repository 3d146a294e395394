//! Harmony features beside the mel statistics: which feature set a dataset
//! is built from, and the per-window harmony statistics of a clip.
//!
//! [`harmony_windows`] runs the core's [`HarmonyStream`] — the code the
//! device's sensor runs — over the same samples as the mel front end: the
//! default chroma path (a 2048-point FFT every 2048 samples) and, for each
//! mel statistics window, the summary of the chroma frames that lie
//! entirely inside that window's span of samples ([`window_span`]): chroma
//! frame `t` covers samples `[t·2048, t·2048 + 2048)` and belongs to window
//! `i` when that range lies inside window `i`'s `[start, end)`. The summary
//! is the core's [`valence_core::harmony::HarmonyWindow`]: the mean chroma
//! and the Krumhansl–Kessler key clarity, [`N_HARMONY_FEATURES`] values in
//! Q15 per window, the chroma by pitch class from C or, for the key sets
//! (`key-onset`, `mel-key-onset`), by scale degree from the tonic of the
//! window's best key ([`ChromaOrder`]).
//!
//! [`FeatureSet`] (the core's, which model files declare) says which of
//! these a dataset's vectors hold, in order: the mel statistics (`2·n_mels`
//! values in dB), then the harmony statistics as fractions (the 12 mean
//! chroma values in [0, 1], C or the tonic first; the best major and the best minor
//! correlation and their difference), then the onset statistics in dB (the
//! mean and sd of the block flux, [`valence_core::onset`], computed with the
//! mel statistics in [`super::extract`]).

use anyhow::{anyhow, Result};
use valence_core::chroma::{ChromaSpec, N_CHROMA};
use valence_core::chroma_stream::WEIGHTS_4096_16K;
use valence_core::harmony::{ChromaOrder, N_HARMONY_FEATURES};
use valence_core::harmony_stream::{harmony_rows, HarmonyStream, HarmonyStreamError};
use valence_core::stats::StatsSpec;
use valence_core::FeatureSpec;

#[cfg(doc)]
use super::extract::window_span;
pub use valence_core::model::FeatureSet;

/// The host's harmony path: room for chroma FFTs up to 4096 points.
pub type HostHarmonyStream = HarmonyStream<4096, WEIGHTS_4096_16K>;

/// The chroma path used for harmony features at `sample_rate`: the core's
/// default FFT size and hop (what model files declare).
pub fn chroma_spec(sample_rate: u32) -> ChromaSpec {
    ChromaSpec {
        sample_rate,
        ..ChromaSpec::DEFAULT
    }
}

/// Parses a `--feature-set` value (mel, mel-harmony, harmony, harmony-onset,
/// mel-harmony-onset, key-onset or mel-key-onset).
pub fn parse_feature_set(s: &str) -> Result<FeatureSet, String> {
    s.parse::<FeatureSet>().map_err(|e| e.to_string())
}

/// Names of the harmony features, in order: `chroma_C` … `chroma_B`, or
/// `degree_0` … `degree_11` from the key's tonic.
pub fn harmony_feature_names(order: ChromaOrder) -> Vec<String> {
    const CLASSES: [&str; N_CHROMA] = [
        "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
    ];
    let mut names: Vec<String> = match order {
        ChromaOrder::PitchClass => CLASSES.iter().map(|c| format!("chroma_{c}")).collect(),
        ChromaOrder::FromTonic => (0..N_CHROMA).map(|d| format!("degree_{d}")).collect(),
    };
    names.extend(["best_major_r", "best_minor_r", "major_minus_minor"].map(String::from));
    names
}

/// Harmony statistics of the first `n_windows` mel statistics windows of
/// `samples` (see the module doc for the alignment), the chroma in `order`:
/// `n_windows` rows of [`N_HARMONY_FEATURES`] Q15 values.
pub fn harmony_windows(
    spec: &FeatureSpec,
    stats: &StatsSpec,
    order: ChromaOrder,
    samples: &[i16],
    n_windows: usize,
) -> Result<Vec<i32>> {
    let mut stream = Box::new(HostHarmonyStream::unloaded());
    let mut out = vec![0i32; n_windows * N_HARMONY_FEATURES];
    harmony_rows(
        &mut stream,
        spec,
        stats,
        order,
        samples,
        n_windows,
        |i, row| {
            if let Some(dst) = out.get_mut(i * N_HARMONY_FEATURES..(i + 1) * N_HARMONY_FEATURES) {
                dst.copy_from_slice(row);
            }
        },
    )
    .map_err(|e| match e {
        HarmonyStreamError::WindowTooShort { .. } => anyhow!(
            "{e}: use a longer --window-frames (harmony features need windows of at least one \
             chroma FFT, {} samples, plus one chroma hop, {})",
            ChromaSpec::DEFAULT.n_fft,
            ChromaSpec::DEFAULT.hop
        ),
        other => anyhow!(
            "cannot compute harmony features at {} Hz: {other}",
            spec.sample_rate
        ),
    })?;
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
            let rows = harmony_windows(&spec, &stats, ChromaOrder::PitchClass, &pcm, 1).unwrap();
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
        let err = harmony_windows(&spec, &stats, ChromaOrder::PitchClass, &pcm, 1).unwrap_err();
        assert!(format!("{err:#}").contains("--window-frames"), "{err:#}");
    }

    #[test]
    fn feature_counts_follow_the_set() {
        assert_eq!(FeatureSet::Mel.n_features(128), 128);
        assert_eq!(FeatureSet::MelHarmony.n_features(128), 128 + 15);
        assert_eq!(FeatureSet::Harmony.n_features(128), 15);
        assert_eq!(
            harmony_feature_names(ChromaOrder::FromTonic).len(),
            N_HARMONY_FEATURES
        );
    }
}
