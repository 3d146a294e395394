//! Export end to end on a small dataset of features computed from audio by
//! the core's front end: tones whose pitch and loudness set the label.
//! `valence train` exports `model.vlm` as its last step; the file loads in
//! `valence-core`, its int8 predictions meet the quality goals, export is
//! byte-for-byte reproducible with `SOURCE_DATE_EPOCH`, and `verify --data`
//! checks it and refuses damaged copies with the core's reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use valence_core::stats::StatsSpec;
use valence_core::{FeatureSpec, Model};
use valence_host::data::dataset::{
    Dataset, DatasetParts, ExampleOrigin, FeatureSource, Provenance,
};
use valence_host::data::extract::window_features;
use valence_host::export::{export_run, ExportOptions};

/// 48 clips of 5 s: a tone at one of 8 pitches and 6 loudness levels plus a
/// little noise; label `0.6·pitch + 0.4·loudness` (each in [0, 1]) on a 0–1
/// scale. Each clip is a group (its windows stay on one side of a split).
fn tone_dataset() -> Dataset {
    let spec = FeatureSpec::DEFAULT;
    let stats = StatsSpec::DEFAULT;
    let rate = spec.sample_rate as f64;
    let (mut features, mut labels, mut groups, mut clips, mut origins) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut seed = 12345u32;
    for clip in 0..48u32 {
        let pitch = (clip % 8) as f64 / 7.0;
        let loud = (clip / 8) as f64 / 5.0;
        let freq = 220.0 * 2f64.powf(4.0 * pitch);
        let amp = 30000.0 * 10f64.powf(-2.0 * (1.0 - loud));
        let samples: Vec<i16> = (0..5 * spec.sample_rate as usize)
            .map(|i| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let noise = ((seed >> 16) as f64 - 32768.0) / 200.0;
                let t = i as f64 / rate;
                (amp * (2.0 * std::f64::consts::PI * freq * t).sin() + noise)
                    .clamp(-32768.0, 32767.0) as i16
            })
            .collect();
        let rows = window_features(&spec, &stats, &samples).unwrap();
        let d = stats.n_features(spec.n_mels as usize);
        for (w, row) in rows.chunks(d).enumerate() {
            features.extend(row.iter().map(|&q| q as f32 / 256.0));
            labels.push((0.6 * pitch + 0.4 * loud) as f32);
            groups.push(format!("clip{clip}"));
            origins.push(ExampleOrigin {
                clip,
                start_s: w as f32,
            });
        }
        clips.push(format!("clip{clip}.wav"));
    }
    Dataset::new(DatasetParts {
        n_features: stats.n_features(spec.n_mels as usize),
        features,
        labels,
        groups: Some(groups),
        clips,
        origins,
        source: FeatureSource::Audio { spec, stats },
        provenance: Provenance {
            inputs: vec!["generated tones".into()],
            fingerprint: "00112233445566778899aabbccddeeff".into(),
            tool: "valence tests".into(),
            clips_used: 48,
            skipped: vec![],
        },
    })
    .unwrap()
}

