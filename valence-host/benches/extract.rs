//! Feature extraction speed (criterion): decoded 16-bit audio in, the
//! dataset's feature vectors out (core front end + window statistics), for
//! the project default spec, in seconds of audio per second of wall time.
//!
//! - `extract/one_core`: the clips one after another on one thread;
//! - `extract/all_cores`: the clips in parallel (rayon, one clip per task);
//! - `extract/from_file_one_core`: from the file's bytes (decode, resample to
//!   16 kHz, quantise, then the same), when the clips come from files.
//!
//! Input: every int16 `.npy` in `$VALENCE_BENCH_PCM_DIR` (written by
//! `python/bench_librosa.py --write-pcm`, so librosa times the very same
//! samples; `scripts/bench-extract.sh` does both and prints the ratios), the
//! audio files in `$VALENCE_BENCH_AUDIO_DIR` for the from-file case, or else
//! eight 30-second synthetic clips. Throughput is reported in samples at
//! 16 kHz: divide by 16,000 for seconds of audio.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::prelude::*;
use valence_core::stats::StatsSpec;
use valence_core::FeatureSpec;
use valence_host::data::audio::is_audio_path;
use valence_host::data::extract::{extract_bytes, window_features};

fn files_in(var: &str, keep: impl Fn(&PathBuf) -> bool) -> Vec<PathBuf> {
    let Some(dir) = std::env::var_os(var) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{var}={}: {e}", dir.to_string_lossy()))
        .map(|e| e.unwrap().path())
        .filter(|p| keep(p))
        .collect();
    v.sort();
    v
}

fn clips(spec: &FeatureSpec) -> Vec<Vec<i16>> {
    let files = files_in("VALENCE_BENCH_PCM_DIR", |p| {
        p.extension().is_some_and(|e| e == "npy")
    });
    if !files.is_empty() {
        return files
            .iter()
            .map(|p| {
                let bytes = std::fs::read(p).unwrap();
                npyz::NpyFile::new(&bytes[..])
                    .and_then(|f| f.into_vec::<i16>())
                    .unwrap_or_else(|e| panic!("{}: not an int16 .npy ({e})", p.display()))
            })
            .collect();
    }
    let mut seed = 0x1234_5678u32;
    (0..8)
        .map(|c| {
            (0..spec.sample_rate as usize * 30)
                .map(|i| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    let noise = ((seed >> 16) as i32 - 32768) / 16;
                    let t = i as f64 / spec.sample_rate as f64;
                    let tone =
                        6000.0 * (2.0 * std::f64::consts::PI * (220.0 * (c + 1) as f64) * t).sin();
                    (noise as f64 + tone) as i16
                })
                .collect()
        })
        .collect()
}

fn bench_extract(c: &mut Criterion) {
    let spec = FeatureSpec::DEFAULT;
    let stats = StatsSpec::DEFAULT;
    let clips = clips(&spec);
    let samples: usize = clips.iter().map(Vec::len).sum();
    let seconds = samples as f64 / spec.sample_rate as f64;
    let mut group = c.benchmark_group("extract");
    group.throughput(Throughput::Elements(samples as u64));
    group.sample_size(10);
    group.bench_function("one_core", |b| {
        b.iter(|| {
            let n: usize = clips
                .iter()
                .map(|pcm| {
                    window_features(&spec, &stats, black_box(pcm))
                        .unwrap()
                        .len()
                })
                .sum();
            black_box(n)
        })
    });
    group.bench_function("all_cores", |b| {
        b.iter(|| {
            let n: usize = clips
                .par_iter()
                .map(|pcm| {
                    window_features(&spec, &stats, black_box(pcm))
                        .unwrap()
                        .len()
                })
                .sum();
            black_box(n)
        })
    });
    group.finish();
    eprintln!(
        "extract: {} clips, {seconds:.1} s of audio at {} Hz, {} threads for all_cores",
        clips.len(),
        spec.sample_rate,
        rayon::current_num_threads()
    );

    let files = files_in("VALENCE_BENCH_AUDIO_DIR", |p| is_audio_path(p));
    if files.is_empty() {
        return;
    }
    let bytes: Vec<(Vec<u8>, String)> = files
        .iter()
        .map(|p| {
            let ext = p.extension().unwrap().to_string_lossy().to_lowercase();
            (std::fs::read(p).unwrap(), ext)
        })
        .collect();
    let decoded_samples: u64 = bytes
        .iter()
        .map(|(b, e)| extract_bytes(b, Some(e), &spec, &stats).unwrap().n_samples)
        .sum();
    let mut group = c.benchmark_group("extract");
    group.throughput(Throughput::Elements(decoded_samples));
    group.sample_size(10);
    group.bench_function("from_file_one_core", |b| {
        b.iter(|| {
            let n: usize = bytes
                .iter()
                .map(|(b, e)| {
                    extract_bytes(black_box(b), Some(e), &spec, &stats)
                        .unwrap()
                        .n_windows()
                })
                .sum();
            black_box(n)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_extract);
criterion_main!(benches);
