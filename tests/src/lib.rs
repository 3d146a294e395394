//! # valence-tests
//!
//! Cross-crate checks of valence (the tests in `tests/tests/`) and what they
//! share: where the real data and the Python oracle are, models made on the spot with sensible random weights, and
//! deterministic signals. The `make-test-model` binary writes such a model
//! for building the board examples before a real default model ships.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod env;
pub mod models;
pub mod signals;