fn valence(args: &[&str], paths: &[&Path], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_valence"));
    cmd.env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut paths = paths.iter();
    for a in args {
        if *a == "{}" {
            cmd.arg(paths.next().unwrap());
        } else {
            cmd.arg(a);
        }
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

struct Trained {
    _dir: tempfile::TempDir,
    data: PathBuf,
    run: PathBuf,
}

fn train() -> Trained {
    train_with("64,32", &[])
}

/// [`train`] with other hidden widths and more flags.
fn train_with(hidden: &str, extra: &[&str]) -> Trained {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("tones.vds");
    tone_dataset().save(&data).unwrap();
    let run = dir.path().join("run");
    let mut args = vec![
        "train",
        "--data",
        "{}",
        "--out",
        "{}",
        "--epochs",
        "60",
        "--hidden",
        hidden,
        "--val-fraction",
        "0.25",
    ];
    args.extend_from_slice(extra);
    let out = valence(&args, &[&data, &run], &[]);
    assert!(out.status.success(), "{}", text(&out));
    Trained {
        _dir: dir,
        data,
        run,
    }
}

#[test]
fn train_exports_a_model_that_meets_the_goals() {
    let t = train();
    let vlm = t.run.join("model.vlm");
    assert!(vlm.exists(), "train wrote no model.vlm");
    let bytes = std::fs::read(&vlm).unwrap();
    let model = Model::from_bytes(&bytes).unwrap();
    assert_eq!(model.n_features(), 128);
    assert_eq!(model.descriptor().label.name, "valence");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.run.join("report.json")).unwrap()).unwrap();
    let e = &report["export_summary"];
    println!("{}", serde_json::to_string_pretty(e).unwrap());
    assert_eq!(e["mse_goal_met"], true);
    assert_eq!(e["diff_goal_met"], true);
    assert!(e["mse_ratio"].as_f64().unwrap() <= 1.02);
    assert!(e["diff_p99_pct"].as_f64().unwrap() <= 1.0);
    assert_eq!(e["bytes"].as_u64().unwrap() as usize, bytes.len());
    assert!(report["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "model.vlm"));
    // The metadata carries the measured figures and the data's fingerprint.
    let meta = model.descriptor().metadata;
    assert_eq!(
        meta.val_mse_int8,
        e["val_mse_int8"].as_f64().unwrap() as f32
    );
    assert_eq!(
        meta.data_fingerprint,
        &[
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff
        ]
    );

    // The library gives the same figures; int8 predictions straight from
    // the file agree with the float model within the goals on every example.
    let ds = Dataset::load(&t.data).unwrap();
    let exported = export_run(&t.run, &ds, &ExportOptions::default()).unwrap();
    assert!(exported.summary.passes(), "{}", exported.summary);
    let verify = valence(
        &["verify", "--model", "{}", "--data", "{}"],
        &[&vlm, &t.data],
        &[],
    );
    let said = text(&verify);
    println!("{said}");
    assert!(verify.status.success(), "{said}");
    assert!(said.contains("worst examples"), "{said}");
}

#[test]
fn train_exports_on_the_label_scale_it_is_given() {
    // A scale wider than the labels: the model records it, and the
    // difference goal is a share of it.
    let t = train_with("64,32", &["--label-range", "-4,6"]);
    let bytes = std::fs::read(t.run.join("model.vlm")).expect("train wrote no model.vlm");
    let model = Model::from_bytes(&bytes).unwrap();
    let label = model.descriptor().label;
    assert_eq!((label.min, label.max), (-4.0, 6.0));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.run.join("report.json")).unwrap()).unwrap();
    let e = &report["export_summary"];
    let narrow = train();
    let report_narrow: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(narrow.run.join("report.json")).unwrap())
            .unwrap();
    let n = &report_narrow["export_summary"];
    assert_eq!(e["label_range"], serde_json::json!([-4.0, 6.0]), "{e}");
    assert!(
        e["label_range_source"].as_str().unwrap().contains("given"),
        "{e}"
    );
    // Same weights and differences; only the range they are measured against changed.
    assert!(e["diff_p99"].as_f64().is_some(), "{e}");
    assert_eq!(e["diff_p99"], n["diff_p99"], "{e} {n}");
    assert!(e["diff_p99_pct"].as_f64().unwrap() < n["diff_p99_pct"].as_f64().unwrap());
}

#[test]
fn a_linear_model_trains_and_exports() {
    // `--hidden none`: inputs straight to the output, one int8 layer.
    let t = train_with("none", &["--lr", "5e-3"]);
    let (data, run, dir) = (&t.data, &t.run, t._dir.path());
    let bytes = std::fs::read(run.join("model.vlm")).expect("train wrote no model.vlm");
    let model = Model::from_bytes(&bytes).unwrap();
    let layers = &model.descriptor().layers;
    assert_eq!(layers.len(), 1);
    assert_eq!((layers[0].inputs, layers[0].outputs), (128, 1));
    let verify = valence(
        &["verify", "--model", "{}", "--data", "{}"],
        &[&run.join("model.vlm"), data],
        &[],
    );
    assert!(verify.status.success(), "{}", text(&verify));
    // A width that is not a number is refused with what to give.
    let bad = valence(
        &["train", "--data", "{}", "--out", "{}", "--hidden", "64,x"],
        &[data, &dir.join("bad")],
        &[],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("`none` for no hidden layer"),
        "{}",
        text(&bad)
    );
}

