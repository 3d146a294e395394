//! `valence inspect` end to end on model files made by
//! `valence_tests::models`: every number it prints is checked against the
//! model's construction (layer sizes, MACs counted by hand, the file's
//! length, the metadata written into it) and, for the default shape, the
//! RAM against the sensor's size measured on thumbv7em-none-eabihf.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use valence_core::stats::{StatsSpec, Summary};
use valence_core::FeatureSpec;
use valence_tests::models::{default_shape_model, OwnedModel};

fn inspect(path: &Path, json: bool) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_valence"));
    c.arg("inspect").arg(path);
    if json {
        c.arg("--json");
    }
    c.output().unwrap()
}

fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Writes `model` to a file in `dir` and returns its path and bytes.
fn write(dir: &Path, name: &str, model: &OwnedModel) -> (std::path::PathBuf, Vec<u8>) {
    let path = dir.join(name);
    let bytes = model.to_bytes();
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

#[test]
fn json_reports_the_model_as_built() {
    let dir = tempfile::tempdir().unwrap();
    let spec = FeatureSpec {
        sample_rate: 22_050,
        n_fft: 1024,
        hop: 441,
        n_mels: 48,
        fmin_hz: 20.0,
        fmax_hz: 11_000.0,
        ..FeatureSpec::DEFAULT
    };
    let stats = StatsSpec {
        summary: Summary::MeanStd,
        window_frames: 100,
        hop_frames: 50,
    };
    let model = OwnedModel::random(3, spec, stats, &[200, 40]);
    let (path, bytes) = write(dir.path(), "m.vlm", &model);
    let out = inspect(&path, true);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: Value = serde_json::from_str(&stdout_of(&out)).unwrap();

    assert_eq!(v["format_version"], 1);
    assert_eq!(v["file_bytes"], bytes.len());
    assert_eq!(v["feature_spec"]["sample_rate"], 22_050);
    assert_eq!(v["feature_spec"]["n_fft"], 1024);
    assert_eq!(v["feature_spec"]["hop"], 441);
    assert_eq!(v["feature_spec"]["n_mels"], 48);
    assert_eq!(v["feature_spec"]["fmin_hz"], 20.0);
    assert_eq!(v["feature_spec"]["fmax_hz"], 11_000.0);
    assert_eq!(v["stats_spec"]["window_frames"], 100);
    assert_eq!(v["stats_spec"]["hop_frames"], 50);
    // 48 means + 48 standard deviations.
    assert_eq!(v["n_features"], 96);
    // (100 − 1)·441 + 1024 samples; 50·441 samples between readings.
    assert_eq!(v["window_samples"], 44_683);
    assert_eq!(v["window_s"], 44_683.0 / 22_050.0);
    assert_eq!(v["reading_interval_s"], 22_050.0 / 22_050.0);
    assert_eq!(v["readings_per_second"], 1.0);

    let layers = v["layers"].as_array().unwrap();
    let dims: Vec<(u64, u64)> = layers
        .iter()
        .map(|l| {
            (
                l["inputs"].as_u64().unwrap(),
                l["outputs"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(dims, vec![(96, 200), (200, 40), (40, 1)]);
    let acts: Vec<&str> = layers
        .iter()
        .map(|l| l["activation"].as_str().unwrap())
        .collect();
    assert_eq!(acts, vec!["relu", "relu", "linear"]);
    let zero_points: Vec<i64> = layers
        .iter()
        .map(|l| l["output_zero_point"].as_i64().unwrap())
        .collect();
    assert_eq!(zero_points, vec![-8, -8, 3 << 16]);
    assert_eq!(v["input_zero_point"], -3);
    // 96·200 + 200·40 + 40·1.
    assert_eq!(v["macs_per_inference"], 19_200 + 8_000 + 40);
    assert_eq!(v["macs_per_second"], 27_240.0);
    assert_eq!(v["max_width"], 200);
    assert_eq!(
        v["sensor_ram_bytes_32bit"],
        valence_core::ram::ram_bytes_32bit(1024, 48, 200)
    );

    assert_eq!(v["label"]["name"], "valence");
    assert_eq!(v["label"]["min"], 1.0);
    assert_eq!(v["label"]["max"], 9.0);
    let m = &v["metadata"];
    assert_eq!(m["created_unix_s"], 1_790_000_000u64);
    // `date -u -d @1790000000 '+%F %T'`
    assert_eq!(m["created_utc"], "2026-09-21 14:13:20 UTC");
    assert_eq!(m["data_fingerprint"], "ab".repeat(32));
    assert_eq!(m["val_mse_float"], 0.5);
    assert_eq!(m["val_mse_int8"], 0.51);
    assert_eq!(m["notes"], "test model");
}

#[test]
fn text_reports_the_default_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = write(dir.path(), "default.vlm", &default_shape_model());
    let out = inspect(&path, false);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let expect = [
        format!("{} bytes", bytes.len()),
        "16000 Hz, n_fft 512, hop 256, 64 mel bands 0–8000 Hz, Slaney scale, Slaney norm, floor -100 dB".to_string(),
        "windows of 128 frames (2.064 s) every 64 frames: 128 features".to_string(),
        "one every 1.024 s (0.977 per second)".to_string(),
        // 128·256 + 256·128 + 128·64 + 64·1.
        "73792 per inference".to_string(),
        // size_of::<DefaultSensor>() on thumbv7em-none-eabihf.
        "8016 bytes on a 32-bit MCU (ValenceSensor<512, 64, 256>)".to_string(),
        "valence in [1, 9]".to_string(),
        "2026-09-21 14:13:20 UTC".to_string(),
        "ab".repeat(32),
        "float 0.5, int8 0.51".to_string(),
        "test model".to_string(),
    ];
    for e in &expect {
        assert!(text.contains(e.as_str()), "missing {e:?} in:\n{text}");
    }
    let layer_lines: Vec<&str> = text.lines().filter(|l| l.contains(" → ")).collect();
    assert_eq!(layer_lines.len(), 4, "{text}");
    for (line, (i, o, macs)) in layer_lines.iter().zip([
        (128, 256, 32_768),
        (256, 128, 32_768),
        (128, 64, 8_192),
        (64, 1, 64),
    ]) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[1], i.to_string(), "{line}");
        assert_eq!(words[3], o.to_string(), "{line}");
        assert_eq!(words[5], macs.to_string(), "{line}");
    }
    assert!(layer_lines[3].contains("output offset 3"), "{text}");
}

#[test]
fn missing_and_foreign_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.vlm");
    let out = inspect(&missing, false);
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains("cannot read the model file") && err.contains("nope.vlm"),
        "{err}"
    );

    let wav =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/audio/chord-progression-16k.wav");
    let out = inspect(&wav, true);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = stderr_of(&out);
    assert!(
        err.contains("chord-progression-16k.wav: not a valence model file"),
        "{err}"
    );
}
