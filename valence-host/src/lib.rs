//! # valence-host
//!
//! The workstation side of valence, behind the `valence` binary. Every
//! feature computed here goes through `valence-core`'s front end — the very
//! code that runs on the microcontroller — so a model never sees features at
//! deployment that differ from the ones it was trained on.
//!
//! Modules, in data-flow order:
//!
//! - [`wav`]: reading PCM WAV files into 16-bit mono samples.
//! - [`spec_args`]: the feature-spec flags shared by the commands.
//! - [`melspec`]: running the core front end over a whole signal.
//! - [`clip_frontend`]: the core's clip path (frames side by side) built for
//!   the widest vector unit of this CPU, chosen at run time (the crate's
//!   only `unsafe`: the calls into those builds, after the CPU check).
//! - [`npy`]: writing frames as a NumPy `.npy` file.
//! - [`data`]: decoding audio folders, label files and numpy arrays into
//!   datasets built with the core front end; splits.
//! - [`train`]: the MLP (candle), its training loop, checkpoints, reports
//!   and plots.
//! - [`tune`]: Bayesian optimisation of the training parameters.
//! - [`export`]: quantising a trained run into a device model file, with
//!   the float-against-int8 figures.
//! - [`model_file`]: reading a model file with the core's validation.
//! - [`demo`]: the synthetic corpus of `valence demo` (cues, labels,
//!   synthesiser).
//! - [`atomic`]: writing files atomically (temporary file + rename).
//! - [`commands`]: one module per subcommand of the CLI.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod atomic;
pub mod clip_frontend;
pub mod commands;
pub mod data;
pub mod demo;
pub mod export;
pub mod melspec;
pub mod model_file;
pub mod npy;
pub mod spec_args;
pub mod train;
pub mod tune;
pub mod wav;
