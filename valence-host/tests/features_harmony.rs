//! `valence features --feature-set` end to end: harmony (and onset) statistics beside
//! the mel statistics, their alignment with the same windows, the dataset's
//! recorded feature source, the array-input refusal, and runs on harmony
//! features exported to models that declare them (`inspect`, `predict`,
//! `verify --data`).

use std::path::Path;
use std::process::{Command, Output};

use valence_core::harmony::{ChromaOrder, KeyClarity};
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
            (FeatureSet::MelHarmony, 2048, 2048)
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
        let h = harmony_windows(
            &spec,
            &stats,
            ChromaOrder::PitchClass,
            &pcm.samples,
            n_windows,
        )
        .unwrap();
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

/// The onset sets: the harmony (or mel + harmony) vectors followed by the
/// onset statistics of the same window, what the core's `OnsetStats`
/// computes on the same frames; a chord change every 0.5 s is heard.
#[test]
fn onset_vectors_follow_the_harmony_vectors_of_the_same_window() {
    use valence_host::data::extract::window_features_and_onset;
    let fx = Fixture::new();
    let both = fx.features("mel-harmony", "both.vds");
    let harmony = fx.features("harmony", "harmony.vds");
    let all = fx.features("mel-harmony-onset", "all.vds");
    let ho = fx.features("harmony-onset", "ho.vds");
    let spec = FeatureSpec::DEFAULT;
    let stats = StatsSpec::DEFAULT;
    let n_mel = 2 * spec.n_mels as usize;
    assert_eq!(all.n_features(), n_mel + 15 + 2);
    assert_eq!(ho.n_features(), 15 + 2);
    match ho.spec() {
        FeatureSource::AudioHarmony { set, .. } => assert_eq!(*set, FeatureSet::HarmonyOnset),
        other => panic!("{other:?}"),
    }
    assert_eq!(all.labels(), both.labels());
    let mut row = 0;
    for clip in ["major.wav", "minor.wav"] {
        let pcm = load_pcm16(&fx.path("audio").join(clip), spec.sample_rate).unwrap();
        let (mel_rows, onset) =
            window_features_and_onset(&spec, &stats, &pcm.samples, true).unwrap();
        for w in 0..mel_rows.len() / n_mel {
            assert_eq!(&all.features(row)[..n_mel + 15], both.features(row));
            assert_eq!(&ho.features(row)[..15], harmony.features(row));
            for k in 0..2 {
                let v = onset[w * 2 + k] as f32 / 256.0;
                assert_eq!(all.features(row)[n_mel + 15 + k], v, "{clip} window {w}");
                assert_eq!(ho.features(row)[15 + k], v, "{clip} window {w}");
            }
            assert!(
                onset[w * 2] > 0,
                "{clip} window {w}: the chord changes rise"
            );
            row += 1;
        }
    }
    assert_eq!(row, all.labels().len());
}

/// The key sets: the onset sets' vectors with the 12 chroma values read
/// from the tonic of each window's best key; the C major clip then starts
/// from C, the A minor one from A (its minor third, C, at degree 3).
#[test]
fn key_vectors_read_the_chroma_from_the_best_keys_tonic() {
    let fx = Fixture::new();
    let ho = fx.features("harmony-onset", "ho.vds");
    let ko = fx.features("key-onset", "ko.vds");
    let all = fx.features("mel-harmony-onset", "all.vds");
    let mko = fx.features("mel-key-onset", "mko.vds");
    let n_mel = 2 * FeatureSpec::DEFAULT.n_mels as usize;
    assert_eq!(ko.n_features(), 15 + 2);
    assert_eq!(mko.n_features(), n_mel + 15 + 2);
    match mko.spec() {
        FeatureSource::AudioHarmony { set, .. } => assert_eq!(*set, FeatureSet::MelKeyOnset),
        other => panic!("{other:?}"),
    }
    assert_eq!(ko.labels(), ho.labels());
    let mut tonics = Vec::new();
    for row in 0..ho.labels().len() {
        let (by_class, by_degree) = (ho.features(row), ko.features(row));
        let chroma: [u16; 12] = core::array::from_fn(|c| (by_class[c] * 32768.0) as u16);
        let tonic = KeyClarity::of(&chroma).best_key() as usize % 12;
        for d in 0..12 {
            assert_eq!(
                by_degree[d],
                by_class[(tonic + d) % 12],
                "row {row} degree {d}"
            );
        }
        assert_eq!(by_degree[12..], by_class[12..], "row {row}");
        let (m, mk) = (all.features(row), mko.features(row));
        assert_eq!(mk[..n_mel], m[..n_mel]);
        assert_eq!(&mk[n_mel..], by_degree);
        tonics.push(tonic);
    }
    // Rows of major.wav, then of minor.wav.
    let half = tonics.len() / 2;
    assert!(tonics[..half].iter().all(|&t| t == 0), "{tonics:?}");
    assert!(tonics[half..].iter().all(|&t| t == 9), "{tonics:?}");
    let minor = ko.features(half);
    assert!(
        minor[3] > minor[4],
        "minor third above major third: {minor:?}"
    );
}

