//! What a demo run made and measured, written at the end of the data flow
//! as `summary.json` (for scripts) and `README.md` (for people) in the
//! demo's folder, and the corpus's cue table `corpus.csv`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::check::SensorCheck;
use super::corpus::{Clip, CorpusSpec};
use super::cues::{Mode, NOISE_SIGMA, RANGES, WEIGHTS};
use crate::atomic::write_atomically;
use crate::data::harmony::FeatureSet;
use crate::train::metrics::Metrics;

/// The corpus in figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusFigures {
    /// How it was made.
    pub spec: CorpusSpec,
    /// Examples (statistics windows) in the dataset.
    pub windows: usize,
    /// Major clips.
    pub major_clips: usize,
    /// Minor clips.
    pub minor_clips: usize,
    /// Mean label of the major clips.
    pub mean_valence_major: f64,
    /// Mean label of the minor clips.
    pub mean_valence_minor: f64,
}

impl CorpusFigures {
    /// The figures of `clips` made with `spec`, with `windows` examples.
    pub fn of(spec: &CorpusSpec, clips: &[Clip], windows: usize) -> CorpusFigures {
        let mean = |m: Mode| {
            let v: Vec<f64> = clips
                .iter()
                .filter(|c| c.cues.mode == m)
                .map(|c| c.valence as f64)
                .collect();
            (v.len(), v.iter().sum::<f64>() / v.len().max(1) as f64)
        };
        let (major_clips, mean_valence_major) = mean(Mode::Major);
        let (minor_clips, mean_valence_minor) = mean(Mode::Minor);
        CorpusFigures {
            spec: *spec,
            windows,
            major_clips,
            minor_clips,
            mean_valence_major,
            mean_valence_minor,
        }
    }
}

/// The export step's figures (int8 against float on the validation split).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportFigures {
    /// Model file, relative to the demo folder.
    pub model: String,
    /// Its size in bytes.
    pub bytes: usize,
    /// BLAKE3 of its bytes (hex).
    pub blake3: String,
    /// The export summary as printed by the export step.
    pub summary: String,
    /// Whether the export met its quality goals.
    pub passed: bool,
}

/// Everything a demo run reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoSummary {
    /// Tool name and version.
    pub tool: String,
    /// The corpus.
    pub corpus: CorpusFigures,
    /// What the model reads: the `--feature-set` name (mel, mel-harmony,
    /// harmony, harmony-onset, mel-harmony-onset, key-onset or
    /// mel-key-onset).
    pub feature_set: String,
    /// Best learning rate found by the tuner.
    pub lr: f64,
    /// Best batch size found by the tuner.
    pub batch_size: usize,
    /// The float model on the validation split (label units).
    pub float_validation: Metrics,
    /// Validation clips.
    pub validation_clips: usize,
    /// The exported model (absent when the export step did not run).
    pub export: Option<ExportFigures>,
    /// The exported model through the core's sensor on the validation clips.
    pub sensor: Option<SensorCheck>,
    /// Example recordings, relative to the demo folder.
    pub examples: Vec<String>,
    /// Wall time of the whole run, seconds.
    pub seconds: f64,
}

/// Writes `corpus.csv`: one row per clip with its cues and label.
pub fn write_corpus_csv(path: &Path, clips: &[Clip]) -> Result<()> {
    write_atomically(path, |w| {
        writeln!(
            w,
            "clip,mode,tempo_bpm,register_midi,loudness_dbfs,brightness,articulation,progression,valence"
        )?;
        for c in clips {
            let q = &c.cues;
            writeln!(
                w,
                "{},{},{:.3},{},{:.3},{:.4},{:.4},{},{:.6}",
                c.name,
                q.mode.name(),
                q.tempo_bpm,
                q.register,
                q.loudness_dbfs,
                q.brightness,
                q.articulation,
                q.progression,
                c.valence
            )?;
        }
        Ok(())
    })
}

/// What the windows of the feature set named `name` hold, in words.
fn feature_words(name: &str) -> &'static str {
    match name.parse::<FeatureSet>() {
        Ok(FeatureSet::Mel) => "log-mel statistics",
        Ok(FeatureSet::MelHarmony) => "log-mel statistics, mean chroma and key clarity",
        Ok(FeatureSet::Harmony) => "mean chroma and key clarity",
        Ok(FeatureSet::HarmonyOnset) => "mean chroma, key clarity and onset statistics",
        Ok(FeatureSet::MelHarmonyOnset) => {
            "log-mel statistics, mean chroma, key clarity and onset statistics"
        }
        Ok(FeatureSet::KeyOnset) => {
            "mean chroma from the key's tonic, key clarity and onset statistics"
        }
        Ok(FeatureSet::MelKeyOnset) => {
            "log-mel statistics, mean chroma from the key's tonic, key clarity and onset statistics"
        }
        Err(_) => "features",
    }
}

