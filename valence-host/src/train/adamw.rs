//! AdamW (Adam with decoupled weight decay, Loshchilov & Hutter) over the
//! network's trainable variables. Written here rather than taken from
//! candle-nn so that its moments can be saved in a checkpoint and a resumed
//! run continues exactly, and so that weight decay applies to dense weights
//! only.
//!
//! Per step `t` with gradient `g`: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
//! `θ ← θ(1 − lr·λ) − lr · m̂ / (sqrt(v̂) + ε)` with bias-corrected `m̂, v̂`.

use std::collections::HashMap;

use anyhow::{Context, Result};
use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

/// The optimiser and its state.
pub struct AdamW {
    params: Vec<(String, Var, bool)>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    step: u64,
    /// Learning rate.
    pub lr: f64,
    /// Decoupled weight decay λ.
    pub weight_decay: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
}

impl AdamW {
    /// An optimiser over `(name, variable, decayed)` triples with zeroed moments.
    pub fn new(params: Vec<(String, Var, bool)>, lr: f64, weight_decay: f64) -> Result<AdamW> {
        let m = params
            .iter()
            .map(|(_, v, _)| v.as_tensor().zeros_like())
            .collect::<candle_core::Result<Vec<_>>>()?;
        Ok(AdamW {
            v: m.clone(),
            m,
            params,
            step: 0,
            lr,
            weight_decay,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        })
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// One update from the gradients of a backward pass.
    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.step += 1;
        let t = self.step as i32;
        let scale_m = 1.0 / (1.0 - self.beta1.powi(t));
        let scale_v = 1.0 / (1.0 - self.beta2.powi(t));
        for (i, (_, var, decay)) in self.params.iter().enumerate() {
            let Some(g) = grads.get(var.as_tensor()) else {
                continue;
            };
            let m = ((&self.m[i] * self.beta1)? + (g * (1.0 - self.beta1))?)?;
            let v = ((&self.v[i] * self.beta2)? + (g.sqr()? * (1.0 - self.beta2))?)?;
            let update = ((&m * (self.lr * scale_m))? / ((&v * scale_v)?.sqrt()? + self.eps)?)?;
            let theta = if *decay && self.weight_decay > 0.0 {
                (var.as_tensor() * (1.0 - self.lr * self.weight_decay))?
            } else {
                var.as_tensor().clone()
            };
            var.set(&(theta - update)?)?;
            self.m[i] = m;
            self.v[i] = v;
        }
        Ok(())
    }

    /// The moments by name (`adam.m.NAME`, `adam.v.NAME`), for a checkpoint.
    pub fn state_tensors(&self) -> HashMap<String, Tensor> {
        let mut out = HashMap::new();
        for (i, (name, _, _)) in self.params.iter().enumerate() {
            out.insert(format!("adam.m.{name}"), self.m[i].clone());
            out.insert(format!("adam.v.{name}"), self.v[i].clone());
        }
        out
    }

    /// Restores the moments and the step count of a checkpoint.
    pub fn load_state(&mut self, tensors: &HashMap<String, Tensor>, step: u64) -> Result<()> {
        for (i, (name, var, _)) in self.params.iter().enumerate() {
            for (kind, slot) in [("m", &mut self.m[i]), ("v", &mut self.v[i])] {
                let key = format!("adam.{kind}.{name}");
                let t = tensors
                    .get(&key)
                    .with_context(|| format!("the checkpoint has no optimiser tensor `{key}`"))?;
                *slot = t.to_device(var.device())?;
            }
        }
        self.step = step;
        Ok(())
    }
}
