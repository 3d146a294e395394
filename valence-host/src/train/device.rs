//! `--device cpu|cuda`: where candle trains. CPU needs nothing; CUDA needs
//! this crate built with the `cuda` feature, which needs the CUDA toolkit.

use anyhow::{bail, Result};
use candle_core::Device;
use serde::{Deserialize, Serialize};

/// A training device as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    /// The CPU (all cores, through candle's thread pool).
    #[default]
    Cpu,
    /// The first CUDA GPU.
    Cuda,
}

impl DeviceKind {
    /// Opens the candle device, or says why it cannot.
    pub fn open(self) -> Result<Device> {
        match self {
            DeviceKind::Cpu => Ok(Device::Cpu),
            DeviceKind::Cuda => {
                if !cfg!(feature = "cuda") {
                    bail!(
                        "this valence was built without CUDA support; rebuild it with \
                         `cargo build --release -p valence-host --features cuda` (needs the \
                         CUDA toolkit, nvcc) or use --device cpu"
                    );
                }
                Device::new_cuda(0).map_err(|e| {
                    anyhow::anyhow!(
                        "cannot open CUDA device 0: {e}; check the driver or use --device cpu"
                    )
                })
            }
        }
    }

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            DeviceKind::Cpu => "cpu",
            DeviceKind::Cuda => "cuda",
        }
    }
}
