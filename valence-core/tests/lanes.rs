//! The clip path ([`FrontEnd::clip_frames`], frames side by side in lanes)
//! against the streaming path ([`FrontEnd::push`]): the same bits for every
//! spec shape (radix-4 and radix-2 first passes, tabulated and folded
//! twiddles, hops other than half the FFT), every committed generated
//! signal, signals whose level changes from frame to frame (each lane its
//! own block-floating-point shift, silent frames among loud ones), and
//! lane counts that do and do not divide the frame count.

mod common;

use std::path::Path;

use common::*;
use valence_core::frontend::HostFrontEnd;
use valence_core::lanes::{LaneError, LaneScratch};
use valence_core::{FeatureSpec, MelNorm, MelScale};

fn streamed(spec: &FeatureSpec, samples: &[i16]) -> Vec<i16> {
    let mut fe = Box::new(HostFrontEnd::new(spec).unwrap());
    let mut out = Vec::new();
    fe.push(samples, |frame| out.extend_from_slice(frame));
    out
}

fn in_lanes<const L: usize>(spec: &FeatureSpec, samples: &[i16]) -> Vec<i16> {
    let fe = Box::new(HostFrontEnd::new(spec).unwrap());
    let rows = LaneScratch::<L>::rows_needed(spec.n_fft as usize, spec.n_mels as usize);
    let mut xs = vec![[[0i16; 2]; L]; rows.samples];
    let mut points = vec![[[0i32; L]; 2]; rows.points];
    let mut power = vec![[0u64; L]; rows.power];
    let mut bands = vec![[0u64; L]; rows.bands];
    let mut scratch = LaneScratch {
        samples: &mut xs,
        points: &mut points,
        power: &mut power,
        bands: &mut bands,
    };
    let mut out = vec![0i16; spec.frames_for(samples.len()) * spec.n_mels as usize];
    let frames = fe.clip_frames(samples, &mut scratch, &mut out).unwrap();
    assert_eq!(frames, spec.frames_for(samples.len()));
    out
}

fn check(spec: &FeatureSpec, samples: &[i16], what: &str) {
    let want = streamed(spec, samples);
    assert_eq!(in_lanes::<1>(spec, samples), want, "{what}: 1 lane");
    assert_eq!(in_lanes::<3>(spec, samples), want, "{what}: 3 lanes");
    assert_eq!(in_lanes::<8>(spec, samples), want, "{what}: 8 lanes");
    assert_eq!(in_lanes::<16>(spec, samples), want, "{what}: 16 lanes");
}

/// Noise whose level jumps every few hundred samples, from full scale
/// (clipping) down to single LSBs and stretches of digital silence.
fn level_jumps(len: usize, seed: u32) -> Vec<i16> {
    let mut s = seed;
    let mut next = move || {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        s
    };
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let run = 100 + (next() >> 22) as usize;
        let bits = next() >> 28; // 0..16
        for _ in 0..run {
            let v = if bits == 0 {
                0
            } else {
                ((next() >> 16) as i32 - 32768) >> (16 - bits.min(15)) << 1
            };
            out.push(v.clamp(-32768, 32767) as i16);
        }
    }
    out.truncate(len);
    out
}

fn specs() -> Vec<FeatureSpec> {
    let base = FeatureSpec::DEFAULT;
    let mut specs = vec![
        base,
        FeatureSpec { n_mels: 40, ..base },
        FeatureSpec::LIBROSA_DEFAULTS,
        FeatureSpec {
            n_fft: 1024,
            hop: 512,
            fmin_hz: 50.0,
            fmax_hz: 7000.0,
            mel_scale: MelScale::Htk,
            norm: MelNorm::None,
            ..base
        },
    ];
    // Every FFT size (odd and even log2 M, folded twiddles at 4096) and
    // hops that are not half the FFT.
    for (n_fft, hop, n_mels) in [
        (64, 16, 8),
        (128, 100, 16),
        (256, 128, 32),
        (2048, 700, 96),
        (4096, 1024, 128),
    ] {
        specs.push(FeatureSpec {
            n_fft,
            hop,
            n_mels,
            ..base
        });
    }
    specs
}

#[test]
fn clip_frames_equal_streamed_frames_on_changing_levels() {
    for (i, spec) in specs().iter().enumerate() {
        spec.validate().unwrap();
        for (len, seed) in [
            (0usize, 1u32),
            (300, 2),
            (20_011, 3 + i as u32),
            (50_000, 9),
        ] {
            let samples = level_jumps(len, seed);
            check(
                spec,
                &samples,
                &format!(
                    "n_fft {} hop {} seed {seed} len {len}",
                    spec.n_fft, spec.hop
                ),
            );
        }
    }
}

#[test]
fn clip_frames_equal_streamed_frames_on_the_generated_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frontend");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    for cfg in manifest["configs"].as_array().unwrap() {
        let spec = spec_from_manifest(cfg);
        for sig in manifest["signals"].as_array().unwrap() {
            let name = sig["name"].as_str().unwrap();
            let samples =
                read_npy_i16(&dir.join(format!("signal_{name}_{}.npy", spec.sample_rate)));
            check(&spec, &samples, &format!("{} {name}", cfg["name"]));
        }
    }
}

#[test]
fn short_scratch_and_output_are_errors() {
    let spec = FeatureSpec::DEFAULT;
    let fe = Box::new(HostFrontEnd::new(&spec).unwrap());
    let samples = vec![100i16; 2048];
    let mut xs = vec![[[0i16; 2]; 4]; 256];
    let mut points = vec![[[0i32; 4]; 2]; 255];
    let mut power = vec![[0u64; 4]; 257];
    let mut bands = vec![[0u64; 4]; 64];
    let mut scratch = LaneScratch {
        samples: &mut xs,
        points: &mut points,
        power: &mut power,
        bands: &mut bands,
    };
    let mut out = vec![0i16; 7 * 64];
    assert!(matches!(
        fe.clip_frames(&samples, &mut scratch, &mut out),
        Err(LaneError::ScratchTooSmall { .. })
    ));
    let mut points = vec![[[0i32; 4]; 2]; 256];
    scratch.points = &mut points;
    let mut short = vec![0i16; 7 * 64 - 1];
    assert_eq!(
        fe.clip_frames(&samples, &mut scratch, &mut short),
        Err(LaneError::OutputTooSmall {
            needed: 7 * 64,
            len: 7 * 64 - 1
        })
    );
    assert_eq!(fe.clip_frames(&samples, &mut scratch, &mut out), Ok(7));
}
