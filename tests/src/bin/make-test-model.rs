//! Writes a model made of random weights, for building and measuring the
//! board examples and seeding the fuzzer: `make-test-model
//! default|default-harmony|default-harmony-onset|default-key-onset|small|tiny OUT.vlm`. `default` has the default
//! spec and network shape (so its size and cost are those of any
//! default-shape model); `default-harmony` the same specs with the harmony
//! features after the mel statistics (format version 2: a device needs the
//! harmony path); `default-harmony-onset` adds the onset statistics after
//! those; `default-key-onset` is the same with the chroma from the key's
//! tonic (the demo's feature set); `small` is the emulator tests' small model; `tiny` the
//! smallest useful one. They predict nothing.

use std::process::ExitCode;

const USAGE: &str =
    "usage: make-test-model default|default-harmony|default-harmony-onset|default-key-onset|small|tiny OUT.vlm";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let model = match args.first().map(String::as_str) {
        Some("default") => valence_tests::models::default_shape_model(),
        Some("default-harmony") => valence_tests::models::default_harmony_model(),
        Some("default-harmony-onset") => valence_tests::models::default_onset_model(),
        Some("default-key-onset") => valence_tests::models::default_key_model(),
        Some("small") => valence_tests::models::small_model(),
        Some("tiny") => valence_tests::models::tiny_model(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Some(out) = args.get(1) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::write(out, model.to_bytes()) {
        eprintln!("make-test-model: cannot write {out}: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
