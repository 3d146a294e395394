//! Finding features and labels in what a file holds.
//!
//! The last step of reading a pickle or `.npz`: the [`Node`] tree is searched
//! for the shapes people save — a dict with `features`/`X`/`mel`/… and
//! `labels`/`valence`/`y`/… (or keys named explicitly), a tuple `(X, y)`, a
//! list of per-clip arrays, a list of dicts or of `(x, y)` tuples, plain
//! lists of numbers — and the result is checked: features and labels of the
//! same length, every value finite, errors naming the key and item index.

use anyhow::{anyhow, bail, Context, Result};

use super::array::{ArrayData, NdArray};
use super::classes::conversion_hint;
use super::dtype::DType;
use super::node::Node;

/// Keys that hold features, tried in this order (then without case).
pub const X_KEYS: &[&str] = &[
    "features",
    "X",
    "x",
    "mel",
    "mels",
    "mel_spectrogram",
    "mel_spectrograms",
    "melspectrogram",
    "melspectrograms",
    "spectrogram",
    "spectrograms",
    "specs",
    "inputs",
    "data",
];
/// Keys that hold labels, tried in this order (then without case).
pub const Y_KEYS: &[&str] = &["labels", "label", "valence", "y", "Y", "targets", "target"];

/// Which dict keys hold the features and the labels (`--x-key`, `--y-key`);
/// `None` tries the usual names ([`X_KEYS`], [`Y_KEYS`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyOptions {
    /// Key of the features.
    pub x_key: Option<String>,
    /// Key of the labels.
    pub y_key: Option<String>,
}

/// The features of a data file.
#[derive(Debug, Clone, PartialEq)]
pub enum XData {
    /// One array for all examples: `(n, d)` feature vectors or `(n, a, b)`
    /// equally sized spectrograms.
    Matrix(NdArray),
    /// One array per clip (spectrograms with varying numbers of frames).
    Clips(Vec<NdArray>),
}

impl XData {
    /// Number of examples (rows or clips).
    pub fn n_examples(&self) -> usize {
        match self {
            XData::Matrix(a) => a.shape[0],
            XData::Clips(c) => c.len(),
        }
    }

    /// Example `i`: a row, a spectrogram slice, or a clip.
    pub fn example(&self, i: usize) -> NdArray {
        match self {
            XData::Matrix(a) => a.index(i),
            XData::Clips(c) => c[i].clone(),
        }
    }

    /// The numpy dtype of the features (of the first clip for [`XData::Clips`]).
    pub fn dtype(&self) -> DType {
        match self {
            XData::Matrix(a) => a.dtype,
            XData::Clips(c) => c[0].dtype,
        }
    }

    /// A one-line description: `"767 × 108 float64 matrix"`, `"20 clips of 2-D float32 arrays"`.
    pub fn describe(&self) -> String {
        match self {
            XData::Matrix(a) => format!("{} array of shape {}", a.dtype, a.shape_text()),
            XData::Clips(c) => format!(
                "{} clips of {}-D {} arrays",
                c.len(),
                c[0].ndim(),
                c[0].dtype
            ),
        }
    }
}

/// What a pickle, `.npy` or `.npz` held, in the shapes people save.
#[derive(Debug, Clone, PartialEq)]
pub struct PickleData {
    /// The features.
    pub x: XData,
    /// The labels, one per example (1-D), if the file has them.
    pub y: Option<NdArray>,
    /// The dict key the features came from, if any.
    pub x_key: Option<String>,
    /// The dict key the labels came from, if any.
    pub y_key: Option<String>,
}

impl PickleData {
    /// Number of examples.
    pub fn n_examples(&self) -> usize {
        self.x.n_examples()
    }
}

/// Finds features and labels in `root` and checks them.
pub fn assemble(root: Node, keys: &KeyOptions) -> Result<PickleData> {
    let data = find(root, keys)?;
    check(&data)?;
    Ok(data)
}

