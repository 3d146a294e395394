//! Where the test environment lives: the repository root, the real data in
//! `../shared/data` (or `VALENCE_DATA`), and the Python interpreter with
//! librosa (`VALENCE_PYTHON`, else the `.venv` that `scripts/setup-python.sh`
//! makes). Shared by the tests of every crate that can depend on this one.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.to_path_buf())
}

/// The real-data folder: `VALENCE_DATA`, else `../shared/data` next to the
/// repository. It may not exist; tests skip with a message then.
pub fn data_dir() -> PathBuf {
    std::env::var_os("VALENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/data"))
}

/// The Python interpreter of the reference environment. Panics, saying how
/// to make it, when it is missing; `needs` says what the test uses it for.
pub fn python(needs: &str) -> PathBuf {
    if let Some(p) = std::env::var_os("VALENCE_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = repo_root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "{needs} needs the Python environment: run scripts/setup-python.sh \
         (scripts/test.sh does), or set VALENCE_PYTHON"
    );
    venv
}
