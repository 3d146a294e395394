//! The fixed-point chroma path against librosa's `chroma_stft` (tuning 0,
//! `norm=np.inf`, the same non-centred periodic-Hann power spectrogram):
//! the bank's weights, the committed generated signals, the pitch class of
//! notes from C2 to C6 at three FFT sizes, and real recordings (the music
//! and emoMusic clips of `../shared/data`, decoded by
//! `python/chroma_oracle.py` in this run; skipped with a message when the
//! data are absent). `python/make_chroma_fixtures.py` regenerates the
//! fixtures. Every comparison prints its error table.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{data_dir, percentile, python, read_npy_f64, read_npy_i16, real_recordings_or_skip};
use valence_core::chroma::{ChromaSpec, CHROMA_ONE, N_CHROMA};
use valence_core::chroma_stream::HostChromaStream;

/// Budget on |ours − librosa| of the normalised chroma (1.0 = the frame's
/// strongest class), set from the measurements in BENCHMARKS.md with margin.
const MAE_BUDGET: f64 = 3e-4;
/// 99th percentile of |error|.
const P99_BUDGET: f64 = 3e-3;
/// Largest |error|.
const MAX_BUDGET: f64 = 0.01;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chroma")
}

fn manifest() -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn spec_of(cfg: &serde_json::Value) -> ChromaSpec {
    ChromaSpec {
        sample_rate: cfg["sample_rate"].as_u64().unwrap() as u32,
        n_fft: cfg["n_fft"].as_u64().unwrap() as u16,
        hop: cfg["hop"].as_u64().unwrap() as u16,
    }
}

/// The core's chroma frames of `pcm`, row-major `frames × 12`, as floats.
fn core_chroma(spec: &ChromaSpec, pcm: &[i16]) -> Vec<f64> {
    let mut stream = Box::new(HostChromaStream::new(spec).expect("valid chroma spec"));
    let mut out = Vec::new();
    stream.push(pcm, |frame| {
        out.extend(frame.iter().map(|&v| v as f64 / CHROMA_ONE as f64))
    });
    out
}

#[derive(Default)]
struct Errors {
    abs: Vec<f64>,
    frames: usize,
}

impl Errors {
    fn add(&mut self, ours: &[f64], reference: &[f64]) {
        assert_eq!(
            ours.len(),
            reference.len(),
            "frame count differs: core {} vs librosa {}",
            ours.len() / N_CHROMA,
            reference.len() / N_CHROMA
        );
        self.abs
            .extend(ours.iter().zip(reference).map(|(a, b)| (a - b).abs()));
        self.frames += ours.len() / N_CHROMA;
    }
    fn merge(&mut self, other: &Errors) {
        self.abs.extend_from_slice(&other.abs);
        self.frames += other.frames;
    }
    fn mae(&self) -> f64 {
        self.abs.iter().sum::<f64>() / self.abs.len().max(1) as f64
    }
    fn max(&self) -> f64 {
        self.abs.iter().cloned().fold(0.0, f64::max)
    }
    fn within_budget(&self) -> bool {
        self.mae() <= MAE_BUDGET
            && percentile(&self.abs, 0.99) <= P99_BUDGET
            && self.max() <= MAX_BUDGET
    }
}

fn table(title: &str, rows: &[(String, String, Errors)]) -> String {
    let mut s = String::new();
    writeln!(s, "\n{title}").unwrap();
    writeln!(s, "| config | signal | frames | MAE | p99 | max | ok |").unwrap();
    writeln!(s, "|---|---|---:|---:|---:|---:|---|").unwrap();
    for (cfg, sig, e) in rows {
        writeln!(
            s,
            "| {cfg} | {sig} | {} | {:.2e} | {:.2e} | {:.2e} | {} |",
            e.frames,
            e.mae(),
            percentile(&e.abs, 0.99),
            e.max(),
            if e.within_budget() { "yes" } else { "NO" }
        )
        .unwrap();
    }
    writeln!(
        s,
        "budget (|error| of chroma normalised to its strongest class): MAE ≤ {MAE_BUDGET:e}, p99 ≤ {P99_BUDGET:e}, max ≤ {MAX_BUDGET}"
    )
    .unwrap();
    s
}

