//! Host throughput of the front end (criterion).
//!
//! Reads the int16 samples that `python/bench_librosa.py --write-pcm` used
//! (path in `VALENCE_BENCH_PCM`), or 60 s of a deterministic noise-plus-tones
//! signal, and reports seconds of audio per second for the project default spec.
//! `scripts/bench-frontend.sh` runs this next to librosa on the same samples.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use valence_core::{FeatureSpec, FrontEnd};

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
    let mut group = c.benchmark_group("frontend");
    group.throughput(Throughput::Elements(samples.len() as u64));
    group.sample_size(20);
    group.bench_function(format!("default_spec_{seconds:.0}s"), |b| {
        let mut fe = Box::new(FrontEnd::<512, 64>::new(&spec).unwrap());
        b.iter(|| {
            fe.reset();
            let mut acc = 0i64;
            fe.push(black_box(&samples), |frame| acc += frame[0] as i64);
            black_box(acc)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_frontend);
criterion_main!(benches);
