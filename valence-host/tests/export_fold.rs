//! Batch-norm folding: the folded network computes what the unfolded float
//! network (candle, evaluation mode) computes — by hand on a 2 → 2 → 1
//! network, and against candle on random networks.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use valence_host::export::fold::FoldedNetwork;
use valence_host::train::network::Mlp;
use valence_host::train::Architecture;

fn tensors(values: &[(&str, Vec<f32>, Vec<usize>)]) -> HashMap<String, Tensor> {
    values
        .iter()
        .map(|(n, v, s)| {
            (
                n.to_string(),
                Tensor::from_vec(v.clone(), s.as_slice(), &Device::Cpu).unwrap(),
            )
        })
        .collect()
}

fn candle(arch: &Architecture, t: &HashMap<String, Tensor>, x: &[f32]) -> Vec<f32> {
    let mlp = Mlp::new(arch, 0, &Device::Cpu).unwrap();
    mlp.load_tensors(t).unwrap();
    let rows = x.len() / arch.n_inputs;
    let x = Tensor::from_vec(x.to_vec(), (rows, arch.n_inputs), &Device::Cpu).unwrap();
    mlp.predict(&x).unwrap()
}

/// x·Wᵀ with W = [[1, −1], [0.5, 2]]; batch norm γ = [2, 0.5], β = [0.1, −1],
/// μ = [−2, 0.5], σ² + ε = [4, 1]; ReLU; output [1, −3]·h + 0.25.
///
/// x = [1, 2]: x·Wᵀ = [−1, 4.5] → BN [2·1/2 + 0.1, 0.5·4/1 − 1] = [1.1, 1.0]
/// → 1.1 − 3.0 + 0.25 = −1.65.
/// x = [−1, 0]: x·Wᵀ = [−1, −0.5] → BN [1.1, −1.5] → ReLU [1.1, 0] → 1.35.
#[test]
fn folding_matches_a_hand_computed_network() {
    let arch = Architecture {
        n_inputs: 2,
        hidden: vec![2],
        dropout: 0.3,
        bn_eps: 1e-3,
        bn_momentum: 0.1,
    };
    let t = tensors(&[
        ("hidden.0.weight", vec![1.0, -1.0, 0.5, 2.0], vec![2, 2]),
        ("hidden.0.bn.weight", vec![2.0, 0.5], vec![2]),
        ("hidden.0.bn.bias", vec![0.1, -1.0], vec![2]),
        ("hidden.0.bn.running_mean", vec![-2.0, 0.5], vec![2]),
        ("hidden.0.bn.running_var", vec![3.999, 0.999], vec![2]),
        ("output.weight", vec![1.0, -3.0], vec![1, 2]),
        ("output.bias", vec![0.25], vec![1]),
    ]);
    let folded = FoldedNetwork::from_tensors(&arch, &t).unwrap();
    // Folded weights a⊙W with a = γ/sqrt(σ²+ε) = [1, 0.5]; bias β − a⊙μ = [2.1, −1.25].
    let l0 = &folded.layers[0];
    let want_w = [1.0, -1.0, 0.25, 1.0];
    for (w, want) in l0.weights.iter().zip(want_w) {
        assert!((w - want).abs() < 1e-6, "{:?}", l0.weights);
    }
    assert!((l0.bias[0] - 2.1).abs() < 1e-6 && (l0.bias[1] + 1.25).abs() < 1e-6);
    assert!((folded.forward(&[1.0, 2.0]) + 1.65).abs() < 1e-6);
    assert!((folded.forward(&[-1.0, 0.0]) - 1.35).abs() < 1e-6);
    let c = candle(&arch, &t, &[1.0, 2.0, -1.0, 0.0]);
    assert!(
        (c[0] + 1.65).abs() < 1e-5 && (c[1] - 1.35).abs() < 1e-5,
        "{c:?}"
    );
}

#[test]
fn folding_matches_candle_on_random_networks() {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move |lo: f32, hi: f32| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        lo + (hi - lo) * ((s >> 40) as f32 / (1u64 << 24) as f32)
    };
    for hidden in [vec![7], vec![16, 8], vec![12, 9, 5]] {
        let arch = Architecture {
            hidden: hidden.clone(),
            ..Architecture::default_for(10)
        };
        let mut values = Vec::new();
        let mut width = 10;
        for (i, &h) in hidden.iter().enumerate() {
            let w = (0..h * width).map(|_| next(-0.6, 0.6)).collect();
            values.push((format!("hidden.{i}.weight"), w, vec![h, width]));
            let bn = [
                ("weight", 0.5, 2.0),
                ("bias", -1.0, 1.0),
                ("running_mean", -1.0, 1.0),
                ("running_var", 0.2, 3.0),
            ];
            for (name, lo, hi) in bn {
                let v = (0..h).map(|_| next(lo, hi)).collect();
                values.push((format!("hidden.{i}.bn.{name}"), v, vec![h]));
            }
            width = h;
        }
        values.push((
            "output.weight".into(),
            (0..width).map(|_| next(-1.0, 1.0)).collect(),
            vec![1, width],
        ));
        values.push(("output.bias".into(), vec![next(-1.0, 1.0)], vec![1]));
        let named: Vec<(&str, Vec<f32>, Vec<usize>)> = values
            .iter()
            .map(|(n, v, s)| (n.as_str(), v.clone(), s.clone()))
            .collect();
        let t = tensors(&named);
        let folded = FoldedNetwork::from_tensors(&arch, &t).unwrap();
        let x: Vec<f32> = (0..50 * 10).map(|_| next(-3.0, 3.0)).collect();
        let want = candle(&arch, &t, &x);
        for (row, w) in x.chunks(10).zip(want) {
            let z: Vec<f64> = row.iter().map(|&v| v as f64).collect();
            let got = folded.forward(&z);
            assert!(
                (got - w as f64).abs() < 1e-4 * (1.0 + w.abs() as f64),
                "{hidden:?}: {got} vs {w}"
            );
        }
    }
}

#[test]
fn missing_or_misshapen_tensors_are_refused() {
    let arch = Architecture {
        hidden: vec![2],
        ..Architecture::default_for(2)
    };
    let t = tensors(&[("hidden.0.weight", vec![1.0; 4], vec![2, 2])]);
    let err = FoldedNetwork::from_tensors(&arch, &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("hidden.0.bn.weight"), "{err}");
    let t = tensors(&[("hidden.0.weight", vec![1.0; 6], vec![3, 2])]);
    let err = FoldedNetwork::from_tensors(&arch, &t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("6 values"), "{err}");
}