#[test]
fn chroma_bank_matches_librosa() {
    for cfg in manifest()["configs"].as_array().unwrap() {
        let name = cfg["name"].as_str().unwrap();
        let spec = spec_of(cfg);
        let stream = Box::new(HostChromaStream::new(&spec).unwrap());
        let (rows, cols, want) = read_npy_f64(&fixtures().join(format!("chromafb_{name}.npy")));
        assert_eq!((rows, cols), (N_CHROMA, spec.n_bins()));
        let peak = want.iter().cloned().fold(0.0, f64::max);
        let mut worst = 0f64;
        for class in 0..rows {
            for bin in 0..cols {
                let w = want[class * cols + bin];
                let got = stream.filter_weight(class, bin);
                worst = worst.max((got - w).abs() / peak);
            }
        }
        // Q16 steps of the bank's peak: half a step of rounding, plus librosa's
        // float32 weights; dropped weights are below half a step too.
        println!(
            "{name}: {} of {} weights stored, worst error {worst:.2e} of the peak",
            stream.weight_count(),
            rows * cols
        );
        assert!(
            worst < 1e-5,
            "{name}: worst weight error {worst} of the peak"
        );
    }
}

#[test]
fn chroma_tracks_librosa_on_generated_signals() {
    let m = manifest();
    let frontend = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frontend");
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for cfg in m["configs"].as_array().unwrap() {
        let name = cfg["name"].as_str().unwrap().to_string();
        let spec = spec_of(cfg);
        let mut total = Errors::default();
        for sig in m["signals"].as_array().unwrap() {
            let sig = sig.as_str().unwrap().to_string();
            let pcm =
                read_npy_i16(&frontend.join(format!("signal_{sig}_{}.npy", spec.sample_rate)));
            let (_, cols, reference) =
                read_npy_f64(&fixtures().join(format!("ref_{name}_{sig}.npy")));
            assert_eq!(cols, N_CHROMA);
            let mut e = Errors::default();
            e.add(&core_chroma(&spec, &pcm), &reference);
            if !e.within_budget() {
                failures.push(format!("{name}/{sig}"));
            }
            total.merge(&e);
            rows.push((name.clone(), sig, e));
        }
        if !total.within_budget() {
            failures.push(format!("{name}/all"));
        }
        rows.push((name, "**all**".to_string(), total));
    }
    println!(
        "{}",
        table(
            "Chroma vs librosa 0.11 chroma_stft, generated signals (committed fixtures)",
            &rows
        )
    );
    assert!(failures.is_empty(), "over budget: {failures:?}");
}

