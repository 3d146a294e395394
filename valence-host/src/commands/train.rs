//! `valence train --data DATASET --out RUN_DIR`: trains the MLP on a dataset
//! (after k-fold cross-validation with `--folds K`) and writes a run
//! directory that `export` reads. Also the flags, dataset loading and
//! Ctrl-C handling that `tune` shares.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::data::dataset::Dataset;
use crate::train::config::{Architecture, TrainConfig};
use crate::train::cv::{run_job, Job, JobData};
use crate::train::device::DeviceKind;
use crate::train::fit::Examples;
use crate::train::report::{DataInfo, Report};

/// Training flags shared by `train` and `tune`.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Dataset file written by `valence features`.
    #[arg(long, value_name = "DATASET")]
    pub data: PathBuf,
    /// Run directory (created if needed).
    #[arg(long, value_name = "RUN_DIR")]
    pub out: PathBuf,
    /// Most epochs per training run.
    #[arg(long, default_value_t = 100)]
    pub epochs: usize,
    /// Stop after this many epochs without a better validation MSE (0:
    /// never) [default: 20; with --swa-epochs: 0, and no other value].
    #[arg(long)]
    pub patience: Option<usize>,
    /// Stochastic weight averaging: keep the mean of the weights of the
    /// last N epochs (batch-norm statistics recomputed for it) instead of
    /// the early-stopped ones; training runs all --epochs and the
    /// validation split only measures (0: off). Generalises better on small
    /// datasets, where the validation split is small and noisy.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub swa_epochs: usize,
    /// With --hidden none: fit the linear model in closed form by ridge
    /// regression, its penalty chosen by leave-one-out error on the
    /// training split (whole groups left out), instead of by gradient steps (the learning rate,
    /// batch, epochs and other gradient settings then do not apply; --clip
    /// does). For a few hundred examples.
    #[arg(long)]
    pub ridge: bool,
    /// Hidden layer widths, comma-separated; `none` for no hidden layer (a
    /// linear model, which on small datasets can generalise better).
    #[arg(long, value_name = "WIDTHS", value_parser = parse_hidden, default_value = "256,128,64")]
    pub hidden: HiddenWidths,
    /// Dropout rate after each hidden layer.
    #[arg(long, default_value_t = 0.2)]
    pub dropout: f64,
    /// AdamW weight decay of the dense weights.
    #[arg(long, default_value_t = 1e-2)]
    pub weight_decay: f64,
    /// Clamp standardised inputs to ±CLIP (0: off).
    #[arg(long, default_value_t = 5.0)]
    pub clip: f64,
    /// Standard deviation of Gaussian noise added to standardised training
    /// inputs (0: none).
    #[arg(long, default_value_t = 0.0)]
    pub input_noise: f64,
    /// Decay of an exponential moving average of the weights, which is then
    /// what is evaluated and kept (0: off; 0.99 is typical).
    #[arg(long, default_value_t = 0.0)]
    pub ema: f64,
    /// Batch-norm momentum (weight of a new batch; Keras 0.99 is 0.01 here).
    #[arg(long, default_value_t = 0.1)]
    pub bn_momentum: f64,
    /// Fraction of the examples held out for validation (early stopping;
    /// with --swa-epochs only the curves and the final figures).
    #[arg(long, default_value_t = 0.05)]
    pub val_fraction: f64,
    /// k-fold cross-validation (k ≥ 2) before training the final model.
    #[arg(long, value_name = "K")]
    pub folds: Option<usize>,
    /// With --folds: run the cross-validation R times, each with its own
    /// fold draw (seeds SEED, SEED+1, …), and report over all R·K folds:
    /// figures that depend less on one draw of the folds.
    #[arg(long, default_value_t = 1, value_name = "R")]
    pub repeats: usize,
    /// Seed of the split, initialisation, shuffling and dropout.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where to train (cuda needs a build with `--features cuda`).
    #[arg(long, value_enum, default_value_t = DeviceKind::Cpu)]
    pub device: DeviceKind,
    /// Continue the interrupted run in RUN_DIR.
    #[arg(long)]
    pub resume: bool,
    /// Print every epoch.
    #[arg(long, short)]
    pub verbose: bool,
    /// The label's scale, `MIN,MAX`, for the int8 export that ends the run:
    /// its goal on |int8 − float| is a share of this range, and the model
    /// file records it (default: the training labels' min and max).
    #[arg(long, value_name = "MIN,MAX", value_parser = super::export::parse_label_range, allow_hyphen_values = true)]
    pub label_range: Option<(f32, f32)>,
}

