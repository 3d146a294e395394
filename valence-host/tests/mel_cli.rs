//! `valence mel` end to end: the binary's output equals the core's frames,
//! and every kind of bad input gets one clear line and a non-zero exit.

use std::path::{Path, PathBuf};
use std::process::Command;

use valence_core::FeatureSpec;

fn valence() -> Command {
    Command::new(env!("CARGO_BIN_EXE_valence"))
}

fn example_wav() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/audio/chord-progression-16k.wav")
}

fn read_npy(path: &Path) -> (Vec<u64>, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec::<f32>().unwrap())
}

fn write_wav(path: &Path, rate: u32, channels: u16, bits: u16, samples: &[i32]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

#[test]
fn writes_the_core_frames_as_float32_npy() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("frames.npy");
    let out = valence()
        .arg("mel")
        .arg(example_wav())
        .arg("--out")
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let (shape, values) = read_npy(&out_path);
    let pcm = valence_host::wav::read_wav(&example_wav()).unwrap();
    let frames = valence_host::melspec::mel_frames(&FeatureSpec::DEFAULT, &pcm.samples).unwrap();
    assert_eq!(shape, vec![frames.len() as u64, 64]);
    assert_eq!(values, frames.to_db());
    assert!(stderr_of(&out).contains(&format!("wrote {} frames", frames.len())));
}

#[test]
fn spec_flags_reach_the_front_end() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("htk.npy");
    let out = valence()
        .arg("mel")
        .arg(example_wav())
        .args([
            "--n-fft", "1024", "--hop", "512", "--n-mels", "40", "--htk", "--norm", "none",
        ])
        .args(["--fmin", "50", "--fmax", "7000"])
        .arg("--out")
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let (shape, _) = read_npy(&out_path);
    assert_eq!(shape[1], 40);
    assert_eq!(shape[0] as usize, (6 * 16_000 - 1024) / 512 + 1);
}

#[test]
fn multichannel_and_24_bit_input_is_mixed_to_mono() {
    let dir = tempfile::tempdir().unwrap();
    let n = 4000;
    let left: Vec<i32> = (0..n)
        .map(|i| ((i as f64 * 0.05).sin() * 20_000.0) as i32)
        .collect();
    // Stereo 24-bit: right channel is silent, so the mix is half the left channel.
    let stereo: Vec<i32> = left.iter().flat_map(|&l| [l << 8, 0]).collect();
    let wav = dir.path().join("stereo24.wav");
    write_wav(&wav, 16_000, 2, 24, &stereo);
    let pcm = valence_host::wav::read_wav(&wav).unwrap();
    assert_eq!(pcm.channels, 2);
    let want: Vec<i16> = left
        .iter()
        .map(|&l| ((l as f64) / 2.0).round() as i16)
        .collect();
    assert_eq!(pcm.samples, want);
}

#[test]
fn other_rates_are_resampled_to_the_spec_rate() {
    let dir = tempfile::tempdir().unwrap();
    let wav44 = dir.path().join("cd.wav");
    let tone: Vec<i32> = (0..44_100)
        .map(|i| ((i as f64 * 2.0 * std::f64::consts::PI * 440.0 / 44_100.0).sin() * 8000.0) as i32)
        .collect();
    write_wav(&wav44, 44_100, 1, 16, &tone);
    let out_path = dir.path().join("cd.npy");
    let out = valence()
        .arg("mel")
        .arg(&wav44)
        .arg("--out")
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    // One second at 16 kHz.
    let (shape, _) = read_npy(&out_path);
    assert_eq!(shape, vec![(16_000 - 512) / 256 + 1, 64]);
}

#[test]
fn bad_inputs_get_one_clear_line_and_a_nonzero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("never.npy");
    let text = dir.path().join("notes.wav");
    std::fs::write(&text, "this is not audio").unwrap();
    let short = dir.path().join("short.wav");
    write_wav(&short, 16_000, 1, 16, &[1, 2, 3]);

    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![dir.path().join("missing.wav").display().to_string()],
            "no such file",
        ),
        (vec![text.display().to_string()], "not an audio file"),
        (vec![short.display().to_string()], "fewer than one"),
        (
            vec![
                example_wav().display().to_string(),
                "--n-fft".into(),
                "500".into(),
            ],
            "not a power of two",
        ),
        (
            vec![
                example_wav().display().to_string(),
                "--fmax".into(),
                "9000".into(),
            ],
            "Nyquist",
        ),
    ];
    for (args, expect) in cases {
        let out = valence()
            .arg("mel")
            .args(&args)
            .arg("--out")
            .arg(&out_path)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let err = stderr_of(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(expect),
            "{args:?}: {err}"
        );
        assert!(!out_path.exists(), "{args:?} left an output file");
    }
}