/// One test note as in `python/chroma_reference.py`: MIDI `midi`, 1 s at
/// 16 kHz, a pure tone or harmonics 1..8 (below Nyquist) at 1/h decaying as
/// exp(-3t), peak 0.25 of full scale.
fn note_pcm(midi: u32, piano: bool) -> Vec<i16> {
    let sr = 16_000.0;
    let f0 = 440.0 * 2f64.powf((midi as f64 - 69.0) / 12.0);
    let harmonics: Vec<f64> = if piano {
        (1..=8)
            .map(f64::from)
            .filter(|h| h * f0 < sr / 2.0)
            .collect()
    } else {
        vec![1.0]
    };
    let total: f64 = harmonics.iter().map(|h| 1.0 / h).sum();
    (0..16_000)
        .map(|n| {
            let t = n as f64 / sr;
            let y: f64 = harmonics
                .iter()
                .map(|h| (2.0 * std::f64::consts::PI * h * f0 * t).sin() / h)
                .sum();
            let y = if piano {
                0.25 / total * y * (-3.0 * t).exp()
            } else {
                0.25 * y
            };
            (y * 32768.0).round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

const NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

fn note_name(midi: u32) -> String {
    format!("{}{}", NAMES[midi as usize % 12], midi / 12 - 1)
}

#[test]
fn pitch_class_of_notes_c2_to_c6_by_fft_size() {
    let m = manifest();
    let first = m["notes"]["first_midi"].as_u64().unwrap() as u32;
    let last = m["notes"]["last_midi"].as_u64().unwrap() as u32;
    let mut out = String::new();
    writeln!(
        out,
        "\nPitch class named by the mean chroma of 1 s notes, C2–C6 ({} notes)",
        last - first + 1
    )
    .unwrap();
    writeln!(
        out,
        "| config | notes | right (core) | right (librosa) | same class as librosa | lowest note from which all are right (core) |"
    )
    .unwrap();
    writeln!(out, "|---|---|---:|---:|---:|---|").unwrap();
    let mut failures = Vec::new();
    for cfg in m["configs"].as_array().unwrap() {
        let name = cfg["name"].as_str().unwrap();
        let spec = spec_of(cfg);
        for (kind, piano) in [("pure", false), ("piano", true)] {
            let theirs = cfg["librosa_notes"][kind]["pitch_class"]
                .as_array()
                .unwrap();
            let mut right = 0;
            let mut agree = 0;
            let mut lowest_all_right = None;
            for (i, midi) in (first..=last).enumerate() {
                let chroma = core_chroma(&spec, &note_pcm(midi, piano));
                let mut mean = [0f64; N_CHROMA];
                for frame in chroma.chunks_exact(N_CHROMA) {
                    for (m, v) in mean.iter_mut().zip(frame) {
                        *m += v;
                    }
                }
                let named = (0..N_CHROMA)
                    .max_by(|&a, &b| mean[a].partial_cmp(&mean[b]).unwrap())
                    .unwrap();
                let ok = named == midi as usize % 12;
                right += ok as usize;
                if ok {
                    lowest_all_right.get_or_insert(midi);
                } else {
                    lowest_all_right = None;
                }
                if named as u64 == theirs[i].as_u64().unwrap() {
                    agree += 1;
                } else {
                    failures.push(format!("{name}/{kind}/{}", note_name(midi)));
                }
            }
            writeln!(
                out,
                "| {name} | {kind} | {right} | {} | {agree} | {} |",
                cfg["librosa_notes"][kind]["correct"],
                lowest_all_right.map_or("none".to_string(), note_name)
            )
            .unwrap();
            if spec.n_fft >= 2048 && right != (last - first + 1) as usize {
                failures.push(format!("{name}/{kind}: only {right} right"));
            }
        }
    }
    println!("{out}");
    assert!(
        failures.is_empty(),
        "the core names another pitch class than librosa, or a long FFT misses a note: {failures:?}"
    );
}

#[test]
fn chroma_tracks_librosa_on_real_recordings() {
    let Some(files) = real_recordings_or_skip("chroma_tracks_librosa_on_real_recordings") else {
        return;
    };
    let data = data_dir();
    let configs: Vec<(String, ChromaSpec)> = manifest()["configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), spec_of(c)))
        .collect();
    let work = tempfile::tempdir().unwrap();
    let python = python();
    let mut cmd = Command::new(&python);
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../python/chroma_oracle.py"))
        .args(["--sr", "16000"]);
    for (_, spec) in &configs {
        assert_eq!(spec.sample_rate, 16_000);
        cmd.args(["--n-fft", &spec.n_fft.to_string()])
            .args(["--hop", &spec.hop.to_string()]);
    }
    let result = cmd
        .arg("--out-dir")
        .arg(work.path())
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        result.status.success(),
        "chroma oracle failed:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for (name, spec) in &configs {
        let mut total = Errors::default();
        for file in &files {
            let stem = file.file_stem().unwrap().to_string_lossy().to_string();
            let pcm = read_npy_i16(&work.path().join(format!("{stem}.pcm.npy")));
            let (_, _, reference) = read_npy_f64(
                &work
                    .path()
                    .join(format!("{stem}.chroma_{}.npy", spec.n_fft)),
            );
            let mut e = Errors::default();
            e.add(&core_chroma(spec, &pcm), &reference);
            let label = file
                .strip_prefix(&data)
                .map(|p| p.display().to_string())
                .unwrap_or(stem);
            if !e.within_budget() {
                failures.push(format!("{name}/{label}"));
            }
            total.merge(&e);
            rows.push((name.clone(), label, e));
        }
        if !total.within_budget() {
            failures.push(format!("{name}/all"));
        }
        rows.push((name.clone(), "**all**".to_string(), total));
    }
    println!(
        "{}",
        table(
            "Chroma vs librosa 0.11 chroma_stft, real recordings (first 30 s of each)",
            &rows
        )
    );
    assert!(failures.is_empty(), "over budget: {failures:?}");
}
