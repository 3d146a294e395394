//! The tuning result table: one row per trial (number, how it was chosen,
//! learning rate, batch size, validation MSE, best so far), printed as text
//! and saved as CSV and inside `report.json`.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::bayes::{Trial, TrialKind};
use crate::atomic::write_atomically;

/// The table's header line.
pub fn header(names: &[String]) -> String {
    let mut s = format!("{:>5}  {:<8}", "trial", "kind");
    for n in names {
        s.push_str(&format!("  {n:>13}"));
    }
    s.push_str(&format!("  {:>14}  {:>14}", "val MSE", "best so far"));
    s
}

/// One row of the table.
pub fn row(t: &Trial) -> String {
    let kind = match t.kind {
        TrialKind::Initial => "initial",
        TrialKind::Guided => "guided",
        TrialKind::Random => "random",
    };
    let mut s = format!("{:>5}  {kind:<8}", t.index);
    for v in &t.values {
        if v.fract() == 0.0 && v.abs() < 1e9 {
            s.push_str(&format!("  {:>13}", *v as i64));
        } else {
            s.push_str(&format!("  {v:>13.6e}"));
        }
    }
    s.push_str(&format!("  {:>14.6}  {:>14.6}", t.value, t.best_so_far));
    s
}

/// Writes the trials as CSV, atomically.
pub fn save_csv(path: &Path, names: &[String], trials: &[Trial]) -> Result<()> {
    write_atomically(path, |w| {
        write!(w, "trial,kind")?;
        for n in names {
            write!(w, ",{n}")?;
        }
        writeln!(w, ",val_mse,best_so_far")?;
        for t in trials {
            write!(
                w,
                "{},{}",
                t.index,
                serde_json::to_value(t.kind)?.as_str().unwrap_or("")
            )?;
            for v in &t.values {
                write!(w, ",{v}")?;
            }
            writeln!(w, ",{},{}", t.value, t.best_so_far)?;
        }
        Ok(())
    })
}
