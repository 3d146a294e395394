//! Reading features and labels from Python pickles (numpy arrays, lists, dicts).
//!
//! The first step of the pickle path of `valence features`: a `.pkl` written
//! by Python becomes a [`PickleData`] — features ([`XData`]) and optional
//! labels, each an [`NdArray`] with the exact values and numpy dtype they had.
//!
//! # How a pickle is read
//!
//! 1. [`scan`] walks the pickle instructions once without executing anything
//!    ([`opcodes`] splits the stream). It refuses files that reference
//!    code-running callables (`os.system`, `builtins.eval`, …; see
//!    [`classes`]), and rewrites a few instructions so that the next step
//!    keeps what it would otherwise drop (see below).
//! 2. serde-pickle parses the rewritten stream into a value tree.
//! 3. [`numpy`] recognises numpy's pickled arrays in that tree and [`node`]
//!    turns it into a [`Node`] tree; [`dtype`] decodes the raw bytes exactly.
//! 4. [`layout`] finds the features and labels and checks them.
//!
//! # Why the pre-scan, and why this one
//!
//! serde-pickle 1.2 loses numpy's dtype name: numpy pickles a dtype as
//! `numpy.dtype('f8', False, True)` plus a `BUILD` with the state
//! `(3, '<', …)`, and serde-pickle's `BUILD` replaces the object with its
//! state. Worse, the second array of a list reaches the same dtype object
//! through the pickle memo and then keeps `'f8'` but not the byte order. A
//! pre-scan that merely lists the dtype strings in order of appearance would
//! be wrong twice: memo references repeat no string, and serde-pickle returns
//! dict entries sorted by key, not in stream order. serde-pickle offers no
//! option that keeps either, and the other Rust pickle crates have no numpy
//! support. So [`scan`] follows the stream with a shadow stack and memo (only
//! strings, globals, dtypes and small tuples are tracked), and replaces each
//! dtype's construction by one string, `"\0numpy.dtype:<f8"`, and its `BUILD`
//! by `POP`. The memo then stores the descriptor itself, every reference
//! sees it, and serde-pickle does all the remaining parsing. The same walk
//! knows every global's name, which is how refusals and "this is a pandas
//! DataFrame" errors name what they found. The dtype is then exactly numpy's:
//! `f8` and `i8`, `f4` and `i4` never meet, and integer labels stay integers.

pub mod array;
pub mod classes;
pub mod dtype;
pub mod layout;
pub mod node;
pub mod numpy;
pub mod opcodes;
pub mod scan;
pub mod spectrogram;

use std::path::Path;

use anyhow::{Context, Result};

pub use array::{ArrayData, NdArray};
pub use dtype::{ByteOrder, DType};
pub use layout::{KeyOptions, PickleData, XData};
pub use node::Node;
pub use spectrogram::{
    spectrogram_stats, spectrogram_window_stats, Orientation, SpectrogramLayout, SpectrogramScale,
};

/// Parses pickle bytes into a [`Node`] tree (nothing is executed).
pub fn parse_pickle(bytes: &[u8]) -> Result<Node> {
    let prepared = scan::prepare(bytes)?;
    let options = serde_pickle::DeOptions::new()
        .replace_unresolved_globals()
        .keep_restore_state()
        .replace_recursive_structures();
    let value = serde_pickle::value_from_slice(&prepared, options)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("the pickle is corrupt or uses a construct valence does not read")?;
    Node::from_value(value)
}

/// Reads features and labels from the pickle at `path`.
///
/// Errors say what was wrong, where (file, key, item index) and what to do:
/// unreadable or truncated files, refused pickles (code-running callables),
/// objects of unsupported classes (pandas DataFrames, …) with how to convert
/// them, unsupported dtypes, labels that do not match the examples, NaN or
/// infinite values.
pub fn read_pickle(path: &Path, keys: &KeyOptions) -> Result<PickleData> {
    let context = || format!("cannot read the pickle {}", path.display());
    let bytes = std::fs::read(path).with_context(context)?;
    let root = parse_pickle(&bytes).with_context(context)?;
    layout::assemble(root, keys).with_context(context)
}

/// Whether `path` names a Python data file by its extension: a pickle
/// (`.pkl`, `.pickle`, `.p`), `.npy` or `.npz`.
pub fn is_python_data_path(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    matches!(ext.as_deref(), Some("pkl" | "pickle" | "p" | "npy" | "npz"))
}

/// Reads features (and labels, if present) from a pickle, `.npz` or `.npy`
/// file, chosen by extension (anything but `.npz`/`.npy` is read as a
/// pickle). A `.npy` holds one array: the features, without labels.
pub fn read_python_data(path: &Path, keys: &KeyOptions) -> Result<PickleData> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("npz") => super::npy::read_npz(path, keys),
        Some("npy") => {
            let array = super::npy::read_npy(path)?;
            layout::assemble(Node::Array(array), keys)
                .with_context(|| format!("cannot read the .npy file {}", path.display()))
        }
        _ => read_pickle(path, keys),
    }
}
