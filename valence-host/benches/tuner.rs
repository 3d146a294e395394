//! The tuner on known functions: mean best value found on Branin and
//! Hartmann-3 over 20 seeds, for budgets 2+5 and 5+25 (initial + guided),
//! next to random search with the same number of evaluations.
//! `python/bench_skopt.py` runs scikit-optimize's `gp_minimize` on the same
//! cases; `scripts/bench-train.sh` runs both.
//!
//! `cargo bench -p valence-host --bench tuner [-- SEEDS]`
//!
//! Prints `METHOD FUNCTION INIT+GUIDED mean std seconds-per-run` lines.

use std::time::Instant;

use valence_host::tune::testfns::{branin, branin_space, hartmann3, hartmann3_space};
use valence_host::tune::{minimise, random_search, Budget, Space};

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, var.sqrt())
}

fn main() {
    let seeds: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20);
    type Case = (&'static str, Space, fn(&[f64]) -> f64);
    let cases: [Case; 2] = [
        ("branin", branin_space(), branin),
        ("hartmann3", hartmann3_space(), hartmann3),
    ];
    for (name, space, f) in &cases {
        for (initial, guided) in [(2, 5), (5, 25)] {
            let budget = Budget { initial, guided };
            let (mut bo, mut rs) = (Vec::new(), Vec::new());
            let t0 = Instant::now();
            for seed in 0..seeds {
                let t = minimise(space, budget, seed, |_, x| Ok(f(x)), |_| {}).expect("runs");
                bo.push(t.last().expect("trials").best_so_far);
            }
            let bo_secs = t0.elapsed().as_secs_f64() / seeds as f64;
            for seed in 0..seeds {
                let t =
                    random_search(space, initial + guided, seed, |_, x| Ok(f(x))).expect("runs");
                rs.push(t.last().expect("trials").best_so_far);
            }
            let (m, s) = mean_std(&bo);
            println!("valence {name} {initial}+{guided} {m:.4} {s:.4} {bo_secs:.3}");
            let (m, s) = mean_std(&rs);
            println!("random {name} {initial}+{guided} {m:.4} {s:.4} 0");
        }
    }
}
