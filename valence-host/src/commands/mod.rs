//! One module per `valence` subcommand; `main.rs` only parses and dispatches.

pub mod features;
pub mod inspect;
pub mod mel;
pub mod predict;
pub mod train;
pub mod tune;
pub mod verify;
