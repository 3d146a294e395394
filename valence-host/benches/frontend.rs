//! Host throughput of the front end (criterion), default spec, on the
//! samples librosa is timed on (`VALENCE_BENCH_PCM`, written by
//! `python/bench_librosa.py --write-pcm`; else 60 s of noise and a tone):
//!
//! - `frontend/streaming_60s`: the streaming path (`FrontEnd::push`, one
//!   frame at a time), the code the microcontroller runs;
//! - `frontend/<unit>_60s`: the clip path, frames side by side, built for
//!   each vector unit this CPU has ([`valence_host::clip_frontend`]).
//!
//! `scripts/bench-frontend.sh` runs it next to librosa and prints the ratios.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use valence_core::frontend::HostFrontEnd;
use valence_core::FeatureSpec;
use valence_host::clip_frontend::{clip_frames_with, VectorUnit};

fn signal(spec: &FeatureSpec) -> Vec<i16> {
    if let Ok(path) = std::env::var("VALENCE_BENCH_PCM") {
        let bytes = std::fs::read(&path).expect("VALENCE_BENCH_PCM must name an int16 .npy file");
        let npy = npyz::NpyFile::new(&bytes[..]).expect("not a .npy file");
        return npy.into_vec::<i16>().expect("not an int16 array");
    }
    let n = spec.sample_rate as usize * 60;
    let mut seed = 0x1234_5678u32;
    (0..n)
        .map(|i| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = ((seed >> 16) as i32 - 32768) / 16;
            let t = i as f64 / spec.sample_rate as f64;
            let tone = 6000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin();
            (noise as f64 + tone) as i16
        })
        .collect()
}

fn bench_frontend(c: &mut Criterion) {
    let spec = FeatureSpec::DEFAULT;
    let samples = signal(&spec);
    let seconds = samples.len() as f64 / spec.sample_rate as f64;
    let fe = Box::new(HostFrontEnd::new(&spec).unwrap());
    let mut out = vec![0i16; spec.frames_for(samples.len()) * spec.n_mels as usize];
    let mut group = c.benchmark_group("frontend");
    group.throughput(Throughput::Elements(samples.len() as u64));
    group.sample_size(20);
    group.bench_function(format!("streaming_{seconds:.0}s"), |b| {
        let mut streaming = Box::new(fe.as_ref().clone());
        b.iter(|| {
            streaming.reset();
            let mut acc = 0i64;
            streaming.push(black_box(&samples), |frame| acc += frame[0] as i64);
            black_box(acc)
        })
    });
    for (unit, name) in [
        (VectorUnit::Avx512, "avx512"),
        (VectorUnit::Avx2, "avx2"),
        (VectorUnit::Baseline, "baseline"),
    ] {
        if !unit.available() {
            println!("frontend/{name}: this CPU has no such unit, skipped");
            continue;
        }
        group.bench_function(format!("{name}_{seconds:.0}s"), |b| {
            b.iter(|| {
                let frames = clip_frames_with(unit, &fe, black_box(&samples), &mut out).unwrap();
                black_box((frames, out[0]))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_frontend);
criterion_main!(benches);