fn find(root: Node, keys: &KeyOptions) -> Result<PickleData> {
    if keys.x_key.is_some() || keys.y_key.is_some() {
        let explicit_ok = match &root {
            Node::Dict(_) => true,
            Node::List(items) => items.iter().all(|i| matches!(i, Node::Dict(_))),
            _ => false,
        };
        if !explicit_ok {
            bail!(
                "--x-key/--y-key name dict keys, but the file holds {}, not a dict",
                root.describe()
            );
        }
    }
    match root {
        Node::Dict(entries) => from_dict(entries, keys),
        Node::Tuple(items) if items.len() == 2 => {
            let mut it = items.into_iter();
            let (x, y) = (it.next().expect("2"), it.next().expect("2"));
            Ok(PickleData {
                x: features(x).context("in the first item of the (X, y) tuple")?,
                y: Some(labels(y).context("in the second item of the (X, y) tuple")?),
                x_key: None,
                y_key: None,
            })
        }
        Node::Tuple(items) if items.len() == 1 => find(items.into_iter().next().expect("1"), keys),
        Node::List(items)
            if !items.is_empty() && items.iter().all(|i| matches!(i, Node::Dict(_))) =>
        {
            list_of_dicts(items, keys)
        }
        Node::List(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| matches!(i, Node::Tuple(t) if t.len() == 2)) =>
        {
            list_of_pairs(items)
        }
        Node::List(items) if looks_like_x_y(&items) => {
            let mut it = items.into_iter();
            let (x, y) = (it.next().expect("2"), it.next().expect("2"));
            Ok(PickleData {
                x: features(x).context("in the first item of the [X, y] list")?,
                y: Some(labels(y).context("in the second item of the [X, y] list")?),
                x_key: None,
                y_key: None,
            })
        }
        other => Ok(PickleData {
            x: features(other)?,
            y: None,
            x_key: None,
            y_key: None,
        }),
    }
}

/// `[X, y]`: a 2-D/3-D array and a 1-D array of as many labels.
fn looks_like_x_y(items: &[Node]) -> bool {
    match items {
        [Node::Array(x), Node::Array(y)] => {
            (2..=3).contains(&x.ndim()) && y.ndim() == 1 && y.shape[0] == x.shape[0]
        }
        _ => false,
    }
}

/// The index of the entry named `explicit`, or else of the first candidate
/// name present (exactly, then ignoring case).
fn lookup(
    entries: &[(String, Node)],
    explicit: Option<&str>,
    candidates: &[&str],
) -> Option<usize> {
    let find = |pred: &dyn Fn(&str) -> bool| entries.iter().position(|(k, _)| pred(k));
    if let Some(key) = explicit {
        return find(&|k| k == key);
    }
    candidates
        .iter()
        .find_map(|c| find(&|k| k == *c))
        .or_else(|| {
            candidates
                .iter()
                .find_map(|c| find(&|k| k.eq_ignore_ascii_case(c)))
        })
}

/// Takes entry `i` out of `entries` (the others keep their places for later lookups).
fn take(entries: &mut [(String, Node)], i: usize) -> (String, Node) {
    let (k, v) = &mut entries[i];
    (k.clone(), std::mem::replace(v, Node::None))
}

