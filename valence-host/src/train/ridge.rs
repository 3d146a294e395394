//! The closed-form ridge fit behind `valence train --hidden none --ridge`:
//! the linear model of the standardised inputs that minimises squared error
//! plus `α·‖w‖²`, with `α` chosen by exact leave-one-out error on the
//! training rows — what scikit-learn's `RidgeCV` does, here on the inputs
//! and labels [`super::fit`] standardises, so that the result is an
//! ordinary network without hidden layers that exports as one int8 layer.
//!
//! On a few hundred examples the network's gradient training has little to
//! learn from and much to overfit (VGMIDI: 197 pieces); the ridge fit has
//! one parameter, chosen without touching the validation split.
//!
//! With the training matrix `X` (rows centred) and labels `y` (centred),
//! `XᵀX = V Λ Vᵀ` (a symmetric eigendecomposition, nalgebra) gives for every
//! `α` at the cost of one pass over `U = X V`:
//!
//! - the weights `w = V (Λ + α)⁻¹ Vᵀ Xᵀ y` and intercept `ȳ − x̄·w`;
//! - the fitted values `ŷ = U (Λ + α)⁻¹ Uᵀ y` and the hat matrix's diagonal
//!   `h_i = 1/n + Σ_k U_ik² / (λ_k + α)` (the `1/n` is the unpenalised
//!   intercept's);
//! - the leave-one-out residuals `(y_i − ŷ_i) / (1 − h_i)`, exactly those of
//!   refitting without row `i`.

use anyhow::{ensure, Result};
use nalgebra::{DMatrix, DVector, SymmetricEigen};

/// The penalties tried: 10⁻² to 10⁵, eight per decade (the inputs are
/// standardised, so one grid serves every dataset).
pub fn alpha_grid() -> Vec<f64> {
    (0..=56)
        .map(|i| 10f64.powf(-2.0 + i as f64 / 8.0))
        .collect()
}

/// A fitted ridge model.
#[derive(Debug, Clone, PartialEq)]
pub struct RidgeFit {
    /// One weight per input.
    pub weights: Vec<f64>,
    /// The intercept.
    pub bias: f64,
    /// The penalty chosen.
    pub alpha: f64,
    /// Its mean squared leave-one-out error (in the labels' units).
    pub loo_mse: f64,
}

