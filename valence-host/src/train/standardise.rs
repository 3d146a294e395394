//! Input and label standardisation, fitted on the training split only (the
//! validation split must not leak into it) and stored with the model so that
//! export and prediction apply exactly the same transform.
//!
//! Inputs: `z = clamp((x − mean) / std, −clip, clip)` per feature (no clamp
//! when `clip` is 0). A feature that is constant on the training split gets
//! `std = 1`. Labels: the network learns `(y − label_mean) / label_std`, and
//! its output `o` means `y = o · label_std + label_mean`.

use serde::{Deserialize, Serialize};

/// The fitted transform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardisation {
    /// Per-feature mean over the training split.
    pub mean: Vec<f32>,
    /// Per-feature standard deviation (population) over the training split.
    pub std: Vec<f32>,
    /// Standardised inputs are clamped to `±clip` (0: no clamp).
    pub clip: f32,
    /// Mean of the training labels.
    pub label_mean: f32,
    /// Standard deviation of the training labels (1 when constant).
    pub label_std: f32,
}

impl Standardisation {
    /// Fits the transform on the rows `rows` of a row-major feature matrix
    /// with `n_features` columns and on their labels.
    pub fn fit(
        features: &[f32],
        labels: &[f32],
        n_features: usize,
        rows: &[usize],
        clip: f64,
    ) -> Standardisation {
        let n = rows.len().max(1) as f64;
        let mut mean = vec![0f64; n_features];
        for &r in rows {
            for (m, &x) in mean
                .iter_mut()
                .zip(&features[r * n_features..][..n_features])
            {
                *m += x as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0f64; n_features];
        for &r in rows {
            for ((v, &x), m) in var
                .iter_mut()
                .zip(&features[r * n_features..][..n_features])
                .zip(&mean)
            {
                *v += (x as f64 - m) * (x as f64 - m);
            }
        }
        let std = var
            .iter()
            .map(|v| {
                let s = (v / n).sqrt();
                if s > 1e-12 {
                    s as f32
                } else {
                    1.0
                }
            })
            .collect();
        let label_mean = rows.iter().map(|&r| labels[r] as f64).sum::<f64>() / n;
        let label_var = rows
            .iter()
            .map(|&r| (labels[r] as f64 - label_mean).powi(2))
            .sum::<f64>()
            / n;
        let label_std = label_var.sqrt();
        Standardisation {
            mean: mean.iter().map(|&m| m as f32).collect(),
            std,
            clip: clip as f32,
            label_mean: label_mean as f32,
            label_std: if label_std > 1e-12 {
                label_std as f32
            } else {
                1.0
            },
        }
    }

    /// Standardises the rows `rows` of a row-major matrix, row-major out.
    pub fn inputs(&self, features: &[f32], rows: &[usize]) -> Vec<f32> {
        let d = self.mean.len();
        let mut out = Vec::with_capacity(rows.len() * d);
        for &r in rows {
            for ((&x, &m), &s) in features[r * d..][..d].iter().zip(&self.mean).zip(&self.std) {
                let z = (x - m) / s;
                out.push(if self.clip > 0.0 {
                    z.clamp(-self.clip, self.clip)
                } else {
                    z
                });
            }
        }
        out
    }

    /// The standardised labels of `rows`.
    pub fn labels(&self, labels: &[f32], rows: &[usize]) -> Vec<f32> {
        rows.iter()
            .map(|&r| (labels[r] - self.label_mean) / self.label_std)
            .collect()
    }

    /// Network outputs back in label units.
    pub fn unscale(&self, outputs: &[f32]) -> Vec<f32> {
        outputs
            .iter()
            .map(|&o| o * self.label_std + self.label_mean)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_on_the_given_rows_only() {
        // Two features; row 2 is an outlier kept out of the fit.
        let x = [1.0, 5.0, 3.0, 5.0, 1000.0, -1000.0];
        let y = [0.0, 2.0, 100.0];
        let s = Standardisation::fit(&x, &y, 2, &[0, 1], 3.0);
        assert_eq!(s.mean, vec![2.0, 5.0]);
        assert_eq!(s.std, vec![1.0, 1.0]); // second is constant → 1
        assert_eq!((s.label_mean, s.label_std), (1.0, 1.0));
        assert_eq!(s.inputs(&x, &[0, 2]), vec![-1.0, 0.0, 3.0, -3.0]);
        assert_eq!(s.labels(&y, &[1]), vec![1.0]);
        assert_eq!(s.unscale(&[1.0]), vec![2.0]);
    }
}
