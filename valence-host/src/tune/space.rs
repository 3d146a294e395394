//! The search space of a tuning run. Each dimension has bounds in its own
//! units and is searched on a scale: linear, logarithmic (base 10, for
//! learning rates) or integer (batch sizes). The optimiser sees the search
//! scale; the objective sees values in the dimension's units.

use anyhow::{ensure, Result};
use rand::rngs::StdRng;
use rand::Rng;

/// How a dimension is searched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Uniformly between the bounds.
    Linear,
    /// Uniformly in log10 between the bounds (both positive).
    Log,
    /// Integers from the lower to the upper bound inclusive.
    Integer,
}

/// One dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Dim {
    /// Name for tables and reports.
    pub name: String,
    /// Lower bound, in the dimension's units.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
    /// Search scale.
    pub scale: Scale,
}

impl Dim {
    /// A linear dimension.
    pub fn linear(name: &str, lo: f64, hi: f64) -> Dim {
        Dim {
            name: name.into(),
            lo,
            hi,
            scale: Scale::Linear,
        }
    }

    /// A log-scaled dimension.
    pub fn log(name: &str, lo: f64, hi: f64) -> Dim {
        Dim {
            name: name.into(),
            lo,
            hi,
            scale: Scale::Log,
        }
    }

    /// An integer dimension.
    pub fn integer(name: &str, lo: i64, hi: i64) -> Dim {
        Dim {
            name: name.into(),
            lo: lo as f64,
            hi: hi as f64,
            scale: Scale::Integer,
        }
    }

    /// Bounds on the search scale.
    pub fn search_bounds(&self) -> (f64, f64) {
        match self.scale {
            Scale::Log => (self.lo.log10(), self.hi.log10()),
            _ => (self.lo, self.hi),
        }
    }

    /// From the search scale to the dimension's units.
    pub fn to_value(&self, s: f64) -> f64 {
        let (lo, hi) = self.search_bounds();
        let s = s.clamp(lo, hi);
        match self.scale {
            Scale::Linear => s,
            Scale::Log => 10f64.powf(s).clamp(self.lo, self.hi),
            Scale::Integer => s.round(),
        }
    }
}

/// A list of dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    /// The dimensions, in order.
    pub dims: Vec<Dim>,
}

impl Space {
    /// Checks the bounds.
    pub fn new(dims: Vec<Dim>) -> Result<Space> {
        ensure!(!dims.is_empty(), "the search space has no dimension");
        for d in &dims {
            ensure!(
                d.lo.is_finite() && d.hi.is_finite() && d.lo < d.hi,
                "search bounds of {} must satisfy lower < upper (got {} and {})",
                d.name,
                d.lo,
                d.hi
            );
            if d.scale == Scale::Log {
                ensure!(
                    d.lo > 0.0,
                    "{} is searched on a log scale, so its lower bound must be positive (got {})",
                    d.name,
                    d.lo
                );
            }
            if d.scale == Scale::Integer {
                ensure!(
                    d.lo.fract() == 0.0 && d.hi.fract() == 0.0,
                    "{} is an integer dimension; its bounds must be integers",
                    d.name
                );
            }
        }
        Ok(Space { dims })
    }

    /// Number of dimensions.
    pub fn len(&self) -> usize {
        self.dims.len()
    }

    /// True for a space without dimensions (never, after [`Space::new`]).
    pub fn is_empty(&self) -> bool {
        self.dims.is_empty()
    }

    /// Whether any dimension is an integer.
    pub fn has_integers(&self) -> bool {
        self.dims.iter().any(|d| d.scale == Scale::Integer)
    }

    /// A point on the search scale mapped to values.
    pub fn to_values(&self, s: &[f64]) -> Vec<f64> {
        self.dims
            .iter()
            .zip(s)
            .map(|(d, &v)| d.to_value(v))
            .collect()
    }

    /// Snaps a search-scale point onto the grid (integers rounded, bounds kept).
    pub fn snap(&self, s: &[f64]) -> Vec<f64> {
        self.dims
            .iter()
            .zip(s)
            .map(|(d, &v)| {
                let (lo, hi) = d.search_bounds();
                let v = v.clamp(lo, hi);
                if d.scale == Scale::Integer {
                    v.round()
                } else {
                    v
                }
            })
            .collect()
    }

    /// A uniform random point on the search scale.
    pub fn random_point(&self, rng: &mut StdRng) -> Vec<f64> {
        let p: Vec<f64> = self
            .dims
            .iter()
            .map(|d| {
                let (lo, hi) = d.search_bounds();
                if d.scale == Scale::Integer {
                    rng.random_range(lo as i64..=hi as i64) as f64
                } else {
                    rng.random_range(lo..hi)
                }
            })
            .collect();
        self.snap(&p)
    }

    /// A random Latin hypercube of `n` points on the search scale: each
    /// dimension's range cut into `n` strata, one point per stratum.
    pub fn latin_hypercube(&self, rng: &mut StdRng, n: usize) -> Vec<Vec<f64>> {
        let mut points = vec![vec![0.0; self.len()]; n];
        for (j, d) in self.dims.iter().enumerate() {
            let (lo, hi) = d.search_bounds();
            let (lo, hi) = if d.scale == Scale::Integer {
                (lo - 0.5 + 1e-9, hi + 0.5 - 1e-9)
            } else {
                (lo, hi)
            };
            let mut strata: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                strata.swap(i, rng.random_range(0..=i));
            }
            for (p, s) in points.iter_mut().zip(strata) {
                let u = (s as f64 + rng.random::<f64>()) / n as f64;
                p[j] = lo + u * (hi - lo);
            }
        }
        points.iter().map(|p| self.snap(p)).collect()
    }

    /// Distance between two search-scale points with each dimension scaled to [0, 1].
    pub fn unit_distance(&self, a: &[f64], b: &[f64]) -> f64 {
        self.dims
            .iter()
            .zip(a.iter().zip(b))
            .map(|(d, (x, y))| {
                let (lo, hi) = d.search_bounds();
                ((x - y) / (hi - lo)).powi(2)
            })
            .sum::<f64>()
            .sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn scales_and_designs() {
        let s = Space::new(vec![
            Dim::log("lr", 1e-4, 5e-3),
            Dim::integer("batch", 16, 128),
        ])
        .unwrap();
        assert_eq!(s.to_values(&[-4.0, 16.4]), vec![1e-4, 16.0]);
        assert!((s.to_values(&[-3.0, 0.0])[0] - 1e-3).abs() < 1e-15);
        let mut rng = StdRng::seed_from_u64(3);
        let lhs = s.latin_hypercube(&mut rng, 8);
        assert_eq!(lhs.len(), 8);
        for p in &lhs {
            let v = s.to_values(p);
            assert!((1e-4..=5e-3).contains(&v[0]));
            assert!((16.0..=128.0).contains(&v[1]) && v[1].fract() == 0.0);
        }
        // One point per stratum of the log learning rate.
        let mut strata: Vec<usize> = lhs
            .iter()
            .map(|p| ((p[0] + 4.0) / (5e-3f64.log10() + 4.0) * 8.0) as usize)
            .collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..8).collect::<Vec<_>>());
        assert!(Space::new(vec![Dim::log("lr", 0.0, 1.0)]).is_err());
        assert!(Space::new(vec![Dim::linear("x", 1.0, 1.0)]).is_err());
    }
}
