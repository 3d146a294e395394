//! The host's feature path is the device's: on the same samples,
//! `data::extract::window_features_and_onset` (what training sets are built from) and
//! the core's `ValenceSensor` (what `valence predict` and a device run)
//! give the same feature vectors, bit for bit, as many of them, at the
//! same sample positions; and every reading the sensor gives equals
//! `mlp::quantize_features` + `mlp::infer` on those features. Models that
//! read harmony features (mel + harmony, harmony alone) are compared the
//! same way against `data::harmony::harmony_windows`, what
//! `valence features --feature-set mel-harmony|harmony` builds datasets from,
//! and models that also read the onset statistics against
//! `data::extract::window_features_and_onset`.
//!
//! Checked on generated signals (tones, a chirp, noise, silence, clipping)
//! for several specs, and on real recordings from `../shared/data`
//! (`music/`: WAV and OGG Vorbis; `emomusic/audio/`: two MP3 clips), which
//! are skipped with a message when the data is absent.

use std::path::PathBuf;

use valence_core::mlp::{infer, quantize_features};
use valence_core::model::FeatureSet;
use valence_core::sensor::{DefaultHarmonySensor, DefaultSensor};
use valence_core::stats::{StatsSpec, Summary};
use valence_core::{FeatureSpec, MelNorm, MelScale, Model, Reading};
use valence_host::commands::predict::HostSensor;
use valence_host::data::audio::{is_audio_path, load_pcm16};
use valence_host::data::extract::{window_features_and_onset, window_span};
use valence_host::data::harmony::harmony_windows;
use valence_tests::models::{default_shape_model, small_model, OwnedModel};

/// The models the paths are compared under: the default shape, the small
/// spec, and one with every spec option changed (22.05 kHz, n_fft 1024,
/// HTK scale, no normalisation, a non-zero fmin, windows that do not overlap).
fn models() -> Vec<(&'static str, OwnedModel)> {
    let odd_spec = FeatureSpec {
        sample_rate: 22_050,
        n_fft: 1024,
        hop: 300,
        n_mels: 96,
        fmin_hz: 30.0,
        fmax_hz: 10_000.0,
        mel_scale: MelScale::Htk,
        norm: MelNorm::None,
        db_floor: -80,
    };
    let odd_stats = StatsSpec {
        summary: Summary::MeanStd,
        window_frames: 40,
        hop_frames: 40,
    };
    vec![
        ("default", default_shape_model()),
        ("small", small_model()),
        (
            "22 kHz HTK",
            OwnedModel::random(29, odd_spec, odd_stats, &[48, 16]),
        ),
        (
            "default mel-harmony",
            OwnedModel::random_with_set(
                31,
                FeatureSpec::DEFAULT,
                StatsSpec::DEFAULT,
                &[256, 128, 64],
                FeatureSet::MelHarmony,
            ),
        ),
        (
            "small harmony",
            OwnedModel::random_with_set(
                37,
                small_model().spec,
                small_model().stats,
                &[24],
                FeatureSet::Harmony,
            ),
        ),
        (
            "default mel-harmony-onset",
            OwnedModel::random_with_set(
                41,
                FeatureSpec::DEFAULT,
                StatsSpec::DEFAULT,
                &[256, 128, 64],
                FeatureSet::MelHarmonyOnset,
            ),
        ),
        (
            "small harmony-onset",
            OwnedModel::random_with_set(
                43,
                small_model().spec,
                small_model().stats,
                &[24],
                FeatureSet::HarmonyOnset,
            ),
        ),
        (
            "default mel-key-onset",
            OwnedModel::random_with_set(
                47,
                FeatureSpec::DEFAULT,
                StatsSpec::DEFAULT,
                &[256, 128, 64],
                FeatureSet::MelKeyOnset,
            ),
        ),
        (
            "small key-onset",
            OwnedModel::random_with_set(
                53,
                small_model().spec,
                small_model().stats,
                &[24],
                FeatureSet::KeyOnset,
            ),
        ),
    ]
}

/// The readings of `samples` with the feature vector at each (the mel
/// statistics the model reads, then the harmony values, then the onset
/// values), pushed in chunks of `chunk` samples.
fn sensor_readings<
    const F: usize,
    const M: usize,
    const W: usize,
    const CF: usize,
    const CW: usize,
>(
    sensor: &mut valence_core::ValenceSensor<'_, F, M, W, CF, CW>,
    samples: &[i16],
    chunk: usize,
) -> Vec<(Reading, Vec<i32>)> {
    let mut out = Vec::new();
    let has_mel = sensor.model().unwrap().feature_set().has_mel();
    for piece in samples.chunks(chunk) {
        let mut input = piece;
        while let Some(r) = sensor.next_reading(&mut input) {
            let (means, stds) = sensor.features();
            let mut v: Vec<i32> = if has_mel {
                means.iter().chain(stds).map(|&x| x as i32).collect()
            } else {
                Vec::new()
            };
            v.extend_from_slice(sensor.harmony_features());
            v.extend(sensor.onset_features().iter().map(|&x| x as i32));
            out.push((r, v));
        }
    }
    out
}