/// The hidden layer widths of `--hidden` (empty: no hidden layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiddenWidths(pub Vec<usize>);

/// Parses `--hidden`: comma-separated positive widths, or `none`.
pub fn parse_hidden(s: &str) -> std::result::Result<HiddenWidths, String> {
    if s.trim().eq_ignore_ascii_case("none") {
        return Ok(HiddenWidths(Vec::new()));
    }
    s.split(',')
        .map(|w| match w.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "`{w}` is not a layer width: give positive integers separated by commas (256,128,64), or `none` for no hidden layer"
            )),
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map(HiddenWidths)
}

impl CommonArgs {
    /// The architecture the flags describe (inputs filled in from the data).
    pub fn architecture(&self) -> Architecture {
        Architecture {
            hidden: self.hidden.0.clone(),
            dropout: self.dropout,
            bn_momentum: self.bn_momentum,
            ..Architecture::default_for(0)
        }
    }

    /// The training parameters, with a learning rate and batch size.
    pub fn config(&self, lr: f64, batch_size: usize) -> TrainConfig {
        TrainConfig {
            lr,
            batch_size,
            epochs: self.epochs,
            patience: self
                .patience
                .unwrap_or(if self.swa_epochs > 0 { 0 } else { 20 }),
            weight_decay: self.weight_decay,
            clip: self.clip,
            input_noise: self.input_noise,
            ema: self.ema,
            swa_epochs: self.swa_epochs,
            ridge: self.ridge,
            seed: self.seed,
        }
    }

    /// Checks flags that clap cannot.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..1.0).contains(&self.val_fraction) || self.val_fraction == 0.0 {
            bail!(
                "--val-fraction must be in (0, 1) (got {}); training measures every epoch on a validation split",
                self.val_fraction
            );
        }
        if let Some(k) = self.folds {
            if k < 2 {
                bail!("--folds must be at least 2 (got {k})");
            }
        }
        if self.ridge && !self.hidden.0.is_empty() {
            bail!("--ridge fits a linear model: add --hidden none");
        }
        if self.ridge && (self.swa_epochs > 0 || self.ema > 0.0) {
            bail!(
                "--ridge fits in closed form, without epochs to average: drop --swa-epochs and --ema"
            );
        }
        if self.repeats == 0 {
            bail!("--repeats must be at least 1 (got 0)");
        }
        if self.repeats > 1 && self.folds.is_none() {
            bail!(
                "--repeats {} repeats the cross-validation, but there is none: add --folds K",
                self.repeats
            );
        }
        if self.out.exists() && !self.out.is_dir() {
            bail!("--out {} exists and is not a folder", self.out.display());
        }
        let earlier = self.out.join(crate::train::checkpoint::STATE_DIR);
        if !self.resume && earlier.exists() {
            bail!(
                "{} holds an earlier run; continue it with --resume, or choose another --out",
                self.out.display()
            );
        }
        Ok(())
    }
}

/// Arguments of `valence train`.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// AdamW learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Examples per mini-batch.
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
}

/// Reads the dataset named by `--data`.
pub fn load_dataset(path: &Path) -> Result<Dataset> {
    let head =
        std::fs::read(path).with_context(|| format!("cannot read --data {}", path.display()))?;
    if !head.starts_with(crate::data::dataset::MAGIC) {
        bail!(
            "--data {} is not a valence dataset file; build one first with \
             `valence features --data {} --out DATASET` (pickles, .npy/.npz and audio folders \
             with labels are read there)",
            path.display(),
            path.display()
        );
    }
    Dataset::from_bytes(&head).with_context(|| format!("--data {}", path.display()))
}

