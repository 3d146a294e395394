//! `valence verify --model MODEL.vlm --qemu AUDIO...`: runs the device
//! firmware on the audio under emulation and checks that it gives the
//! host's readings bit for bit.
//!
//! Each recording is decoded, mixed to mono and resampled to the model's
//! rate by the host's decoder ([`crate::data::audio::load_pcm16`]); the
//! emulated board (`valence-firmware/examples/mps2-an386`, a Cortex-M4F
//! under `qemu-system-arm`) is built with the model from the repository's
//! sources — in seconds once its dependencies are built — and runs on the
//! same samples; every reading is compared with the host's `ValenceSensor`.
//! It prints the agreement per recording and, when `gcc` can build the
//! instruction-counting plugin, the device's instruction counts on the first
//! recording. Any difference is an error (non-zero exit).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use valence_core::Model;
use valence_qemu::emulator::qemu_available;
use valence_qemu::verify::{verify, Input, Report};

use crate::data::audio::load_pcm16;

/// Arguments of `valence verify`.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The model file to build into the firmware and to run on the host.
    #[arg(long)]
    pub model: PathBuf,
    /// Recordings to run under QEMU (WAV, FLAC, OGG Vorbis, MP3).
    #[arg(long, num_args = 1.., required = true, value_name = "AUDIO")]
    pub qemu: Vec<PathBuf>,
    /// The valence repository (sources of the firmware); defaults to the one
    /// this tool was built from.
    #[arg(long)]
    pub repo: Option<PathBuf>,
}

/// Runs the comparison and prints it; fails if any reading differs.
pub fn run(args: &VerifyArgs) -> Result<Report> {
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
