//! From 16-bit PCM to feature vectors, exactly as the device computes them,
//! and the same for many clips at once.
//!
//! [`window_features`] runs the samples through the core's front end (its
//! clip path, [`mel_frames`], bit for bit the streaming path's frames) and
//! its [`WindowStats`]: one vector per completed
//! statistics window, `n_mels` means followed by `n_mels` standard
//! deviations, Q8.8 dB (`i16`), bit for bit what the microcontroller makes
//! from the same samples. Window `i` covers frames
//! `[i·hop_frames, i·hop_frames + window_frames)`, that is samples
//! `[i·hop_frames·hop, (i·hop_frames + window_frames − 1)·hop + n_fft)`
//! ([`window_span`]).
//!
//! With a [`FeatureSet`] that holds harmony, each window also gets the
//! harmony statistics of the same span of samples ([`harmony_windows`]),
//! and with one that holds the onset statistics, the core's
//! [`OnsetStats`] of the same frames ([`window_features_and_onset`]).
//!
//! [`extract_files`] does this for many files in parallel (rayon, one clip
//! per task), reading each file once: its bytes are hashed for the
//! [`FeatureCache`] and, on a miss, decoded, resampled and summarised. A
//! progress bar on stderr shows long runs (hidden when stderr is not a
//! terminal).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::melspec::mel_frames;
use anyhow::{anyhow, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use valence_core::onset::{OnsetStats, N_ONSET_FEATURES};
use valence_core::stats::{StatsSpec, WindowStats};
use valence_core::FeatureSpec;

use super::audio::{decode_to_pcm16, read_file};
use super::cache::{CacheKey, FeatureCache};
use super::harmony::{harmony_to_f32, harmony_windows, FeatureSet};

/// The most mel bands the host statistics handle (as
/// [`valence_core::frontend::HostFrontEnd`]).
pub const HOST_MAX_MELS: usize = 256;

/// Streaming window statistics sized for the host.
pub type HostWindowStats = WindowStats<HOST_MAX_MELS>;

/// Streaming onset statistics sized for the host.
pub type HostOnsetStats = OnsetStats<HOST_MAX_MELS>;

/// Feature vectors of one clip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClipFeatures {
    /// Values per window (`2 · n_mels`).
    pub n_features: usize,
    /// One row of `n_features` Q8.8 dB values per completed window.
    pub windows: Vec<i16>,
    /// Samples at the spec's rate after decoding and resampling.
    pub n_samples: u64,
    /// Sample rate of the file, in Hz.
    pub source_rate: u32,
    /// Channels in the file.
    pub channels: u16,
    /// Samples clipped when quantising to 16 bits.
    pub clipped: u64,
    /// Harmony statistics, one row of
    /// [`valence_core::harmony::N_HARMONY_FEATURES`] Q15 values per window
    /// (empty when the feature set has no harmony).
    pub harmony: Vec<i32>,
    /// Onset statistics, one row of [`N_ONSET_FEATURES`] Q8.8 dB values per
    /// window (empty when the feature set has no onset statistics).
    pub onset: Vec<i16>,
}

impl ClipFeatures {
    /// Number of windows.
    pub fn n_windows(&self) -> usize {
        self.windows.len() / self.n_features.max(1)
    }

    /// The `i`-th window's feature vector in Q8.8 dB.
    pub fn window(&self, i: usize) -> &[i16] {
        &self.windows[i * self.n_features..(i + 1) * self.n_features]
    }

    /// The `i`-th window's feature vector in dB.
    pub fn window_db(&self, i: usize) -> Vec<f32> {
        self.window(i)
            .iter()
            .map(|&v| valence_core::db_q8_to_f32(v))
            .collect()
    }

    /// The `i`-th window's harmony statistics in Q15 (empty when the clip
    /// was extracted without them).
    pub fn harmony_row(&self, i: usize) -> &[i32] {
        let n = valence_core::harmony::N_HARMONY_FEATURES;
        self.harmony.get(i * n..(i + 1) * n).unwrap_or(&[])
    }

