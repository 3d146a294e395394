//! `valence demo`: the whole job on built-in defaults, with no data of the
//! user's. It synthesises a labelled corpus of music-like clips
//! ([`crate::demo`]), computes their features with the core, tunes and
//! trains the network (the code of `valence tune`), exports the int8 model,
//! runs it through the core's sensor on the held-out clips, and writes
//! everything with a report into one folder:
//!
//! ```text
//! valence-demo/
//!   README.md        what was made and measured, in words
//!   summary.json     the same figures for scripts
//!   corpus.csv       every clip's cues and label
//!   dataset.vds      the features (as `valence features` writes them)
//!   run/             the tuning and training run (report.json, plots, weights)
//!   model.vlm        the exported int8 model (label scale −1 to +1)
//!   examples/*.wav   a few clips to listen to
//! ```
//!
//! The same `--seed` gives the same corpus, the same run and, with
//! `SOURCE_DATE_EPOCH` set, the same model bytes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::train::CommonArgs;
use super::tune::{self, TuneArgs};
use crate::atomic::{write_atomically, write_atomically_to_path};
use crate::data::dataset::Dataset;
use crate::data::harmony::{parse_feature_set, FeatureSet};
use crate::data::split::train_val_split;
use crate::demo::check::check;
use crate::demo::corpus::{build_dataset, design, Clip, CorpusSpec, DEFAULT_CLIP_SECONDS};
use crate::demo::cues::{Mode, VALENCE_RANGE};
use crate::demo::summary::{readme, write_corpus_csv, CorpusFigures, DemoSummary, ExportFigures};
use crate::demo::synth::SAMPLE_RATE;
use crate::export::{export_run, write_model_file, ExportOptions, ExportSummary};
use crate::train::device::DeviceKind;
use crate::train::report::Report;
use valence_core::stats::StatsSpec;
use valence_core::FeatureSpec;

/// Clips in the full demo corpus.
pub const DEFAULT_CLIPS: usize = 2000;
/// Clips with `--quick`.
pub const QUICK_CLIPS: usize = 600;
/// Fraction of the clips held out for validation.
pub const VAL_FRACTION: f64 = 0.15;
/// Inputs clipped to ±3 standard deviations, Gaussian input noise of 0.1
/// standard deviations and a weight decay of 0.1: a network that
/// quantises well. With the `valence train` defaults (±5, no noise, 0.01)
/// the int8 model's p99 difference from the float one was 1.8 % of the
/// label range, above the 1 % goal; with these, 0.6 % (1000 clips, seed 42).
pub const INPUT_CLIP: f64 = 3.0;
/// See [`INPUT_CLIP`].
pub const INPUT_NOISE: f64 = 0.1;
/// See [`INPUT_CLIP`].
pub const WEIGHT_DECAY: f64 = 0.1;
/// Name of the run directory inside the demo folder.
pub const RUN_DIR: &str = "run";
/// Name of the dataset file inside the demo folder.
pub const DATASET_FILE: &str = "dataset.vds";
/// Name of the model file inside the demo folder.
pub const MODEL_FILE: &str = "model.vlm";

/// Arguments of `valence demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Folder for everything the demo writes.
    #[arg(long, default_value = "valence-demo")]
    pub out: PathBuf,
    /// Seed of the corpus, the split, the tuner and the training.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Clips in the corpus (default 2000; 600 with --quick).
    #[arg(long)]
    pub clips: Option<usize>,
    /// A smaller corpus, fewer tuning trials and epochs: a quick look.
    #[arg(long)]
    pub quick: bool,
    /// Replace the files of an earlier demo in --out.
    #[arg(long)]
    pub force: bool,
    /// What the model hears (as for `valence features`): the default
    /// mel-key-onset (log-mel statistics, mean chroma from the key's tonic
    /// and key clarity, onset statistics: a device needs the harmony path),
    /// or mel (what `models/mel.vlm` reads: any device), mel-harmony,
    /// harmony, harmony-onset, mel-harmony-onset, key-onset.
    #[arg(long, default_value_t = FeatureSet::MelKeyOnset, value_parser = parse_feature_set)]
    pub feature_set: FeatureSet,
}

/// The sizes a demo run uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// The corpus.
    pub corpus: CorpusSpec,
    /// Random initial tuning trials.
    pub init: usize,
    /// Guided tuning trials.
    pub iter: usize,
    /// Most epochs of the final model (and of each trial).
    pub epochs: usize,
    /// Early-stopping patience.
    pub patience: usize,
    /// Training examples each tuning trial may process (see `valence tune`).
    pub trial_samples: usize,
}

impl Plan {
    /// The plan for `args`.
    pub fn of(args: &DemoArgs) -> Plan {
        let clips = args.clips.unwrap_or(if args.quick {
            QUICK_CLIPS
        } else {
            DEFAULT_CLIPS
        });
        let corpus = CorpusSpec {
            clips,
            clip_seconds: DEFAULT_CLIP_SECONDS,
            seed: args.seed,
        };
        if args.quick {
            Plan {
                corpus,
                init: 2,
                iter: 2,
                epochs: 60,
                patience: 15,
                trial_samples: 30_000,
            }
        } else {
            Plan {
                corpus,
                init: 2,
                iter: 5,
                epochs: 100,
                patience: 20,
                trial_samples: 100_000,
            }
        }
    }
}

