//! The seeded random streams of a training run. candle's CPU random number
//! generator cannot be seeded, so every random choice — weight
//! initialisation, the order of examples, dropout masks — is drawn here from
//! `rand`'s `StdRng`, one independent stream per purpose and epoch derived
//! from the run's seed. The same seed gives the same run, and a resumed run
//! continues exactly as the uninterrupted one would have.

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

/// What a stream is used for (mixed into its seed).
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    /// Weight initialisation.
    Init,
    /// Shuffling the training examples of one epoch.
    Shuffle(usize),
    /// Dropout masks of one epoch.
    Dropout(usize),
    /// Input noise of one epoch.
    Noise(usize),
    /// Order and dropout masks of the pass that recomputes the batch-norm
    /// statistics of averaged weights.
    Recompute,
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of `stream` for a run seeded with `seed`.
pub fn stream(seed: u64, stream: Stream) -> StdRng {
    let (tag, index) = match stream {
        Stream::Init => (1u64, 0u64),
        Stream::Shuffle(e) => (2, e as u64),
        Stream::Dropout(e) => (3, e as u64),
        Stream::Noise(e) => (4, e as u64),
        Stream::Recompute => (5, 0),
    };
    StdRng::seed_from_u64(splitmix(splitmix(seed ^ (tag << 56)) ^ index))
}

/// `n` values uniform in `[-bound, bound)`.
pub fn uniform(rng: &mut StdRng, n: usize, bound: f32) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-bound..bound)).collect()
}

/// An inverted-dropout mask of `n` values: 0 with probability `p`, else
/// `1 / (1 − p)`.
pub fn dropout_mask(rng: &mut StdRng, n: usize, p: f64) -> Vec<f32> {
    let keep = 1.0 / (1.0 - p) as f32;
    // Compare 32-bit draws against a threshold: fast and exact enough.
    let threshold = (p * 4_294_967_296.0) as u64;
    (0..n)
        .map(|_| {
            if (rng.next_u32() as u64) < threshold {
                0.0
            } else {
                keep
            }
        })
        .collect()
}

/// `n` values from `N(0, sigma²)` (Box–Muller).
pub fn normal(rng: &mut StdRng, n: usize, sigma: f64) -> Vec<f32> {
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt() * sigma;
        let t = 2.0 * std::f64::consts::PI * u2;
        out.push((r * t.cos()) as f32);
        out.push((r * t.sin()) as f32);
    }
    out.truncate(n);
    out
}

/// A seeded permutation of `0..n`.
pub fn permutation(rng: &mut StdRng, n: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        p.swap(i, j);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a = uniform(&mut stream(1, Stream::Init), 4, 1.0);
        assert_eq!(a, uniform(&mut stream(1, Stream::Init), 4, 1.0));
        assert_ne!(a, uniform(&mut stream(2, Stream::Init), 4, 1.0));
        assert_ne!(
            permutation(&mut stream(1, Stream::Shuffle(0)), 50),
            permutation(&mut stream(1, Stream::Shuffle(1)), 50)
        );
        let m = dropout_mask(&mut stream(1, Stream::Dropout(0)), 10_000, 0.25);
        let zeros = m.iter().filter(|&&v| v == 0.0).count();
        assert!((2300..2700).contains(&zeros), "{zeros}");
        assert!(m.iter().all(|&v| v == 0.0 || (v - 4.0 / 3.0).abs() < 1e-6));
    }
}
