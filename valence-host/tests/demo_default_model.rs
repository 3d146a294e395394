//! The shipped models, `models/default.vlm` (the demo's default feature
//! set, mel + key + onset) and `models/mel.vlm` (mel statistics only, for
//! devices without the harmony path): each loads in the core, has the
//! default spec and the shape its model card states, fits the sensor it is
//! made for, and rebuilding it with the command of
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

use valence_core::model::FeatureSet;
use valence_core::sensor::{DefaultHarmonySensor, DefaultSensor};
use valence_core::stats::StatsSpec;
use valence_core::{FeatureSpec, Model};

/// `SOURCE_DATE_EPOCH` of `scripts/make-default-model.sh`.
const SOURCE_DATE_EPOCH: &str = "1795564800";

/// A shipped model and what its model card says of it.
struct Shipped {
    /// File name under `models/`.
    file: &'static str,
    /// The demo arguments of `scripts/make-default-model.sh`.
    demo_args: [&'static str; 5],
    /// Feature set.
    set: FeatureSet,
    /// Inputs of the network.
    n_features: usize,
    /// MACs per inference.
    macs: usize,
}

const SHIPPED: [Shipped; 2] = [
    Shipped {
        file: "default.vlm",
        demo_args: ["demo", "--seed", "42", "--feature-set", "mel-key-onset"],
        set: FeatureSet::MelKeyOnset,
        n_features: 145,
        // 145·256 + 256·128 + 128·64 + 64·1.
        macs: 78_144,
    },
    Shipped {
        file: "mel.vlm",
        demo_args: ["demo", "--seed", "42", "--feature-set", "mel"],
        set: FeatureSet::Mel,
        n_features: 128,
        // 128·256 + 256·128 + 128·64 + 64·1.
        macs: 73_792,
    },
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shipped(file: &str) -> Vec<u8> {
    let p = repo().join("models").join(file);
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
fn shipped_models_load_with_the_stated_spec_and_shape() {
    let card = std::fs::read_to_string(repo().join("models/README.md")).unwrap();
    for m in &SHIPPED {
        let bytes = shipped(m.file);
        let model = Model::from_bytes(&bytes)
            .unwrap_or_else(|e| panic!("models/{} does not load in the core: {e}", m.file));
        assert_eq!(model.feature_set(), m.set, "{}", m.file);
        assert_eq!(*model.feature_spec(), FeatureSpec::DEFAULT);
        assert_eq!(*model.stats_spec(), StatsSpec::DEFAULT);
        assert_eq!(model.n_features(), m.n_features, "{}", m.file);
        assert_eq!(model.max_width(), 256);
        assert_eq!(model.macs(), m.macs, "{}", m.file);
        if m.set == FeatureSet::Mel {
            DefaultSensor::new(model).expect("the mel model fits the default sensor");
        } else {
            // The harmony sensor is 35 KB: built in place, off the stack.
            let mut sensor = Box::new(DefaultHarmonySensor::unloaded());
            sensor.load(model).expect("fits the default harmony sensor");
            // A build without the harmony path cannot run it.
            assert!(DefaultSensor::new(Model::from_bytes(&bytes).unwrap()).is_err());
        }
        // The model card quotes its size.
        let size = format!("{}", bytes.len());
        let grouped = format!("{},{:03}", bytes.len() / 1000, bytes.len() % 1000);
        assert!(
            card.contains(&size) || card.contains(&grouped),
            "models/README.md does not state the size of {}, {size} bytes",
            m.file
        );
    }
}

#[test]
fn the_script_runs_the_commands_this_test_runs() {
    let script = std::fs::read_to_string(repo().join("scripts/make-default-model.sh")).unwrap();
    assert!(script.contains(&format!("SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH}")));
    assert!(script.contains("demo --seed 42 --feature-set \"$set\""));
    for m in &SHIPPED {
        let (name, set) = (m.file.trim_end_matches(".vlm"), m.demo_args[4]);
        assert!(
            script.contains(&format!("\"{name} {set}\"")),
            "the script does not build models/{} with --feature-set {set}",
            m.file
        );
    }
}

/// Rebuilds `m` with the demo and compares the bytes.
fn rebuild(m: &Shipped) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model");
    let status = Command::new(env!("CARGO_BIN_EXE_valence"))
        .args(m.demo_args)
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
            rebuilt == shipped(m.file),
            "the rebuilt model differs from models/{} on a CPU with the features it was made \
             with: the demo or the training changed; rerun scripts/make-default-model.sh and \
             update models/README.md",
            m.file
        ),
        Err(why) => eprintln!(
            "NOT COMPARED: {why}; models/{} was made on x86-64 with AVX2, FMA and AVX-512F, \
             and candle's float kernels differ between such CPUs, so other bytes are expected \
             here (the rebuilt model meets the quality goals)",
            m.file
        ),
    }
}

#[test]
fn rebuilding_the_default_model_gives_the_same_bytes() {
    rebuild(&SHIPPED[0]);
}

#[test]
fn rebuilding_the_mel_model_gives_the_same_bytes() {
    rebuild(&SHIPPED[1]);
}