/// The `README.md` of a demo folder.
pub fn readme(s: &DemoSummary) -> String {
    let c = &s.corpus;
    let w = WEIGHTS;
    let r = RANGES;
    let mut t = String::new();
    let _ = writeln!(t, "# valence demo\n");
    let _ = writeln!(
        t,
        "Made by `{}` in {:.0} s from a synthetic corpus; every figure below was measured in that run.\n",
        s.tool, s.seconds
    );
    let _ = writeln!(t, "## The corpus\n");
    let _ = writeln!(
        t,
        "{} clips of {} s at 16 kHz (seed {}): chord progressions in major and minor, \
         {} major and {} minor, giving {} feature windows ({} over 2 s, every 1.024 s, \
         computed by the same code as the device). Each clip's cues are in `corpus.csv`.\n",
        c.spec.clips,
        c.spec.clip_seconds,
        c.spec.seed,
        c.major_clips,
        c.minor_clips,
        c.windows,
        feature_words(&s.feature_set)
    );
    let _ = writeln!(
        t,
        "Labels follow a linear rule in the order of cue effects found by Eerola, Friberg & Bresin (2013), \
         with weights of our own choosing: valence = {:.2}·mode + {:.2}·tempo + {:.2}·register + \
         {:.2}·articulation + {:.2}·brightness + {:.2}·loudness + noise (σ {}), each cue scaled to [−1, 1] \
         over its range (tempo {}–{} BPM, tonic MIDI {}–{}, peak level {} to {} dBFS, staccato +, major +), \
         clamped to [−1, 1].\n",
        w.mode,
        w.tempo,
        w.register,
        w.articulation,
        w.brightness,
        w.loudness,
        NOISE_SIGMA,
        r.tempo_bpm.low,
        r.tempo_bpm.high,
        r.register.low,
        r.register.high,
        r.loudness_dbfs.low,
        r.loudness_dbfs.high
    );
    let _ = writeln!(
        t,
        "Mean label: major {:+.3}, minor {:+.3}.\n",
        c.mean_valence_major, c.mean_valence_minor
    );
    let _ = writeln!(t, "## Training\n");
    let v = &s.float_validation;
    let _ = writeln!(
        t,
        "Tuned learning rate {:.3e} and batch size {} (`run/trials.csv`, `run/trials.png`). \
         The float model on {} validation clips: MSE {:.5}, RMSE {:.4}, R² {:.3}, Pearson r {:.3} \
         (`run/report.json`, `run/loss.png`, `run/predicted_vs_true.png`).\n",
        s.lr, s.batch_size, s.validation_clips, v.mse, v.rmse, v.r2, v.pearson_r
    );
    if let Some(e) = &s.export {
        let _ = writeln!(t, "## The model\n");
        let _ = writeln!(
            t,
            "`{}`: {} bytes, BLAKE3 `{}`; quality goals {}. (`run/model.vlm` is the same network as \
             `valence tune` exports it, its label range taken from the training labels.)\n\n```text\n{}\n```\n",
            e.model,
            e.bytes,
            e.blake3,
            if e.passed { "met" } else { "NOT met" },
            e.summary.trim_end()
        );
    }
    if s.feature_set != FeatureSet::Mel.name() {
        let _ = writeln!(
            t,
            "It reads harmony features, so a device runs it with the sensor's harmony path \
             (valence-core's `harmony` feature; `valence inspect` gives the RAM it needs); \
             `valence demo --feature-set mel` makes a model that reads the log-mel statistics \
             only and runs on any device, like `models/mel.vlm`.\n"
        );
    }
    if let Some(k) = &s.sensor {
        let _ = writeln!(t, "## Through the device code\n");
        let _ = writeln!(
            t,
            "The model file run by the core's `ValenceSensor` on the raw samples of the {} validation clips \
             ({} readings): MSE {:.5} against their labels. Mean reading: major {:+.3}, minor {:+.3}; \
             a major clip reads higher than a minor one in {:.1} % of the pairs (labels: {:.1} %, chance: 50 %).\n",
            k.clips,
            k.readings,
            k.mse,
            k.mean_major,
            k.mean_minor,
            100.0 * k.major_above_minor,
            100.0 * k.labels_major_above_minor
        );
    }
    if !s.examples.is_empty() {
        let _ = writeln!(t, "## Listen\n");
        for e in &s.examples {
            let _ = writeln!(t, "- `{e}`");
        }
        let _ = writeln!(t);
    }
    let _ = writeln!(t, "## Limits\n");
    let _ = writeln!(
        t,
        "The corpus is synthetic: additive tones, one instrument, no drums, no voice, no recording \
         room. A model trained on it hears these cues in sounds like these, and says nothing reliable \
         about real music or speech until trained on real, labelled recordings \
         (`valence features`, `valence tune`)."
    );
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::corpus::design;

    #[test]
    fn corpus_figures_and_csv() {
        let spec = CorpusSpec {
            clips: 40,
            clip_seconds: 8.0,
            seed: 1,
        };
        let clips = design(&spec);
        let f = CorpusFigures::of(&spec, &clips, 240);
        assert_eq!(f.major_clips + f.minor_clips, 40);
        assert!(f.mean_valence_major > f.mean_valence_minor);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("corpus.csv");
        write_corpus_csv(&p, &clips).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text.lines().count(), 41);
        assert!(text.lines().nth(1).unwrap().starts_with("clip-0000,"));
    }
}
