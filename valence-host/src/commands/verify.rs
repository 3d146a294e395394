//! `valence verify --model MODEL.vlm --qemu AUDIO...`: runs the device
//! firmware on the audio under emulation and checks that it gives the
//! host's readings bit for bit.
//!
//! `valence verify --model MODEL.vlm --data DATASET [--run RUN_DIR]`
//! instead compares, for every example of a dataset, the float prediction
//! (candle, from the run directory the model was exported from: `--run`,
//! else the model file's own folder, where `train` and `tune` put
//! `model.vlm`) with the int8 prediction of the model file through
//! `valence-core` on the host, and prints the summary statistics and the
//! worst examples. It fails when the model file is damaged (the core's
//! reason), when the dataset's features are not the model's, or when the
//! int8 model misses a quality goal of [`crate::export`]. Exactly one of
//! `--qemu` and `--data` is required.
//!
//! With `--qemu`, each recording is decoded, mixed to mono and resampled to the model's
//! rate by the host's decoder ([`crate::data::audio::load_pcm16`]); the
//! emulated board (`valence-firmware/examples/mps2-an386`, a Cortex-M4F
//! under `qemu-system-arm`) is built with the model from the repository's
//! sources — in seconds once its dependencies are built — and runs on the
//! same samples; every reading is compared with the host's `ValenceSensor`.
//! It prints the agreement per recording and, when `gcc` can build the
//! instruction-counting plugin, the device's instruction counts on the first
//! recording. Any difference is an error (non-zero exit).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::{ArgGroup, Args};
use valence_core::Model;
use valence_qemu::emulator::qemu_available;
use valence_qemu::verify::{verify, Input, Report};

use super::train::load_dataset;
use crate::data::audio::load_pcm16;
use crate::data::dataset::{Dataset, FeatureSource};
use crate::export::evaluate::Comparison;
use crate::export::int8::predict_model;
use crate::export::run::describe_source;
use crate::export::{TrainedRun, N_WORST};
use crate::train::checkpoint::MODEL_FILE;

/// Arguments of `valence verify`.
#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("check").required(true).args(["qemu", "data"])))]
pub struct VerifyArgs {
    /// The model file to check.
    #[arg(long)]
    pub model: PathBuf,
    /// Recordings to run under QEMU (WAV, FLAC, OGG Vorbis, MP3).
    #[arg(long, num_args = 1.., value_name = "AUDIO")]
    pub qemu: Vec<PathBuf>,
    /// A dataset: float against int8 prediction on every example.
    #[arg(long, value_name = "DATASET")]
    pub data: Option<PathBuf>,
    /// With --data: the run directory the model was exported from (default:
    /// the model file's folder).
    #[arg(long, value_name = "RUN_DIR", requires = "data")]
    pub run: Option<PathBuf>,
    /// The valence repository (sources of the firmware); defaults to the one
    /// this tool was built from.
    #[arg(long)]
    pub repo: Option<PathBuf>,
}

/// What `verify` checked.
#[derive(Debug, Clone)]
pub enum Verified {
    /// The emulated device against the host (`--qemu`).
    Device(Report),
    /// Float against int8 over a dataset (`--data`).
    Data(Comparison),
}

/// Runs the check asked for and prints it; fails if it fails.
pub fn run(args: &VerifyArgs) -> Result<Verified> {
    match &args.data {
        Some(data) => run_data(args, data).map(Verified::Data),
        None => run_qemu(args).map(Verified::Device),
    }
}

/// The features a model reads, as a dataset records them.
pub fn model_source(model: &Model<'_>) -> FeatureSource {
    match model.chroma_spec() {
        None => FeatureSource::Audio {
            spec: *model.feature_spec(),
            stats: *model.stats_spec(),
        },
        Some(chroma) => FeatureSource::AudioHarmony {
            spec: *model.feature_spec(),
            stats: *model.stats_spec(),
            set: model.feature_set(),
            chroma_n_fft: chroma.n_fft,
            chroma_hop: chroma.hop,
        },
    }
}

/// Checks that the dataset's features are the ones the model computes.
fn check_spec(model: &Model<'_>, ds: &Dataset, data: &Path) -> Result<()> {
    let want = model_source(model);
    if ds.spec() == &want {
        return Ok(());
    }
    bail!(
        "{}: its features ({}) are not the model's ({}); build the dataset with the \
         model's spec{}",
        data.display(),
        describe_source(ds.spec()),
        describe_source(&want),
        if model.feature_set() == valence_core::model::FeatureSet::Mel {
            String::new()
        } else {
            format!(" and --feature-set {}", model.feature_set())
        }
    )
}