/// Features of `set` → train → export → inspect, predict, verify.
fn export_round_trip(set: FeatureSet) {
    let fx = Fixture::new();
    // Two more clips (a tone higher), so that a split by clip leaves
    // different labels on both sides.
    let up = |f: f64| f * 2f64.powf(2.0 / 12.0);
    let (c4, e4, g4, a3) = (261.63, 329.63, 392.00, 220.0);
    write_cadence(
        &fx.path("audio").join("major2.wav"),
        &[[up(c4), up(e4), up(g4)]],
        4.0,
    );
    write_cadence(
        &fx.path("audio").join("minor2.wav"),
        &[[up(a3), up(c4), up(e4)]],
        4.0,
    );
    std::fs::write(
        fx.path("labels.csv"),
        "file,label\nmajor.wav,0.8\nminor.wav,-0.4\nmajor2.wav,0.6\nminor2.wav,-0.2\n",
    )
    .unwrap();
    fx.features(set.name(), "both.vds");
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
    assert!(!stdout.contains("cannot carry"), "{stdout}");
    let model = fx.path("m.vlm");
    let o = valence(&fx.path("cache"))
        .arg("export")
        .arg(&run)
        .arg("--out")
        .arg(&model)
        .arg("--data")
        .arg(fx.path("both.vds"))
        .arg("--allow-failing")
        .output()
        .unwrap();
    check(&o);
    let bytes = std::fs::read(&model).unwrap();
    let m = valence_core::Model::from_bytes(&bytes).unwrap();
    assert_eq!(m.feature_set(), set);
    assert_eq!(m.n_features(), set.n_features(128));
    assert_eq!(&bytes[4..6], &2u16.to_le_bytes());

    // inspect names the feature set, as text and JSON.
    let o = valence(&fx.path("cache"))
        .arg("inspect")
        .arg(&model)
        .output()
        .unwrap();
    check(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("format version:    2"), "{text}");
    assert!(
        text.contains(&format!("feature set:       {set}: ")),
        "{text}"
    );
    let o = valence(&fx.path("cache"))
        .args(["inspect", "--json"])
        .arg(&model)
        .output()
        .unwrap();
    check(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["feature_set"], set.name());
    assert_eq!(v["chroma"]["n_fft"], 2048);
    assert_eq!(v["chroma"]["hop"], 2048);
    assert_eq!(v["n_features"], set.n_features(128));

    // predict gives the core sensor's readings.
    let wav = fx.path("audio").join("minor.wav");
    let o = valence(&fx.path("cache"))
        .args(["predict", "--json", "--model"])
        .arg(&model)
        .arg(&wav)
        .output()
        .unwrap();
    check(&o);
    let got: Vec<i64> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["value_q16"].as_i64().unwrap()
        })
        .collect();
    let pcm = load_pcm16(&wav, 16_000).unwrap();
    let mut sensor = Box::new(valence_host::commands::predict::HostSensor::new(m.clone()).unwrap());
    let mut want = Vec::new();
    sensor.push(&pcm.samples, |r| want.push(r.value_q16 as i64));
    assert_eq!(got, want);
    assert!(!want.is_empty());

    // verify --data accepts the dataset the model was trained on and
    // refuses one of another feature set.
    let o = valence(&fx.path("cache"))
        .args(["verify", "--model"])
        .arg(&model)
        .arg("--run")
        .arg(&run)
        .arg("--data")
        .arg(fx.path("both.vds"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("are not the model's"), "{err}");
    assert!(out.contains("MSE"), "{out}\n{err}");
    fx.features("harmony", "harmony.vds");
    let o = valence(&fx.path("cache"))
        .args(["verify", "--model"])
        .arg(&model)
        .arg("--run")
        .arg(&run)
        .arg("--data")
        .arg(fx.path("harmony.vds"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("are not the model's") && err.contains(&format!("--feature-set {set}")),
        "{err}"
    );
}

#[test]
fn harmony_runs_export_models_that_declare_the_feature_set() {
    export_round_trip(FeatureSet::MelHarmony);
}

#[test]
fn onset_runs_export_models_that_declare_the_feature_set() {
    export_round_trip(FeatureSet::HarmonyOnset);
}

#[test]
fn key_runs_export_models_that_declare_the_feature_set() {
    export_round_trip(FeatureSet::KeyOnset);
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
