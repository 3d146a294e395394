//! Build script: puts `memory.x` on the linker's path and resolves the model
//! file the firmware embeds (`VALENCE_MODEL`, else `models/mel.vlm` at the
//! repository root: this board is built without the harmony path, so its
//! default is the shipped mel-only model), passing its absolute path as
//! `VALENCE_MODEL_PATH`.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    fs::copy(manifest.join("memory.x"), out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");

    println!("cargo:rerun-if-env-changed=VALENCE_MODEL");
    let repo = manifest.join("../../..");
    let default = repo.canonicalize().unwrap_or(repo).join("models/mel.vlm");
    let model = match env::var_os("VALENCE_MODEL") {
        Some(path) => manifest.join(path),
        None => default.clone(),
    };
    println!("cargo:rerun-if-changed={}", model.display());
    if !model.is_file() {
        let why = if env::var_os("VALENCE_MODEL").is_some() {
            format!(
                "VALENCE_MODEL names {}, which is not a file",
                model.display()
            )
        } else {
            format!(
                "no model file: VALENCE_MODEL is not set and the shipped default {} does not exist",
                default.display()
            )
        };
        eprintln!(
            "error: {why}.\nBuild with VALENCE_MODEL=/path/to/model.vlm cargo build --release"
        );
        std::process::exit(1);
    }
    let model = model.canonicalize().expect("canonical model path");
    println!("cargo:rustc-env=VALENCE_MODEL_PATH={}", model.display());
}
