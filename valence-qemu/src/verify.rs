//! Host against emulated device on the same samples: the library side of
//! `valence verify --model MODEL.vlm --qemu AUDIO...`.
//!
//! [`verify`] builds the emulated firmware with the model (or reuses the
//! build), runs it under QEMU on each input, runs the host's
//! `ValenceSensor` on the same samples and compares every reading: same
//! number, identical bits. With the counting plugin it also measures the
//! device's instructions on the first input. Decoding audio files into
//! samples at the model's rate is the caller's part (the host's decoder).

use std::fmt;
use std::path::{Path, PathBuf};

use valence_core::sensor::DefaultHarmonySensor;
use valence_core::{Model, Reading};

use crate::cost::{self, Cost};
use crate::emulator::{self, Mode, RunOptions};
use crate::firmware::{self, Board};
use crate::{plugin, Error, Result};

/// Samples to verify on, at the model's rate.
#[derive(Debug, Clone)]
pub struct Input {
    /// A name for the report (the file name).
    pub name: String,
    /// The samples.
    pub samples: Vec<i16>,
}

/// The comparison on one input.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The input's name.
    pub name: String,
    /// Its length in samples.
    pub samples: usize,
    /// The host's readings.
    pub host: Vec<Reading>,
    /// The device's readings.
    pub device: Vec<Reading>,
}

impl Comparison {
    /// Index of the first reading that differs (or that only one side has).
    pub fn first_difference(&self) -> Option<usize> {
        (0..self.host.len().max(self.device.len()))
            .find(|&k| self.host.get(k) != self.device.get(k))
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The firmware that ran.
    pub elf: PathBuf,
    /// One comparison per input.
    pub comparisons: Vec<Comparison>,
    /// Instruction counts on the first input, when the plugin could be built.
    pub cost: Option<Cost>,
    /// Why there are no counts, when there are none.
    pub cost_error: Option<String>,
}

impl Report {
    /// Whether every reading of every input agrees.
    pub fn agrees(&self) -> bool {
        self.comparisons
            .iter()
            .all(|c| c.first_difference().is_none())
    }

    /// Readings compared in all.
    pub fn readings(&self) -> usize {
        self.comparisons.iter().map(|c| c.host.len()).sum()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.comparisons {
            match c.first_difference() {
                None => writeln!(f, "{}: {} readings, identical", c.name, c.host.len())?,
                Some(k) => writeln!(
                    f,
                    "{}: DIFFERENT at reading {k}: host {:?}, device {:?} ({} host and {} device readings)",
                    c.name,
                    c.host.get(k),
                    c.device.get(k),
                    c.host.len(),
                    c.device.len()
                )?,
            }
        }
        let verdict = if self.agrees() {
            "all identical"
        } else {
            "DIFFERENCES"
        };
        writeln!(f, "{} readings compared: {verdict}", self.readings())?;
        match (&self.cost, &self.cost_error) {
            (Some(c), _) => writeln!(
                f,
                "device instructions: {:.0} per front-end frame, {:.0} per inference ({:.2} per MAC), {:.0} per second of audio ({:.2} % of a 64 MHz core at 1 instruction/cycle)",
                c.frontend_per_frame,
                c.mlp_per_inference,
                c.insns_per_mac(),
                c.sensor_per_second(),
                c.load_percent(64e6)
            ),
            (None, Some(e)) => writeln!(f, "no instruction counts: {e}"),
            (None, None) => Ok(()),
        }
    }
}

/// The host's readings for `samples`: the core's sensor with the emulated
/// firmware's capacities (the default ones and the default chroma path).
pub fn host_readings(model: &Model<'_>, samples: &[i16]) -> Result<Vec<Reading>> {
    let mut sensor = Box::new(DefaultHarmonySensor::unloaded());
    sensor
        .load(model.clone())
        .map_err(|e| Error::new(format!("the host sensor refused the model: {e}")))?;
    let mut out = Vec::new();
    sensor.push(samples, |r| out.push(r));
    Ok(out)
}

/// Builds the emulated firmware with `model_path` in the repository at
/// `repo_root`, runs it on every input and compares with the host. The
/// counting plugin is built in `plugin_dir`; if that fails (no `gcc`) the
/// report says why and has no counts.
pub fn verify(
    repo_root: &Path,
    model_path: &Path,
    inputs: &[Input],
    plugin_dir: &Path,
) -> Result<Report> {
    let bytes = std::fs::read(model_path)
        .map_err(|e| Error::new(format!("{}: {e}", model_path.display())))?;
    let model = Model::from_bytes(&bytes)
        .map_err(|e| Error::new(format!("{}: {e}", model_path.display())))?;
    let rate = model.feature_spec().sample_rate;
    let elf = firmware::build(repo_root, Board::Mps2An386, model_path)?;
    let mut comparisons = Vec::new();
    for input in inputs {
        let out = emulator::run(
            &elf,
            &input.samples,
            rate,
            Mode::Run,
            &RunOptions::default(),
        )?;
        if out.status != 0 {
            return Err(Error::new(format!(
                "{}: the firmware exited with status {}: {}",
                input.name,
                out.status,
                out.stderr.trim()
            )));
        }
        comparisons.push(Comparison {
            name: input.name.clone(),
            samples: input.samples.len(),
            host: host_readings(&model, &input.samples)?,
            device: out.readings()?,
        });
    }
    let (cost, cost_error) = match (inputs.first(), plugin::build(plugin_dir)) {
        (None, _) => (None, None),
        (Some(_), Err(e)) => (None, Some(e.to_string())),
        (Some(first), Ok(so)) => match cost::measure(&elf, &so, &first.samples, rate, None) {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e.to_string())),
        },
    };
    Ok(Report {
        elf,
        comparisons,
        cost,
        cost_error,
    })
}
