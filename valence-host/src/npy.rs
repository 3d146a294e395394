//! Writing frames as a NumPy `.npy` file (float32, C order), atomically.

use std::path::Path;

use anyhow::{Context, Result};
use npyz::WriterBuilder;

use crate::atomic::write_atomically;

/// Writes a `rows × cols` float32 matrix to `path` as `.npy`.
pub fn write_f32_matrix(path: &Path, rows: usize, cols: usize, data: &[f32]) -> Result<()> {
    anyhow::ensure!(
        data.len() == rows * cols,
        "internal error: {} values for a {rows}×{cols} matrix",
        data.len()
    );
    write_atomically(path, |w| {
        let mut writer = npyz::WriteOptions::<f32>::new()
            .default_dtype()
            .shape(&[rows as u64, cols as u64])
            .writer(w)
            .begin_nd()
            .with_context(|| format!("cannot write {}", path.display()))?;
        writer
            .extend(data.iter().copied())
            .with_context(|| format!("cannot write {}", path.display()))?;
        writer
            .finish()
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    })
}
