//! Streaming behaviour of the front end: chunking never changes the frames,
//! loudness is preserved, silence reads as the floor, extremes do not overflow.

use proptest::prelude::*;
use valence_core::frontend::HostFrontEnd;
use valence_core::{FeatureSpec, FrontEnd, MelNorm, MelScale};

fn test_signal(n: usize, seed: u32) -> Vec<i16> {
    let mut s = seed;
    (0..n)
        .map(|i| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = ((s >> 16) as i32 - 32768) / 8;
            let tone = 9000.0 * (i as f64 * 0.071).sin() + 3000.0 * (i as f64 * 0.9).sin();
            (noise as f64 + tone).clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

fn frames_in_chunks(spec: &FeatureSpec, samples: &[i16], chunks: &[usize]) -> Vec<i16> {
    let mut fe = Box::new(HostFrontEnd::new(spec).unwrap());
    let mut out = Vec::new();
    let mut rest = samples;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        fe.push(chunk, |f| out.extend_from_slice(f));
        rest = tail;
    }
    out
}

fn all_at_once(spec: &FeatureSpec, samples: &[i16]) -> Vec<i16> {
    frames_in_chunks(spec, samples, &[samples.len().max(1)])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn chunking_does_not_change_frames(
        chunks in proptest::collection::vec(1usize..3000, 1..12),
        seed in any::<u32>(),
        hop in prop_oneof![Just(1u16), Just(100), Just(256), Just(512)],
    ) {
        let spec = FeatureSpec { hop, ..FeatureSpec::DEFAULT };
        let samples = test_signal(if hop == 1 { 1500 } else { 9000 }, seed);
        prop_assert_eq!(frames_in_chunks(&spec, &samples, &chunks), all_at_once(&spec, &samples));
    }
}

#[test]
fn single_sample_and_odd_chunks_match_one_push() {
    let spec = FeatureSpec::DEFAULT;
    let samples = test_signal(16_000, 7);
    let whole = all_at_once(&spec, &samples);
    assert_eq!(whole.len(), spec.frames_for(samples.len()) * 64);
    assert_eq!(frames_in_chunks(&spec, &samples, &[1]), whole);
    assert_eq!(frames_in_chunks(&spec, &samples, &[7]), whole);
    assert_eq!(frames_in_chunks(&spec, &samples, &[160_000]), whole);
}

#[test]
fn frame_t_covers_samples_t_hop_to_t_hop_plus_n_fft() {
    let spec = FeatureSpec::DEFAULT;
    let samples = test_signal(4096, 3);
    let all = all_at_once(&spec, &samples);
    for t in 0..spec.frames_for(samples.len()) {
        let start = t * 256;
        let alone = all_at_once(&spec, &samples[start..start + 512]);
        assert_eq!(&all[t * 64..(t + 1) * 64], &alone[..], "frame {t}");
    }
}

#[test]
fn a_signal_20_db_quieter_reads_20_db_lower() {
    let spec = FeatureSpec::DEFAULT;
    let loud = test_signal(8000, 11);
    let quiet: Vec<i16> = loud
        .iter()
        .map(|&v| (v as f64 / 10.0).round() as i16)
        .collect();
    let (a, b) = (all_at_once(&spec, &loud), all_at_once(&spec, &quiet));
    let mut worst = 0f64;
    for (x, y) in a.iter().zip(&b) {
        let diff = (*x as f64 - *y as f64) / 256.0;
        // Bins well above the quantisation noise of the quieter signal.
        if *x as f64 / 256.0 > -40.0 {
            worst = worst.max((diff - 20.0).abs());
        }
    }
    assert!(
        worst < 0.05,
        "quieter copy differs from -20 dB by up to {worst} dB"
    );
}

#[test]
fn silence_reads_exactly_the_floor_for_every_spec() {
    for floor in [-100i16, -80, -120] {
        for (n_fft, n_mels) in [(64u16, 8u16), (512, 64), (4096, 128)] {
            let spec = FeatureSpec {
                n_fft,
                hop: n_fft / 2,
                n_mels,
                db_floor: floor,
                ..FeatureSpec::DEFAULT
            };
            let frames = all_at_once(&spec, &vec![0; 3 * n_fft as usize]);
            assert!(!frames.is_empty());
            assert!(
                frames.iter().all(|&v| v == floor * 256),
                "n_fft {n_fft}, floor {floor}"
            );
        }
    }
}

#[test]
fn full_scale_square_and_dc_do_not_overflow() {
    // Linearity at the top of the range: a full-scale signal reads exactly
    // 20·log10(2) dB above the same signal at half scale. Any overflow or
    // saturation inside the pipeline would break this.
    let spec = FeatureSpec {
        n_fft: 4096,
        hop: 1024,
        n_mels: 128,
        ..FeatureSpec::DEFAULT
    };
    let square: Vec<i16> = (0..16_384)
        .map(|i| {
            if (i / 40) % 2 == 0 {
                i16::MAX
            } else {
                -i16::MAX
            }
        })
        .collect();
    let dc = vec![-i16::MAX; 16_384];
    for (name, full) in [("square", square), ("dc", dc)] {
        let half: Vec<i16> = full.iter().map(|&v| v / 2).collect();
        let (a, b) = (all_at_once(&spec, &full), all_at_once(&spec, &half));
        let top = *a.iter().max().unwrap() as f64 / 256.0;
        assert!(top < 90.0, "{name}: {top} dB");
        let mut checked = 0;
        for (x, y) in a.iter().zip(&b) {
            let (x, y) = (*x as f64 / 256.0, *y as f64 / 256.0);
            if x > top - 50.0 {
                let want = 20.0 * (32767.0f64 / 16383.0).log10();
                assert!((x - y - want).abs() < 0.01, "{name}: {x} vs {y}");
                checked += 1;
            }
        }
        assert!(checked > 0);
    }
}

#[test]
fn every_fft_size_and_scale_runs() {
    for log2 in 6..=12u32 {
        let n_fft = 1u16 << log2;
        for (scale, norm) in [
            (MelScale::Slaney, MelNorm::Slaney),
            (MelScale::Htk, MelNorm::None),
        ] {
            let spec = FeatureSpec {
                n_fft,
                hop: n_fft / 4,
                n_mels: 8,
                mel_scale: scale,
                norm,
                ..FeatureSpec::DEFAULT
            };
            let frames = all_at_once(&spec, &test_signal(3 * n_fft as usize, log2));
            assert_eq!(frames.len(), spec.frames_for(3 * n_fft as usize) * 8);
        }
    }
}

#[test]
fn reset_starts_a_new_stream() {
    let spec = FeatureSpec::DEFAULT;
    let samples = test_signal(3000, 5);
    let mut fe = FrontEnd::<512, 64>::new(&spec).unwrap();
    let mut first = Vec::new();
    fe.push(&samples, |f| first.extend_from_slice(f));
    fe.push(&samples[..100], |_| {});
    fe.reset();
    assert_eq!(fe.frames_emitted(), 0);
    let mut second = Vec::new();
    fe.push(&samples, |f| second.extend_from_slice(f));
    assert_eq!(first, second);
}

#[test]
fn default_front_end_ram_stays_small() {
    // Everything the default front end owns, in bytes (it never allocates).
    let size = core::mem::size_of::<FrontEnd<512, 64>>();
    println!("FrontEnd<512, 64>: {size} bytes of RAM");
    assert!(size <= 5 * 1024 + 256, "{size} bytes");
}
