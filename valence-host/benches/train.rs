//! Training throughput of the default network (input 108 → 256 → 128 → 64
//! → 1, batch norm, dropout 0.2, AdamW) at batch size 64 on the CPU, in
//! training examples per second (forward, backward and optimiser step;
//! evaluation passes excluded). `python/bench_torch.py` measures the same
//! network in PyTorch; `scripts/bench-train.sh` runs both with the same
//! thread count.
//!
//! `cargo bench -p valence-host --bench train [-- EPOCHS BATCH]`

use std::time::Instant;

use valence_host::train::{fit, Architecture, Examples, FitOptions, TrainConfig};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let epochs: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(5);
    let batch: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(64);
    let (n, d) = (10_000usize, 108usize);
    // Features: a fixed pseudo-random matrix; labels: a linear function.
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let x: Vec<f32> = (0..n * d).map(|_| next()).collect();
    let y: Vec<f32> = (0..n)
        .map(|i| x[i * d..(i + 1) * d].iter().take(10).sum::<f32>())
        .collect();
    let data = Examples {
        features: &x,
        labels: &y,
        n_features: d,
    };
    let train: Vec<usize> = (0..n).collect();
    let val: Vec<usize> = (0..256).collect();
    let threads = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let t0 = Instant::now();
    let out = fit(
        &data,
        &train,
        &val,
        &Architecture::default_for(d),
        &TrainConfig {
            lr: 1e-3,
            batch_size: batch,
            epochs,
            patience: 0,
            ..TrainConfig::default()
        },
        &FitOptions::default(),
    )
    .expect("training runs");
    println!(
        "candle train: {:.0} samples/s (default network, batch {batch}, {n} examples × {epochs} epochs, {threads} threads; {:.1} s in all)",
        out.samples_per_second,
        t0.elapsed().as_secs_f64()
    );
}
