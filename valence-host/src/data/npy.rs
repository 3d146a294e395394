//! Reading NumPy `.npy` and `.npz` files (`np.save`, `np.savez`, `np.savez_compressed`).
//!
//! The other Python-side input besides pickles. npyz parses the header and
//! the zip archive; the raw element bytes are decoded by the same code as
//! pickled arrays ([`DType::decode`]), so both paths give identical
//! [`NdArray`]s. An `.npz` becomes a dict of arrays and goes through the same
//! layout step as a pickled dict (`np.savez(f, X=..., y=...)`); positional
//! members (`np.savez(f, X, y)` → `arr_0`, `arr_1`) read as `(X, y)`.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::pickle::layout::{assemble, KeyOptions, PickleData};
use super::pickle::{DType, NdArray, Node};

/// Reads the array of an `.npy` stream whose header has been parsed.
fn read_array<R: Read>(npy: npyz::NpyFile<R>) -> Result<NdArray> {
    let descr = match npy.dtype() {
        npyz::DType::Plain(t) => t.to_string(),
        other => bail!(
            "a structured (record) array with dtype {}: save one plain numeric array per field",
            other.descr()
        ),
    };
    let (dtype, order) = DType::parse_descr(&descr)?;
    let shape = npy
        .shape()
        .iter()
        .map(|&d| usize::try_from(d).context("array dimension too large"))
        .collect::<Result<Vec<_>>>()?;
    let fortran = npy.order() == npyz::Order::Fortran;
    let n: usize = shape.iter().product();
    let mut bytes = Vec::with_capacity(n * dtype.size());
    npy.into_inner()
        .take((n * dtype.size()) as u64)
        .read_to_end(&mut bytes)
        .context("cannot read the array data")?;
    if bytes.len() != n * dtype.size() {
        bail!(
            "the array data ends after {} of {} bytes: the file is truncated",
            bytes.len(),
            n * dtype.size()
        );
    }
    let data = dtype.decode(order, &bytes)?;
    if fortran {
        NdArray::from_fortran(shape, dtype, data)
    } else {
        NdArray::new(shape, dtype, data)
    }
}

/// Reads the `.npy` file at `path` (`np.save`).
pub fn read_npy(path: &Path) -> Result<NdArray> {
    let context = || format!("cannot read the .npy file {}", path.display());
    let file = std::fs::File::open(path).with_context(context)?;
    let npy = npyz::NpyFile::new(std::io::BufReader::new(file))
        .context("not a valid .npy file (bad header)")
        .with_context(context)?;
    read_array(npy).with_context(context)
}

/// Reads features and labels from the `.npz` archive at `path` (`np.savez`,
/// `np.savez_compressed`), like a pickled dict of arrays.
pub fn read_npz(path: &Path, keys: &KeyOptions) -> Result<PickleData> {
    let context = || format!("cannot read the .npz file {}", path.display());
    let mut archive = npyz::npz::NpzArchive::open(path)
        .context("not a zip archive")
        .with_context(context)?;
    let mut names: Vec<String> = archive.array_names().map(str::to_owned).collect();
    names.sort();
    let mut entries = Vec::with_capacity(names.len());
    for name in names {
        let npy = archive
            .by_name(&name)
            .with_context(|| format!("cannot open member {name:?}"))
            .with_context(context)?
            .with_context(|| format!("member {name:?} vanished"))
            .with_context(context)?;
        let array = read_array(npy)
            .with_context(|| format!("in member {name:?}"))
            .with_context(context)?;
        entries.push((name, Node::Array(array)));
    }
    let root = if keys.x_key.is_none()
        && entries.len() == 2
        && entries[0].0 == "arr_0"
        && entries[1].0 == "arr_1"
    {
        Node::Tuple(entries.into_iter().map(|(_, a)| a).collect())
    } else {
        Node::Dict(entries)
    };
    assemble(root, keys).with_context(context)
}
