//! Runs the default front end over 60 s of noise and tones, for profilers
//! (`perf record`, `valgrind --tool=callgrind`).

use valence_core::{FeatureSpec, FrontEnd};

fn main() {
    let spec = FeatureSpec::DEFAULT;
    let n = spec.sample_rate as usize * 60;
    let mut seed = 0x1234_5678u32;
    let samples: Vec<i16> = (0..n)
        .map(|i| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = ((seed >> 16) as i32 - 32768) / 16;
            let tone = 6000.0 * (i as f64 * 0.17).sin();
            (noise as f64 + tone) as i16
        })
        .collect();
    let mut fe = Box::new(FrontEnd::<512, 64>::new(&spec).unwrap());
    let mut acc = 0i64;
    let seconds = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    for _ in 0..seconds {
        fe.reset();
        fe.push(&samples, |f| acc += f[0] as i64);
    }
    println!("{acc}");
}
