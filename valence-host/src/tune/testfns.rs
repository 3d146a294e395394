//! Known test functions of global optimisation, with their minima, on
//! which the tuner is benchmarked and tested.

use super::space::{Dim, Space};

/// Branin–Hoo on x₁ ∈ [−5, 10], x₂ ∈ [0, 15]; global minimum
/// 0.397887 at three points.
pub fn branin(x: &[f64]) -> f64 {
    let (x1, x2) = (x[0], x[1]);
    let pi = std::f64::consts::PI;
    let b = 5.1 / (4.0 * pi * pi);
    let c = 5.0 / pi;
    let t = 1.0 / (8.0 * pi);
    (x2 - b * x1 * x1 + c * x1 - 6.0).powi(2) + 10.0 * (1.0 - t) * x1.cos() + 10.0
}

/// Branin's minimum.
pub const BRANIN_MIN: f64 = 0.397_887_357_729_738;

/// Branin's domain.
pub fn branin_space() -> Space {
    Space {
        dims: vec![Dim::linear("x1", -5.0, 10.0), Dim::linear("x2", 0.0, 15.0)],
    }
}

/// Hartmann-3 on [0, 1]³; global minimum −3.86278 at
/// (0.114614, 0.555649, 0.852547).
pub fn hartmann3(x: &[f64]) -> f64 {
    const ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];
    const A: [[f64; 3]; 4] = [
        [3.0, 10.0, 30.0],
        [0.1, 10.0, 35.0],
        [3.0, 10.0, 30.0],
        [0.1, 10.0, 35.0],
    ];
    const P: [[f64; 3]; 4] = [
        [0.3689, 0.1170, 0.2673],
        [0.4699, 0.4387, 0.7470],
        [0.1091, 0.8732, 0.5547],
        [0.038150, 0.5743, 0.8828],
    ];
    -(0..4)
        .map(|i| {
            let s: f64 = (0..3).map(|j| A[i][j] * (x[j] - P[i][j]).powi(2)).sum();
            ALPHA[i] * (-s).exp()
        })
        .sum::<f64>()
}

/// Hartmann-3's minimum.
pub const HARTMANN3_MIN: f64 = -3.862_782_147_820_755;

/// Hartmann-3's domain.
pub fn hartmann3_space() -> Space {
    Space {
        dims: (1..=3)
            .map(|i| Dim::linear(&format!("x{i}"), 0.0, 1.0))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minima() {
        assert!((branin(&[-std::f64::consts::PI, 12.275]) - BRANIN_MIN).abs() < 1e-6);
        assert!((branin(&[9.42478, 2.475]) - BRANIN_MIN).abs() < 1e-5);
        assert!((hartmann3(&[0.114614, 0.555649, 0.852547]) - HARTMANN3_MIN).abs() < 1e-5);
    }
}
