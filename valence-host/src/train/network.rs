//! The MLP on candle: `n_inputs → hidden… → 1`. Each hidden layer is a dense
//! layer without bias (the batch norm's shift replaces it), batch
//! normalisation, ReLU and inverted dropout; the output layer is dense and
//! linear. It works in standardised units (see [`super::standardise`]).
//!
//! # Tensor names (the `model.safetensors` of a run directory)
//!
//! | name | shape | what |
//! | --- | --- | --- |
//! | `hidden.{i}.weight` | `[out, in]` | dense weights of hidden layer `i` (from 0); `y = x · Wᵀ` |
//! | `hidden.{i}.bn.weight` | `[out]` | batch-norm scale γ |
//! | `hidden.{i}.bn.bias` | `[out]` | batch-norm shift β |
//! | `hidden.{i}.bn.running_mean` | `[out]` | running mean μ used at inference |
//! | `hidden.{i}.bn.running_var` | `[out]` | running variance σ² used at inference |
//! | `output.weight` | `[1, in]` | output layer weights |
//! | `output.bias` | `[1]` | output layer bias |
//!
//! At inference a hidden layer computes
//! `relu(γ · (x·Wᵀ − μ) / sqrt(σ² + bn_eps) + β)`; dropout is off.
//! Initial weights are drawn from the run's seeded stream (He-uniform for the
//! hidden layers, `U(±1/sqrt(in))` for the output), never from candle's
//! unseedable generator, and dropout masks likewise.

use std::collections::HashMap;

use anyhow::{Context, Result};
use candle_core::{DType, Device, Module, ModuleT, Tensor, Var};
use candle_nn::BatchNorm;
use rand::rngs::StdRng;

use super::config::Architecture;
use super::rng::{dropout_mask, stream, uniform, Stream};

struct Hidden {
    weight: Var,
    bn_weight: Var,
    bn_bias: Var,
    running_mean: Var,
    running_var: Var,
    bn: BatchNorm,
}

/// The network and its variables.
pub struct Mlp {
    arch: Architecture,
    device: Device,
    hidden: Vec<Hidden>,
    out_weight: Var,
    out_bias: Var,
}

fn var(values: Vec<f32>, shape: &[usize], device: &Device) -> Result<Var> {
    let t = Tensor::from_vec(values, shape, device)?;
    Ok(Var::from_tensor(&t)?)
}

impl Mlp {
    /// A freshly initialised network, its weights drawn from `seed`.
    pub fn new(arch: &Architecture, seed: u64, device: &Device) -> Result<Mlp> {
        arch.validate()?;
        let mut rng = stream(seed, Stream::Init);
        let mut hidden = Vec::new();
        let mut width = arch.n_inputs;
        for &h in &arch.hidden {
            let bound = (6.0 / width as f32).sqrt();
            let weight = var(uniform(&mut rng, h * width, bound), &[h, width], device)?;
            let bn_weight = var(vec![1.0; h], &[h], device)?;
            let bn_bias = var(vec![0.0; h], &[h], device)?;
            let running_mean = var(vec![0.0; h], &[h], device)?;
            let running_var = var(vec![1.0; h], &[h], device)?;
            let bn = BatchNorm::new_with_momentum(
                h,
                running_mean.as_tensor().clone(),
                running_var.as_tensor().clone(),
                bn_weight.as_tensor().clone(),
                bn_bias.as_tensor().clone(),
                arch.bn_eps,
                arch.bn_momentum,
            )?;
            hidden.push(Hidden {
                weight,
                bn_weight,
                bn_bias,
                running_mean,
                running_var,
                bn,
            });
            width = h;
        }
        let bound = 1.0 / (width as f32).sqrt();
        let out_weight = var(uniform(&mut rng, width, bound), &[1, width], device)?;
        let out_bias = var(vec![0.0], &[1], device)?;
        Ok(Mlp {
            arch: arch.clone(),
            device: device.clone(),
            hidden,
            out_weight,
            out_bias,
        })
    }

