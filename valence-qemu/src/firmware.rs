//! Building a board example with a model.
//!
//! Each example under `valence-firmware/examples/<board>/` is its own Cargo
//! project whose `.cargo/config.toml` sets the target and linker flags;
//! Cargo reads that file from the current directory, so the build runs
//! `cargo build --release` *inside* the folder, with `VALENCE_MODEL` naming
//! the model file. Rebuilding with another model recompiles only the
//! example crate (seconds); the ELF lands in the example's own `target/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Error, Result};

/// A board example of the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Board {
    /// The emulated Arm MPS2 AN386 (Cortex-M4F), run under QEMU.
    Mps2An386,
    /// Raspberry Pi Pico (RP2040, Cortex-M0+), built only.
    RpPico,
}

impl Board {
    /// The example's folder, relative to the repository root.
    pub fn folder(self) -> &'static str {
        match self {
            Board::Mps2An386 => "valence-firmware/examples/mps2-an386",
            Board::RpPico => "valence-firmware/examples/rp-pico",
        }
    }

    /// The Rust target it builds for.
    pub fn target(self) -> &'static str {
        match self {
            Board::Mps2An386 => "thumbv7em-none-eabihf",
            Board::RpPico => "thumbv6m-none-eabi",
        }
    }

    /// The binary's name.
    pub fn binary(self) -> &'static str {
        match self {
            Board::Mps2An386 => "valence-mps2-an386",
            Board::RpPico => "valence-rp-pico",
        }
    }

    /// Where `cargo build --release` leaves the ELF.
    pub fn elf_path(self, repo_root: &Path) -> PathBuf {
        repo_root
            .join(self.folder())
            .join("target")
            .join(self.target())
            .join("release")
            .join(self.binary())
    }
}

/// The repository root seen from a crate of the workspace
/// (`CARGO_MANIFEST_DIR/..`).
pub fn repo_root_from(manifest_dir: &Path) -> PathBuf {
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest_dir.to_path_buf())
}

/// Builds `board` with the model file `model` (release profile) and returns
/// the ELF's path. Fails with cargo's output if the build fails.
pub fn build(repo_root: &Path, board: Board, model: &Path) -> Result<PathBuf> {
    let model = model
        .canonicalize()
        .map_err(|e| Error::new(format!("model {}: {e}", model.display())))?;
    let dir = repo_root.join(board.folder());
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&dir)
        .args(["build", "--release", "--quiet"])
        .env("VALENCE_MODEL", &model)
        // A workspace test runs with the host's cargo variables set; the
        // example must see only its own configuration.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .map_err(|e| Error::new(format!("cannot run cargo in {}: {e}", dir.display())))?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "building {} with {} failed:\n{}",
            dir.display(),
            model.display(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(board.elf_path(repo_root))
}
