//! Regression figures of merit, computed in label units on a split's
//! predictions: MSE, RMSE, R² and Pearson r.

use serde::{Deserialize, Serialize};

/// Figures of one set of predictions against the truth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Mean squared error.
    pub mse: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Coefficient of determination, `1 − SSE / SST` (0 for a constant
    /// prediction of the mean; NaN-free: 0 when the truth is constant).
    pub r2: f64,
    /// Pearson correlation of prediction and truth (0 when either is constant).
    pub pearson_r: f64,
}

impl Metrics {
    /// Computes the figures (all zero for empty input).
    pub fn of(pred: &[f32], truth: &[f32]) -> Metrics {
        assert_eq!(
            pred.len(),
            truth.len(),
            "predictions and labels differ in length"
        );
        let n = pred.len();
        if n == 0 {
            return Metrics {
                mse: 0.0,
                rmse: 0.0,
                r2: 0.0,
                pearson_r: 0.0,
            };
        }
        let nf = n as f64;
        let mean_t = truth.iter().map(|&t| t as f64).sum::<f64>() / nf;
        let mean_p = pred.iter().map(|&p| p as f64).sum::<f64>() / nf;
        let (mut sse, mut sst, mut spp, mut spt) = (0.0, 0.0, 0.0, 0.0);
        for (&p, &t) in pred.iter().zip(truth) {
            let (p, t) = (p as f64, t as f64);
            sse += (p - t) * (p - t);
            sst += (t - mean_t) * (t - mean_t);
            spp += (p - mean_p) * (p - mean_p);
            spt += (p - mean_p) * (t - mean_t);
        }
        let mse = sse / nf;
        Metrics {
            mse,
            rmse: mse.sqrt(),
            r2: if sst > 0.0 { 1.0 - sse / sst } else { 0.0 },
            pearson_r: if spp > 0.0 && sst > 0.0 {
                spt / (spp * sst).sqrt()
            } else {
                0.0
            },
        }
    }
}

/// Mean and (sample) standard deviation of a list of values.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let m = Metrics::of(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]);
        assert_eq!((m.mse, m.r2), (0.0, 1.0));
        assert!((m.pearson_r - 1.0).abs() < 1e-12);
        let m = Metrics::of(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0]);
        assert!((m.mse - 2.0 / 3.0).abs() < 1e-12);
        assert!(m.r2.abs() < 1e-12);
        assert_eq!(m.pearson_r, 0.0);
        let m = Metrics::of(&[3.0, 2.0, 1.0], &[1.0, 2.0, 3.0]);
        assert!((m.pearson_r + 1.0).abs() < 1e-12);
        assert!((m.rmse - (8.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(mean_std(&[1.0, 3.0]), (2.0, 2f64.sqrt()));
    }
}