/// Fits ridge regression of `y` on the `n × d` row-major matrix `x`
/// (`n = y.len()`), choosing `α` among `alphas` by leave-one-out error
/// (the smallest; the first of equals).
pub fn fit_ridge(x: &[f32], y: &[f32], d: usize, alphas: &[f64]) -> Result<RidgeFit> {
    let n = y.len();
    ensure!(
        n >= 3,
        "ridge regression needs at least 3 training examples (got {n})"
    );
    ensure!(d >= 1, "ridge regression needs at least one input");
    ensure!(
        x.len() == n * d,
        "{} input values for {n} examples of {d} inputs",
        x.len()
    );
    ensure!(
        !alphas.is_empty() && alphas.iter().all(|a| a.is_finite() && *a > 0.0),
        "the ridge penalties must be positive numbers"
    );
    let nf = n as f64;
    let mut mean_x = vec![0.0f64; d];
    for row in x.chunks_exact(d) {
        for (m, &v) in mean_x.iter_mut().zip(row) {
            *m += v as f64;
        }
    }
    mean_x.iter_mut().for_each(|m| *m /= nf);
    let mean_y = y.iter().map(|&v| v as f64).sum::<f64>() / nf;
    let xc = DMatrix::from_fn(n, d, |i, j| x[i * d + j] as f64 - mean_x[j]);
    let yc = DVector::from_iterator(n, y.iter().map(|&v| v as f64 - mean_y));
    let gram = xc.transpose() * &xc;
    let eig = SymmetricEigen::new(gram);
    // Rounding can leave tiny negative eigenvalues of a singular XᵀX.
    let lambda: Vec<f64> = eig.eigenvalues.iter().map(|&l| l.max(0.0)).collect();
    let u = &xc * &eig.eigenvectors;
    let z = u.transpose() * &yc;

    let mut best: Option<(f64, f64)> = None;
    for &alpha in alphas {
        let mut sum = 0.0;
        let mut ok = true;
        for i in 0..n {
            let (mut fitted, mut h) = (0.0, 1.0 / nf);
            for k in 0..d {
                let uik = u[(i, k)];
                let s = 1.0 / (lambda[k] + alpha);
                fitted += uik * z[k] * s;
                h += uik * uik * s;
            }
            let slack = 1.0 - h;
            if slack <= 1e-12 {
                ok = false;
                break;
            }
            let r = (yc[i] - fitted) / slack;
            sum += r * r;
        }
        let mse = sum / nf;
        if ok && mse.is_finite() && best.is_none_or(|(_, b)| mse < b) {
            best = Some((alpha, mse));
        }
    }
    let (alpha, loo_mse) = best.ok_or_else(|| {
        anyhow::anyhow!("no ridge penalty gives a finite leave-one-out error on these data")
    })?;
    let scaled = DVector::from_iterator(d, (0..d).map(|k| z[k] / (lambda[k] + alpha)));
    let w = &eig.eigenvectors * scaled;
    let bias = mean_y - w.iter().zip(&mean_x).map(|(a, b)| a * b).sum::<f64>();
    Ok(RidgeFit {
        weights: w.iter().copied().collect(),
        bias,
        alpha,
        loo_mse,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The weights solve the normal equations `(XᵀX + α I) w = Xᵀ y` of the
    /// centred data, and the intercept puts the fit through the means.
    #[test]
    fn weights_solve_the_normal_equations() {
        let (n, d) = (12, 3);
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i * 7 + 3) % 11) as f32 - 5.0 + (i % 3) as f32 * 0.5)
            .collect();
        let y: Vec<f32> = (0..n)
            .map(|i| x[i * d] * 0.5 - x[i * d + 2] + (i % 4) as f32 * 0.1)
            .collect();
        let alpha = 2.5;
        let f = fit_ridge(&x, &y, d, &[alpha]).unwrap();
        assert_eq!(f.alpha, alpha);
        let mx: Vec<f64> = (0..d)
            .map(|j| (0..n).map(|i| x[i * d + j] as f64).sum::<f64>() / n as f64)
            .collect();
        let my = y.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        for a in 0..d {
            let mut lhs = alpha * f.weights[a];
            let mut rhs = 0.0;
            for i in 0..n {
                let xa = x[i * d + a] as f64 - mx[a];
                let fit: f64 = (0..d)
                    .map(|b| (x[i * d + b] as f64 - mx[b]) * f.weights[b])
                    .sum();
                lhs += xa * fit;
                rhs += xa * (y[i] as f64 - my);
            }
            assert!((lhs - rhs).abs() < 1e-9 * rhs.abs().max(1.0), "{lhs} {rhs}");
        }
        let at_mean: f64 = f.bias + f.weights.iter().zip(&mx).map(|(w, m)| w * m).sum::<f64>();
        assert!((at_mean - my).abs() < 1e-12);
    }

    /// The leave-one-out error equals refitting without each row in turn.
    #[test]
    fn leave_one_out_error_is_refitting_without_each_row() {
        let (n, d) = (15, 2);
        let x: Vec<f32> = (0..n * d).map(|i| ((i * 5 + 1) % 9) as f32 * 0.3).collect();
        let y: Vec<f32> = (0..n)
            .map(|i| x[i * d] - 0.4 * x[i * d + 1] + ((i * 3) % 5) as f32 * 0.2)
            .collect();
        let alpha = 0.7;
        let f = fit_ridge(&x, &y, d, &[alpha]).unwrap();
        let mut sum = 0.0;
        for out in 0..n {
            let keep: Vec<usize> = (0..n).filter(|&i| i != out).collect();
            let xs: Vec<f32> = keep
                .iter()
                .flat_map(|&i| x[i * d..(i + 1) * d].to_vec())
                .collect();
            let ys: Vec<f32> = keep.iter().map(|&i| y[i]).collect();
            let g = fit_ridge(&xs, &ys, d, &[alpha]).unwrap();
            let pred = g.bias
                + (0..d)
                    .map(|j| g.weights[j] * x[out * d + j] as f64)
                    .sum::<f64>();
            sum += (y[out] as f64 - pred).powi(2);
        }
        let mse = sum / n as f64;
        assert!((mse - f.loo_mse).abs() < 1e-9 * mse, "{mse} {}", f.loo_mse);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(fit_ridge(&[1.0, 2.0], &[1.0, 2.0], 1, &[1.0]).is_err());
        assert!(fit_ridge(&[1.0; 6], &[1.0; 3], 1, &[1.0]).is_err());
        assert!(fit_ridge(&[1.0; 3], &[1.0; 3], 1, &[0.0]).is_err());
        assert!(fit_ridge(&[1.0; 3], &[1.0; 3], 1, &[]).is_err());
        // Constant inputs and labels: the intercept alone.
        let f = fit_ridge(&[1.0; 3], &[2.0; 3], 1, &[1.0]).unwrap();
        assert_eq!((f.weights[0], f.bias), (0.0, 2.0));
    }
}
