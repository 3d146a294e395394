//! `valence predict` end to end: the number of readings follows from the
//! recording's length and the model's specs (counted by hand), every value
//! equals the core's `ValenceSensor` on the same samples, and bad input —
//! a missing recording, a file that is not audio, a model too large for the
//! host's sensor — gets a clear error and a non-zero exit without losing
//! the readings of the other recordings.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use valence_core::{Model, Reading};
use valence_host::commands::predict::HostSensor;
use valence_host::data::audio::load_pcm16;
use valence_tests::models::{small_model, OwnedModel};

fn predict(model: &Path, audio: &[&Path], json: bool) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_valence"));
    c.arg("predict").arg("--model").arg(model).args(audio);
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

/// A 16-bit WAV of a tone gliding from 300 Hz up with some noise.
fn write_wav(path: &Path, rate: u32, channels: u16, samples_per_channel: usize) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let mut noise = 12_345u32;
    for k in 0..samples_per_channel {
        let t = k as f64 / rate as f64;
        let tone = (2.0 * std::f64::consts::PI * (300.0 * t + 40.0 * t * t)).sin();
        for c in 0..channels {
            noise = noise.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let n = (noise >> 16) as f64 / 65_536.0 - 0.5;
            let x = 9_000.0 * tone * (1.0 - 0.3 * c as f64) + 2_000.0 * n;
            w.write_sample(x.round() as i16).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// The core's readings of `samples`.
fn core_readings(bytes: &[u8], samples: &[i16]) -> Vec<Reading> {
    let model = Model::from_bytes(bytes).unwrap();
    let mut sensor = Box::new(HostSensor::new(model).unwrap());
    let mut out = Vec::new();
    sensor.push(samples, |r| out.push(r));
    out
}

struct Setup {
    _dir: tempfile::TempDir,
    model: PathBuf,
    bytes: Vec<u8>,
    wav: PathBuf,
}

/// The small model (16 kHz, n_fft 256, hop 128, windows of 32 frames every
/// 16) and a 16 kHz mono WAV of 40,000 samples.
fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("small.vlm");
    let bytes = small_model().to_bytes();
    std::fs::write(&model, &bytes).unwrap();
    let wav = dir.path().join("tone.wav");
    write_wav(&wav, 16_000, 1, 40_000);
    Setup {
        _dir: dir,
        model,
        bytes,
        wav,
    }
}

fn read_samples(path: &Path) -> Vec<i16> {
    hound::WavReader::open(path)
        .unwrap()
        .samples::<i16>()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn text_gives_one_line_per_reading_with_the_core_values() {
    let s = setup();
    let out = predict(&s.model, &[&s.wav], false);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("file\ttime_s\tvalence"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    // Frames: (40000 − 256) / 128 + 1 = 311; windows of 32 every 16:
    // (311 − 32) / 16 + 1 = 18 readings.
    assert_eq!(rows.len(), 18, "{text}");
    let core = core_readings(&s.bytes, &read_samples(&s.wav));
    assert_eq!(core.len(), 18);
    for (i, (row, r)) in rows.iter().zip(&core).enumerate() {
        assert_eq!(row.len(), 3, "{row:?}");
        assert_eq!(row[0], s.wav.display().to_string());
        // The window of reading i ends at sample (16·i + 31)·128 + 256.
        let end = (16 * i as u64 + 31) * 128 + 256;
        assert_eq!(r.end_sample, end);
        assert_eq!(row[1], format!("{:.3}", end as f64 / 16_000.0));
        assert_eq!(row[2].parse::<f32>().unwrap(), r.value(), "reading {i}");
    }
}

#[test]
fn json_lines_carry_the_exact_core_values() {
    let s = setup();
    // The same recording at 44.1 kHz in stereo: resampled and mixed first.
    let stereo = s.wav.with_file_name("stereo-44k.wav");
    write_wav(&stereo, 44_100, 2, 100_000);
    let out = predict(&s.model, &[&s.wav, &stereo], true);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let objects: Vec<Value> = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mono = core_readings(&s.bytes, &read_samples(&s.wav));
    let resampled = load_pcm16(&stereo, 16_000).unwrap().samples;
    let stereo_core = core_readings(&s.bytes, &resampled);
    assert!(!stereo_core.is_empty());
    assert_eq!(objects.len(), mono.len() + stereo_core.len());
    let expected = mono
        .iter()
        .map(|r| (&s.wav, r))
        .chain(stereo_core.iter().map(|r| (&stereo, r)));
    for (o, (path, r)) in objects.iter().zip(expected) {
        assert_eq!(o["file"], path.display().to_string());
        assert_eq!(o["index"], r.index);
        assert_eq!(o["end_sample"], r.end_sample);
        assert_eq!(o["time_s"], r.end_sample as f64 / 16_000.0);
        assert_eq!(o["value_q16"], r.value_q16);
        assert_eq!(o["valence"].as_f64().unwrap() as f32, r.value());
    }
}

#[test]
fn bad_recordings_are_named_and_the_others_still_read() {
    let s = setup();
    let missing = s.wav.with_file_name("missing.wav");
    let text = s.wav.with_file_name("notes.wav");
    std::fs::write(&text, "these are notes, not audio\n").unwrap();
    let out = predict(&s.model, &[&missing, &s.wav, &text], false);
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(err.contains("missing.wav: no such file"), "{err}");
    assert!(
        err.contains("notes.wav: not an audio file this tool can read"),
        "{err}"
    );
    assert!(err.contains("2 of 3 recordings could not be read"), "{err}");
    // The good recording's readings are all there.
    assert_eq!(stdout_of(&out).lines().count(), 1 + 18);
}

#[test]
fn a_recording_too_short_for_a_window_gives_no_reading() {
    let s = setup();
    // One sample short of the first window: (31·128 + 256) − 1.
    let short = s.wav.with_file_name("short.wav");
    write_wav(&short, 16_000, 1, 31 * 128 + 256 - 1);
    let out = predict(&s.model, &[&short], true);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty());
    let err = stderr_of(&out);
    assert!(
        err.contains("no reading: 4223 samples at 16000 Hz, one reading needs 4224"),
        "{err}"
    );
}

#[test]
fn a_model_too_large_for_the_host_sensor_is_refused() {
    let s = setup();
    let owned = small_model();
    let wide = OwnedModel::random(9, owned.spec, owned.stats, &[1100]);
    let path = s.model.with_file_name("wide.vlm");
    std::fs::write(&path, wide.to_bytes()).unwrap();
    let out = predict(&path, &[&s.wav], false);
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains("wide.vlm: the model needs layer width 1100 but this build was compiled for at most 1024"),
        "{err}"
    );
}
