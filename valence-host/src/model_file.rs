//! Reading a model file (`.vlm`) from disk for the commands that use one.
//!
//! The bytes are read whole and handed to the core's
//! [`Model::from_bytes`], so the host accepts exactly the files a device
//! accepts and refuses the others with the core's [`valence_core::ModelError`]
//! text (truncated, damaged checksum, unsupported version, …), prefixed
//! with the file's path.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use valence_core::Model;

/// Reads the bytes of the model file at `path`.
pub fn read_model_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read the model file {}", path.display()))
}

/// Validates `bytes`, read from `path`, as a model with the core's loader.
pub fn parse_model<'a>(path: &Path, bytes: &'a [u8]) -> Result<Model<'a>> {
    Model::from_bytes(bytes).map_err(|e| anyhow!("{}: {e}", path.display()))
}