/// What the report and `model.json` say about a dataset.
pub fn describe(path: &Path, ds: &Dataset) -> Result<(DataInfo, serde_json::Value)> {
    Ok((
        DataInfo {
            path: path.display().to_string(),
            n_examples: ds.n_examples(),
            n_features: ds.n_features(),
            fingerprint: ds.provenance().fingerprint.clone(),
        },
        serde_json::to_value(ds.spec()).context("cannot describe the feature source")?,
    ))
}

/// The flag a Ctrl-C sets; installed once. A second Ctrl-C exits at once.
pub fn interrupt_flag() -> &'static AtomicBool {
    static FLAG: AtomicBool = AtomicBool::new(false);
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = ctrlc::set_handler(|| {
            if FLAG.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\nstopping after this batch (Ctrl-C again to quit at once)…");
        });
    });
    &FLAG
}

/// Runs `valence train`.
pub fn run(args: &TrainArgs) -> Result<Report> {
    let c = &args.common;
    c.validate()?;
    let ds = load_dataset(&c.data)?;
    let (info, source) = describe(&c.data, &ds)?;
    let data = JobData {
        examples: Examples {
            features: ds.feature_matrix(),
            labels: ds.labels(),
            n_features: ds.n_features(),
        },
        groups: ds.groups(),
        feature_source: &source,
        info: &info,
    };
    let job = Job {
        arch: c.architecture(),
        cfg: c.config(args.lr, args.batch),
        val_fraction: c.val_fraction,
        folds: c.folds,
        repeats: c.repeats,
        device: c.device,
        resume: c.resume,
        stop: Some(interrupt_flag()),
        verbose: c.verbose,
    };
    let mut report = run_job(&data, &job, &c.out, "train", None)?;
    print_summary(&report, &c.out);
    export_last(&mut report, c)?;
    Ok(report)
}

/// The last step of `train` and `tune`: the int8 export of the final model
/// into `RUN_DIR/model.vlm` (see [`super::export::export_after_training`]),
/// its summary recorded in `report.json`.
pub fn export_last(report: &mut Report, c: &CommonArgs) -> Result<()> {
    let summary = super::export::export_after_training(&c.out, &c.data, c.label_range)
        .with_context(|| {
            format!(
                "the training finished and is saved in {}, but its int8 export failed",
                c.out.display()
            )
        })?;
    let vlm = c.out.join(super::export::MODEL_FILE_NAME);
    if vlm.exists()
        && !report
            .files
            .iter()
            .any(|f| f == super::export::MODEL_FILE_NAME)
    {
        report.files.push(super::export::MODEL_FILE_NAME.into());
    }
    report.export_summary = Some(summary);
    report.save(&c.out)
}

/// Prints the figures a run ends with.
pub fn print_summary(report: &Report, out: &Path) {
    if let Some(f) = &report.folds {
        let (m, s) = (f.validation.mean, f.validation.std);
        let times = match f.repeats {
            1 => String::new(),
            r => format!("{r}×"),
        };
        println!(
            "{times}{}-fold cross-validation: RMSE {:.4} ± {:.4}  R² {:.3} ± {:.3}  r {:.3} ± {:.3}  MSE {:.5} ± {:.5}",
            f.k, m.rmse, s.rmse, m.r2, s.r2, m.pearson_r, s.pearson_r, m.mse, s.mse
        );
        let p = f.pooled;
        println!(
            "out-of-fold predictions pooled: RMSE {:.4}  R² {:.3}  r {:.3}",
            p.rmse, p.r2, p.pearson_r
        );
    }
    let v = report.validation;
    let fm = &report.final_model;
    let how = match fm.ridge_alpha {
        Some(a) => format!("ridge, penalty {a:.3e} by leave-one-out error"),
        None => format!("best epoch {} of {}", fm.best_epoch, fm.epochs_run),
    };
    println!(
        "final model: validation RMSE {:.4}  R² {:.3}  r {:.3}  MSE {:.5}  ({how}, {} training / {} validation examples)",
        v.rmse, v.r2, v.pearson_r, v.mse, fm.n_train, fm.n_val
    );
    println!("wrote {}", out.join("report.json").display());
}