/// `--data`: float against int8 on every example of the dataset.
fn run_data(args: &VerifyArgs, data: &Path) -> Result<Comparison> {
    let bytes = std::fs::read(&args.model)
        .with_context(|| format!("cannot read {}", args.model.display()))?;
    // A damaged file gives the core's reason.
    let model = Model::from_bytes(&bytes).map_err(|e| anyhow!("{}: {e}", args.model.display()))?;
    let ds = load_dataset(data)?;
    check_spec(&model, &ds, data)?;
    let run_dir = match &args.run {
        Some(r) => r.clone(),
        None => {
            let dir = args
                .model
                .parent()
                .map(|p| {
                    if p.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        p
                    }
                })
                .unwrap_or(Path::new("."))
                .to_path_buf();
            if !dir.join(MODEL_FILE).exists() {
                bail!(
                    "{} has no {MODEL_FILE}: pass the run directory the model was exported from \
                     with --run (float predictions come from it)",
                    dir.display()
                );
            }
            dir
        }
    };
    let run = TrainedRun::load(&run_dir)?;
    run.check_features(&ds)
        .with_context(|| format!("the run directory {}", run_dir.display()))?;
    let rows: Vec<usize> = (0..ds.n_examples()).collect();
    let labels: Vec<f64> = ds.labels().iter().map(|&y| y as f64).collect();
    let float = run.float_predictions(&ds, &rows)?;
    let int8 = predict_model(&model, ds.feature_matrix(), &rows)?;
    let label = model.descriptor().label;
    let c = Comparison::of(
        &rows,
        &labels,
        &float,
        &int8,
        (label.min as f64, label.max as f64),
        N_WORST,
    );
    print_comparison(&c, &ds, &args.model, data);
    if !c.passes() {
        bail!("the int8 model misses a quality goal on {}", data.display());
    }
    Ok(c)
}

fn print_comparison(c: &Comparison, ds: &Dataset, model: &Path, data: &Path) {
    println!(
        "{} on {}: {} examples, float (candle) against int8 (valence-core)",
        model.display(),
        data.display(),
        c.n
    );
    println!(
        "  MSE against the labels: float {:.6}  int8 {:.6}  ratio {:.4}",
        c.mse_float, c.mse_int8, c.mse_ratio
    );
    println!(
        "  |int8 − float|: mean {:.5}  p99 {:.5} ({:.3}% of the range {} to {})  max {:.5} ({:.3}%)",
        c.diff_mean,
        c.diff_p99,
        c.diff_p99_pct,
        c.label_range.0 as f32,
        c.label_range.1 as f32,
        c.diff_max,
        c.diff_max_pct
    );
    for line in c.goal_lines().lines() {
        println!("  {line}");
    }
    println!("  worst examples:");
    println!(
        "    {:>7}  {:<32} {:>9} {:>9} {:>9} {:>9}",
        "example", "clip @ start", "label", "float", "int8", "|diff|"
    );
    for w in &c.worst {
        let origin = ds.origins().get(w.row);
        let clip = origin
            .and_then(|o| ds.clips().get(o.clip as usize))
            .map(String::as_str)
            .unwrap_or("?");
        let start = origin.map_or(0.0, |o| o.start_s);
        println!(
            "    {:>7}  {:<32} {:>9.4} {:>9.4} {:>9.4} {:>9.5}",
            w.row,
            format!("{clip} @ {start:.1} s"),
            w.label,
            w.float,
            w.int8,
            w.diff()
        );
    }
}

/// `--qemu`: the emulated device against the host, bit for bit.
fn run_qemu(args: &VerifyArgs) -> Result<Report> {
    if !qemu_available() {
        bail!("qemu-system-arm is not installed (Debian/Ubuntu: apt-get install qemu-system-arm)");
    }
    let bytes = std::fs::read(&args.model)
        .with_context(|| format!("cannot read {}", args.model.display()))?;
    let model =
        Model::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", args.model.display()))?;
    let rate = model.feature_spec().sample_rate;
    let inputs = args
        .qemu
        .iter()
        .map(|path| {
            let pcm = load_pcm16(path, rate)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            Ok(Input {
                name,
                samples: pcm.samples,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let repo = args.repo.clone().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default()
    });
    if !repo.join("valence-firmware/examples/mps2-an386").is_dir() {
        bail!(
            "{} is not a valence repository (no valence-firmware/examples/mps2-an386): pass --repo",
            repo.display()
        );
    }
    eprintln!(
        "building the emulated firmware with {} and running {} recording(s) under QEMU",
        args.model.display(),
        inputs.len()
    );
    let report = verify(
        &repo,
        &args.model,
        &inputs,
        &repo.join("target/qemu-plugin"),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    print!("{report}");
    if !report.agrees() {
        bail!("the device's readings differ from the host's");
    }
    Ok(report)
}
