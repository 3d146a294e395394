//! The front end against librosa on real music: the recordings in
//! `../shared/data/music` (WAV, OGG Vorbis) and `../shared/data/emomusic/audio`
//! (MP3), decoded, mixed to mono and resampled to each configuration's rate by
//! `python/librosa_oracle.py`, which also computes librosa's reference on the
//! very same int16 samples, in this run.
//!
//! Skips (with a message) when `../shared/data` is absent. When it is present,
//! the Python environment must be too: `scripts/setup-python.sh` makes it
//! (`VALENCE_PYTHON` may name another interpreter with librosa 0.11).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

#[test]
fn frames_track_librosa_on_real_recordings() {
    let Some(files) = real_recordings_or_skip("frames_track_librosa_on_real_recordings") else {
        return;
    };
    let data = data_dir();
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frontend/manifest.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let configs = manifest["configs"].as_array().unwrap().clone();
    let work = tempfile::tempdir().unwrap();
    let python = python();

    // Start the oracle for every configuration at once, then compare.
    let mut children = Vec::new();
    for cfg in &configs {
        let name = cfg["name"].as_str().unwrap().to_string();
        let spec = spec_from_manifest(cfg);
        let out = work.path().join(&name);
        std::fs::create_dir_all(&out).unwrap();
        let mut cmd = Command::new(&python);
        cmd.arg(root().join("python/librosa_oracle.py"))
            .args(["--sr", &spec.sample_rate.to_string()])
            .args(["--n-fft", &spec.n_fft.to_string()])
            .args(["--hop", &spec.hop.to_string()])
            .args(["--n-mels", &spec.n_mels.to_string()])
            .args(["--fmin", &spec.fmin_hz.to_string()])
            .args(["--fmax", &spec.fmax_hz.to_string()])
            .args(["--norm", cfg["norm"].as_str().unwrap()])
            .arg("--out-dir")
            .arg(&out)
            .args(&files)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if cfg["htk"].as_bool().unwrap() {
            cmd.arg("--htk");
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        children.push((name, spec, out, child));
    }

    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for (name, spec, out, child) in children {
        let result = child.wait_with_output().unwrap();
        assert!(
            result.status.success(),
            "librosa oracle failed for {name}:\n{}",
            String::from_utf8_lossy(&result.stderr)
        );
        let mut total = ErrorStats::default();
        for file in &files {
            let stem = file.file_stem().unwrap().to_string_lossy().to_string();
            let pcm = read_npy_i16(&out.join(format!("{stem}.pcm.npy")));
            let (_, n_mels, reference) = read_npy_f64(&out.join(format!("{stem}.ref.npy")));
            let ours = core_frames_db(&spec, &pcm);
            let mut st = ErrorStats::default();
            st.add(&ours, &reference, n_mels);
            total.merge(&st);
            let label = file
                .strip_prefix(&data)
                .map(|p| p.display().to_string())
                .unwrap_or(stem);
            if !st.within_budget() {
                failures.push(format!("{name}/{label}"));
            }
            rows.push((name.clone(), label, st));
        }
        if !total.within_budget() {
            failures.push(format!("{name}/all"));
        }
        rows.push((name, "**all**".to_string(), total));
    }
    println!(
        "{}",
        table(
            "Front end vs librosa 0.11, real recordings (first 30 s of each)",
            &rows
        )
    );
    assert!(failures.is_empty(), "over budget: {failures:?}");
}