    /// The architecture.
    pub fn architecture(&self) -> &Architecture {
        &self.arch
    }

    /// The device the variables live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Every variable with its name (see the module doc), in a fixed order.
    pub fn named_vars(&self) -> Vec<(String, &Var)> {
        let mut out = Vec::new();
        for (i, h) in self.hidden.iter().enumerate() {
            out.push((format!("hidden.{i}.weight"), &h.weight));
            out.push((format!("hidden.{i}.bn.weight"), &h.bn_weight));
            out.push((format!("hidden.{i}.bn.bias"), &h.bn_bias));
            out.push((format!("hidden.{i}.bn.running_mean"), &h.running_mean));
            out.push((format!("hidden.{i}.bn.running_var"), &h.running_var));
        }
        out.push(("output.weight".into(), &self.out_weight));
        out.push(("output.bias".into(), &self.out_bias));
        out
    }

    /// The trainable variables, each with whether weight decay applies
    /// (dense weights only).
    pub fn trainable(&self) -> Vec<(String, Var, bool)> {
        self.named_vars()
            .into_iter()
            .filter(|(n, _)| !n.contains("running_"))
            .map(|(n, v)| {
                let decay = n.ends_with(".weight") && !n.contains(".bn.");
                (n, v.clone(), decay)
            })
            .collect()
    }

    /// Forward pass. In training mode batch norm uses (and updates) batch
    /// statistics and dropout masks come from `dropout_rng`.
    pub fn forward(&self, x: &Tensor, dropout_rng: Option<&mut StdRng>) -> Result<Tensor> {
        self.forward_with(x, dropout_rng, None)
    }

    /// Recomputes every batch norm's running statistics as the plain mean
    /// of the batch statistics of one training-mode pass over `batches` of
    /// rows of `x` (dropout masks from `dropout_rng`, as in training): what
    /// averaged weights need, since the running statistics gathered along
    /// the way belong to the weights of each step, not to their mean.
    pub fn recompute_batch_norm(
        &self,
        x: &Tensor,
        batches: &[Vec<usize>],
        dropout_rng: &mut StdRng,
    ) -> Result<()> {
        for (i, batch) in batches.iter().enumerate() {
            let ids: Vec<u32> = batch.iter().map(|&r| r as u32).collect();
            let ids = Tensor::from_vec(ids, batch.len(), &self.device)?;
            // Momentum 1/(i+1) makes the running value the mean of the
            // first i+1 batches' statistics.
            self.forward_with(
                &x.index_select(&ids, 0)?,
                Some(&mut *dropout_rng),
                Some(1.0 / (i + 1) as f64),
            )?;
        }
        Ok(())
    }

    fn forward_with(
        &self,
        x: &Tensor,
        dropout_rng: Option<&mut StdRng>,
        bn_momentum: Option<f64>,
    ) -> Result<Tensor> {
        let train = dropout_rng.is_some();
        let mut rng = dropout_rng;
        let mut h = x.clone();
        for layer in &self.hidden {
            h = h.matmul(&layer.weight.as_tensor().t()?)?;
            h = match bn_momentum {
                None => layer.bn.forward_t(&h, train)?,
                Some(m) => BatchNorm::new_with_momentum(
                    layer.running_mean.dims()[0],
                    layer.running_mean.as_tensor().clone(),
                    layer.running_var.as_tensor().clone(),
                    layer.bn_weight.as_tensor().clone(),
                    layer.bn_bias.as_tensor().clone(),
                    self.arch.bn_eps,
                    m,
                )?
                .forward_t(&h, train)?,
            };
            h = h.relu()?;
            if let Some(rng) = rng.as_deref_mut() {
                if self.arch.dropout > 0.0 {
                    let (rows, cols) = h.dims2()?;
                    let mask = dropout_mask(rng, rows * cols, self.arch.dropout);
                    let mask = Tensor::from_vec(mask, (rows, cols), &self.device)?;
                    h = h.mul(&mask)?;
                }
            }
        }
        let out = candle_nn::Linear::new(
            self.out_weight.as_tensor().clone(),
            Some(self.out_bias.as_tensor().clone()),
        );
        Ok(out.forward(&h)?)
    }

