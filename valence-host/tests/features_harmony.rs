//! `valence features --feature-set` end to end: harmony statistics beside
//! the mel statistics, their alignment with the same windows, the dataset's
//! recorded feature source, and the refusals (array input, `export`).

use std::path::Path;
use std::process::{Command, Output};

use valence_core::stats::StatsSpec;
use valence_core::FeatureSpec;
use valence_host::data::audio::load_pcm16;
use valence_host::data::dataset::{Dataset, FeatureSource};
use valence_host::data::extract::window_features;
use valence_host::data::harmony::{harmony_windows, FeatureSet};

fn valence(cache: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_valence"));
    c.env("VALENCE_CACHE_DIR", cache);
    c
}

fn check(out: &Output) {
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A cadence of chords of sines, each chord 0.5 s, repeated for `seconds`,
/// 16 kHz mono.
fn write_cadence(path: &Path, chords: &[[f64; 3]], seconds: f64) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..(16_000.0 * seconds) as usize {
        let t = i as f64 / 16_000.0;
        let freqs = &chords[(t / 0.5) as usize % chords.len()];
        let v: f64 = freqs
            .iter()
            .map(|f| (2.0 * std::f64::consts::PI * f * t).sin())
            .sum();
        w.write_sample((v / freqs.len() as f64 * 10_000.0) as i16)
            .unwrap();
    }
    w.finalize().unwrap();
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    /// Cadences I–IV–V–I in C major and i–iv–V–i in A minor (a chord every
    /// 0.5 s, so every 2 s window hears all four), 4 s each, labelled 0.8
    /// and −0.4. (A lone triad is ambiguous under the Krumhansl–Kessler
    /// profiles: C–E–G fits E minor about as well as C major.)
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let audio = dir.path().join("audio");
        std::fs::create_dir_all(&audio).unwrap();
        let (c4, d4, e4, f4, g4, a4, b4) = (261.63, 293.66, 329.63, 349.23, 392.00, 440.0, 493.88);
        let (e3, gs3, a3, b3) = (164.81, 207.65, 220.0, 246.94);
        let major = [
            [c4, e4, g4],
            [f4, a4, c4 * 2.0],
            [g4, b4, d4 * 2.0],
            [c4, e4, g4],
        ];
        let minor = [[a3, c4, e4], [d4, f4, a4], [e3, gs3, b3], [a3, c4, e4]];
        write_cadence(&audio.join("major.wav"), &major, 4.0);
        write_cadence(&audio.join("minor.wav"), &minor, 4.0);
        std::fs::write(
            dir.path().join("labels.csv"),
            "file,label\nmajor.wav,0.8\nminor.wav,-0.4\n",
        )
        .unwrap();
        Fixture { dir }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn features(&self, set: &str, out: &str) -> Dataset {
        let o = valence(&self.path("cache"))
            .arg("features")
            .arg("--data")
            .arg(self.path("audio"))
            .arg("--labels")
            .arg(self.path("labels.csv"))
            .args(["--feature-set", set, "--out"])
            .arg(self.path(out))
            .output()
            .unwrap();
        check(&o);
        Dataset::load(&self.path(out)).unwrap()
    }
}

#[test]
fn mel_harmony_vectors_are_the_mel_vectors_followed_by_the_harmony_of_the_same_window() {
    let fx = Fixture::new();
    let mel = fx.features("mel", "mel.vds");
    let both = fx.features("mel-harmony", "both.vds");
    let harmony = fx.features("harmony", "harmony.vds");
    let spec = FeatureSpec::DEFAULT;
    let stats = StatsSpec::DEFAULT;
    let n_mel = 2 * spec.n_mels as usize;
    assert_eq!(mel.n_features(), n_mel);
    assert_eq!(both.n_features(), n_mel + 15);
    assert_eq!(harmony.n_features(), 15);
    assert!(matches!(mel.spec(), FeatureSource::Audio { .. }));
    match both.spec() {
        FeatureSource::AudioHarmony {
            set,
            chroma_n_fft,
            chroma_hop,
            ..
        } => assert_eq!(
            (*set, *chroma_n_fft, *chroma_hop),
            (FeatureSet::MelHarmony, 2048, 1024)
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(mel.labels(), both.labels());
    assert_eq!(mel.labels().len(), harmony.labels().len());

    // Oracle: the library functions on the decoded samples, window by window.
    let mut row = 0;
    for (clip, major) in [("major.wav", true), ("minor.wav", false)] {
        let pcm = load_pcm16(&fx.path("audio").join(clip), spec.sample_rate).unwrap();
        let mel_rows = window_features(&spec, &stats, &pcm.samples).unwrap();
        let n_windows = mel_rows.len() / n_mel;
        let h = harmony_windows(&spec, &stats, &pcm.samples, n_windows).unwrap();
        // Rows of one clip are consecutive in the dataset, clips in file order.
        for w in 0..n_windows {
            let b = both.features(row);
            assert_eq!(&b[..n_mel], mel.features(row));
            for (k, &v) in h[w * 15..(w + 1) * 15].iter().enumerate() {
                assert_eq!(
                    b[n_mel + k],
                    v as f32 / 32768.0,
                    "{clip} window {w} value {k}"
                );
                assert_eq!(harmony.features(row)[k], b[n_mel + k]);
            }
            // Key clarity: the major chord sounds major, the minor one minor.
            let diff = b[n_mel + 14];
            assert_eq!(diff > 0.0, major, "{clip} window {w}: major − minor {diff}");
            row += 1;
        }
    }
    assert_eq!(row, both.labels().len());
}

#[test]
fn export_refuses_harmony_features_and_train_keeps_the_run() {
    let fx = Fixture::new();
    fx.features("mel-harmony", "both.vds");
    let run = fx.path("run");
    let o = valence(&fx.path("cache"))
        .args([
            "train",
            "--epochs",
            "2",
            "--hidden",
            "4",
            "--val-fraction",
            "0.5",
        ])
        .arg("--data")
        .arg(fx.path("both.vds"))
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    check(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("no device model written"), "{stdout}");
    assert!(!run.join("model.vlm").exists());
    let o = valence(&fx.path("cache"))
        .arg("export")
        .arg(&run)
        .arg("--out")
        .arg(fx.path("m.vlm"))
        .arg("--data")
        .arg(fx.path("both.vds"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("mel-harmony") && stderr.contains("cannot describe"),
        "{stderr}"
    );
    assert!(!fx.path("m.vlm").exists());
}

#[test]
fn array_input_refuses_harmony_features() {
    let fx = Fixture::new();
    let npy = fx.path("x.npy");
    // Any array file: the refusal comes before it is read.
    std::fs::write(&npy, b"not read").unwrap();
    let o = valence(&fx.path("cache"))
        .arg("features")
        .arg("--data")
        .arg(&npy)
        .args(["--feature-set", "harmony", "--out"])
        .arg(fx.path("x.vds"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("needs audio"), "{stderr}");
}