/// What a demo run made.
#[derive(Debug, Clone)]
pub struct DemoOutcome {
    /// The demo folder.
    pub dir: PathBuf,
    /// The corpus's clips.
    pub clips: Vec<Clip>,
    /// The dataset.
    pub dataset: Dataset,
    /// Indices into `clips` of the validation clips.
    pub validation_clips: Vec<usize>,
    /// The training report.
    pub report: Report,
    /// The export's figures (float against int8 on the validation split).
    pub export: ExportSummary,
    /// The model file's bytes.
    pub model: Vec<u8>,
    /// Everything reported.
    pub summary: DemoSummary,
}

fn check_out(args: &DemoArgs) -> Result<()> {
    let out = &args.out;
    if out.exists() && !out.is_dir() {
        bail!("--out {} exists and is not a folder", out.display());
    }
    let non_empty = out.is_dir()
        && std::fs::read_dir(out)
            .with_context(|| format!("cannot read {}", out.display()))?
            .next()
            .is_some();
    if non_empty && !args.force {
        bail!(
            "{} already holds files; pass --force to replace an earlier demo there, or choose another --out",
            out.display()
        );
    }
    let run = out.join(RUN_DIR);
    if args.force && run.exists() {
        std::fs::remove_dir_all(&run)
            .with_context(|| format!("cannot remove the earlier run {}", run.display()))?;
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))
}

/// Writes one clip as a 16-bit mono WAV file.
pub fn write_wav(path: &Path, samples: &[i16]) -> Result<()> {
    write_atomically_to_path(path, |tmp| {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(tmp, spec)?;
        for &s in samples {
            w.write_sample(s)?;
        }
        w.finalize()?;
        Ok(())
    })
}

/// The most positive and most negative clip of each mode, as WAV files in
/// `dir/examples/`; returns their paths relative to `dir`.
fn write_examples(dir: &Path, clips: &[Clip], clip_seconds: f64) -> Result<Vec<String>> {
    let ex = dir.join("examples");
    std::fs::create_dir_all(&ex).with_context(|| format!("cannot create {}", ex.display()))?;
    let mut picked: Vec<&Clip> = Vec::new();
    for mode in [Mode::Major, Mode::Minor] {
        let of_mode = || clips.iter().filter(move |c| c.cues.mode == mode);
        let hi = of_mode().max_by(|a, b| a.valence.total_cmp(&b.valence));
        let lo = of_mode().min_by(|a, b| a.valence.total_cmp(&b.valence));
        picked.extend(hi.into_iter().chain(lo));
    }
    picked.dedup_by(|a, b| a.name == b.name);
    let mut names = Vec::new();
    for c in picked {
        let name = format!(
            "examples/{}-{}-valence{:+.2}.wav",
            c.name,
            c.cues.mode.name(),
            c.valence
        );
        write_wav(&dir.join(&name), &c.render(clip_seconds))?;
        names.push(name);
    }
    Ok(names)
}

/// The clips the final model is validated on: `run_job`'s split of the
/// dataset's examples (grouped by clip), mapped back to clips.
pub fn validation_clips(ds: &Dataset, val_fraction: f64, seed: u64) -> Vec<usize> {
    let (_, val) = train_val_split(ds.n_examples(), val_fraction, seed, ds.groups());
    let mut clips: Vec<usize> = val.iter().map(|&i| ds.origins()[i].clip as usize).collect();
    clips.dedup();
    clips
}

