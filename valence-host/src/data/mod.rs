//! Data ingestion: from recordings, label files and Python arrays to the
//! dataset file that training reads.
//!
//! Modules, in data-flow order:
//!
//! - [`audio`]: decoding WAV/FLAC/OGG Vorbis/MP3, mixing to mono, resampling
//!   and quantising to 16-bit PCM.
//! - [`folder`]: the audio files of a folder and matching label keys to them.
//! - [`labels`]: label files (CSV), static and dynamic.
//! - [`report`]: problems with single files or rows, skipped and counted.
//! - [`build`]: recordings plus labels to a dataset.
//! - [`extract`]: the core front end and window statistics over each clip,
//!   in parallel.
//! - [`harmony`]: the feature sets, and harmony statistics (mean chroma,
//!   key clarity) over the same windows.
//! - [`cache`]: extracted features on disk, keyed by content and spec.
//! - [`pickle`] and [`npy`]: numpy arrays from pickles, `.npy` and `.npz`.
//! - [`arrays`]: those arrays (feature matrices, spectrograms) to a dataset.
//! - [`dataset`]: the dataset type and its file format.
//! - [`split`]: train/validation splits and k-fold cross-validation.

pub mod arrays;
pub mod audio;
pub mod build;
pub mod cache;
pub mod dataset;
pub mod extract;
pub mod folder;
pub mod harmony;
pub mod labels;
pub mod npy;
pub mod pickle;
pub mod report;
pub mod split;
