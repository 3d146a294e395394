//! What `valence features --summary` prints: the input, the labels, the
//! spec and the counts, one aspect a line.

use valence_core::stats::StatsSpec;
use valence_core::{FeatureSpec, MelNorm, MelScale};

use super::FeaturesArgs;
use crate::data::arrays::{ArrayBuild, ArraySummary};
use crate::data::build::AudioSummary;
use crate::data::extract::min_samples;
use crate::data::labels::LabelLayout;
use crate::data::pickle::{Orientation, SpectrogramScale};

/// The spec in one line.
pub fn describe_spec(spec: &FeatureSpec) -> String {
    format!(
        "{} Hz, n_fft {}, hop {}, {} mels from {} to {} Hz ({} scale, {} norm), floor {} dB",
        spec.sample_rate,
        spec.n_fft,
        spec.hop,
        spec.n_mels,
        spec.fmin_hz,
        spec.fmax_hz,
        match spec.mel_scale {
            MelScale::Slaney => "Slaney",
            MelScale::Htk => "HTK",
        },
        match spec.norm {
            MelNorm::Slaney => "Slaney",
            MelNorm::None => "no",
        },
        spec.db_floor
    )
}

/// Prints the summary of an array input.
pub fn print_array_summary(args: &FeaturesArgs, build: &ArrayBuild, s: &ArraySummary) {
    let key = |k: &Option<String>| {
        k.as_ref()
            .map(|k| format!(" (key {k:?})"))
            .unwrap_or_default()
    };
    println!("input:    {} (arrays)", args.data.display());
    println!("features: {}{}", s.x, key(&s.x_key));
    match (&s.y, &s.y_from) {
        (Some(y), Some(from)) => println!("labels:   {y} from {from}"),
        _ => println!("labels:   none"),
    }
    if s.spectrograms {
        let l = &build.layout;
        println!(
            "reading:  {} spectrograms of shape {}, made with {}",
            match l.power_or_db {
                SpectrogramScale::Power => "power",
                SpectrogramScale::Db => "decibel",
            },
            match l.orientation {
                Orientation::MelsByFrames => "(n_mels, frames)",
                Orientation::FramesByMels => "(frames, n_mels)",
            },
            describe_spec(&l.spec)
        );
        match &build.window {
            None => println!(
                "summary:  per-band mean and std over each whole clip: {} values",
                2 * l.n_mels
            ),
            Some(w) => println!(
                "summary:  per-band mean and std over windows of {} frames every {}: {} values",
                w.window_frames,
                w.hop_frames,
                2 * l.n_mels
            ),
        }
    } else {
        println!(
            "reading:  ready feature vectors, {} values each",
            s.n_features
        );
    }
    match s.label_range {
        Some((lo, hi)) => println!(
            "examples: {} from {} of {} items, labels from {lo} to {hi}",
            s.examples, s.items_used, s.items
        ),
        None => println!(
            "examples: {} from {} of {} items (no labels)",
            s.examples, s.items_used, s.items
        ),
    }
    if s.problems.is_empty() {
        println!("skipped:  nothing");
    } else {
        println!("skipped:  {}", s.problems.summary_line());
    }
}

/// Prints the summary of an audio input.
pub fn print_audio_summary(
    args: &FeaturesArgs,
    spec: &FeatureSpec,
    stats: &StatsSpec,
    s: &AudioSummary,
) {
    let kind = if args.data.is_dir() {
        "audio folder"
    } else {
        "audio file"
    };
    let formats: Vec<String> = s.formats.iter().map(|(e, n)| format!("{e} {n}")).collect();
    let n_files: usize = s.formats.values().sum();
    println!(
        "input:    {} ({kind}): {n_files} audio files ({})",
        args.data.display(),
        formats.join(", ")
    );
    match &s.labels {
        None => println!("labels:   none"),
        Some(l) => println!(
            "labels:   {}: {} labels, {} rows, file column {}, {}{}",
            l.path.display(),
            match l.layout {
                LabelLayout::Static => "static",
                LabelLayout::Dynamic => "dynamic",
            },
            l.rows,
            l.file_column,
            match l.layout {
                LabelLayout::Static => format!("label column {}", l.label_column),
                LabelLayout::Dynamic => l.label_column.clone(),
            },
            l.group_column
                .as_ref()
                .map(|g| format!(", group column {g}"))
                .unwrap_or_default()
        ),
    }
    let rate = spec.sample_rate as f64;
    println!("features: {}", describe_spec(spec));
    println!(
        "windows:  {} frames every {} ({:.2} s, a reading every {:.2} s): {} values each",
        stats.window_frames,
        stats.hop_frames,
        min_samples(spec, stats) as f64 / rate,
        stats.hop_frames as f64 * spec.hop as f64 / rate,
        stats.n_features(spec.n_mels as usize)
    );
    println!(
        "clips:    {} read ({} from the cache), {:.1} s of audio, {} windows{}",
        s.clips_read,
        s.clips_cached,
        s.seconds_read,
        s.windows,
        if s.clipped_samples > 0 {
            format!(", {} samples clipped to 16 bits", s.clipped_samples)
        } else {
            String::new()
        }
    );
    match s.label_range {
        Some((lo, hi)) => println!(
            "examples: {} from {} clips, labels from {lo} to {hi}",
            s.examples, s.clips_used
        ),
        None if s.labels.is_none() => {
            println!("examples: none without labels (--labels LABELS.csv)")
        }
        None => println!("examples: {}", s.examples),
    }
    if s.problems.is_empty() {
        println!("skipped:  nothing");
    } else {
        println!("skipped:  {}", s.problems.summary_line());
    }
}
