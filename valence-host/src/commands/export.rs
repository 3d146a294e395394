//! `valence export RUN_DIR --out MODEL.vlm [--data DATASET]`: quantises a
//! trained run into a device model file and prints the float-against-int8
//! summary ([`crate::export`]).
//!
//! The dataset is the one recorded in the run directory unless `--data`
//! names it (it must be the same dataset: same size and fingerprint). When
//! a quality goal fails, nothing is written and the command fails, unless
//! `--allow-failing` is given: then the file is written, with a warning, and
//! the command succeeds. External features (which the device cannot
//! compute) give the summary and an error saying why no model file can be
//! written.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;

use super::train::load_dataset;
use crate::export::{
    export_loaded, write_model_file, ExportOptions, Exported, RangeRule, TrainedRun,
    DEFAULT_RANGE_RULE,
};

/// Arguments of `valence export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Run directory written by `valence train` or `valence tune`.
    #[arg(value_name = "RUN_DIR")]
    pub run_dir: PathBuf,
    /// The model file to write.
    #[arg(long, value_name = "MODEL.vlm")]
    pub out: PathBuf,
    /// The dataset the run was trained on (default: the one the run records).
    #[arg(long, value_name = "DATASET")]
    pub data: Option<PathBuf>,
    /// How activation ranges are calibrated on the training split.
    #[arg(long, value_enum, default_value_t = DEFAULT_RANGE_RULE)]
    pub calibration: RangeRule,
    /// The label's scale, `MIN,MAX` (default: the training labels' min and max).
    #[arg(long, value_name = "MIN,MAX", value_parser = parse_label_range, allow_hyphen_values = true)]
    pub label_range: Option<(f32, f32)>,
    /// The label's name.
    #[arg(long, default_value = "valence")]
    pub label_name: String,
    /// Write the model even if it misses a quality goal.
    #[arg(long)]
    pub allow_failing: bool,
}

/// Parses `--label-range MIN,MAX`.
pub fn parse_label_range(s: &str) -> std::result::Result<(f32, f32), String> {
    let parse = |v: &str| {
        v.trim()
            .parse::<f32>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("`{v}` is not a number"))
    };
    let (lo, hi) = s
        .split_once(',')
        .ok_or_else(|| format!("`{s}` is not MIN,MAX (for example 1,9)"))?;
    let (lo, hi) = (parse(lo)?, parse(hi)?);
    if lo >= hi {
        return Err(format!("the label range {lo} to {hi} is not increasing"));
    }
    Ok((lo, hi))
}

/// The dataset path: `--data`, else the one the run records.
pub fn dataset_for(run: &TrainedRun, data: Option<&Path>) -> Result<PathBuf> {
    if let Some(d) = data {
        return Ok(d.to_path_buf());
    }
    let path = run.dataset_path().context("pass the dataset with --data")?;
    if !path.exists() {
        bail!(
            "the run was trained on {}, which is not there any more: pass the dataset with --data",
            path.display()
        );
    }
    Ok(path)
}

/// Runs `valence export`.
pub fn run(args: &ExportArgs) -> Result<Exported> {
    let run = TrainedRun::load(&args.run_dir)?;
    let data = dataset_for(&run, args.data.as_deref())?;
    let ds = load_dataset(&data)?;
    let mut opts = ExportOptions::from_env()?;
    opts.calibration = args.calibration;
    opts.label_name = args.label_name.clone();
    opts.label_range = args.label_range;
    let exported = export_loaded(&run, &ds, &opts)
        .with_context(|| format!("cannot export {}", args.run_dir.display()))?;
    print!("{}", exported.summary);
    let Some(bytes) = &exported.bytes else {
        bail!(
            "no model file written: {}",
            exported
                .summary
                .no_device_model
                .as_deref()
                .unwrap_or("no device model")
        );
    };
    if !exported.summary.passes() {
        if !args.allow_failing {
            bail!(
                "the int8 model misses a quality goal (above); nothing written. Write it anyway \
                 with --allow-failing, or try --calibration {}",
                match args.calibration {
                    RangeRule::MinMax => "percentile",
                    RangeRule::Percentile => "minmax",
                }
            );
        }
        eprintln!(
            "warning: the int8 model misses a quality goal; writing it as asked (--allow-failing)"
        );
    }
    write_model_file(&args.out, bytes)?;
    println!("wrote {} ({} bytes)", args.out.display(), bytes.len());
    Ok(exported)
}

/// The last step of `train` and `tune`: exports `RUN_DIR/model.vlm` for
/// features from audio when the goals are met (on the label scale
/// `label_range` when given, else the training labels' min to max), prints
/// the summary, and returns it for `report.json`. A missed goal or external features are
/// reported, not errors: the training itself succeeded.
pub fn export_after_training(
    run_dir: &Path,
    data: &Path,
    label_range: Option<(f32, f32)>,
) -> Result<crate::export::ExportSummary> {
    let run = TrainedRun::load(run_dir)?;
    let ds = load_dataset(data)?;
    let mut opts = ExportOptions::from_env()?;
    opts.label_range = label_range;
    let exported = export_loaded(&run, &ds, &opts)?;
    print!("{}", exported.summary);
    let out = run_dir.join(MODEL_FILE_NAME);
    match &exported.bytes {
        Some(bytes) if exported.summary.passes() => {
            write_model_file(&out, bytes)?;
            println!("wrote {} ({} bytes)", out.display(), bytes.len());
        }
        Some(_) => {
            println!(
                "no device model written: the int8 model misses a quality goal (above); \
                 `valence export {} --out MODEL.vlm --allow-failing` writes it anyway",
                run_dir.display()
            );
            remove_stale_model(&out)?;
        }
        None => {
            println!("no device model written (see above)");
            remove_stale_model(&out)?;
        }
    }
    Ok(exported.summary)
}

/// Removes a device model left in the run directory by an earlier export:
/// it holds other weights than the ones just trained, and leaving it next
/// to them would pass it off as theirs.
fn remove_stale_model(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => {
            println!(
                "removed {}: it came from an earlier export of other weights",
                path.display()
            );
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(anyhow::Error::new(e).context(format!(
            "cannot remove the earlier device model {}; delete it by hand, it does not match this run",
            path.display()
        ))),
    }
}

/// The device model `train` and `tune` write into the run directory.
pub const MODEL_FILE_NAME: &str = "model.vlm";
