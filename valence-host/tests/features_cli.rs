//! `valence features` end to end on small synthetic inputs: label layouts
//! and column flags, the problems that are skipped (or fail with
//! `--strict`), `--summary`, the cache, array input, and the dataset file
//! the command writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use npyz::WriterBuilder;

use valence_core::stats::StatsSpec;
use valence_core::FeatureSpec;
use valence_host::data::audio::load_pcm16;
use valence_host::data::dataset::{Dataset, FeatureSource};
use valence_host::data::extract::window_features;

fn valence(cache: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_valence"));
    c.env("VALENCE_CACHE_DIR", cache).arg("features");
    c
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// A tone with some noise, `seconds` long, at `rate` with `channels`.
fn write_tone(path: &Path, rate: u32, channels: u16, seconds: f64, freq: f64) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let mut seed = freq as u32;
    for i in 0..(rate as f64 * seconds) as usize {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let noise = ((seed >> 20) as i32 - 2048) as f64;
        let t = i as f64 / rate as f64;
        let v =
            6000.0 * (2.0 * std::f64::consts::PI * freq * t).sin() * (1.0 + 0.5 * (3.0 * t).sin())
                + noise;
        for _ in 0..channels {
            w.write_sample(v as i16).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// A folder with three good 4-second clips (two windows each), a short one,
/// a broken one and an unlabelled one, plus a static label file that also
/// names a missing file.
struct Fixture {
    _dir: tempfile::TempDir,
    audio: PathBuf,
    labels: PathBuf,
    cache: PathBuf,
    out: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    write_tone(&audio.join("a.wav"), 16_000, 1, 4.0, 440.0);
    write_tone(&audio.join("b.wav"), 44_100, 2, 4.0, 660.0);
    write_tone(&audio.join("sub/c.wav"), 22_050, 1, 4.0, 880.0);
    write_tone(&audio.join("short.wav"), 16_000, 1, 1.0, 550.0);
    write_tone(&audio.join("unlabelled.wav"), 16_000, 1, 4.0, 330.0);
    std::fs::write(audio.join("broken.wav"), b"RIFF but not really a wave file").unwrap();
    let labels = dir.path().join("labels.csv");
    std::fs::write(
        &labels,
        "filename,valence,artist\n\
         a.wav,0.5,x\n\
         b,0.25,x\n\
         sub/c.wav,0.75,y\n\
         short.wav,0.1,z\n\
         broken.wav,0.2,z\n\
         missing.wav,0.3,z\n",
    )
    .unwrap();
    Fixture {
        cache: dir.path().join("cache"),
        out: dir.path().join("out.vds"),
        audio,
        labels,
        _dir: dir,
    }
}

#[test]
fn static_labels_give_one_example_per_window_and_problems_are_skipped() {
    let f = fixture();
    let out = valence(&f.cache)
        .arg("--data")
        .arg(&f.audio)
        .arg("--labels")
        .arg(&f.labels)
        .args(["--group-column", "artist", "--out"])
        .arg(&f.out)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    for expect in [
        "skipped row 7 (missing.wav): no audio file missing.wav",
        "skipped broken.wav: ",
        "skipped short.wav: 1.00 s of audio is shorter than one window (2.06 s)",
        "skipped unlabelled.wav: no row of the label file (column filename) names this file",
        "skipped in total: 1 labels without audio, 1 unreadable audio files, 1 clips shorter than one window, 1 audio without labels",
        "wrote 6 examples of 128 features from 3 clips",
    ] {
        assert!(err.contains(expect), "missing {expect:?} in:\n{err}");
    }
    let ds = Dataset::load(&f.out).unwrap();
    assert_eq!(ds.n_examples(), 6);
    assert_eq!(ds.n_features(), 128);
    assert_eq!(ds.labels(), &[0.5, 0.5, 0.25, 0.25, 0.75, 0.75]);
    assert_eq!(ds.groups().unwrap(), &["x", "x", "x", "x", "y", "y"]);
    assert_eq!(ds.clips(), &["a.wav", "b.wav", "sub/c.wav"]);
    assert_eq!(ds.origins()[1].start_s, 64.0 * 256.0 / 16_000.0);
    assert_eq!(
        ds.spec(),
        &FeatureSource::Audio {
            spec: FeatureSpec::DEFAULT,
            stats: StatsSpec::DEFAULT
        }
    );
    assert_eq!(ds.provenance().clips_used, 3);
    assert_eq!(ds.provenance().skipped.len(), 4);
    // The features are the core's window statistics of the decoded clip, in dB.
    let pcm = load_pcm16(&f.audio.join("b.wav"), 16_000).unwrap();
    let q8 = window_features(&FeatureSpec::DEFAULT, &StatsSpec::DEFAULT, &pcm.samples).unwrap();
    let want: Vec<f32> = q8.iter().map(|&v| v as f32 / 256.0).collect();
    assert_eq!(ds.features(2), &want[..128]);
    assert_eq!(ds.features(3), &want[128..]);
}

#[test]
fn strict_turns_any_problem_into_one_error_line() {
    let f = fixture();
    let out = valence(&f.cache)
        .arg("--strict")
        .arg("--data")
        .arg(&f.audio)
        .arg("--labels")
        .arg(&f.labels)
        .arg("--out")
        .arg(&f.out)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with("error: --strict: 4 problems (1 labels without audio, 1 unreadable audio files, 1 clips shorter than one window, 1 audio without labels); the first: row 7 (missing.wav)"),
        "{last}"
    );
    assert!(!f.out.exists());
}

#[test]
fn summary_reports_and_writes_nothing() {
    let f = fixture();
    let out = valence(&f.cache)
        .arg("--summary")
        .arg("--data")
        .arg(&f.audio)
        .arg("--labels")
        .arg(&f.labels)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    for expect in [
        "6 audio files (wav 6)",
        "static labels, 6 rows, file column filename, label column valence",
        "clips:    4 read (0 from the cache), 13.0 s of audio, 6 windows",
        "examples: 6 from 3 clips, labels from 0.25 to 0.75",
        "skipped:  1 labels without audio, 1 unreadable audio files, 1 clips shorter than one window, 1 audio without labels",
    ] {
        assert!(text.contains(expect), "missing {expect:?} in:\n{text}");
    }
    assert!(!f.out.exists());
    // Without labels: every readable clip is read and counted.
    let out = valence(&f.cache)
        .arg("--summary")
        .arg("--data")
        .arg(&f.audio)
        .output()
        .unwrap();
    let text = stdout_of(&out);
    assert!(text.contains("labels:   none"), "{text}");
    assert!(
        text.contains("clips:    5 read (4 from the cache), 17.0 s of audio, 8 windows"),
        "{text}"
    );
    // Writing needs labels.
    let out = valence(&f.cache)
        .arg("--data")
        .arg(&f.audio)
        .arg("--out")
        .arg(&f.out)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("has no labels: pass --labels"));
}

#[test]
fn dynamic_labels_align_to_window_centres_and_ids_map_to_files() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("clips");
    write_tone(&audio.join("1.wav"), 16_000, 1, 4.5, 440.0);
    write_tone(&audio.join("2.mp3.wav"), 16_000, 1, 4.5, 440.0);
    // Labels every 0.5 s from 0 to 4 s, valued as their time (10 for clip 1,
    // 20 for clip 2), with one gap.
    let times: Vec<u32> = (0..=8).map(|i| i * 500).collect();
    let mut csv = String::from("song_id");
    for t in &times {
        csv += &format!(",sample_{t}ms");
    }
    csv += "\n1";
    for t in &times {
        csv += &format!(",{}", 10.0 + *t as f64 / 1000.0);
    }
    csv += "\n3";
    for _ in &times {
        csv += ",0.5";
    }
    csv += "\n";
    let labels = dir.path().join("dyn.csv");
    std::fs::write(&labels, csv).unwrap();
    let out_path = dir.path().join("dyn.vds");
    let out = valence(&dir.path().join("cache"))
        .arg("--data")
        .arg(&audio)
        .arg("--labels")
        .arg(&labels)
        .arg("--out")
        .arg(&out_path)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("skipped row 3 (3): no audio file 3"), "{err}");
    assert!(err.contains("skipped 2.mp3.wav: no row"), "{err}");
    let ds = Dataset::load(&out_path).unwrap();
    // 4.5 s: windows start every 1.024 s; window w spans [1.024 w, 1.024 w + 2.064).
    // Inside [0, 4]: w = 0 (centre 1.032 → label at 1.0 s) and w = 1 (centre 2.056 → 2.0 s).
    assert_eq!(ds.labels(), &[11.0, 12.0]);
    assert_eq!(ds.groups().unwrap(), &["1.wav", "1.wav"]);
}