    /// The `i`-th window's onset statistics in Q8.8 dB (empty when the clip
    /// was extracted without them).
    pub fn onset_row(&self, i: usize) -> &[i16] {
        self.onset
            .get(i * N_ONSET_FEATURES..(i + 1) * N_ONSET_FEATURES)
            .unwrap_or(&[])
    }

    /// The `i`-th window's vector as a dataset of feature set `set` holds
    /// it (see [`super::harmony`]): the mel statistics in dB, the harmony
    /// statistics as fractions, the onset statistics in dB, each part when
    /// `set` holds it. The clip must have been extracted with `set`.
    pub fn row(&self, i: usize, set: FeatureSet) -> impl Iterator<Item = f32> + '_ {
        let mel = set.has_mel().then(|| self.window(i));
        let harmony = set.has_harmony().then(|| self.harmony_row(i));
        let onset = set.has_onset().then(|| self.onset_row(i));
        let db = |v: &i16| valence_core::db_q8_to_f32(*v);
        mel.into_iter()
            .flatten()
            .map(db)
            .chain(harmony.into_iter().flat_map(harmony_to_f32))
            .chain(onset.into_iter().flatten().map(db))
    }

    /// Duration of the clip at the spec's rate, in seconds.
    pub fn duration_s(&self, spec: &FeatureSpec) -> f64 {
        self.n_samples as f64 / spec.sample_rate as f64
    }
}

/// Samples `[start, end)` covered by window `i` (see the module doc).
pub fn window_span(spec: &FeatureSpec, stats: &StatsSpec, i: usize) -> (u64, u64) {
    let hop = spec.hop as u64;
    let first = i as u64 * stats.hop_frames as u64;
    let last = first + stats.window_frames as u64 - 1;
    (first * hop, last * hop + spec.n_fft as u64)
}

/// The shortest clip, in samples at the spec's rate, that yields one window.
pub fn min_samples(spec: &FeatureSpec, stats: &StatsSpec) -> u64 {
    window_span(spec, stats, 0).1
}

/// Feature vectors of `samples` (at the spec's rate): one row of
/// `stats.n_features(n_mels)` values per completed window.
pub fn window_features(spec: &FeatureSpec, stats: &StatsSpec, samples: &[i16]) -> Result<Vec<i16>> {
    Ok(window_features_and_onset(spec, stats, samples, false)?.0)
}

/// [`window_features`] and, when `onset`, the core's onset statistics of
/// the same frames and windows ([`N_ONSET_FEATURES`] values per window,
/// what the sensor's [`valence_core::onset::OnsetStats`] computes).
pub fn window_features_and_onset(
    spec: &FeatureSpec,
    stats: &StatsSpec,
    samples: &[i16],
    onset: bool,
) -> Result<(Vec<i16>, Vec<i16>)> {
    let frames = mel_frames(spec, samples)?;
    let n_mels = frames.n_mels;
    let invalid = |e| anyhow!("invalid statistics window: {e}");
    let mut ws = Box::new(HostWindowStats::new(stats, n_mels).map_err(invalid)?);
    let mut os = match onset {
        true => Some(Box::new(
            HostOnsetStats::new(stats, n_mels).map_err(invalid)?,
        )),
        false => None,
    };
    let mut mean = vec![0i16; n_mels];
    let mut std = vec![0i16; n_mels];
    let mut values = [0i16; N_ONSET_FEATURES];
    let (mut out, mut onset_rows) = (Vec::new(), Vec::new());
    for frame in frames.data.chunks_exact(n_mels.max(1)) {
        if let Some(os) = os.as_mut() {
            os.push(frame, &mut values);
        }
        if ws.push(frame, &mut mean, &mut std) {
            out.extend_from_slice(&mean);
            out.extend_from_slice(&std);
            if os.is_some() {
                onset_rows.extend_from_slice(&values);
            }
        }
    }
    Ok((out, onset_rows))
}

/// Decodes the bytes of one audio file and computes its mel features.
pub fn extract_bytes(
    bytes: &[u8],
    ext: Option<&str>,
    spec: &FeatureSpec,
    stats: &StatsSpec,
) -> Result<ClipFeatures> {
    extract_bytes_with_set(bytes, ext, spec, stats, FeatureSet::Mel)
}

