//! # valence-qemu
//!
//! Runs valence's emulated firmware (`valence-firmware/examples/mps2-an386`,
//! an Arm Cortex-M4F board) under `qemu-system-arm` from the host: builds it
//! with a chosen model, feeds it `i16` samples, reads back its readings,
//! counts its instructions exactly with a small TCG plugin, and reads flash
//! and RAM sizes from ELF files. The workspace tests use it to prove the
//! device bit-exact against the host, and `valence verify --qemu` is meant to.
//!
//! Module map:
//!
//! - [`error`]: the one error type, a message.
//! - [`firmware`]: building a board example with a model (`cargo` in the
//!   example's folder).
//! - [`emulator`]: running the emulated firmware on samples and parsing its
//!   output.
//! - [`plugin`]: building the instruction-counting plugin (`gcc`) and
//!   reading its counts.
//! - [`cost`]: the cost pass: instructions per frame, per inference, per
//!   MAC and per second of audio, and the deepest stack.
//! - [`elf`]: symbols, flash and RAM of a linked firmware.
//! - [`callgraph`]: what the sensor loop can reach in a linked firmware
//!   (no panic machinery) and how deep its stack goes.
//! - [`verify`]: host against device on the same samples, reading by
//!   reading: what `valence verify --qemu` prints.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod callgraph;
pub mod cost;
pub mod elf;
pub mod emulator;
pub mod error;
pub mod firmware;
pub mod plugin;
pub mod verify;

pub use error::Error;

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