#[test]
fn column_flags_and_column_errors() {
    let f = fixture();
    let labels = f.labels.with_file_name("odd.csv");
    std::fs::write(&labels, "Piece,Score\na.wav,3\nb.wav,7\n").unwrap();
    let run = |extra: &[&str]| {
        valence(&f.cache)
            .arg("--data")
            .arg(&f.audio)
            .arg("--labels")
            .arg(&labels)
            .args(extra)
            .arg("--out")
            .arg(&f.out)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("no file column found") && err.contains("columns: Piece, Score"),
        "{err}"
    );
    let out = run(&["--file-column", "piece"]);
    let err = stderr_of(&out);
    assert!(
        err.contains("no label column found") && err.contains("--label-column"),
        "{err}"
    );
    let out = run(&["--file-column", "Piece", "--label-column", "Score"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        Dataset::load(&f.out).unwrap().labels(),
        &[3.0, 3.0, 7.0, 7.0]
    );
    let out = run(&["--file-column", "Piece", "--label-column", "Mood"]);
    assert!(stderr_of(&out).contains("no label column named \"Mood\""));
}

#[test]
fn a_second_run_comes_from_the_cache_and_writes_the_same_bytes() {
    let f = fixture();
    let run = |extra: &[&str]| {
        let out = valence(&f.cache)
            .arg("--data")
            .arg(&f.audio)
            .arg("--labels")
            .arg(&f.labels)
            .args(extra)
            .arg("--out")
            .arg(&f.out)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        std::fs::read(&f.out).unwrap()
    };
    let first = run(&[]);
    let entries = std::fs::read_dir(f.cache.join("features")).unwrap().count();
    assert_eq!(entries, 4, "one entry per decodable labelled clip");
    assert_eq!(run(&[]), first);
    assert_eq!(run(&["--no-cache"]), first);
    // Another spec misses the cache and changes the features.
    let other = run(&["--n-mels", "40"]);
    assert_ne!(other, first);
    assert_eq!(
        std::fs::read_dir(f.cache.join("features")).unwrap().count(),
        8
    );
    assert_eq!(Dataset::load(&f.out).unwrap().n_features(), 80);
}

fn write_npy_f32(path: &Path, shape: &[u64], data: &[f32]) {
    let mut w = npyz::WriteOptions::<f32>::new()
        .default_dtype()
        .shape(shape)
        .writer(std::fs::File::create(path).unwrap())
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
}

#[test]
fn feature_matrices_from_npy_with_npy_labels() {
    let dir = tempfile::tempdir().unwrap();
    let x: Vec<f32> = (0..30).map(|i| i as f32 * 0.5).collect();
    write_npy_f32(&dir.path().join("x.npy"), &[10, 3], &x);
    let y: Vec<i64> = (1..=10).collect();
    let mut w = npyz::WriteOptions::<i64>::new()
        .default_dtype()
        .shape(&[10])
        .writer(std::fs::File::create(dir.path().join("y.npy")).unwrap())
        .begin_nd()
        .unwrap();
    w.extend(y.iter().copied()).unwrap();
    w.finish().unwrap();
    let out_path = dir.path().join("m.vds");
    let out = valence(dir.path())
        .arg("--data")
        .arg(dir.path().join("x.npy"))
        .arg("--labels")
        .arg(dir.path().join("y.npy"))
        .arg("--out")
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let ds = Dataset::load(&out_path).unwrap();
    assert_eq!((ds.n_examples(), ds.n_features()), (10, 3));
    assert_eq!(ds.features(4), &[6.0, 6.5, 7.0]);
    assert_eq!(ds.labels()[9], 10.0);
    assert!(
        matches!(ds.spec(), FeatureSource::External { description } if description.contains("x.npy"))
    );
    assert!(ds.groups().is_none());
    // Labels that do not match the examples one to one.
    write_npy_f32(&dir.path().join("y5.npy"), &[5], &[1.0; 5]);
    let out = valence(dir.path())
        .arg("--data")
        .arg(dir.path().join("x.npy"))
        .arg("--labels")
        .arg(dir.path().join("y5.npy"))
        .arg("--out")
        .arg(&out_path)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("holds 10 examples but") && err.contains("holds 5 labels"),
        "{err}"
    );
}