/// Decodes the bytes of one audio file and computes its mel features and,
/// when `set` holds them, its harmony features.
pub fn extract_bytes_with_set(
    bytes: &[u8],
    ext: Option<&str>,
    spec: &FeatureSpec,
    stats: &StatsSpec,
    set: FeatureSet,
) -> Result<ClipFeatures> {
    let pcm = decode_to_pcm16(bytes, ext, spec.sample_rate)?;
    Ok(ClipFeatures {
        source_rate: pcm.source_rate,
        channels: pcm.channels,
        clipped: pcm.clipped as u64,
        ..samples_features(spec, stats, &pcm.samples, set)?
    })
}

/// The features of `set` for mono samples already at the spec's rate (one
/// channel, nothing clipped: the demo's synthesised clips).
pub fn samples_features(
    spec: &FeatureSpec,
    stats: &StatsSpec,
    samples: &[i16],
    set: FeatureSet,
) -> Result<ClipFeatures> {
    let n_features = stats.n_features(spec.n_mels as usize);
    let (windows, onset) = window_features_and_onset(spec, stats, samples, set.has_onset())?;
    let harmony = if set.has_harmony() {
        harmony_windows(
            spec,
            stats,
            set.chroma_order(),
            samples,
            windows.len() / n_features.max(1),
        )?
    } else {
        Vec::new()
    };
    Ok(ClipFeatures {
        n_features,
        windows,
        n_samples: samples.len() as u64,
        source_rate: spec.sample_rate,
        channels: 1,
        clipped: 0,
        harmony,
        onset,
    })
}

/// One file's outcome in [`extract_files`].
#[derive(Debug)]
pub struct Extracted {
    /// The file.
    pub path: PathBuf,
    /// BLAKE3 hash of the file's bytes (when it could be read).
    pub content_hash: Option<blake3::Hash>,
    /// Its features, or why there are none.
    pub features: Result<ClipFeatures>,
    /// Whether the features came from the cache.
    pub cached: bool,
}

/// Computes the features of `set` for `paths` in parallel, through `cache`
/// when given. Results come back in the order of `paths`. `progress` allows
/// a progress bar (drawn only when stderr is a terminal).
pub fn extract_files(
    paths: &[PathBuf],
    spec: &FeatureSpec,
    stats: &StatsSpec,
    set: FeatureSet,
    cache: Option<&FeatureCache>,
    progress: bool,
) -> Vec<Extracted> {
    let bar = if progress && paths.len() > 1 {
        let bar =
            ProgressBar::with_draw_target(Some(paths.len() as u64), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} clips, {elapsed} (eta {eta})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix("extracting");
        bar.enable_steady_tick(Duration::from_millis(250));
        bar
    } else {
        ProgressBar::hidden()
    };
    let out = paths
        .par_iter()
        .map(|path| {
            let r = extract_one(path, spec, stats, set, cache);
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    out
}

fn extract_one(
    path: &Path,
    spec: &FeatureSpec,
    stats: &StatsSpec,
    set: FeatureSet,
    cache: Option<&FeatureCache>,
) -> Extracted {
    let bytes = match read_file(path) {
        Ok(b) => b,
        Err(e) => {
            return Extracted {
                path: path.to_path_buf(),
                content_hash: None,
                features: Err(e),
                cached: false,
            }
        }
    };
    let hash = blake3::hash(&bytes);
    let key = CacheKey::for_set(&hash, spec, stats, set);
    if let Some(hit) = cache.and_then(|c| c.get(&key)) {
        return Extracted {
            path: path.to_path_buf(),
            content_hash: Some(hash),
            features: Ok(hit),
            cached: true,
        };
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    let features = extract_bytes_with_set(&bytes, ext.as_deref(), spec, stats, set);
    if let (Some(cache), Ok(f)) = (cache, &features) {
        // A cache that cannot be written only costs time on the next run.
        let _ = cache.put(&key, f);
    }
    Extracted {
        path: path.to_path_buf(),
        content_hash: Some(hash),
        features,
        cached: false,
    }
}
