//! Bayesian optimisation: a loop that always spends the whole budget.
//!
//! Each guided trial fits a Gaussian process ([`super::gp`]: Matérn 5/2,
//! hyperparameters fitted to the data) to every evaluation so far and
//! evaluates the point of highest expected improvement, searched over the
//! grid the space defines (integers rounded, log dimensions on their log
//! scale): many random candidates, the best few refined by Nelder–Mead.
//! If the process cannot be fitted or every candidate repeats a point
//! already evaluated (integer grids make this possible), a random
//! unevaluated point is used instead and marked as such. The initial trials
//! are a random Latin hypercube. Everything is seeded.

use anyhow::{ensure, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::gp::{nelder_mead, Gp};
use super::space::Space;

/// How many evaluations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Random initial trials (at least 1).
    pub initial: usize,
    /// Guided trials after them.
    pub guided: usize,
}

/// How a trial's point was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrialKind {
    /// Random initial design.
    Initial,
    /// Maximum expected improvement of the Gaussian process.
    Guided,
    /// A random point standing in for a repeated or failed suggestion.
    Random,
}

/// One evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Trial number, from 1.
    pub index: usize,
    /// How the point was chosen.
    pub kind: TrialKind,
    /// The point in the dimensions' units.
    pub values: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// Lowest objective up to and including this trial.
    pub best_so_far: f64,
}

/// The unevaluated grid point of highest expected improvement under a
/// Gaussian process fitted to `(xs, ys)`, or None when the process cannot be
/// fitted or every candidate repeats a point already evaluated.
fn gp_suggest(space: &Space, xs: &[Vec<f64>], ys: &[f64], rng: &mut StdRng) -> Option<Vec<f64>> {
    let bounds: Vec<(f64, f64)> = space.dims.iter().map(|d| d.search_bounds()).collect();
    let to_unit = |p: &[f64]| -> Vec<f64> {
        p.iter()
            .zip(&bounds)
            .map(|(v, (lo, hi))| (v - lo) / (hi - lo))
            .collect()
    };
    let from_unit = |u: &[f64]| -> Vec<f64> {
        let p: Vec<f64> = u
            .iter()
            .zip(&bounds)
            .map(|(v, (lo, hi))| lo + v.clamp(0.0, 1.0) * (hi - lo))
            .collect();
        space.snap(&p)
    };
    let unit: Vec<Vec<f64>> = xs.iter().map(|p| to_unit(p)).collect();
    let gp = Gp::fit(&unit, ys)?;
    let best = ys.iter().copied().fold(f64::INFINITY, f64::min);
    // EI of the grid point a unit-cube point snaps to (0 for points seen).
    let score = |u: &[f64]| -> f64 {
        let p = from_unit(u);
        if !is_new(space, &p, xs) {
            return 0.0;
        }
        gp.expected_improvement(&to_unit(&p), best)
    };
    let d = space.len();
    let mut candidates: Vec<(f64, Vec<f64>)> = (0..1000 * d)
        .map(|_| {
            let u: Vec<f64> = (0..d).map(|_| rng.random::<f64>()).collect();
            (score(&u), u)
        })
        .collect();
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut top: Option<(f64, Vec<f64>)> = None;
    for (_, u) in candidates.into_iter().take(5) {
        let (v, neg) = nelder_mead(|v| -score(v), &u, 0.05, 200);
        let ei = -neg;
        if ei > 0.0 && top.as_ref().is_none_or(|(t, _)| ei > *t) {
            top = Some((ei, v));
        }
    }
    top.map(|(_, u)| from_unit(&u))
}

fn is_new(space: &Space, p: &[f64], seen: &[Vec<f64>]) -> bool {
    seen.iter().all(|q| space.unit_distance(p, q) > 1e-9)
}

fn random_new(space: &Space, rng: &mut StdRng, seen: &[Vec<f64>]) -> Vec<f64> {
    let mut p = space.random_point(rng);
    for _ in 0..1000 {
        if is_new(space, &p, seen) {
            break;
        }
        p = space.random_point(rng);
    }
    p
}

/// Minimises `objective` (called with the trial number from 1 and the
/// point in the dimensions' units) over `space` within `budget`;
/// `on_trial` sees each trial as it finishes. Non-finite objective values
/// are recorded as they are and shown to the surrogate as the worst value
/// seen so far.
pub fn minimise(
    space: &Space,
    budget: Budget,
    seed: u64,
    mut objective: impl FnMut(usize, &[f64]) -> Result<f64>,
    mut on_trial: impl FnMut(&Trial),
) -> Result<Vec<Trial>> {
    ensure!(
        budget.initial >= 1,
        "tuning needs at least one initial trial"
    );
    let mut rng = StdRng::seed_from_u64(seed);
    let initial = space.latin_hypercube(&mut rng, budget.initial);
    let mut xs: Vec<Vec<f64>> = Vec::new();
    let mut trials: Vec<Trial> = Vec::new();
    let mut best = f64::INFINITY;
    for i in 0..budget.initial + budget.guided {
        let (point, kind) = if let Some(p) = initial.get(i) {
            (p.clone(), TrialKind::Initial)
        } else {
            let ys: Vec<f64> = surrogate_values(&trials);
            match gp_suggest(space, &xs, &ys, &mut rng) {
                Some(p) if is_new(space, &p, &xs) => (p, TrialKind::Guided),
                _ => (random_new(space, &mut rng, &xs), TrialKind::Random),
            }
        };
        let values = space.to_values(&point);
        let value = objective(i + 1, &values)?;
        if value < best {
            best = value;
        }
        let trial = Trial {
            index: i + 1,
            kind,
            values,
            value,
            best_so_far: best,
        };
        on_trial(&trial);
        xs.push(point);
        trials.push(trial);
    }
    Ok(trials)
}

fn surrogate_values(trials: &[Trial]) -> Vec<f64> {
    let worst = trials
        .iter()
        .map(|t| t.value)
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let worst = if worst.is_finite() { worst } else { 1.0 };
    trials
        .iter()
        .map(|t| if t.value.is_finite() { t.value } else { worst })
        .collect()
}

/// Random search with `n` uniform points: the baseline.
pub fn random_search(
    space: &Space,
    n: usize,
    seed: u64,
    mut objective: impl FnMut(usize, &[f64]) -> Result<f64>,
) -> Result<Vec<Trial>> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x05EE_D0F7_A2D0);
    let mut best = f64::INFINITY;
    let mut trials = Vec::new();
    for i in 0..n {
        let values = space.to_values(&space.random_point(&mut rng));
        let value = objective(i + 1, &values)?;
        best = best.min(value);
        trials.push(Trial {
            index: i + 1,
            kind: TrialKind::Initial,
            values,
            value,
            best_so_far: best,
        });
    }
    Ok(trials)
}