#[test]
fn missing_input_and_bad_spec_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (args, expect) in [
        (
            vec!["--data", "/nonexistent/folder", "--summary"],
            "no such file or folder",
        ),
        (
            vec![
                "--data",
                ".",
                "--summary",
                "--window-frames",
                "100",
                "--hop-frames",
                "30",
            ],
            "invalid statistics window",
        ),
        (
            vec!["--data", ".", "--summary", "--n-fft", "500"],
            "not a power of two",
        ),
    ] {
        let out = valence(dir.path()).args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = stderr_of(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(expect),
            "{args:?}: {err}"
        );
    }
    let not_a_dataset = dir.path().join("x.vds");
    std::fs::write(&not_a_dataset, b"hello").unwrap();
    let err = format!("{:#}", Dataset::load(&not_a_dataset).unwrap_err());
    assert!(err.contains("not a valence dataset file"), "{err}");
}

#[test]
fn spectrograms_from_npy_are_summarised_per_clip_or_per_window() {
    let dir = tempfile::tempdir().unwrap();
    // Four power spectrograms of 40 mels × 300 frames (librosa's orientation).
    let (clips, mels, frames) = (4usize, 40usize, 300usize);
    let x: Vec<f32> = (0..clips * mels * frames)
        .map(|i| {
            let (c, rest) = (i / (mels * frames), i % (mels * frames));
            let (m, t) = (rest / frames, rest % frames);
            10f32.powf(-((m + c) as f32) / 10.0) * (1.0 + 0.5 * ((t % 7) as f32 / 7.0))
        })
        .collect();
    write_npy_f32(
        &dir.path().join("mels.npy"),
        &[clips as u64, mels as u64, frames as u64],
        &x,
    );
    write_npy_f32(&dir.path().join("v.npy"), &[4], &[0.1, 0.2, 0.3, 0.4]);
    let run = |extra: &[&str], out: &Path| {
        valence(dir.path())
            .arg("--data")
            .arg(dir.path().join("mels.npy"))
            .arg("--labels")
            .arg(dir.path().join("v.npy"))
            .args(["--n-mels", "40"])
            .args(extra)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };
    let whole = dir.path().join("whole.vds");
    let out = run(&[], &whole);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let ds = Dataset::load(&whole).unwrap();
    assert_eq!((ds.n_examples(), ds.n_features()), (4, 80));
    // Band 3 of clip 1: the mean of its frames in dB, to Q8.8 precision.
    let db: Vec<f64> = (0..frames)
        .map(|t| 10.0 * (x[(mels + 3) * frames + t] as f64).log10())
        .collect();
    let want = db.iter().sum::<f64>() / frames as f64;
    let mean = ds.features(1)[3] as f64;
    assert!((mean - want).abs() < 0.01, "{mean} vs {want}");
    assert!(ds.features(1)[40 + 3] > 0.0, "a std");
    assert!(matches!(ds.spec(), FeatureSource::External { description }
        if description.contains("power mel spectrograms") && description.contains("22050 Hz")));
    let windows = dir.path().join("windows.vds");
    let out = run(&["--window-frames", "128"], &windows);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let ds = Dataset::load(&windows).unwrap();
    // 300 frames: windows end at 128, 192, 256 (hop 64): three per clip.
    assert_eq!(ds.n_examples(), 12);
    assert_eq!(ds.labels()[3..6], [0.2, 0.2, 0.2]);
    assert_eq!(ds.groups().unwrap()[3], "item 1");
    // The wrong orientation is a clear error.
    let out = run(&["--orientation", "frames-by-mels"], &whole);
    let err = stderr_of(&out);
    assert!(!out.status.success());
    assert!(err.contains("mel bands") && err.contains("is it"), "{err}");
}
