//! The host's clip path on every vector unit this CPU has (AVX-512, AVX2,
//! the baseline) against the streaming front end, the device's code: the
//! same frames, bit for bit, on the real recordings of `../shared/data`
//! (decoded and resampled by the host to each spec's rate; skipped with a
//! message when the folder is absent) and on generated signals.

use std::path::PathBuf;

use valence_core::frontend::HostFrontEnd;
use valence_core::FeatureSpec;
use valence_host::clip_frontend::{clip_frames_with, VectorUnit};
use valence_host::data::audio::{decode_to_pcm16, is_audio_path, read_file};

fn specs() -> Vec<FeatureSpec> {
    let base = FeatureSpec::DEFAULT;
    vec![
        base,
        FeatureSpec::LIBROSA_DEFAULTS,
        // An odd log2 of the point count: the radix-2 first pass.
        FeatureSpec {
            n_fft: 1024,
            hop: 512,
            n_mels: 80,
            ..base
        },
        FeatureSpec {
            n_fft: 256,
            hop: 100,
            n_mels: 32,
            ..base
        },
    ]
}

fn streamed(fe: &HostFrontEnd, samples: &[i16]) -> Vec<i16> {
    let mut fe = Box::new(fe.clone());
    fe.reset();
    let mut out = Vec::new();
    fe.push(samples, |frame| out.extend_from_slice(frame));
    out
}

fn check(spec: &FeatureSpec, samples: &[i16], what: &str) -> usize {
    let fe = Box::new(HostFrontEnd::new(spec).unwrap());
    let want = streamed(&fe, samples);
    let mut units = 0;
    for unit in [VectorUnit::Avx512, VectorUnit::Avx2, VectorUnit::Baseline] {
        if !unit.available() {
            continue;
        }
        let mut out = vec![0i16; want.len()];
        let frames = clip_frames_with(unit, &fe, samples, &mut out).unwrap();
        assert_eq!(frames * spec.n_mels as usize, want.len(), "{what} {unit:?}");
        assert!(
            out == want,
            "{what}: {unit:?} differs from the streaming path"
        );
        units += 1;
    }
    units
}

#[test]
fn every_vector_unit_gives_the_streaming_frames_on_generated_signals() {
    println!("vector unit chosen on this CPU: {:?}", VectorUnit::detect());
    let mut seed = 17u32;
    let noise: Vec<i16> = (0..40_000)
        .map(|i| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            // Level changes every 1,000 samples, silence every fifth stretch.
            let level = (i / 1000) % 5;
            if level == 0 {
                0
            } else {
                (((seed >> 16) as i32 - 32768) >> (4 * (4 - level))) as i16
            }
        })
        .collect();
    let square: Vec<i16> = (0..20_000)
        .map(|i| {
            if (i / 37) % 2 == 0 {
                i16::MAX
            } else {
                i16::MIN
            }
        })
        .collect();
    for spec in specs() {
        assert!(check(&spec, &noise, "noise") >= 1);
        check(&spec, &square, "square");
        check(
            &spec,
            &noise[..spec.n_fft as usize - 1],
            "one sample short of a frame",
        );
    }
}

#[test]
fn every_vector_unit_gives_the_streaming_frames_on_real_recordings() {
    let data = valence_tests::env::data_dir();
    if !data.is_dir() {
        println!(
            "SKIPPED every_vector_unit_gives_the_streaming_frames_on_real_recordings: {} not found \
             (real recordings are not part of the repository)",
            data.display()
        );
        return;
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in ["music", "emomusic/audio"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(data.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| is_audio_path(p))
            .collect();
        found.sort();
        files.extend(found);
    }
    assert!(
        files.len() >= 10,
        "expected the music and emoMusic recordings"
    );
    let mut frames = 0;
    for spec in specs().into_iter().take(3) {
        for path in &files {
            let bytes = read_file(path).unwrap();
            let ext = path.extension().and_then(|e| e.to_str());
            let pcm = decode_to_pcm16(&bytes, ext, spec.sample_rate)
                .unwrap()
                .samples;
            // The first 30 s: every recording's level changes, and it keeps the test short.
            let pcm = &pcm[..pcm.len().min(30 * spec.sample_rate as usize)];
            check(&spec, pcm, &path.display().to_string());
            frames += spec.frames_for(pcm.len());
        }
    }
    println!(
        "{frames} frames of {} recordings identical on every vector unit",
        files.len()
    );
}