#[test]
fn export_is_reproducible_and_refuses_what_it_cannot_do() {
    let t = train();
    let dir = t.run.parent().unwrap();
    let (a, b) = (dir.join("a.vlm"), dir.join("b.vlm"));
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    for out in [&a, &b] {
        let o = valence(&["export", "{}", "--out", "{}"], &[&t.run, out], &epoch);
        assert!(o.status.success(), "{}", text(&o));
    }
    let bytes = std::fs::read(&a).unwrap();
    assert_eq!(bytes, std::fs::read(&b).unwrap());
    let model = Model::from_bytes(&bytes).unwrap();
    assert_eq!(model.descriptor().metadata.created_unix_s, 1_700_000_000);
    // The library with the same creation time writes the same bytes.
    let ds = Dataset::load(&t.data).unwrap();
    let opts = ExportOptions {
        created_unix_s: 1_700_000_000,
        ..ExportOptions::default()
    };
    assert_eq!(
        export_run(&t.run, &ds, &opts).unwrap().bytes.unwrap(),
        bytes
    );

    // A given label scale and name go into the file.
    let o = valence(
        &[
            "export",
            "{}",
            "--out",
            "{}",
            "--label-range",
            "-1,2",
            "--label-name",
            "mood",
        ],
        &[&t.run, &b],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("range -1 to 2 (given)"), "{}", text(&o));
    let other = std::fs::read(&b).unwrap();
    let label = Model::from_bytes(&other).unwrap().descriptor().label;
    assert_eq!((label.name, label.min, label.max), ("mood", -1.0, 2.0));
    let o = valence(
        &["export", "{}", "--out", "{}", "--label-range", "2,1"],
        &[&t.run, &b],
        &[],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("not increasing"), "{}", text(&o));

    let bad = valence(
        &["export", "{}", "--out", "{}"],
        &[&t.run, &a],
        &[("SOURCE_DATE_EPOCH", "yesterday")],
    );
    assert!(!bad.status.success());
    assert!(text(&bad).contains("SOURCE_DATE_EPOCH"), "{}", text(&bad));

    // The dataset gone from where the run recorded it: a clear error.
    let moved = dir.join("moved.vds");
    std::fs::rename(&t.data, &moved).unwrap();
    let o = valence(&["export", "{}", "--out", "{}"], &[&t.run, &a], &[]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("pass the dataset with --data"),
        "{}",
        text(&o)
    );
    let o = valence(
        &["export", "{}", "--out", "{}", "--data", "{}"],
        &[&t.run, &a, &moved],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));

    // Another dataset than the run's: refused.
    let mut other = Dataset::load(&moved)
        .unwrap()
        .subset(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let other_path = dir.join("other.vds");
    other = Dataset::new(DatasetParts {
        n_features: other.n_features(),
        features: other.feature_matrix().to_vec(),
        labels: other.labels().to_vec(),
        groups: other.groups().map(|g| g.to_vec()),
        clips: other.clips().to_vec(),
        origins: other.origins().to_vec(),
        source: other.spec().clone(),
        provenance: other.provenance().clone(),
    })
    .unwrap();
    other.save(&other_path).unwrap();
    let o = valence(
        &["export", "{}", "--out", "{}", "--data", "{}"],
        &[&t.run, &a, &other_path],
        &[],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("not the one the run was trained on"),
        "{}",
        text(&o)
    );
}

#[test]
fn verify_refuses_damaged_models_and_needs_one_check() {
    let t = train();
    let vlm = t.run.join("model.vlm");
    let bytes = std::fs::read(&vlm).unwrap();
    let dir = t.run.parent().unwrap();
    let truncated = t.run.join("truncated.vlm");
    std::fs::write(&truncated, &bytes[..bytes.len() - 7]).unwrap();
    let flipped = t.run.join("flipped.vlm");
    let mut f = bytes.clone();
    f[bytes.len() / 2] ^= 0x10;
    std::fs::write(&flipped, &f).unwrap();
    for (file, reason) in [(&truncated, "truncated"), (&flipped, "damaged: checksum")] {
        let o = valence(
            &["verify", "--model", "{}", "--data", "{}"],
            &[file, &t.data],
            &[],
        );
        assert!(!o.status.success());
        let core = Model::from_bytes(&std::fs::read(file).unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            text(&o).contains(&core) && core.contains(reason),
            "{}",
            text(&o)
        );
    }
    let o = valence(&["verify", "--model", "{}"], &[&vlm], &[]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("--qemu") && text(&o).contains("--data"),
        "{}",
        text(&o)
    );
    let o = valence(
        &["verify", "--model", "{}", "--data", "{}", "--qemu", "{}"],
        &[&vlm, &t.data, &vlm],
        &[],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("cannot be used with"), "{}", text(&o));
    // A model away from its run directory needs --run.
    let alone = dir.join("alone.vlm");
    std::fs::copy(&vlm, &alone).unwrap();
    let o = valence(
        &["verify", "--model", "{}", "--data", "{}"],
        &[&alone, &t.data],
        &[],
    );
    assert!(text(&o).contains("--run"), "{}", text(&o));
    let o = valence(
        &["verify", "--model", "{}", "--data", "{}", "--run", "{}"],
        &[&alone, &t.data, &t.run],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
}
