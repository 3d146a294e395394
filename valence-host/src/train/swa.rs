//! Stochastic weight averaging (Izmailov, Podoprikhin, Garipov, Vetrov &
//! Wilson, "Averaging Weights Leads to Wider Optima and Better
//! Generalization", UAI 2018): over the last epochs of a run the weights
//! wander around a wide minimum; their mean lies nearer its centre than any
//! one of them and generalises like an ensemble of the epochs' networks,
//! while staying one network of the same shape (so export, the int8 model
//! and the device are unchanged).
//!
//! [`super::fit`] adds the weights at the end of each epoch of the window
//! (`TrainConfig::swa_epochs`) to a [`WeightAverage`]; at the end it sets
//! the network to the mean and recomputes the batch-norm statistics for it
//! ([`super::network::Mlp::recompute_batch_norm`]). The sums travel in the
//! resumable checkpoint, so an interrupted run averages exactly the same
//! epochs as an uninterrupted one.

use std::collections::HashMap;

use anyhow::{Context, Result};
use candle_core::Tensor;

use super::config::TrainConfig;
use super::network::Mlp;

/// Prefix of the sums' names in the checkpoint's tensors.
const PREFIX: &str = "swa.";

/// The running sum of the weights of the epochs averaged so far.
#[derive(Default)]
pub struct WeightAverage {
    sum: Option<Vec<Tensor>>,
    count: usize,
}

/// Whether the weights after `epochs_done` epochs belong to the average.
pub fn in_window(cfg: &TrainConfig, epochs_done: usize) -> bool {
    cfg.swa_epochs > 0 && epochs_done + cfg.swa_epochs > cfg.epochs
}

impl WeightAverage {
    /// Epochs added so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Adds the network's current weights (every variable, in
    /// [`Mlp::named_vars`] order).
    pub fn add(&mut self, model: &Mlp) -> Result<()> {
        let now = model.snapshot()?;
        self.sum = Some(match self.sum.take() {
            None => now,
            Some(sum) => sum
                .iter()
                .zip(&now)
                .map(|(s, w)| s + w)
                .collect::<candle_core::Result<Vec<_>>>()?,
        });
        self.count += 1;
        Ok(())
    }

    /// The mean of the weights added, in [`Mlp::snapshot`] form (none
    /// before the first epoch of the window).
    pub fn mean(&self) -> Result<Option<Vec<Tensor>>> {
        let Some(sum) = &self.sum else {
            return Ok(None);
        };
        let n = self.count as f64;
        Ok(Some(
            sum.iter()
                .map(|s| s / n)
                .collect::<candle_core::Result<Vec<_>>>()?,
        ))
    }

    /// The sums by name (`swa.NAME`), for a checkpoint.
    pub fn state_tensors(&self, model: &Mlp) -> HashMap<String, Tensor> {
        let mut out = HashMap::new();
        if let Some(sum) = &self.sum {
            for ((name, _), t) in model.named_vars().into_iter().zip(sum) {
                out.insert(format!("{PREFIX}{name}"), t.clone());
            }
        }
        out
    }

    /// The average a checkpoint saved: `count` epochs, their sums in
    /// `tensors` (none needed when `count` is 0).
    pub fn from_state(
        model: &Mlp,
        tensors: &HashMap<String, Tensor>,
        count: usize,
    ) -> Result<WeightAverage> {
        if count == 0 {
            return Ok(WeightAverage::default());
        }
        let sum = model
            .named_vars()
            .into_iter()
            .map(|(name, var)| {
                let key = format!("{PREFIX}{name}");
                tensors
                    .get(&key)
                    .with_context(|| {
                        format!("the checkpoint has no weight-average tensor `{key}`")
                    })?
                    .to_device(var.device())
                    .map_err(Into::into)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(WeightAverage {
            sum: Some(sum),
            count,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::config::Architecture;
    use candle_core::Device;

    fn cfg(epochs: usize, swa_epochs: usize) -> TrainConfig {
        TrainConfig {
            epochs,
            swa_epochs,
            patience: 0,
            ..TrainConfig::default()
        }
    }

    #[test]
    fn the_window_is_the_last_epochs() {
        let c = cfg(10, 3);
        let inside: Vec<usize> = (1..=10).filter(|&e| in_window(&c, e)).collect();
        assert_eq!(inside, vec![8, 9, 10]);
        assert!(!(1..=10).any(|e| in_window(&cfg(10, 0), e)));
        assert_eq!((1..=4).filter(|&e| in_window(&cfg(4, 4), e)).count(), 4);
    }

    #[test]
    fn the_mean_is_the_mean_of_every_variable() {
        let arch = Architecture {
            hidden: vec![3],
            ..Architecture::default_for(2)
        };
        let (a, b) = (
            Mlp::new(&arch, 1, &Device::Cpu).unwrap(),
            Mlp::new(&arch, 2, &Device::Cpu).unwrap(),
        );
        let mut avg = WeightAverage::default();
        assert!(avg.mean().unwrap().is_none());
        avg.add(&a).unwrap();
        avg.add(&b).unwrap();
        assert_eq!(avg.count(), 2);
        let mean = avg.mean().unwrap().unwrap();
        let (sa, sb) = (a.snapshot().unwrap(), b.snapshot().unwrap());
        for ((m, x), y) in mean.iter().zip(&sa).zip(&sb) {
            let m = m.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let x = x.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let y = y.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            for ((m, x), y) in m.iter().zip(&x).zip(&y) {
                assert!((m - (x + y) / 2.0).abs() < 1e-6);
            }
        }
        // Through a checkpoint and back.
        let saved = avg.state_tensors(&a);
        assert_eq!(saved.len(), a.named_vars().len());
        let back = WeightAverage::from_state(&a, &saved, 2).unwrap();
        let again = back.mean().unwrap().unwrap();
        for (m, n) in mean.iter().zip(&again) {
            assert_eq!(
                m.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
                n.flatten_all().unwrap().to_vec1::<f32>().unwrap()
            );
        }
        let missing = WeightAverage::from_state(&a, &HashMap::new(), 2);
        assert!(missing
            .err()
            .unwrap()
            .to_string()
            .contains("swa.hidden.0.weight"));
    }

    #[test]
    fn the_window_scales_with_a_shorter_run() {
        let c = cfg(40, 20);
        assert_eq!(c.with_epochs(10).swa_epochs, 5);
        assert_eq!(c.with_epochs(1).swa_epochs, 1);
        assert_eq!(c.with_epochs(40).swa_epochs, 20);
        assert_eq!(cfg(40, 0).with_epochs(10).swa_epochs, 0);
        c.with_epochs(3).validate().unwrap();
    }
}
