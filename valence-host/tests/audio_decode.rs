//! The audio front door: decoding (WAV, FLAC, OGG Vorbis, MP3), mixing to
//! mono, resampling and quantising, checked against hound, against the
//! samples a lossless file holds, and against the frequency and level of
//! sines.
//!
//! The compressed fixtures in `tests/fixtures/audio` are made by
//! `python/make_audio_fixtures.py`.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use valence_host::data::audio::{decode_bytes, decode_file, load_pcm16, resample, sample_to_i16};
use valence_host::wav::read_wav;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audio")
        .join(name)
}

fn write_wav(path: &Path, rate: u32, channels: u16, bits: u16, float: bool, samples: &[f64]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        if float {
            w.write_sample(s as f32).unwrap();
        } else {
            let full = (1i64 << (bits - 1)) as f64;
            w.write_sample((s * full).round().clamp(-full, full - 1.0) as i32)
                .unwrap();
        }
    }
    w.finalize().unwrap();
}

/// A test signal: two sines, noise, and both extremes of the range.
fn signal(n: usize, seed: u32) -> Vec<f64> {
    let mut s = seed;
    let mut v: Vec<f64> = (0..n)
        .map(|i| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = ((s >> 8) as f64 / (1u32 << 24) as f64 - 0.5) * 0.2;
            0.5 * (i as f64 * 0.031).sin() + 0.2 * (i as f64 * 0.5).sin() + noise
        })
        .collect();
    v[10] = 1.0;
    v[11] = -1.0;
    v
}

#[test]
fn wav_through_symphonia_gives_the_same_i16_samples_as_hound() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, u16, u16, bool); 5] = [
        ("mono16", 1, 16, false),
        ("stereo16", 2, 16, false),
        ("mono24", 1, 24, false),
        ("stereo24", 2, 24, false),
        ("mono_float", 1, 32, true),
    ];
    for (name, channels, bits, float) in cases {
        let path = dir.path().join(format!("{name}.wav"));
        write_wav(
            &path,
            16_000,
            channels,
            bits,
            float,
            &signal(9_001 * channels as usize, 7),
        );
        let hound_pcm = read_wav(&path).unwrap();
        let ours = load_pcm16(&path, 16_000).unwrap();
        assert_eq!(ours.channels, channels, "{name}");
        assert_eq!(ours.source_rate, 16_000, "{name}");
        if channels == 1 || bits == 16 {
            assert_eq!(ours.samples, hound_pcm.samples, "{name}");
        } else {
            // hound's reader rounds each 24-bit channel to 16 bits before
            // averaging, the decoder averages first: at most one step apart.
            let worst = ours
                .samples
                .iter()
                .zip(&hound_pcm.samples)
                .map(|(a, b)| (*a as i32 - *b as i32).abs())
                .max()
                .unwrap();
            assert!(worst <= 1, "{name}: {worst}");
        }
    }
}

#[test]
fn flac_decodes_to_the_exact_samples_it_holds() {
    let want: Vec<i16> = {
        let bytes = std::fs::read(fixture("tone_22050.pcm.npy")).unwrap();
        npyz::NpyFile::new(&bytes[..]).unwrap().into_vec().unwrap()
    };
    let pcm = load_pcm16(&fixture("tone_22050.flac"), 22_050).unwrap();
    assert_eq!(pcm.source_rate, 22_050);
    assert_eq!(pcm.samples, want);
    assert_eq!(pcm.clipped, 0);
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / x.len() as f64).sqrt()
}

