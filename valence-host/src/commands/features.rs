//! `valence features --data INPUT --out DATASET`: builds the dataset file
//! that `train` and `tune` read, from an audio folder or file with a label
//! file, or from a pickle / `.npy` / `.npz` of features or spectrograms.
//! `--summary` prints what the input holds and writes nothing.
//!
//! Problems with single files or rows (missing or unreadable audio, clips
//! shorter than one window, labels without audio, audio without labels) are
//! listed on stderr and skipped; `--strict` makes any of them an error.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::Args;
use valence_core::stats::{StatsSpec, Summary};
use valence_core::FeatureSpec;

use crate::data::arrays::{build_from_arrays, ArrayBuild};
use crate::data::build::{build_from_audio, AudioBuild};
use crate::data::cache::FeatureCache;
use crate::data::dataset::Dataset;
use crate::data::harmony::{parse_feature_set, FeatureSet};
use crate::data::labels::LabelOptions;
use crate::data::pickle::{KeyOptions, Orientation, SpectrogramLayout, SpectrogramScale};
use crate::data::report::Problems;

mod flags;
mod summary;

pub use flags::{OrientationArg, ScaleArg, SpecFlags};
pub use summary::describe_spec;
use summary::{print_array_summary, print_audio_summary};

/// Problem lines shown per kind before "… and N more".
const LINES_PER_KIND: usize = 10;

/// Arguments of `valence features`.
#[derive(Debug, Clone, Args)]
pub struct FeaturesArgs {
    /// Input: a folder of recordings (WAV, FLAC, OGG Vorbis, MP3; searched
    /// recursively), one recording, or a pickle / .npy / .npz of features or
    /// spectrograms.
    #[arg(long)]
    pub data: PathBuf,
    /// Output dataset file.
    #[arg(long, required_unless_present = "summary")]
    pub out: Option<PathBuf>,
    /// Label file (CSV with a header row): static (a file column and a label
    /// column) or dynamic (a file column and time columns such as sample_15000ms).
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Label-file column naming the clip [default: the first of file,
    /// filename, file_name, path, audio, clip, song_id, music_id, track_id,
    /// song, track, stem, name, id; compared on letters and digits, so musicId
    /// counts as music_id]. A bare id maps to a file of that name (10 → 10.mp3).
    #[arg(long)]
    pub file_column: Option<String>,
    /// Label-file column with the valence [default: the first of valence,
    /// mean_valence, valence_mean, v_mean, label, y, target; or the time
    /// columns of a dynamic file].
    #[arg(long)]
    pub label_column: Option<String>,
    /// Label-file column grouping clips (song, artist) that must stay on one
    /// side of a train/validation split [default: each clip is its own group].
    #[arg(long)]
    pub group_column: Option<String>,
    /// Front-end parameters for audio (defaults: the project default spec),
    /// or the parameters spectrograms in an array file were made with
    /// (defaults: librosa's, 22050 Hz, n_fft 2048, hop 512, 128 mels).
    #[command(flatten)]
    pub spec: SpecFlags,
    /// Frames per statistics window (one feature vector per window)
    /// [default: 128 for audio; for spectrograms, one vector per whole clip].
    #[arg(long)]
    pub window_frames: Option<u16>,
    /// Frames between consecutive windows: the window length or half of it
    /// [default: half the window].
    #[arg(long)]
    pub hop_frames: Option<u16>,
    /// Audio input: what each window's vector holds: `mel` (the mel
    /// statistics), `mel-harmony` (those followed by the harmony statistics
    /// of the same span of samples: mean chroma and Krumhansl–Kessler key
    /// clarity), `harmony` (the harmony statistics alone), `harmony-onset`
    /// and `mel-harmony-onset` (with the onset statistics last: mean and sd
    /// of the block flux of the same frames), `key-onset` and
    /// `mel-key-onset` (the same with the chroma read from the tonic of the
    /// window's best key: scale degrees instead of pitch classes). Models trained on harmony or
    /// onset features declare them (model format version 2) and need a
    /// device built with the harmony path (valence-core's `harmony` feature).
    #[arg(long, default_value_t = FeatureSet::Mel, value_parser = parse_feature_set)]
    pub feature_set: FeatureSet,
    /// Array input: the dict key of the features [default: features, X, x, mel, …].
    #[arg(long)]
    pub x_key: Option<String>,
    /// Array input: the dict key of the labels [default: labels, label, valence, y, …].
    #[arg(long)]
    pub y_key: Option<String>,
    /// Array input: whether spectrograms hold power (librosa.feature.melspectrogram)
    /// or decibels (librosa.power_to_db).
    #[arg(long, value_enum, default_value_t = ScaleArg::Power)]
    pub spectrogram: ScaleArg,
    /// Array input: the axis order of each spectrogram.
    #[arg(long, value_enum, default_value_t = OrientationArg::MelsByFrames)]
    pub orientation: OrientationArg,
    /// Fail on any missing or unreadable file, short clip or unmatched label
    /// instead of skipping it.
    #[arg(long)]
    pub strict: bool,
    /// Print what the input holds and how many examples it would give; write nothing.
    #[arg(long)]
    pub summary: bool,
    /// Extract every clip again instead of using the feature cache
    /// ($VALENCE_CACHE_DIR, else $XDG_CACHE_HOME/valence, else ~/.cache/valence).
    #[arg(long)]
    pub no_cache: bool,
}

/// What kind of input `--data` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A folder of recordings.
    AudioFolder,
    /// One recording.
    AudioFile,
    /// A pickle, `.npy` or `.npz`.
    Arrays,
}

