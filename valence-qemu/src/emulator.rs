//! Running the emulated firmware on samples.
//!
//! The samples go to a temporary file of raw little-endian `i16`; QEMU
//! (`mps2-an386`, Cortex-M4) runs the ELF with semihosting, passing the
//! firmware its arguments (`run FILE RATE` or `cost FILE RATE`); the
//! firmware prints one line per reading and exits with its status, which
//! QEMU returns. A watchdog kills QEMU after a timeout, so a hung firmware
//! fails a test instead of stalling it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use valence_core::Reading;

use crate::{Error, Result};

/// The QEMU binary used.
pub const QEMU: &str = "qemu-system-arm";

/// Whether `qemu-system-arm` can be started.
pub fn qemu_available() -> bool {
    Command::new(QEMU)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// What a firmware run produced.
#[derive(Debug, Clone)]
pub struct Output {
    /// The exit status the firmware gave (QEMU's).
    pub status: i32,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr (and QEMU's own messages).
    pub stderr: String,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl Output {
    /// The `reading INDEX END_SAMPLE VALUE_Q16` lines, parsed.
    pub fn readings(&self) -> Result<Vec<Reading>> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with("reading "))
            .map(|l| {
                let mut f = l.split_ascii_whitespace().skip(1);
                let bad = || Error::new(format!("malformed reading line: {l:?}"));
                let index = f.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
                let end_sample = f.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
                let value_q16 = f.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
                Ok(Reading {
                    index,
                    end_sample,
                    value_q16,
                })
            })
            .collect()
    }
}

/// What the firmware should do with the samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Stream them through the sensor loop, printing every reading.
    Run,
    /// The cost pass (see [`crate::cost`]).
    Cost,
}

/// Options of one run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Kill QEMU after this long.
    pub timeout: Duration,
    /// `-plugin` argument (`PATH,key=value,...`), if any.
    pub plugin: Option<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            timeout: Duration::from_secs(300),
            plugin: None,
        }
    }
}

/// Writes samples as raw little-endian `i16`.
pub fn write_samples(path: &Path, samples: &[i16]) -> Result<()> {
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(path, bytes).map_err(|e| Error::new(format!("{}: {e}", path.display())))
}

fn temp_file(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("valence-qemu-{}-{n}-{tag}", std::process::id()))
}

/// Runs `elf` on `samples` at `rate` Hz.
pub fn run(
    elf: &Path,
    samples: &[i16],
    rate: u32,
    mode: Mode,
    options: &RunOptions,
) -> Result<Output> {
    let input = temp_file("samples.i16");
    write_samples(&input, samples)?;
    let result = run_file(elf, &input, rate, mode, options);
    let _ = std::fs::remove_file(&input);
    result
}

/// Runs `elf` on a file of raw little-endian `i16` samples at `rate` Hz.
pub fn run_file(
    elf: &Path,
    input: &Path,
    rate: u32,
    mode: Mode,
    options: &RunOptions,
) -> Result<Output> {
    let input = input.to_str().filter(|s| !s.contains(',')).ok_or_else(|| {
        Error::new(format!(
            "{}: QEMU's option syntax needs a UTF-8 path without commas",
            input.display()
        ))
    })?;
    let mode = match mode {
        Mode::Run => "run",
        Mode::Cost => "cost",
    };
    let mut cmd = Command::new(QEMU);
    cmd.args(["-machine", "mps2-an386", "-cpu", "cortex-m4", "-nographic"])
        .args(["-monitor", "none", "-serial", "none"])
        .arg("-semihosting-config")
        .arg(format!(
            "enable=on,target=native,arg=valence,arg={mode},arg={input},arg={rate}"
        ));
    if let Some(plugin) = &options.plugin {
        cmd.arg("-plugin").arg(plugin);
    }
    cmd.arg("-kernel")
        .arg(elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::new(format!("cannot start {QEMU}: {e}")))?;
    let mut stdout_pipe = child.stdout.take().ok_or_else(|| Error::new("no stdout"))?;
    let mut stderr_pipe = child.stderr.take().ok_or_else(|| Error::new("no stderr"))?;
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout_pipe.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr_pipe.read_to_string(&mut s);
        s
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > options.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::new(format!(
                    "{} did not finish within {:?} under QEMU (killed)",
                    elf.display(),
                    options.timeout
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(Error::new(format!("waiting for QEMU: {e}"))),
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(Output {
        status: status.code().unwrap_or(-1),
        stdout,
        stderr,
        elapsed: start.elapsed(),
    })
}
