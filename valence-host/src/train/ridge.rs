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
//!
//! With groups (the windows of one clip), rows of a group are alike, and
//! leaving out one row at a time would let its siblings vouch for it and
//! favour too small a penalty; so a group is left out as a whole: its
//! residuals are `(I − H_GG)⁻¹ (y_G − ŷ_G)` with `H_GG` the hat matrix's
//! block of the group's rows — again exactly those of refitting without the
//! group. With one row per group this is the leave-one-out error above.

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
/// (the smallest; the first of equals). `groups`, when given, holds one
/// group number per row, and whole groups are left out (module doc).
pub fn fit_ridge(
    x: &[f32],
    y: &[f32],
    d: usize,
    groups: Option<&[usize]>,
    alphas: &[f64],
) -> Result<RidgeFit> {
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
    if let Some(g) = groups {
        ensure!(g.len() == n, "{} group numbers for {n} examples", g.len());
    }
    let blocks = group_rows(n, groups);
    ensure!(
        blocks.len() >= 2,
        "leaving groups out needs at least two groups of training examples"
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
        let shrink: Vec<f64> = lambda.iter().map(|l| 1.0 / (l + alpha)).collect();
        let held_out = held_out_squares(&u, &z, &yc, &shrink, &blocks);
        if let Some(sum) = held_out {
            let mse = sum / nf;
            if mse.is_finite() && best.is_none_or(|(_, b)| mse < b) {
                best = Some((alpha, mse));
            }
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

/// The rows of each group (each row its own group without groups).
fn group_rows(n: usize, groups: Option<&[usize]>) -> Vec<Vec<usize>> {
    match groups {
        None => (0..n).map(|i| vec![i]).collect(),
        Some(g) => {
            let mut index = std::collections::HashMap::new();
            let mut rows: Vec<Vec<usize>> = Vec::new();
            for (i, &k) in g.iter().enumerate() {
                let slot = *index.entry(k).or_insert_with(|| {
                    rows.push(Vec::new());
                    rows.len() - 1
                });
                rows[slot].push(i);
            }
            rows
        }
    }
}

/// The sum of squared held-out residuals when each block of rows is left
/// out in turn, for the penalty whose `1/(λ_k + α)` are `shrink`; `None`
/// when leaving a block out leaves the fit undetermined.
fn held_out_squares(
    u: &DMatrix<f64>,
    z: &DVector<f64>,
    yc: &DVector<f64>,
    shrink: &[f64],
    blocks: &[Vec<usize>],
) -> Option<f64> {
    let (n, d) = u.shape();
    let inv_n = 1.0 / n as f64;
    let fitted = |i: usize| (0..d).map(|k| u[(i, k)] * z[k] * shrink[k]).sum::<f64>();
    let hat = |i: usize, j: usize| {
        inv_n
            + (0..d)
                .map(|k| u[(i, k)] * u[(j, k)] * shrink[k])
                .sum::<f64>()
    };
    let mut sum = 0.0;
    for rows in blocks {
        if let [i] = rows[..] {
            // One row: (y_i − ŷ_i) / (1 − h_ii), no matrix needed.
            let slack = 1.0 - hat(i, i);
            if slack <= 1e-12 {
                return None;
            }
            sum += ((yc[i] - fitted(i)) / slack).powi(2);
            continue;
        }
        // I − H_GG and the block's residuals.
        let m = rows.len();
        let slack = DMatrix::from_fn(m, m, |a, b| {
            let h = hat(rows[a], rows[b]);
            if a == b {
                1.0 - h
            } else {
                -h
            }
        });
        let residual = DVector::from_iterator(m, rows.iter().map(|&i| yc[i] - fitted(i)));
        sum += slack.cholesky()?.solve(&residual).norm_squared();
    }
    Some(sum)
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
        let f = fit_ridge(&x, &y, d, None, &[alpha]).unwrap();
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

    /// The mean squared error of predicting each group's rows (`groups`: a
    /// group number per row) from a fit to all the other rows, by refitting.
    fn refitted_error(x: &[f32], y: &[f32], d: usize, groups: &[usize], alpha: f64) -> f64 {
        let n = y.len();
        let mut ids = groups.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut sum = 0.0;
        for g in ids {
            let keep: Vec<usize> = (0..n).filter(|&i| groups[i] != g).collect();
            let xs: Vec<f32> = keep
                .iter()
                .flat_map(|&i| x[i * d..(i + 1) * d].to_vec())
                .collect();
            let ys: Vec<f32> = keep.iter().map(|&i| y[i]).collect();
            let refit = fit_ridge(&xs, &ys, d, None, &[alpha]).unwrap();
            for i in (0..n).filter(|&i| groups[i] == g) {
                let row = &x[i * d..(i + 1) * d];
                let pred = refit.bias
                    + refit
                        .weights
                        .iter()
                        .zip(row)
                        .map(|(w, &v)| w * v as f64)
                        .sum::<f64>();
                sum += (y[i] as f64 - pred).powi(2);
            }
        }
        sum / n as f64
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
        let f = fit_ridge(&x, &y, d, None, &[alpha]).unwrap();
        let rows: Vec<usize> = (0..n).collect();
        let mse = refitted_error(&x, &y, d, &rows, alpha);
        assert!((mse - f.loo_mse).abs() < 1e-9 * mse, "{mse} {}", f.loo_mse);
    }

    /// With groups, the held-out error equals refitting without each
    /// group in turn; with one row per group it is the leave-one-out error.
    #[test]
    fn leave_one_group_out_error_is_refitting_without_each_group() {
        let (n, d) = (18, 2);
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i * 5 + 2) % 11) as f32 * 0.25)
            .collect();
        let y: Vec<f32> = (0..n)
            .map(|i| 0.8 * x[i * d] - 0.3 * x[i * d + 1] + ((i * 7) % 5) as f32 * 0.15)
            .collect();
        // Groups of 1 to 4 rows, not contiguous.
        let groups: Vec<usize> = (0..n)
            .map(|i| [0, 1, 2, 3, 1, 4][i % 6] + 5 * (i / 12))
            .collect();
        let alpha = 0.9;
        let f = fit_ridge(&x, &y, d, Some(&groups), &[alpha]).unwrap();
        let mse = refitted_error(&x, &y, d, &groups, alpha);
        assert!((mse - f.loo_mse).abs() < 1e-9 * mse, "{mse} {}", f.loo_mse);
        // The weights do not depend on the groups, only the choice of α.
        let plain = fit_ridge(&x, &y, d, None, &[alpha]).unwrap();
        assert_eq!(plain.weights, f.weights);
        let singletons: Vec<usize> = (0..n).collect();
        let one = fit_ridge(&x, &y, d, Some(&singletons), &[alpha]).unwrap();
        assert!((one.loo_mse - plain.loo_mse).abs() < 1e-12 * plain.loo_mse);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(fit_ridge(&[1.0, 2.0], &[1.0, 2.0], 1, None, &[1.0]).is_err());
        assert!(fit_ridge(&[1.0; 6], &[1.0; 3], 1, None, &[1.0]).is_err());
        assert!(fit_ridge(&[1.0; 3], &[1.0; 3], 1, None, &[0.0]).is_err());
        assert!(fit_ridge(&[1.0; 3], &[1.0; 3], 1, None, &[]).is_err());
        assert!(fit_ridge(&[1.0; 3], &[1.0; 3], 1, Some(&[0, 0]), &[1.0]).is_err());
        assert!(fit_ridge(&[1.0; 3], &[1.0; 3], 1, Some(&[5, 5, 5]), &[1.0]).is_err());
        // Constant inputs and labels: the intercept alone.
        let f = fit_ridge(&[1.0; 3], &[2.0; 3], 1, None, &[1.0]).unwrap();
        assert_eq!((f.weights[0], f.bias), (0.0, 2.0));
    }
}
