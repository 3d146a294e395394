//! One module per `valence` subcommand; `main.rs` only parses and dispatches.

pub mod mel;
