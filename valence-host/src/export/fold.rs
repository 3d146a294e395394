//! Batch-norm folding: the first step of export. A run directory's float
//! network (dense without bias → batch norm → ReLU → dropout per hidden
//! layer, then a dense output; see [`crate::train::network`]) becomes plain
//! dense layers with biases, in `f64`, that compute the same function at
//! inference:
//!
//! `γ·(x·Wᵀ − μ)/sqrt(σ² + ε) + β = x·(a⊙W)ᵀ + (β − a⊙μ)` with `a = γ/sqrt(σ² + ε)`
//! (one `a` per output channel); dropout is the identity at inference and is
//! dropped. The network still works in standardised units; the input
//! standardisation and the label scale are folded in by [`super::quantise`].

use std::collections::HashMap;

use anyhow::{ensure, Context, Result};
use candle_core::{DType, Tensor};

use crate::train::config::Architecture;

/// A dense layer in `f64`: `y = W·x + b`, then ReLU when `relu`.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseF64 {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// `outputs × inputs` weights, one row per output channel.
    pub weights: Vec<f64>,
    /// One bias per output channel.
    pub bias: Vec<f64>,
    /// ReLU after the affine map (hidden layers).
    pub relu: bool,
}

impl DenseF64 {
    /// The layer's output for one input vector.
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        self.weights
            .chunks_exact(self.inputs)
            .zip(&self.bias)
            .map(|(row, &b)| {
                let v = b + row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>();
                if self.relu {
                    v.max(0.0)
                } else {
                    v
                }
            })
            .collect()
    }
}

/// The float network with batch norm folded into the dense layers: hidden
/// layers with ReLU, then one linear output, all in standardised units.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldedNetwork {
    /// The layers, input first; the last has one output.
    pub layers: Vec<DenseF64>,
}

fn values(tensors: &HashMap<String, Tensor>, name: &str, len: usize) -> Result<Vec<f64>> {
    let t = tensors
        .get(name)
        .with_context(|| format!("the weights file has no tensor `{name}`"))?;
    let v = t
        .to_dtype(DType::F64)
        .and_then(|t| t.flatten_all())
        .and_then(|t| t.to_vec1::<f64>())
        .with_context(|| format!("tensor `{name}` cannot be read"))?;
    ensure!(
        v.len() == len,
        "tensor `{name}` holds {} values, the architecture needs {len}",
        v.len()
    );
    ensure!(
        v.iter().all(|x| x.is_finite()),
        "tensor `{name}` holds values that are not finite: the run diverged; train again"
    );
    Ok(v)
}

impl FoldedNetwork {
    /// Folds the tensors of a run directory's `model.safetensors` (names in
    /// [`crate::train::network`]) for `arch`.
    pub fn from_tensors(arch: &Architecture, tensors: &HashMap<String, Tensor>) -> Result<Self> {
        arch.validate()?;
        let mut layers = Vec::with_capacity(arch.hidden.len() + 1);
        let mut width = arch.n_inputs;
        for (i, &h) in arch.hidden.iter().enumerate() {
            let w = values(tensors, &format!("hidden.{i}.weight"), h * width)?;
            let gamma = values(tensors, &format!("hidden.{i}.bn.weight"), h)?;
            let beta = values(tensors, &format!("hidden.{i}.bn.bias"), h)?;
            let mean = values(tensors, &format!("hidden.{i}.bn.running_mean"), h)?;
            let var = values(tensors, &format!("hidden.{i}.bn.running_var"), h)?;
            let mut weights = Vec::with_capacity(h * width);
            let mut bias = Vec::with_capacity(h);
            for o in 0..h {
                let a = gamma[o] / (var[o] + arch.bn_eps).sqrt();
                weights.extend(w[o * width..(o + 1) * width].iter().map(|w| a * w));
                bias.push(beta[o] - a * mean[o]);
            }
            layers.push(DenseF64 {
                inputs: width,
                outputs: h,
                weights,
                bias,
                relu: true,
            });
            width = h;
        }
        layers.push(DenseF64 {
            inputs: width,
            outputs: 1,
            weights: values(tensors, "output.weight", width)?,
            bias: values(tensors, "output.bias", 1)?,
            relu: false,
        });
        Ok(FoldedNetwork { layers })
    }

    /// Input width.
    pub fn n_inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inputs)
    }

    /// The network's output (standardised label units) for one standardised
    /// input vector, with every hidden layer's activations (after ReLU).
    pub fn forward_traced(&self, z: &[f64]) -> (f64, Vec<Vec<f64>>) {
        let mut hidden = Vec::with_capacity(self.layers.len().saturating_sub(1));
        let mut x = z.to_vec();
        for layer in &self.layers {
            x = layer.apply(&x);
            if layer.relu {
                hidden.push(x.clone());
            }
        }
        (x.first().copied().unwrap_or(0.0), hidden)
    }

    /// The network's output (standardised label units) for one standardised
    /// input vector.
    pub fn forward(&self, z: &[f64]) -> f64 {
        self.forward_traced(z).0
    }
}
