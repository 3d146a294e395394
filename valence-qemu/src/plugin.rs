//! The instruction-counting TCG plugin: built from `plugin/insn_count.c`
//! with `gcc -O2 -shared -fPIC` (its header comment documents it), and its
//! output read back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Error, Result};

/// The plugin's C source.
pub const SOURCE: &str = include_str!("../plugin/insn_count.c");

/// Builds the plugin into `dir` (reusing it when the source is unchanged)
/// and returns the shared object's path.
pub fn build(dir: &Path) -> Result<PathBuf> {
    let io = |e: std::io::Error| Error::new(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    let src = dir.join("insn_count.c");
    let so = dir.join("libinsn_count.so");
    let unchanged = std::fs::read_to_string(&src).is_ok_and(|s| s == SOURCE);
    if unchanged && so.is_file() {
        return Ok(so);
    }
    std::fs::write(&src, SOURCE).map_err(io)?;
    let out = Command::new("gcc")
        .args(["-O2", "-shared", "-fPIC", "-o"])
        .arg(&so)
        .arg(&src)
        .output()
        .map_err(|e| Error::new(format!("cannot run gcc to build the QEMU plugin: {e}")))?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&src);
        return Err(Error::new(format!(
            "building the QEMU plugin failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(so)
}

/// One measured region: how often it was entered and the instructions
/// executed inside it in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Region {
    /// Times the begin marker ran.
    pub entries: u64,
    /// Instructions between begin and end markers, summed.
    pub insns: u64,
}

/// What the plugin wrote.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Instructions executed in the whole run.
    pub total: u64,
    /// Regions by name.
    pub regions: BTreeMap<String, Region>,
    /// Lowest address stored to in the stack range, if tracked.
    pub stack_min: Option<u64>,
    /// The instruction that made that store.
    pub stack_min_pc: Option<u64>,
    /// Instructions per translation-block start address in the profiled
    /// region, if any.
    pub profile: Vec<(u64, u64)>,
}

fn parse_u64(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Reads the plugin's output file.
pub fn read_counts(path: &Path) -> Result<Counts> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::new(format!("plugin output {}: {e}", path.display())))?;
    let mut counts = Counts::default();
    for line in text.lines() {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        let bad = || Error::new(format!("malformed plugin output line {line:?}"));
        match f.as_slice() {
            ["total", n] => counts.total = parse_u64(n).ok_or_else(bad)?,
            ["region", name, entries, insns] => {
                counts.regions.insert(
                    name.to_string(),
                    Region {
                        entries: parse_u64(entries).ok_or_else(bad)?,
                        insns: parse_u64(insns).ok_or_else(bad)?,
                    },
                );
            }
            ["stack_min", a] => counts.stack_min = Some(parse_u64(a).ok_or_else(bad)?),
            ["stack_min_pc", a] => counts.stack_min_pc = Some(parse_u64(a).ok_or_else(bad)?),
            ["pc", a, n] => counts
                .profile
                .push((parse_u64(a).ok_or_else(bad)?, parse_u64(n).ok_or_else(bad)?)),
            _ => return Err(bad()),
        }
    }
    Ok(counts)
}
