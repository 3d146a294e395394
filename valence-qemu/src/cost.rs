//! The cost pass: exact instruction counts of the emulated firmware.
//!
//! The firmware's `cost` mode (see the example's `cost.rs`) runs five
//! regions between marker functions (`harmony` only for a model with
//! harmony features); the plugin sums the instructions
//! executed in each. The `empty` region measures the markers' own overhead,
//! subtracted once per entry of every other region. Counting is per
//! translation block, exact and identical run after run; QEMU is not
//! cycle-accurate, so these are instructions, not cycles. The plugin also
//! tracks the lowest stack address written, which gives the deepest stack
//! of the whole run (start-up included).

use std::path::Path;
use std::process::Command;

use crate::elf::Firmware;
use crate::emulator::{self, Mode, RunOptions};
use crate::plugin::{self, Counts};
use crate::{Error, Result};

/// The regions the firmware marks, by marker-name stem.
pub const REGIONS: [&str; 5] = ["empty", "sensor", "mlp", "frontend", "harmony"];

/// What one cost pass measured.
#[derive(Debug, Clone)]
pub struct Cost {
    /// Sample rate of the audio, Hz.
    pub rate: u32,
    /// Samples pushed through the sensor.
    pub samples: u64,
    /// Readings the sensor gave.
    pub readings: u64,
    /// Frames timed in the front-end region.
    pub frames: u64,
    /// Inferences timed in the network region.
    pub inferences: u64,
    /// Multiply-accumulates per inference.
    pub macs: u64,
    /// Instructions per front-end frame (one hop of new samples in, one
    /// log-mel frame out).
    pub frontend_per_frame: f64,
    /// Instructions per inference of the int8 network.
    pub mlp_per_inference: f64,
    /// Instructions of the whole sensor over all samples.
    pub sensor_insns: u64,
    /// Samples pushed through the harmony path alone (0 for a mel model).
    pub harmony_samples: u64,
    /// Instructions of the harmony path alone (chroma FFT and bank, window
    /// sums, key clarity) over `harmony_samples`.
    pub harmony_insns: u64,
    /// Deepest stack of the run in bytes, start-up included.
    pub stack_peak: Option<u64>,
    /// Raw plugin output (with the per-address profile if asked for).
    pub counts: Counts,
}

impl Cost {
    /// Instructions per multiply-accumulate of the network.
    pub fn insns_per_mac(&self) -> f64 {
        self.mlp_per_inference / self.macs.max(1) as f64
    }

    /// Instructions per second of audio for the whole sensor.
    pub fn sensor_per_second(&self) -> f64 {
        self.sensor_insns as f64 * self.rate as f64 / self.samples.max(1) as f64
    }

    /// Instructions per second of audio of the harmony path alone (0 for a
    /// mel model).
    pub fn harmony_per_second(&self) -> f64 {
        if self.harmony_samples == 0 {
            return 0.0;
        }
        self.harmony_insns as f64 * self.rate as f64 / self.harmony_samples as f64
    }

    /// Share of a core running at `clock_hz` that the sensor needs, in
    /// percent, assuming one instruction per cycle.
    pub fn load_percent(&self, clock_hz: f64) -> f64 {
        100.0 * self.sensor_per_second() / clock_hz
    }
}