    /// Evaluation-mode outputs (dropout off, running statistics) for a
    /// standardised input matrix, in chunks; one value per row.
    pub fn predict(&self, x: &Tensor) -> Result<Vec<f32>> {
        let n = x.dim(0)?;
        let mut out = Vec::with_capacity(n);
        let mut start = 0;
        while start < n {
            let len = (n - start).min(8192);
            let y = self.forward(&x.narrow(0, start, len)?, None)?;
            out.extend(y.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?);
            start += len;
        }
        Ok(out)
    }

    /// A copy of every variable's value (to restore the best epoch later).
    pub fn snapshot(&self) -> Result<Vec<Tensor>> {
        self.named_vars()
            .into_iter()
            .map(|(_, v)| Ok(v.as_tensor().copy()?))
            .collect()
    }

    /// Sets every variable from a [`Mlp::snapshot`].
    pub fn restore(&self, snapshot: &[Tensor]) -> Result<()> {
        for ((_, v), t) in self.named_vars().into_iter().zip(snapshot) {
            v.set(t)?;
        }
        Ok(())
    }

    /// The variables by name, for saving.
    pub fn tensors(&self) -> HashMap<String, Tensor> {
        self.named_vars()
            .into_iter()
            .map(|(n, v)| (n, v.as_tensor().clone()))
            .collect()
    }

    /// Sets every variable from a name → tensor map (as read from
    /// `model.safetensors`), checking names and shapes.
    pub fn load_tensors(&self, tensors: &HashMap<String, Tensor>) -> Result<()> {
        for (name, v) in self.named_vars() {
            let t = tensors
                .get(&name)
                .with_context(|| format!("the weights file has no tensor `{name}`"))?;
            anyhow::ensure!(
                t.dims() == v.dims(),
                "tensor `{name}` has shape {:?}, the architecture needs {:?}",
                t.dims(),
                v.dims()
            );
            v.set(&t.to_device(&self.device)?.to_dtype(DType::F32)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After the recomputation, each running statistic is the plain mean of
    /// the batches' statistics (not a momentum-weighted one).
    #[test]
    fn recomputed_statistics_are_the_mean_over_batches() {
        let arch = Architecture {
            hidden: vec![3],
            dropout: 0.0,
            ..Architecture::default_for(2)
        };
        let device = Device::Cpu;
        let net = Mlp::new(&arch, 5, &device).unwrap();
        let rows: Vec<f32> = (0..12).map(|i| ((i * 7 % 5) as f32 - 2.0) * 0.5).collect();
        let x = Tensor::from_vec(rows.clone(), (6, 2), &device).unwrap();
        let batches = vec![vec![0, 1, 2], vec![3, 4], vec![5, 0]];
        let mut rng = stream(1, Stream::Recompute);
        net.recompute_batch_norm(&x, &batches, &mut rng).unwrap();
        let w = net.hidden[0]
            .weight
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let pre = |r: usize, c: usize| rows[2 * r] * w[2 * c] + rows[2 * r + 1] * w[2 * c + 1];
        let mean = net.hidden[0]
            .running_mean
            .as_tensor()
            .to_vec1::<f32>()
            .unwrap();
        for (c, &m) in mean.iter().enumerate() {
            let batch_means: Vec<f32> = batches
                .iter()
                .map(|b| b.iter().map(|&r| pre(r, c)).sum::<f32>() / b.len() as f32)
                .collect();
            let want = batch_means.iter().sum::<f32>() / batches.len() as f32;
            assert!((m - want).abs() < 1e-5, "channel {c}: {m} against {want}");
        }
    }
}
