//! [`Node`]: what a Python data file holds, with numpy arrays recognised.
//!
//! The tree between parsing and layout. A pickle's serde-pickle value is
//! converted here (numpy arrays via [`numpy`](super::numpy), unknown objects
//! via their class tag); an `.npz` archive becomes a dict of arrays. The
//! layout step then looks for features and labels in it.

use anyhow::{Context, Result};
use serde_pickle::{HashableValue, Value};

use super::array::NdArray;
use super::numpy::{dtype_descr, recognise, Numpy};
use super::scan::OBJECT_TAG;

/// A Python value, as far as valence reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A numpy array (or numpy scalar, shape `()`).
    Array(NdArray),
    /// A Python `float`.
    Float(f64),
    /// A Python `int` (that fits in 64 bits).
    Int(i64),
    /// A Python `bool`.
    Bool(bool),
    /// A Python `str`.
    Str(String),
    /// `None`.
    None,
    /// A `list` (or a 1-D numpy object array).
    List(Vec<Node>),
    /// A `tuple`.
    Tuple(Vec<Node>),
    /// A `dict` (or `OrderedDict`), keys as text, in sorted order.
    Dict(Vec<(String, Node)>),
    /// An object of a class valence does not read: `module.name`.
    Object(String),
    /// Anything else, described in words (`"bytes"`, `"set"`, …).
    Other(&'static str),
    /// A numpy array valence cannot read, with the reason.
    Invalid(String),
}

impl Node {
    /// What this is, in Python's words, for error messages.
    pub fn describe(&self) -> String {
        match self {
            Node::Array(a) => format!("a numpy {} array of shape {}", a.dtype, a.shape_text()),
            Node::Float(_) => "a float".into(),
            Node::Int(_) => "an int".into(),
            Node::Bool(_) => "a bool".into(),
            Node::Str(s) => format!("the string {s:?}"),
            Node::None => "None".into(),
            Node::List(v) => format!("a list of {} items", v.len()),
            Node::Tuple(v) => format!("a tuple of {} items", v.len()),
            Node::Dict(v) => format!(
                "a dict with keys {}",
                v.iter()
                    .map(|(k, _)| format!("{k:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Node::Object(c) => format!("an object of class {c}"),
            Node::Other(w) => (*w).into(),
            Node::Invalid(_) => "an unreadable numpy array".into(),
        }
    }

    /// Converts a serde-pickle value (from a stream prepared by
    /// [`scan::prepare`](super::scan::prepare)).
    pub fn from_value(v: Value) -> Result<Node> {
        if let Some(found) = recognise(&v) {
            // An array valence cannot read is an error only where it is used.
            let found = match found {
                Ok(found) => found,
                Err(e) => return Ok(Node::Invalid(format!("{e:#}"))),
            };
            return Ok(match found {
                Numpy::Array(a) => Node::Array(a),
                Numpy::Objects(items) => Node::List(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, x)| {
                            Node::from_value(x.clone())
                                .with_context(|| format!("in item {i} of an object array"))
                        })
                        .collect::<Result<_>>()?,
                ),
            });
        }
        Ok(match v {
            Value::None => Node::None,
            Value::Bool(b) => Node::Bool(b),
            Value::I64(i) => Node::Int(i),
            Value::Int(_) => Node::Other("an int too large for 64 bits"),
            Value::F64(f) => Node::Float(f),
            Value::Bytes(_) => Node::Other("bytes"),
            Value::String(s) => {
                if let Some(class) = s.strip_prefix(OBJECT_TAG) {
                    Node::Object(class.to_owned())
                } else if dtype_descr(&Value::String(s.clone())).is_some() {
                    Node::Other("a numpy dtype")
                } else {
                    Node::Str(s)
                }
            }
            Value::List(items) => Node::List(convert_items(items)?),
            Value::Tuple(items) => Node::Tuple(convert_items(items)?),
            Value::Set(_) | Value::FrozenSet(_) => Node::Other("a set"),
            Value::Dict(map) => Node::Dict(
                map.into_iter()
                    .map(|(k, v)| {
                        let key = key_text(&k);
                        let node =
                            Node::from_value(v).with_context(|| format!("under key {key:?}"))?;
                        Ok((key, node))
                    })
                    .collect::<Result<_>>()?,
            ),
        })
    }
}

fn convert_items(items: Vec<Value>) -> Result<Vec<Node>> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, x)| Node::from_value(x).with_context(|| format!("in item {i}")))
        .collect()
}

fn key_text(k: &HashableValue) -> String {
    match k {
        HashableValue::String(s) => s.clone(),
        HashableValue::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        HashableValue::I64(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}