/// Compares the two paths on `samples` (at the model's rate); returns the
/// number of readings.
fn check(what: &str, bytes: &[u8], samples: &[i16]) -> usize {
    let model = Model::from_bytes(bytes).unwrap();
    let spec = *model.feature_spec();
    let stats = *model.stats_spec();
    let set = model.feature_set();
    let n = model.n_features();
    let n_stats = stats.n_features(spec.n_mels as usize);
    let (mel, onset) = window_features_and_onset(&spec, &stats, samples, set.has_onset()).unwrap();
    assert_eq!(mel.len() % n_stats, 0, "{what}");
    let windows = mel.len() / n_stats;
    let harmony = if set.has_harmony() {
        harmony_windows(&spec, &stats, set.chroma_order(), samples, windows).unwrap()
    } else {
        Vec::new()
    };
    // The rows a dataset of this feature set holds, as integers.
    let rows: Vec<Vec<i32>> = (0..windows)
        .map(|i| {
            let mut row: Vec<i32> = if set.has_mel() {
                mel[i * n_stats..(i + 1) * n_stats]
                    .iter()
                    .map(|&x| x as i32)
                    .collect()
            } else {
                Vec::new()
            };
            if set.has_harmony() {
                row.extend_from_slice(&harmony[i * 15..(i + 1) * 15]);
            }
            if set.has_onset() {
                row.extend(onset[i * 2..(i + 1) * 2].iter().map(|&x| x as i32));
            }
            row
        })
        .collect();

    let mut sensor = Box::new(HostSensor::new(model.clone()).unwrap());
    // An odd chunk size, so that frames and windows end inside chunks.
    let readings = sensor_readings(&mut sensor, samples, 997);
    assert_eq!(readings.len(), rows.len(), "{what}: number of readings");

    let width = model.max_width();
    for (i, ((reading, features), row)) in readings.iter().zip(&rows).enumerate() {
        assert_eq!(features.len(), n, "{what}");
        assert_eq!(features, row, "{what}: features of reading {i}");
        assert_eq!(reading.index as usize, i, "{what}");
        assert_eq!(
            reading.end_sample,
            window_span(&spec, &stats, i).1,
            "{what}: end of reading {i}"
        );
        let mut a = vec![0i8; width];
        let mut b = vec![0i8; width];
        quantize_features(&model.descriptor().input, row.iter().copied(), &mut a[..n]);
        assert_eq!(
            infer(&model, &mut a, &mut b),
            reading.value_q16,
            "{what}: value of reading {i}"
        );
    }

    // A sensor sized exactly for the default model (the device's build)
    // gives the same readings, whatever the chunking.
    if spec == FeatureSpec::DEFAULT && model.max_width() == 256 {
        if set == FeatureSet::Mel {
            let mut exact = Box::new(DefaultSensor::new(model.clone()).unwrap());
            let exact_readings = sensor_readings(&mut exact, samples, 160);
            assert_eq!(exact_readings, readings, "{what}: DefaultSensor");
        }
        let mut exact = Box::new(DefaultHarmonySensor::unloaded());
        exact.load(model.clone()).unwrap();
        let exact_readings = sensor_readings(&mut exact, samples, 160);
        assert_eq!(exact_readings, readings, "{what}: DefaultHarmonySensor");
    }
    readings.len()
}

/// A deterministic test signal of `seconds` at `rate`: a 440 Hz tone with
/// harmonics, a 100 Hz → 7 kHz chirp, white noise, silence and a clipped
/// square wave, in turn.
fn generated(rate: u32, seconds: f64) -> Vec<i16> {
    let n = (rate as f64 * seconds) as usize;
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f64 / (1u64 << 24) as f64 * 2.0 - 1.0
    };
    let top = (7_000.0f64).min(rate as f64 * 0.45);
    (0..n)
        .map(|k| {
            let t = k as f64 / rate as f64;
            let part = (5 * k / n.max(1)) as u32;
            let x = match part {
                0 => {
                    let w = 2.0 * std::f64::consts::PI * 440.0 * t;
                    0.3 * w.sin() + 0.1 * (2.0 * w).sin() + 0.05 * (3.0 * w).sin()
                }
                1 => {
                    let span = seconds / 5.0;
                    let tau = t - span;
                    // Instantaneous frequency 100 Hz + (top − 100)·τ/span.
                    let phase = 100.0 * tau + (top - 100.0) * tau * tau / (2.0 * span);
                    0.5 * (2.0 * std::f64::consts::PI * phase).sin()
                }
                2 => 0.25 * noise(),
                3 => 0.0,
                _ => {
                    if (2.0 * std::f64::consts::PI * 220.0 * t).sin() >= 0.0 {
                        1.5
                    } else {
                        -1.5
                    }
                }
            };
            (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

#[test]
fn generated_signals_give_identical_features_and_readings() {
    for (name, owned) in models() {
        let bytes = owned.to_bytes();
        let samples = generated(owned.spec.sample_rate, 12.0);
        let count = check(name, &bytes, &samples);
        assert!(count >= 5, "{name}: only {count} readings");
        // Shorter than one window: no features, no readings, on both paths.
        let short = &samples[..(window_span(&owned.spec, &owned.stats, 0).1 - 1) as usize];
        assert_eq!(check(name, &bytes, short), 0);
    }
}

/// Real recordings: the music folder and the first two emoMusic clips.
fn recordings() -> Option<Vec<PathBuf>> {
    let data = valence_tests::env::data_dir();
    if !data.is_dir() {
        eprintln!(
            "skipping: no real data at {} (set VALENCE_DATA)",
            data.display()
        );
        return None;
    }
    let list = |dir: PathBuf| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| is_audio_path(p))
            .collect();
        v.sort();
        v
    };
    let mut files = list(data.join("music"));
    files.extend(list(data.join("emomusic/audio")).into_iter().take(2));
    Some(files)
}

#[test]
fn real_recordings_give_identical_features_and_readings() {
    let Some(files) = recordings() else { return };
    assert!(files.len() >= 7, "expected 5 music files and 2 MP3 clips");
    for (name, owned) in models() {
        let bytes = owned.to_bytes();
        for path in &files {
            let pcm = load_pcm16(path, owned.spec.sample_rate).unwrap();
            let what = format!("{name}, {}", path.display());
            let count = check(&what, &bytes, &pcm.samples);
            assert!(count > 0, "{what}: no readings");
        }
    }
}
