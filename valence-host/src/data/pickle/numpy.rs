//! Recognising numpy arrays in the values serde-pickle returns.
//!
//! After [`scan`](super::scan) has rewritten dtypes into descriptor strings,
//! numpy's pickled forms come out of serde-pickle as small tuples:
//!
//! - protocols 2–4, `ndarray.__reduce__` → `_reconstruct(...)` then `BUILD`
//!   with the state, which serde-pickle keeps:
//!   `(1, shape, dtype, is_fortran, raw_bytes)` (for object arrays the last
//!   item is a list of the elements);
//! - protocol 5, `_frombuffer(buffer, dtype, shape, order)`:
//!   `(raw_bytes, dtype, shape, 'C' | 'F')`;
//! - numpy scalars (`np.float64(0.5)`), `scalar(dtype, raw_bytes)`:
//!   `(dtype, raw_bytes)`.
//!
//! Each is turned into an [`NdArray`] in C order with its exact dtype.

use anyhow::{bail, Result};
use serde_pickle::Value;

use super::array::NdArray;
use super::dtype::DType;
use super::scan::DTYPE_TAG;

/// A numpy value found in a pickle.
pub enum Numpy<'a> {
    /// A numeric array (scalars are arrays of shape `()`).
    Array(NdArray),
    /// A 1-D object array: its elements, to be read like a list.
    Objects(&'a [Value]),
}

/// The descriptor of a dtype tag (`'<f8'`), if `v` is one.
pub fn dtype_descr(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => s.strip_prefix(DTYPE_TAG),
        _ => None,
    }
}

fn shape_of(v: &Value) -> Option<Vec<usize>> {
    let Value::Tuple(dims) = v else { return None };
    dims.iter()
        .map(|d| match d {
            Value::I64(n) => usize::try_from(*n).ok(),
            _ => None,
        })
        .collect()
}

fn array(shape: Vec<usize>, descr: &str, fortran: bool, bytes: &[u8]) -> Result<NdArray> {
    if descr.starts_with('?') {
        bail!("a numpy dtype without its byte order ({descr:?}): the pickle is damaged or was not written by numpy");
    }
    let (dtype, order) = DType::parse_descr(descr)?;
    let data = dtype.decode(order, bytes)?;
    if fortran {
        NdArray::from_fortran(shape, dtype, data)
    } else {
        NdArray::new(shape, dtype, data)
    }
}

/// Recognises a numpy array or scalar; `None` if `v` is not one.
pub fn recognise(v: &Value) -> Option<Result<Numpy<'_>>> {
    let Value::Tuple(t) = v else { return None };
    match t.as_slice() {
        [Value::I64(1), shape, dtype, Value::Bool(fortran), data] => {
            let (shape, descr) = (shape_of(shape)?, dtype_descr(dtype)?);
            Some(match data {
                Value::Bytes(b) => array(shape, descr, *fortran, b).map(Numpy::Array),
                Value::List(items) if descr.get(1..2) == Some("O") => {
                    if shape.len() == 1 {
                        Ok(Numpy::Objects(items))
                    } else {
                        Err(anyhow::anyhow!(
                            "a numpy object array of shape {}: only 1-D object arrays (a list of per-clip arrays) are read",
                            super::array::shape_text(&shape)
                        ))
                    }
                }
                _ => return None,
            })
        }
        [Value::Bytes(b), dtype, shape, Value::String(order)] => {
            let (shape, descr) = (shape_of(shape)?, dtype_descr(dtype)?);
            Some(array(shape, descr, order == "F", b).map(Numpy::Array))
        }
        [dtype, Value::Bytes(b)] => {
            let descr = dtype_descr(dtype)?;
            Some(array(Vec::new(), descr, false, b).map(Numpy::Array))
        }
        _ => None,
    }
}
