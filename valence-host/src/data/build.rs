//! Recordings plus a label file in, a [`Dataset`] out: the audio half of
//! `valence features`.
//!
//! 1. The input (a folder, scanned recursively, or one file) gives the clips.
//! 2. Each label row is matched to a clip ([`AudioFolder::find`]); rows that
//!    match nothing, or several clips, or a clip already labelled, are
//!    problems, as are clips with no row.
//! 3. The labelled clips (all clips when there is no label file) go through
//!    [`extract_files`]: decoding, resampling, the core front end and window
//!    statistics, in parallel and through the cache.
//! 4. Every statistics window becomes an example, its vector the
//!    [`FeatureSet`]'s: the mel statistics, the harmony statistics of the
//!    same span of samples, or both (mel first):
//!    - **static labels**: each window of a clip gets the clip's label;
//!    - **dynamic labels**: a window gets the label whose instant is nearest
//!      its centre, and only windows lying entirely inside the labelled span
//!      count ([`label_for_window`]).
//!
//!    Clips that yield no window (shorter than one window) are problems.
//! 5. Every example's group is the label file's group column when one is
//!    named, else the clip itself, so the windows of one clip never straddle
//!    a train/validation split.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use valence_core::stats::StatsSpec;
use valence_core::FeatureSpec;

use super::cache::FeatureCache;
use super::dataset::{Dataset, DatasetParts, ExampleOrigin, FeatureSource, Provenance};
use super::extract::{extract_files, min_samples, window_span, ClipFeatures};
use super::folder::{AudioFolder, FindError};
use super::harmony::FeatureSet;
use super::labels::{
    label_for_window, read_labels, LabelLayout, LabelOptions, LabelTable, LabelValues,
};
use super::report::{ProblemKind, Problems};

/// How to build a dataset from audio.
#[derive(Debug, Clone)]
pub struct AudioBuild {
    /// Front-end parameters.
    pub spec: FeatureSpec,
    /// Window statistics.
    pub stats: StatsSpec,
    /// Which features each window gives.
    pub feature_set: FeatureSet,
    /// Which label columns to use.
    pub label_options: LabelOptions,
    /// Where extracted features are cached (none: always extract).
    pub cache: Option<FeatureCache>,
    /// Whether a progress bar may be shown.
    pub progress: bool,
}

/// What a build found, for the summary and the provenance.
#[derive(Debug, Clone, Default)]
pub struct AudioSummary {
    /// The audio files found, by extension.
    pub formats: BTreeMap<String, usize>,
    /// The label file as read (layout, columns, row count).
    pub labels: Option<LabelTableInfo>,
    /// Clips that were decoded (or found in the cache).
    pub clips_read: usize,
    /// Of those, how many came from the cache.
    pub clips_cached: usize,
    /// Clips that gave at least one example.
    pub clips_used: usize,
    /// Seconds of audio read.
    pub seconds_read: f64,
    /// Windows of all clips read (labelled or not).
    pub windows: usize,
    /// Examples made.
    pub examples: usize,
    /// Smallest and largest label of the examples.
    pub label_range: Option<(f32, f32)>,
    /// Samples clipped when quantising to 16 bits, over all clips.
    pub clipped_samples: u64,
    /// Everything skipped.
    pub problems: Problems,
}

/// How a label file was read.
#[derive(Debug, Clone)]
pub struct LabelTableInfo {
    /// The file.
    pub path: PathBuf,
    /// Static or dynamic.
    pub layout: LabelLayout,
    /// The file column.
    pub file_column: String,
    /// The label column, or the time columns described.
    pub label_column: String,
    /// The group column, if any.
    pub group_column: Option<String>,
    /// Rows with usable labels.
    pub rows: usize,
}

impl From<(&Path, &LabelTable)> for LabelTableInfo {
    fn from((path, t): (&Path, &LabelTable)) -> Self {
        LabelTableInfo {
            path: path.to_path_buf(),
            layout: t.layout,
            file_column: t.file_column.clone(),
            label_column: t.label_column.clone(),
            group_column: t.group_column.clone(),
            rows: t.rows.len(),
        }
    }
}

/// A clip to extract, with its labels when labelled.
struct Job {
    file: usize,
    labels: Option<(LabelValues, Option<String>)>,
}

