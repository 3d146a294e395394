//! valence's closed-form ridge fit (`train --hidden none --ridge`) against
//! scikit-learn's `RidgeCV` on the same data and penalty grid: the same
//! penalty chosen by leave-one-out error, the same weights, intercept and
//! leave-one-out error. The fixture and the script that makes it:
//! `tests/fixtures/ridge/ridgecv.json`, `python/make_ridge_fixtures.py`.

use serde_json::Value;
use valence_host::train::ridge::{alpha_grid, fit_ridge};

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn ridge_matches_sklearn_ridgecv() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ridge/ridgecv.json"
    );
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let d = case["d"].as_u64().unwrap() as usize;
        // The fixture's inputs are float32 values, exactly representable.
        let x: Vec<f32> = floats(&case["x"]).iter().map(|&v| v as f32).collect();
        let y: Vec<f32> = floats(&case["y"]).iter().map(|&v| v as f32).collect();
        let alphas = floats(&case["alphas"]);
        // The grid is the one `train --ridge` uses.
        assert_eq!(alphas.len(), alpha_grid().len());
        for (a, b) in alphas.iter().zip(alpha_grid()) {
            assert!((a - b).abs() <= 1e-12 * b, "{name}: grid {a} vs {b}");
        }
        let fit = fit_ridge(&x, &y, d, None, &alphas).unwrap();
        let alpha = case["alpha"].as_f64().unwrap();
        assert!(
            (fit.alpha - alpha).abs() <= 1e-12 * alpha,
            "{name}: penalty {} vs sklearn {alpha}",
            fit.alpha
        );
        let loo = case["loo_mse"].as_f64().unwrap();
        assert!(
            (fit.loo_mse - loo).abs() <= 1e-9 * loo,
            "{name}: leave-one-out MSE {} vs sklearn {loo}",
            fit.loo_mse
        );
        for (j, (w, c)) in fit.weights.iter().zip(floats(&case["coef"])).enumerate() {
            assert!(
                (w - c).abs() <= 1e-9 * c.abs().max(1.0),
                "{name}: weight {j} {w} vs sklearn {c}"
            );
        }
        let b = case["intercept"].as_f64().unwrap();
        assert!(
            (fit.bias - b).abs() <= 1e-9 * b.abs().max(1.0),
            "{name}: intercept {} vs {b}",
            fit.bias
        );
    }
}