/// Extensions read as numpy arrays rather than audio.
pub const ARRAY_EXTENSIONS: &[&str] = &["pkl", "pickle", "p", "npy", "npz"];

/// The kind of input at `path`.
pub fn input_kind(path: &Path) -> Result<InputKind> {
    if path.is_dir() {
        return Ok(InputKind::AudioFolder);
    }
    if !path.exists() {
        bail!("{}: no such file or folder", path.display());
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    Ok(if ARRAY_EXTENSIONS.contains(&ext.as_str()) {
        InputKind::Arrays
    } else {
        InputKind::AudioFile
    })
}

impl FeaturesArgs {
    /// The statistics window these flags describe, validated; `None` when
    /// neither flag is given and `default` is `None`.
    pub fn stats_spec(&self, default: Option<StatsSpec>) -> Result<Option<StatsSpec>> {
        let (window, hop) = match (self.window_frames, self.hop_frames, default) {
            (None, None, None) => return Ok(None),
            (None, None, Some(d)) => (d.window_frames, d.hop_frames),
            (Some(w), None, _) => (w, (w / 2).max(1)),
            (None, Some(h), _) => (h.saturating_mul(2), h),
            (Some(w), Some(h), _) => (w, h),
        };
        let stats = StatsSpec {
            summary: Summary::MeanStd,
            window_frames: window,
            hop_frames: hop,
        };
        stats
            .validate()
            .map_err(|e| anyhow::anyhow!("invalid statistics window: {e}"))?;
        Ok(Some(stats))
    }

    fn label_options(&self) -> LabelOptions {
        LabelOptions {
            file_column: self.file_column.clone(),
            label_column: self.label_column.clone(),
            group_column: self.group_column.clone(),
        }
    }
}

/// Runs `valence features`; returns the number of examples written (or,
/// with `--summary`, the number that would be written).
pub fn run(args: &FeaturesArgs) -> Result<usize> {
    match input_kind(&args.data)? {
        InputKind::AudioFolder | InputKind::AudioFile => run_audio(args),
        InputKind::Arrays => run_arrays(args),
    }
}

fn run_arrays(args: &FeaturesArgs) -> Result<usize> {
    if args.feature_set != FeatureSet::Mel {
        bail!(
            "{}: --feature-set {} needs audio (harmony statistics are computed from the \
             samples, which an array file does not hold); give a folder of recordings",
            args.data.display(),
            args.feature_set.name()
        );
    }
    let spec = args.spec.resolve(FeatureSpec::LIBROSA_DEFAULTS)?;
    let build = ArrayBuild {
        keys: KeyOptions {
            x_key: args.x_key.clone(),
            y_key: args.y_key.clone(),
        },
        layout: SpectrogramLayout {
            power_or_db: match args.spectrogram {
                ScaleArg::Power => SpectrogramScale::Power,
                ScaleArg::Db => SpectrogramScale::Db,
            },
            orientation: match args.orientation {
                OrientationArg::MelsByFrames => Orientation::MelsByFrames,
                OrientationArg::FramesByMels => Orientation::FramesByMels,
            },
            n_mels: spec.n_mels as usize,
            spec,
        },
        window: args.stats_spec(None)?,
    };
    let (dataset, summary) = build_from_arrays(&args.data, args.labels.as_deref(), &build)?;
    report_problems(&summary.problems, args.strict)?;
    if args.summary {
        print_array_summary(args, &build, &summary);
        return Ok(summary.examples);
    }
    let Some(dataset) = dataset else {
        if summary.y.is_none() {
            bail!(
                "{} holds no labels: add them to the file, name them with --y-key, \
                 or pass --labels LABELS.npy",
                args.data.display()
            );
        }
        bail!("no examples to write ({})", nothing_left(&summary.problems));
    };
    save(&dataset, args)
}

fn run_audio(args: &FeaturesArgs) -> Result<usize> {
    let spec = args.spec.resolve(FeatureSpec::DEFAULT)?;
    let stats = args
        .stats_spec(Some(StatsSpec::DEFAULT))?
        .unwrap_or(StatsSpec::DEFAULT);
    if !args.summary && args.labels.is_none() {
        bail!(
            "{} has no labels: pass --labels LABELS.csv (or --summary to see what it holds)",
            args.data.display()
        );
    }
    let build = AudioBuild {
        spec,
        stats,
        feature_set: args.feature_set,
        label_options: args.label_options(),
        cache: if args.no_cache {
            None
        } else {
            FeatureCache::open_default()
        },
        progress: std::io::stderr().is_terminal(),
    };
    let (dataset, summary) = build_from_audio(&args.data, args.labels.as_deref(), &build)?;
    report_problems(&summary.problems, args.strict)?;
    if args.summary {
        print_audio_summary(args, &spec, &stats, &summary);
        return Ok(summary.examples);
    }
    let Some(dataset) = dataset else {
        bail!("no examples to write ({})", nothing_left(&summary.problems));
    };
    save(&dataset, args)
}

/// Why nothing is left, for the error line.
pub(crate) fn nothing_left(problems: &Problems) -> String {
    if problems.is_empty() {
        "the input holds no usable clip".into()
    } else {
        format!("skipped: {}", problems.summary_line())
    }
}

/// Prints the problems on stderr; with `strict`, any problem is an error.
pub(crate) fn report_problems(problems: &Problems, strict: bool) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    for line in problems.lines(LINES_PER_KIND) {
        eprintln!("{line}");
    }
    if strict {
        bail!(
            "--strict: {} problem{} ({}); the first: {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            problems.summary_line(),
            problems.0[0]
        );
    }
    eprintln!("skipped in total: {}", problems.summary_line());
    Ok(())
}

/// Writes the dataset and says so.
pub(crate) fn save(dataset: &Dataset, args: &FeaturesArgs) -> Result<usize> {
    let Some(out) = &args.out else {
        bail!("--out is required unless --summary is given");
    };
    dataset.save(out)?;
    eprintln!(
        "wrote {} examples of {} features from {} clips to {}",
        dataset.n_examples(),
        dataset.n_features(),
        dataset.provenance().clips_used,
        out.display()
    );
    Ok(dataset.n_examples())
}
