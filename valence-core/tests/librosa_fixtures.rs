//! The front end against librosa on committed fixtures: generated signals
//! (sweeps, white and pink noise at three levels, tones, silence, a clipping
//! square wave, a DC offset, clicks) and librosa's reference spectrograms and
//! filterbanks for the four configurations of the front-end issue.
//! `python/make_frontend_fixtures.py` regenerates them.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use valence_core::frontend::HostFrontEnd;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frontend")
}

fn manifest() -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn filterbank_weights_match_librosa() {
    let m = manifest();
    for cfg in m["configs"].as_array().unwrap() {
        let name = cfg["name"].as_str().unwrap();
        let spec = spec_from_manifest(cfg);
        let fe = Box::new(HostFrontEnd::new(&spec).unwrap());
        let (rows, cols, want) = read_npy_f64(&fixtures().join(format!("melfb_{name}.npy")));
        assert_eq!((rows, cols), (spec.n_mels as usize, spec.n_bins()));
        let mut worst_rel = 0f64;
        for band in 0..rows {
            let peak = (0..cols).map(|k| want[band * cols + k]).fold(0.0, f64::max);
            assert!(peak > 0.0, "{name}: librosa band {band} is empty");
            for bin in 0..cols {
                let w = want[band * cols + bin];
                let got = fe.filter_weight(band, bin);
                // No weight where librosa has none (or only rounding noise), and the
                // same value to within Q16 quantisation of the triangle elsewhere.
                if w < 1e-9 * peak {
                    assert_eq!(got, 0.0, "{name}: band {band} bin {bin}: {got} vs {w}");
                }
                worst_rel = worst_rel.max((got - w).abs() / peak);
            }
        }
        assert!(
            worst_rel < 2e-5,
            "{name}: worst weight error {worst_rel} of the band's peak"
        );
    }
}

#[test]
fn frames_track_librosa_on_generated_signals() {
    let m = manifest();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for cfg in m["configs"].as_array().unwrap() {
        let name = cfg["name"].as_str().unwrap().to_string();
        let spec = spec_from_manifest(cfg);
        let mut total = ErrorStats::default();
        for sig in m["signals"].as_array().unwrap() {
            let sig = sig["name"].as_str().unwrap().to_string();
            let pcm =
                read_npy_i16(&fixtures().join(format!("signal_{sig}_{}.npy", spec.sample_rate)));
            let (frames, n_mels, reference) =
                read_npy_f64(&fixtures().join(format!("ref_{name}_{sig}.npy")));
            assert_eq!(n_mels, spec.n_mels as usize);
            assert_eq!(frames, spec.frames_for(pcm.len()));
            let ours = core_frames_db(&spec, &pcm);
            let mut st = ErrorStats::default();
            st.add(&ours, &reference, n_mels);
            if !st.within_budget() {
                failures.push(format!("{name}/{sig}"));
            }
            total.merge(&st);
            rows.push((name.clone(), sig, st));
        }
        if !total.within_budget() {
            failures.push(format!("{name}/all"));
        }
        rows.push((name, "**all**".to_string(), total));
    }
    println!(
        "{}",
        table(
            "Front end vs librosa 0.11, generated signals (committed fixtures)",
            &rows
        )
    );
    assert!(failures.is_empty(), "over budget: {failures:?}");
}
