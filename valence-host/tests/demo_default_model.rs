//! The shipped default model, `models/default.vlm`: it loads in the core,
//! has the default spec and shape its model card states, fits the default
//! sensor, and rebuilding it with the command of
//! `scripts/make-default-model.sh` gives the same bytes.
//!
//! Bit-identical rebuilds need bit-identical float training. candle's CPU
//! matrix products pick their kernels by the CPU's features, so another CPU
//! can legitimately give other float bits; the model was made on x86-64
//! with AVX2, FMA and AVX-512F, and on a machine with another set the byte
//! comparison is reported as not applicable instead of failing (the rebuilt
//! model must still meet the quality goals).

use std::path::PathBuf;
use std::process::Command;

use valence_core::sensor::DefaultSensor;
use valence_core::stats::StatsSpec;
use valence_core::{FeatureSpec, Model};

/// `SOURCE_DATE_EPOCH` of `scripts/make-default-model.sh`.
const SOURCE_DATE_EPOCH: &str = "1795564800";
/// The demo arguments of `scripts/make-default-model.sh`.
const DEMO_ARGS: [&str; 5] = ["demo", "--seed", "42", "--feature-set", "mel"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shipped() -> Vec<u8> {
    let p = repo().join("models/default.vlm");
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Whether this CPU has the features of the machine that made the model.
fn same_cpu_features() -> Result<(), String> {
    #[cfg(target_arch = "x86_64")]
    {
        let have = [
            ("avx2", std::arch::is_x86_feature_detected!("avx2")),
            ("fma", std::arch::is_x86_feature_detected!("fma")),
            ("avx512f", std::arch::is_x86_feature_detected!("avx512f")),
        ];
        if have.iter().all(|(_, h)| *h) {
            Ok(())
        } else {
            Err(format!(
                "this x86-64 CPU lacks {:?}",
                have.iter()
                    .filter(|(_, h)| !h)
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
            ))
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Err(format!("this is {}, not x86-64", std::env::consts::ARCH))
    }
}

#[test]
fn shipped_model_loads_with_the_stated_spec_and_shape() {
    let bytes = shipped();
    let model = Model::from_bytes(&bytes).expect("models/default.vlm loads in the core");
    assert_eq!(*model.feature_spec(), FeatureSpec::DEFAULT);
    assert_eq!(*model.stats_spec(), StatsSpec::DEFAULT);
    assert_eq!(model.n_features(), 128);
    assert_eq!(model.max_width(), 256);
    // 128·256 + 256·128 + 128·64 + 64·1, as the model card says.
    assert_eq!(model.macs(), 73_792);
    DefaultSensor::new(model).expect("fits the default sensor");
    // The model card quotes this size.
    let card = std::fs::read_to_string(repo().join("models/README.md")).unwrap();
    let size = format!("{}", bytes.len());
    let grouped = format!("{},{:03}", bytes.len() / 1000, bytes.len() % 1000);
    assert!(
        card.contains(&size) || card.contains(&grouped),
        "models/README.md does not state the file size {size}"
    );
}

#[test]
fn the_script_runs_the_command_this_test_runs() {
    let script = std::fs::read_to_string(repo().join("scripts/make-default-model.sh")).unwrap();
    assert!(script.contains(&format!("SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH}")));
    assert!(script.contains(&DEMO_ARGS.join(" ")));
}

#[test]
fn rebuilding_the_default_model_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("default-model");
    let status = Command::new(env!("CARGO_BIN_EXE_valence"))
        .args(DEMO_ARGS)
        .arg("--out")
        .arg(&out)
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .status()
        .expect("run valence demo");
    assert!(status.success(), "valence demo failed");
    let rebuilt = std::fs::read(out.join("model.vlm")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["export"]["passed"], true, "{summary:#}");
    match same_cpu_features() {
        Ok(()) => assert!(
            rebuilt == shipped(),
            "the rebuilt model differs from models/default.vlm on a CPU with the features it \
             was made with: the demo or the training changed; rerun scripts/make-default-model.sh \
             and update models/README.md"
        ),
        Err(why) => eprintln!(
            "NOT COMPARED: {why}; the default model was made on x86-64 with AVX2, FMA and \
             AVX-512F, and candle's float kernels differ between such CPUs, so other bytes \
             are expected here (the rebuilt model meets the quality goals)"
        ),
    }
}