/// Runs `valence demo`.
pub fn run(args: &DemoArgs) -> Result<DemoOutcome> {
    let started = Instant::now();
    let plan = Plan::of(args);
    if plan.corpus.clips < 20 {
        bail!(
            "--clips {} is too few to train and validate on; use at least 20",
            plan.corpus.clips
        );
    }
    check_out(args)?;
    let dir = args.out.clone();
    let (features, stats) = (FeatureSpec::DEFAULT, StatsSpec::DEFAULT);

    println!(
        "[1/5] synthesising {} clips of {} s (seed {}) and computing their features with the core",
        plan.corpus.clips, plan.corpus.clip_seconds, plan.corpus.seed
    );
    let clips = design(&plan.corpus);
    let dataset = build_dataset(
        &plan.corpus,
        &clips,
        &features,
        &stats,
        args.feature_set,
        true,
    )?;
    let dataset_path = dir.join(DATASET_FILE);
    dataset.save(&dataset_path)?;
    write_corpus_csv(&dir.join("corpus.csv"), &clips)?;
    let examples = write_examples(&dir, &clips, plan.corpus.clip_seconds)?;
    let corpus = CorpusFigures::of(&plan.corpus, &clips, dataset.n_examples());
    println!(
        "      {} windows of {} features; mean label major {:+.3}, minor {:+.3}",
        dataset.n_examples(),
        dataset.n_features(),
        corpus.mean_valence_major,
        corpus.mean_valence_minor
    );

    println!(
        "[2/5] tuning learning rate and batch size ({} + {} trials), then training the final model",
        plan.init, plan.iter
    );
    let run_dir = dir.join(RUN_DIR);
    let tune_args = TuneArgs {
        common: CommonArgs {
            data: dataset_path.clone(),
            out: run_dir.clone(),
            epochs: plan.epochs,
            patience: Some(plan.patience),
            swa_epochs: 0,
            ridge: false,
            hidden: super::train::HiddenWidths(vec![256, 128, 64]),
            dropout: 0.2,
            weight_decay: WEIGHT_DECAY,
            clip: INPUT_CLIP,
            input_noise: INPUT_NOISE,
            ema: 0.0,
            bn_momentum: 0.1,
            val_fraction: VAL_FRACTION,
            folds: None,
            repeats: 1,
            seed: args.seed,
            device: DeviceKind::Cpu,
            resume: false,
            verbose: false,
            label_range: Some(VALENCE_RANGE),
        },
        init: plan.init,
        iter: plan.iter,
        lr_min: 1e-4,
        lr_max: 5e-3,
        batch_min: 16,
        batch_max: 128,
        trial_samples: plan.trial_samples,
        trial_folds: None,
        nested: false,
    };
    let report = tune::run(&tune_args)?;
    let validation_clips = validation_clips(&dataset, VAL_FRACTION, args.seed);

    println!("[3/5] exporting the int8 model (label scale −1 to +1)");
    let opts = ExportOptions {
        label_range: Some(VALENCE_RANGE),
        ..ExportOptions::from_env()?
    };
    let exported = export_run(&run_dir, &dataset, &opts)?;
    print!("{}", exported.summary);
    let model = exported.bytes.ok_or_else(|| {
        anyhow::anyhow!(
            "the export made no device model: {:?}",
            exported.summary.no_device_model
        )
    })?;
    let model_path = dir.join(MODEL_FILE);
    write_model_file(&model_path, &model)?;
    if !exported.summary.passes() {
        eprintln!(
            "warning: the int8 model misses a quality goal (above); {} is written for inspection",
            model_path.display()
        );
    }

    println!(
        "[4/5] running {} through the core's sensor on the {} validation clips",
        model_path.display(),
        validation_clips.len()
    );
    let held_out: Vec<&Clip> = validation_clips.iter().map(|&i| &clips[i]).collect();
    let sensor = check(&model, &held_out, plan.corpus.clip_seconds)?;
    println!(
        "      MSE {:.5} over {} readings; mean reading major {:+.3}, minor {:+.3}; \
         major above minor in {:.1} % of the pairs",
        sensor.mse,
        sensor.readings,
        sensor.mean_major,
        sensor.mean_minor,
        100.0 * sensor.major_above_minor
    );

    println!("[5/5] writing the report");
    let mut summary = DemoSummary {
        tool: format!("valence {} demo", env!("CARGO_PKG_VERSION")),
        corpus,
        feature_set: args.feature_set.name().to_string(),
        lr: report.parameters.lr,
        batch_size: report.parameters.batch_size,
        float_validation: report.validation,
        validation_clips: validation_clips.len(),
        export: Some(ExportFigures {
            model: MODEL_FILE.into(),
            bytes: model.len(),
            blake3: blake3::hash(&model).to_hex().to_string(),
            summary: exported.summary.to_string(),
            passed: exported.summary.passes(),
        }),
        sensor: Some(sensor),
        examples,
        seconds: 0.0,
    };
    summary.seconds = started.elapsed().as_secs_f64();
    write_atomically(&dir.join("summary.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, &summary)?;
        Ok(())
    })?;
    write_atomically(&dir.join("README.md"), |w| {
        use std::io::Write as _;
        Ok(w.write_all(readme(&summary).as_bytes())?)
    })?;
    let d = dir.display();
    println!("done in {:.0} s.", summary.seconds);
    println!("Look at {d}/README.md (the report), {d}/run/ (tuning and training, with plots),");
    println!("and listen to {d}/examples/. Next:");
    println!(
        "  valence predict --model {d}/model.vlm YOUR_AUDIO.wav   # readings of your own audio"
    );
    println!("  valence inspect {d}/model.vlm                          # what the model costs on a device");
    println!("  valence verify --model {d}/model.vlm --qemu {d}/examples/*.wav   # the emulated device, bit for bit");
    println!("  valence features / tune                                # the same on your own labelled recordings");
    Ok(DemoOutcome {
        dir,
        clips,
        dataset,
        validation_clips,
        report,
        export: exported.summary,
        model,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        demo: DemoArgs,
    }

    #[test]
    fn defaults() {
        let a = Cli::try_parse_from(["demo"]).unwrap().demo;
        assert_eq!(a.feature_set, FeatureSet::MelKeyOnset);
        assert_eq!((a.seed, a.quick, a.force), (42, false, false));
        let a = Cli::try_parse_from(["demo", "--feature-set", "mel"])
            .unwrap()
            .demo;
        assert_eq!(a.feature_set, FeatureSet::Mel);
        assert!(Cli::try_parse_from(["demo", "--feature-set", "chroma"]).is_err());
    }
}