fn key_list(entries: &[(String, Node)]) -> String {
    entries
        .iter()
        .map(|(k, v)| format!("{k:?} ({})", v.describe()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn from_dict(mut entries: Vec<(String, Node)>, keys: &KeyOptions) -> Result<PickleData> {
    let Some(xi) = lookup(&entries, keys.x_key.as_deref(), X_KEYS) else {
        match &keys.x_key {
            Some(k) => bail!(
                "the dict has no key {k:?}; its keys are: {}",
                key_list(&entries)
            ),
            None => bail!(
                "no features found: the dict's keys are {}; none is one of the usual names ({}). \
                 Name the key with --x-key",
                key_list(&entries),
                X_KEYS.join(", ")
            ),
        }
    };
    let yi = lookup(&entries, keys.y_key.as_deref(), Y_KEYS);
    if let (Some(k), None) = (&keys.y_key, yi) {
        bail!(
            "the dict has no key {k:?}; its keys are: {}",
            key_list(&entries)
        );
    }
    if yi == Some(xi) {
        bail!(
            "features and labels cannot both come from the key {:?}",
            entries[xi].0
        );
    }
    let (x_key, x) = take(&mut entries, xi);
    let x = features(x).with_context(|| format!("in features[{x_key:?}]"))?;
    let (y, y_key) = match yi {
        Some(i) => {
            let (k, v) = take(&mut entries, i);
            let y = labels(v).with_context(|| format!("in labels[{k:?}]"))?;
            (Some(y), Some(k))
        }
        None => (None, None),
    };
    Ok(PickleData {
        x,
        y,
        x_key: Some(x_key),
        y_key,
    })
}

fn list_of_dicts(items: Vec<Node>, keys: &KeyOptions) -> Result<PickleData> {
    let (mut xs, mut ys) = (
        Vec::with_capacity(items.len()),
        Vec::with_capacity(items.len()),
    );
    let (mut x_key, mut y_key) = (None, None);
    for (i, item) in items.into_iter().enumerate() {
        let Node::Dict(mut entries) = item else {
            unreachable!()
        };
        let xi = lookup(&entries, keys.x_key.as_deref(), X_KEYS)
            .ok_or_else(|| anyhow!("no features key; the keys are {}", key_list(&entries)))
            .with_context(|| format!("in item {i} of the list of dicts"))?;
        let yi = lookup(&entries, keys.y_key.as_deref(), Y_KEYS).filter(|&yi| yi != xi);
        let (xk, x) = take(&mut entries, xi);
        xs.push(x);
        x_key.get_or_insert(xk);
        ys.push(yi.map(|yi| {
            let (yk, y) = take(&mut entries, yi);
            y_key.get_or_insert(yk);
            y
        }));
    }
    let x = features(Node::List(xs)).context("in the list of dicts")?;
    let with = ys.iter().position(Option::is_some);
    let without = ys.iter().position(Option::is_none);
    let y = match (with, without) {
        (None, _) => None,
        (Some(_), None) => Some(
            labels(Node::List(ys.into_iter().flatten().collect()))
                .context("in the labels of the list of dicts")?,
        ),
        (Some(a), Some(b)) => bail!("item {b} of the list of dicts has no labels but item {a} has"),
    };
    Ok(PickleData { x, y, x_key, y_key })
}

fn list_of_pairs(items: Vec<Node>) -> Result<PickleData> {
    let (mut xs, mut ys) = (
        Vec::with_capacity(items.len()),
        Vec::with_capacity(items.len()),
    );
    for item in items {
        let Node::Tuple(pair) = item else {
            unreachable!()
        };
        let mut it = pair.into_iter();
        xs.push(it.next().expect("2"));
        ys.push(it.next().expect("2"));
    }
    Ok(PickleData {
        x: features(Node::List(xs)).context("in the list of (x, y) tuples")?,
        y: Some(labels(Node::List(ys)).context("in the labels of the list of (x, y) tuples")?),
        x_key: None,
        y_key: None,
    })
}

/// An error for a node that is neither an array nor numbers.
fn not_numbers(node: &Node) -> anyhow::Error {
    match node {
        Node::Object(class) => {
            let (module, name) = class.rsplit_once('.').unwrap_or(("", class));
            anyhow!(
                "found an object of class {class}, which valence does not read: {}",
                conversion_hint(module, name)
            )
        }
        Node::Dict(_) => anyhow!(
            "found {}; name the key that holds the features with --x-key",
            node.describe()
        ),
        Node::Invalid(why) => anyhow!("{why}"),
        other => anyhow!("found {} where numbers were expected", other.describe()),
    }
}

/// Plain Python numbers (or numpy scalars) as a 1-D array; `None` if some item is not a number.
fn numbers(items: &[Node]) -> Option<NdArray> {
    let mut dtype: Option<DType> = None;
    let mut any_float = false;
    for it in items {
        let d = match it {
            Node::Float(_) => DType::F64,
            Node::Int(_) => DType::I64,
            Node::Bool(_) => DType::Bool,
            Node::Array(a) if a.ndim() == 0 => a.dtype,
            _ => return None,
        };
        any_float |= d.is_float();
        dtype = match dtype {
            None => Some(d),
            Some(p) if p == d => Some(p),
            // Mixed types: floats win (as numpy would give), else int64.
            Some(_) => Some(if any_float { DType::F64 } else { DType::I64 }),
        };
    }
    let dtype = dtype?;
    let data = if dtype.is_float() {
        ArrayData::F64(items.iter().map(|n| scalar(n).0).collect())
    } else if matches!(
        dtype,
        DType::U8 | DType::U16 | DType::U32 | DType::U64 | DType::Bool
    ) {
        ArrayData::U64(items.iter().map(|n| scalar(n).2).collect())
    } else {
        ArrayData::I64(items.iter().map(|n| scalar(n).1).collect())
    };
    Some(NdArray {
        shape: vec![items.len()],
        dtype,
        data,
    })
}

/// A number as (f64, i64, u64).
fn scalar(n: &Node) -> (f64, i64, u64) {
    match n {
        Node::Float(f) => (*f, *f as i64, *f as u64),
        Node::Int(i) => (*i as f64, *i, *i as u64),
        Node::Bool(b) => (*b as u8 as f64, *b as i64, *b as u64),
        Node::Array(a) => match &a.data {
            ArrayData::F64(v) => (v[0], v[0] as i64, v[0] as u64),
            ArrayData::I64(v) => (v[0] as f64, v[0], v[0] as u64),
            ArrayData::U64(v) => (v[0] as f64, v[0] as i64, v[0]),
        },
        _ => unreachable!("checked by numbers()"),
    }
}

/// An array from an array node, a list of numbers, or nested lists of numbers.
fn array_of(node: Node) -> Result<NdArray> {
    match node {
        Node::Array(a) => Ok(a),
        Node::List(items) | Node::Tuple(items) => {
            if let Some(a) = numbers(&items) {
                return Ok(a);
            }
            if items.is_empty() {
                bail!("found an empty list");
            }
            let rows = items
                .into_iter()
                .enumerate()
                .map(|(i, it)| array_of(it).with_context(|| format!("in item {i}")))
                .collect::<Result<Vec<_>>>()?;
            stack(rows)
        }
        other => Err(not_numbers(&other)),
    }
}

/// Stacks equally shaped arrays along a new first dimension.
fn stack(rows: Vec<NdArray>) -> Result<NdArray> {
    let first = &rows[0];
    if let Some(i) = rows.iter().position(|r| r.shape != first.shape) {
        bail!(
            "item {i} has shape {} but item 0 has {}: rows of a matrix must be equally long",
            rows[i].shape_text(),
            first.shape_text()
        );
    }
    let mut shape = vec![rows.len()];
    shape.extend_from_slice(&first.shape);
    let same = rows.iter().all(|r| r.dtype == first.dtype);
    let dtype = if same { first.dtype } else { DType::F64 };
    let data = match (&first.data, same) {
        (ArrayData::I64(_), true) => ArrayData::I64(
            rows.iter()
                .flat_map(|r| match &r.data {
                    ArrayData::I64(v) => v.clone(),
                    _ => unreachable!("same dtype"),
                })
                .collect(),
        ),
        (ArrayData::U64(_), true) => ArrayData::U64(
            rows.iter()
                .flat_map(|r| match &r.data {
                    ArrayData::U64(v) => v.clone(),
                    _ => unreachable!("same dtype"),
                })
                .collect(),
        ),
        _ => ArrayData::F64(rows.iter().flat_map(|r| r.to_f64()).collect()),
    };
    NdArray::new(shape, dtype, data)
}

/// The features from a node.
fn features(node: Node) -> Result<XData> {
    match node {
        Node::List(items) | Node::Tuple(items) if items.iter().any(|i| !is_number(i)) => {
            if items.is_empty() {
                bail!("the features are an empty list");
            }
            let arrays = items
                .into_iter()
                .enumerate()
                .map(|(i, it)| array_of(it).with_context(|| format!("in features item {i}")))
                .collect::<Result<Vec<_>>>()?;
            match arrays[0].ndim() {
                1 => Ok(XData::Matrix(stack(arrays)?)),
                2 => {
                    if let Some(i) = arrays.iter().position(|a| a.ndim() != 2) {
                        bail!(
                            "clip {i} has shape {} but clip 0 is 2-D: every clip must be a 2-D array",
                            arrays[i].shape_text()
                        );
                    }
                    Ok(XData::Clips(arrays))
                }
                _ => bail!(
                    "features item 0 has shape {}: expected per-example 1-D feature vectors or 2-D spectrograms",
                    arrays[0].shape_text()
                ),
            }
        }
        other => {
            let a = array_of(other)?;
            match a.ndim() {
                2 | 3 if a.shape[0] > 0 => Ok(XData::Matrix(a)),
                2 | 3 => bail!("the features array of shape {} holds no examples", a.shape_text()),
                1 => bail!(
                    "the features are 1-D (shape {}): expected one row per example, shape (examples, features); \
                     if these are labels, the features are missing",
                    a.shape_text()
                ),
                _ => bail!(
                    "the features have shape {}: expected (examples, features) or (examples, a, b)",
                    a.shape_text()
                ),
            }
        }
    }
}

fn is_number(n: &Node) -> bool {
    matches!(n, Node::Float(_) | Node::Int(_) | Node::Bool(_))
        || matches!(n, Node::Array(a) if a.ndim() == 0)
}

/// The labels from a node: one value per example.
fn labels(node: Node) -> Result<NdArray> {
    let a = array_of(node)?;
    match a.shape.as_slice() {
        [_] => Ok(a),
        [n, 1] => {
            let n = *n;
            a.reshape(vec![n])
        }
        _ => bail!(
            "the labels have shape {}: expected one value per example, shape (examples,)",
            a.shape_text()
        ),
    }
}

/// Same number of features and labels, all values finite.
fn check(d: &PickleData) -> Result<()> {
    let what_x = d
        .x_key
        .as_ref()
        .map_or("the features".to_owned(), |k| format!("features[{k:?}]"));
    match &d.x {
        XData::Matrix(a) => {
            if let Some((i, v)) = a.first_non_finite() {
                bail!("example {i} of {what_x} holds {v}: every feature must be a finite number");
            }
        }
        XData::Clips(clips) => {
            for (i, c) in clips.iter().enumerate() {
                if let Some((frame, v)) = c.first_non_finite() {
                    bail!("clip {i} of {what_x} holds {v} (in row {frame}): every value must be a finite number");
                }
            }
        }
    }
    if let Some(y) = &d.y {
        let what_y = d
            .y_key
            .as_ref()
            .map_or("the labels".to_owned(), |k| format!("labels[{k:?}]"));
        if let Some((i, v)) = y.first_non_finite() {
            bail!("label {i} of {what_y} is {v}: every label must be a finite number");
        }
        if y.shape[0] != d.x.n_examples() {
            bail!(
                "{what_x} hold {} examples ({}) but {what_y} hold {} labels: they must match one to one",
                d.x.n_examples(),
                d.x.describe(),
                y.shape[0]
            );
        }
    }
    Ok(())
}