/// Builds a dataset from an audio folder or file and an optional label file.
/// The dataset is `None` when there is no label file or no example.
pub fn build_from_audio(
    input: &Path,
    labels: Option<&Path>,
    opts: &AudioBuild,
) -> Result<(Option<Dataset>, AudioSummary)> {
    let folder = if input.is_dir() {
        AudioFolder::scan(input)?
    } else {
        anyhow::ensure!(
            input.exists(),
            "{}: no such file or folder",
            input.display()
        );
        AudioFolder::single(input)
    };
    let mut summary = AudioSummary::default();
    for f in folder.files() {
        let ext = f
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        *summary.formats.entry(ext).or_insert(0) += 1;
    }
    let mut problems = Problems::default();
    let mut fingerprint = blake3::Hasher::new();
    let table = match labels {
        Some(p) => {
            let t = read_labels(p, &opts.label_options)?;
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            fingerprint.update(blake3::hash(&bytes).as_bytes());
            summary.labels = Some((p, &t).into());
            Some(t)
        }
        None => None,
    };
    let jobs = match &table {
        Some(t) => match_labels(&folder, t, &mut problems),
        None => (0..folder.files().len())
            .map(|file| Job { file, labels: None })
            .collect(),
    };
    let paths: Vec<PathBuf> = jobs
        .iter()
        .map(|j| folder.files()[j.file].clone())
        .collect();
    let extracted = extract_files(
        &paths,
        &opts.spec,
        &opts.stats,
        opts.feature_set,
        opts.cache.as_ref(),
        opts.progress,
    );

    let set = opts.feature_set;
    let n_features = set.n_features(opts.stats.n_features(opts.spec.n_mels as usize));
    let (mut features, mut ys, mut groups, mut origins) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut clips = Vec::new();
    let window_s = min_samples(&opts.spec, &opts.stats) as f64 / opts.spec.sample_rate as f64;
    for (job, ex) in jobs.iter().zip(extracted) {
        let name = folder.relative(job.file);
        let clip: ClipFeatures = match ex.features {
            Ok(c) => c,
            Err(e) => {
                problems.push(ProblemKind::UnreadableAudio, &name, format!("{e:#}"));
                continue;
            }
        };
        summary.clips_read += 1;
        summary.clips_cached += ex.cached as usize;
        summary.seconds_read += clip.duration_s(&opts.spec);
        summary.windows += clip.n_windows();
        summary.clipped_samples += clip.clipped;
        if clip.n_windows() == 0 {
            problems.push(
                ProblemKind::TooShort,
                &name,
                format!(
                    "{:.2} s of audio is shorter than one window ({window_s:.2} s)",
                    clip.duration_s(&opts.spec)
                ),
            );
            continue;
        }
        // Without a label file every clip is read, for the summary, and none
        // gives examples.
        let Some((values, group)) = &job.labels else {
            continue;
        };
        let clip_index = clips.len() as u32;
        let before = ys.len();
        for w in 0..clip.n_windows() {
            let (start, end) = window_span(&opts.spec, &opts.stats, w);
            let rate = opts.spec.sample_rate as f64;
            let label = match values {
                LabelValues::Static(v) => Some(*v),
                LabelValues::Dynamic(points) => {
                    label_for_window(points, start as f64 / rate, end as f64 / rate)
                }
            };
            if let Some(y) = label {
                features.extend(clip.row(w, set));
                ys.push(y);
                groups.push(group.clone().unwrap_or_else(|| name.clone()));
                origins.push(ExampleOrigin {
                    clip: clip_index,
                    start_s: (start as f64 / rate) as f32,
                });
            }
        }
        if ys.len() == before {
            problems.push(
                ProblemKind::NoLabelledWindow,
                &name,
                format!(
                    "none of its {} windows lies inside the labelled span",
                    clip.n_windows()
                ),
            );
            continue;
        }
        if let Some(h) = ex.content_hash {
            fingerprint.update(name.as_bytes());
            fingerprint.update(h.as_bytes());
        }
        clips.push(name);
    }
    // Clips without labels were not extracted when a label file was given.
    if let Some(t) = &table {
        let labelled: std::collections::HashSet<usize> = jobs.iter().map(|j| j.file).collect();
        for i in (0..folder.files().len()).filter(|i| !labelled.contains(i)) {
            problems.push(
                ProblemKind::Unlabelled,
                folder.relative(i),
                format!("no row of {} names this file", t.file_column_description()),
            );
        }
    }
    summary.clips_used = clips.len();
    summary.examples = ys.len();
    summary.label_range = ys.iter().fold(None, |r: Option<(f32, f32)>, &y| {
        Some(r.map_or((y, y), |(lo, hi)| (lo.min(y), hi.max(y))))
    });
    summary.problems = problems;
    if table.is_none() || ys.is_empty() {
        return Ok((None, summary));
    }
    let mut inputs = vec![input.display().to_string()];
    inputs.extend(labels.map(|p| p.display().to_string()));
    let dataset = Dataset::new(DatasetParts {
        n_features,
        features,
        labels: ys,
        groups: Some(groups),
        clips,
        origins,
        source: FeatureSource::of_audio(opts.spec, opts.stats, set),
        provenance: Provenance {
            inputs,
            fingerprint: fingerprint.finalize().to_hex().to_string(),
            tool: format!("valence {}", env!("CARGO_PKG_VERSION")),
            clips_used: summary.clips_used as u64,
            skipped: summary.problems.described_counts(),
        },
    })?;
    Ok((Some(dataset), summary))
}

impl LabelTable {
    fn file_column_description(&self) -> String {
        format!("the label file (column {})", self.file_column)
    }
}

/// Matches label rows to files; reports rows that match nothing or several
/// files, duplicate rows and the label file's own bad rows.
fn match_labels(folder: &AudioFolder, table: &LabelTable, problems: &mut Problems) -> Vec<Job> {
    for p in &table.problems {
        problems.push(
            ProblemKind::BadLabelRow,
            format!("row {}", p.row),
            p.message.clone(),
        );
    }
    let mut jobs: Vec<Job> = Vec::new();
    let mut row_of: BTreeMap<usize, usize> = BTreeMap::new();
    for row in &table.rows {
        let subject = format!("row {} ({})", row.row, row.key);
        match folder.find(&row.key) {
            Ok(file) => {
                if let Some(first) = row_of.get(&file) {
                    problems.push(
                        ProblemKind::DuplicateLabel,
                        subject,
                        format!(
                            "{} is already labelled by row {first}; the first row is used",
                            folder.relative(file)
                        ),
                    );
                    continue;
                }
                row_of.insert(file, row.row);
                jobs.push(Job {
                    file,
                    labels: Some((row.values.clone(), row.group.clone())),
                });
            }
            Err(FindError::Missing) => problems.push(
                ProblemKind::MissingAudio,
                subject,
                format!("no audio file {} in {}", row.key, folder.root().display()),
            ),
            Err(FindError::Ambiguous(files)) => problems.push(
                ProblemKind::AmbiguousLabel,
                subject,
                format!("names several files: {}", files.join(", ")),
            ),
        }
    }
    jobs.sort_by_key(|j| j.file);
    jobs
}