/// Frequency from interpolated upward zero crossings.
fn frequency(x: &[f32], rate: f64) -> f64 {
    let mut crossings = Vec::new();
    for i in 1..x.len() {
        let (a, b) = (x[i - 1] as f64, x[i] as f64);
        if a < 0.0 && b >= 0.0 {
            crossings.push((i - 1) as f64 + a / (a - b));
        }
    }
    let (first, last) = (crossings[0], *crossings.last().unwrap());
    (crossings.len() - 1) as f64 / ((last - first) / rate)
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

#[test]
fn ogg_vorbis_stereo_is_mixed_to_mono() {
    let d = decode_file(&fixture("tone_stereo_44100.ogg")).unwrap();
    assert_eq!((d.sample_rate, d.channels), (44_100, 2));
    assert_eq!(d.samples.len(), 44_100);
    let mid = &d.samples[4_410..39_690];
    // Left 1 kHz at -6 dBFS, right silent: the mix is a -12 dBFS sine.
    let want = db(10f64.powf(-12.0 / 20.0) / 2f64.sqrt());
    assert!(
        (db(rms(mid)) - want).abs() < 0.1,
        "{} dB vs {want} dB",
        db(rms(mid))
    );
    assert!((frequency(mid, 44_100.0) - 1000.0).abs() < 0.05);
}

#[test]
fn mp3_with_a_lame_header_is_trimmed_to_its_true_length() {
    let d = decode_file(&fixture("tone_44100.mp3")).unwrap();
    assert_eq!((d.sample_rate, d.channels), (44_100, 1));
    assert_eq!(
        d.samples.len(),
        44_100,
        "encoder delay and padding are removed"
    );
    let mid = &d.samples[4_410..39_690];
    let want = db(10f64.powf(-6.0 / 20.0) / 2f64.sqrt());
    assert!(
        (db(rms(mid)) - want).abs() < 0.1,
        "{} dB vs {want} dB",
        db(rms(mid))
    );
    assert!((frequency(mid, 44_100.0) - 1000.0).abs() < 0.05);
    // Aligned in time: the sine starts at sample 0 with phase 0, so it is
    // rising through zero at every millisecond.
    let at_ms = |ms: usize| d.samples[ms * 441 / 10] as f64;
    for ms in [100usize, 500, 900] {
        assert!(at_ms(ms).abs() < 0.03, "{ms} ms: {}", at_ms(ms));
        assert!(d.samples[ms * 441 / 10 + 5] > 0.0);
    }
}

#[test]
fn resampling_keeps_frequency_and_level_and_removes_aliases() {
    for (from, to, f) in [
        (44_100u32, 16_000u32, 997.0),
        (22_050, 16_000, 2_500.0),
        (48_000, 16_000, 440.0),
        (8_000, 16_000, 1_234.5),
    ] {
        let n = from as usize * 2;
        let x: Vec<f32> = (0..n)
            .map(|i| (0.5 * (2.0 * PI * f * i as f64 / from as f64).sin()) as f32)
            .collect();
        let y = resample(&x, from, to).unwrap();
        assert_eq!(y.len(), to as usize * 2, "{from} -> {to}");
        let mid = &y[to as usize / 4..to as usize * 7 / 4];
        let level = db(rms(mid)) - db(0.5 / 2f64.sqrt());
        let freq = frequency(mid, to as f64);
        println!("{from} Hz -> {to} Hz, {f} Hz sine: level {level:+.4} dB, frequency {freq:.4} Hz");
        assert!(
            level.abs() < 0.01,
            "{from} -> {to}: level off by {level} dB"
        );
        assert!((freq - f).abs() < 0.01, "{from} -> {to}: {freq} Hz");
    }
    // A 10 kHz tone cannot exist at 16 kHz: it must be filtered, not folded to 6 kHz.
    let x: Vec<f32> = (0..88_200)
        .map(|i| (0.5 * (2.0 * PI * 10_000.0 * i as f64 / 44_100.0).sin()) as f32)
        .collect();
    let y = resample(&x, 44_100, 16_000).unwrap();
    let alias = db(rms(&y[4_000..28_000]) / (0.5 / 2f64.sqrt()));
    println!("10 kHz tone resampled to 16 kHz: {alias:.1} dB");
    assert!(alias < -90.0, "alias at {alias} dB");
}

#[test]
fn quantisation_rounds_half_away_from_zero_and_clips() {
    let lsb = 1.0f32 / 32768.0;
    assert_eq!(sample_to_i16(2.5 * lsb).0, 3);
    assert_eq!(sample_to_i16(-2.5 * lsb).0, -3);
    assert_eq!(sample_to_i16(1.2), (i16::MAX, true));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loud.wav");
    write_wav(&path, 16_000, 1, 32, true, &[0.5, 1.5, -1.5, 0.25]);
    let pcm = load_pcm16(&path, 16_000).unwrap();
    assert_eq!(pcm.samples, vec![16_384, 32_767, -32_768, 8_192]);
    assert_eq!(pcm.clipped, 2);
}

#[test]
fn what_is_not_audio_gets_a_clear_error() {
    let err = format!(
        "{:#}",
        decode_bytes(b"this is a text file, not audio", Some("wav")).unwrap_err()
    );
    assert!(
        err.contains("not an audio file this tool can read"),
        "{err}"
    );
    let err = format!(
        "{:#}",
        load_pcm16(Path::new("/nonexistent/clip.mp3"), 16_000).unwrap_err()
    );
    assert!(err.contains("no such file"), "{err}");
}