/// Runs the cost pass of `elf` on `samples` at `rate` Hz with the plugin at
/// `plugin_so`; `profile` names a region to profile per address.
pub fn measure(
    elf: &Path,
    plugin_so: &Path,
    samples: &[i16],
    rate: u32,
    profile: Option<&str>,
) -> Result<Cost> {
    let fw = Firmware::open(elf)?;
    let out_file = std::env::temp_dir().join(format!(
        "valence-qemu-counts-{}-{}",
        std::process::id(),
        elf.file_name().and_then(|n| n.to_str()).unwrap_or("fw")
    ));
    let mut arg = format!("{},out={}", plugin_so.display(), out_file.display());
    for region in REGIONS {
        let begin = fw.symbol_containing(&format!("valence_mark_{region}_begin"))?;
        let end = fw.symbol_containing(&format!("valence_mark_{region}_end"))?;
        arg += &format!(",region={region}:{:#x}:{:#x}", begin.address, end.address);
    }
    let stack_top = fw.symbol_containing("_stack_start")?.address;
    let stack_floor = fw.symbol_containing("_stack_end")?.address;
    arg += &format!(",stack={stack_floor:#x}:{stack_top:#x}");
    if let Some(p) = profile {
        arg += &format!(",profile={p}");
    }
    let options = RunOptions {
        plugin: Some(arg),
        ..RunOptions::default()
    };
    let out = emulator::run(elf, samples, rate, Mode::Cost, &options)?;
    if out.status != 0 {
        return Err(Error::new(format!(
            "cost pass exited with {}:\n{}{}",
            out.status, out.stdout, out.stderr
        )));
    }
    let counts = plugin::read_counts(&out_file)?;
    let _ = std::fs::remove_file(&out_file);
    let line = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("cost "))
        .ok_or_else(|| Error::new(format!("no cost line in:\n{}", out.stdout)))?;
    let v: Vec<u64> = line
        .split_ascii_whitespace()
        .map(|x| {
            x.parse()
                .map_err(|_| Error::new(format!("bad cost line {line:?}")))
        })
        .collect::<Result<_>>()?;
    let [samples_n, frames, readings, inferences, macs, harmony_samples] = v[..] else {
        return Err(Error::new(format!("bad cost line {line:?}")));
    };
    let region =
        |name: &str| {
            counts.regions.get(name).copied().ok_or_else(|| {
                Error::new(format!("region {name} missing from the plugin's output"))
            })
        };
    let overhead = region("empty")?.insns;
    let net = |name: &str| -> Result<u64> {
        let r = region(name)?;
        Ok(r.insns.saturating_sub(r.entries * overhead))
    };
    Ok(Cost {
        rate,
        samples: samples_n,
        readings,
        frames,
        inferences,
        macs,
        frontend_per_frame: net("frontend")? as f64 / frames.max(1) as f64,
        mlp_per_inference: net("mlp")? as f64 / inferences.max(1) as f64,
        sensor_insns: net("sensor")?,
        harmony_samples,
        harmony_insns: if harmony_samples > 0 {
            net("harmony")?
        } else {
            0
        },
        stack_peak: counts
            .stack_min
            .filter(|&m| m < stack_top)
            .map(|m| stack_top - m),
        counts,
    })
}

/// The deepest stack, in bytes, of a plain run (`Mode::Run`: start-up and
/// the sensor loop on `samples`, as a board runs it), from the plugin's
/// lowest store below the stack top.
pub fn stack_peak(elf: &Path, plugin_so: &Path, samples: &[i16], rate: u32) -> Result<u64> {
    let fw = Firmware::open(elf)?;
    let top = fw.symbol_containing("_stack_start")?.address;
    let floor = fw.symbol_containing("_stack_end")?.address;
    let out_file = std::env::temp_dir().join(format!(
        "valence-qemu-stack-{}-{}",
        std::process::id(),
        elf.file_name().and_then(|n| n.to_str()).unwrap_or("fw")
    ));
    let options = RunOptions {
        plugin: Some(format!(
            "{},out={},stack={floor:#x}:{top:#x}",
            plugin_so.display(),
            out_file.display()
        )),
        ..RunOptions::default()
    };
    let out = emulator::run(elf, samples, rate, Mode::Run, &options)?;
    if out.status != 0 {
        return Err(Error::new(format!(
            "run exited with {}:\n{}",
            out.status, out.stderr
        )));
    }
    let counts = plugin::read_counts(&out_file)?;
    let _ = std::fs::remove_file(&out_file);
    counts
        .stack_min
        .filter(|&m| m < top)
        .map(|m| top - m)
        .ok_or_else(|| Error::new("the plugin saw no store to the stack"))
}

/// Attributes a per-address profile to source functions with
/// `arm-none-eabi-addr2line` (inlined frames resolved: each address goes to
/// the innermost function of a `prefix` crate, e.g. `valence_core::`).
/// Returns `(function, instructions)`, largest first.
pub fn attribute(elf: &Path, profile: &[(u64, u64)], prefix: &str) -> Result<Vec<(String, u64)>> {
    let addrs: Vec<String> = profile.iter().map(|(a, _)| format!("{a:#x}")).collect();
    let out = Command::new("arm-none-eabi-addr2line")
        .args(["-a", "-f", "-i", "-C", "-e"])
        .arg(elf)
        .args(&addrs)
        .output()
        .map_err(|e| Error::new(format!("cannot run arm-none-eabi-addr2line: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    // Output: per address, "0x…" then (function, file:line) pairs, innermost first.
    let mut names: Vec<Vec<String>> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("0x") {
            names.push(Vec::new());
        } else if let Some(current) = names.last_mut() {
            current.push(line.to_string());
            lines.next(); // file:line
        }
    }
    let mut totals: std::collections::BTreeMap<String, u64> = Default::default();
    for ((_, insns), frames) in profile.iter().zip(&names) {
        let name = frames
            .iter()
            .find(|f| f.starts_with(prefix))
            .or(frames.first())
            .cloned()
            .unwrap_or_else(|| "?".into());
        let short = name.replace("<_,_>", "").replace("<_>", "");
        *totals.entry(short).or_default() += insns;
    }
    let mut v: Vec<(String, u64)> = totals.into_iter().collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.1));
    Ok(v)
}
