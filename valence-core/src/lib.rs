//! # valence-core
//!
//! The part of valence that runs everywhere: on the workstation that builds
//! training sets and on the microcontroller that listens to a microphone.
//! It is `#![no_std]`, never allocates, and contains no `unsafe` code.
//!
//! This crate holds the **front end** — 16-bit PCM samples in, log-mel frames
//! out, in integer arithmetic that gives the same bits on every target and
//! tracks `librosa.feature.melspectrogram` + `librosa.power_to_db` to about a
//! thousandth of a decibel — and the **inference** side: the model file, read
//! in place from flash, the int8 network, and the streaming [`ValenceSensor`].
//!
//! ```text
//! i16 samples ─► ring buffer ─► periodic Hann (Q16) ─► block floating point ─► Q31-twiddle real FFT
//!            ─► power (u64) ─► sparse triangular mel filterbank (u64 sums)
//!            ─► log2 via CLZ + interpolated table ─► dB in Q8.8 (i16)
//! ```
//!
//! Module map, in data-flow order:
//!
//! - [`spec`]: [`FeatureSpec`], the parameters every model file carries, and
//!   its validation.
//! - [`tables`]: compile-time cosine and log2 tables shared by the stages.
//! - [`window`]: the periodic Hann window and block-floating-point scaling.
//! - [`fft`]: the fixed-point complex FFT and the real-spectrum power split.
//! - [`mel`]: the mel scale and the sparse filterbank, built like librosa's.
//! - [`db`]: fixed-point log2 and the conversion to decibels.
//! - [`frontend`]: the streaming [`FrontEnd`] that ties them together.
//! - [`lanes`]: the same front end over a whole clip, several frames side
//!   by side in SIMD-friendly lanes (the host's fast path), bit for bit equal.
//! - [`chroma`]: the pitch-class filterbank, built like librosa's
//!   `filters.chroma` (tuning 0), stored sparse, applied in integers.
//! - [`chroma_stream`]: a streaming chroma path with its own (longer) FFT,
//!   12 normalised pitch classes per hop.
//! - [`stats`]: window statistics (per-band mean and standard deviation) that
//!   turn frames into the feature vector a model reads.
//! - [`harmony`]: harmony statistics of a window (mean chroma, key clarity).
//! - [`harmony_stream`]: the chroma path and harmony statistics aligned to
//!   the statistics windows, as the sensor runs them (cargo feature
//!   `harmony`, off by default) and the host computes them.
//! - [`model`]: the model file, read in place (zero-copy) and validated.
//! - [`quant`]: the requantisation rule of the int8 network.
//! - [`mlp`]: int8 inference over a model's blobs (with the `cortex-m-dsp`
//!   feature on ARM, `mlp_dsp` runs its dot products on the DSP extension
//!   and `frontend_dsp` and `chroma_dsp` the front end's and the chroma
//!   bank's inner loops: the only modules allowed `unsafe`, for their
//!   inline assembly).
//! - [`sensor`]: [`ValenceSensor`], samples in, valence readings out.
//! - [`ram`]: the RAM a sensor takes on a target, from its fields.
//!
//! # Example
//!
//! ```
//! use valence_core::{FeatureSpec, FrontEnd, db_q8_to_f32};
//!
//! let spec = FeatureSpec::DEFAULT; // 16 kHz, n_fft 512, hop 256, 64 mels
//! let mut fe: FrontEnd<512, 64> = FrontEnd::new(&spec).unwrap();
//! // One second of a 1 kHz tone, pushed in chunks of any size.
//! let tone: Vec<i16> = (0..16_000)
//!     .map(|n| (8000.0 * (2.0 * core::f64::consts::PI * 1000.0 * n as f64 / 16_000.0).sin()) as i16)
//!     .collect();
//! let mut frames = 0;
//! for chunk in tone.chunks(100) {
//!     fe.push(chunk, |frame| {
//!         assert_eq!(frame.len(), 64);
//!         frames += 1;
//!     });
//! }
//! // Frames are not centred: (16000 - 512) / 256 + 1 of them.
//! assert_eq!(frames, 61);
//! ```
#![no_std]
#![cfg_attr(
    not(all(feature = "cortex-m-dsp", target_arch = "arm")),
    forbid(unsafe_code)
)]
#![cfg_attr(all(feature = "cortex-m-dsp", target_arch = "arm"), deny(unsafe_code))]
#![deny(missing_docs)]

pub mod chroma;
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
pub mod chroma_dsp;
pub mod chroma_stream;
pub mod db;
pub mod fft;
mod frame_buffer;
pub mod frontend;
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
pub mod frontend_dsp;
pub mod harmony;
pub mod harmony_stream;
pub mod lanes;
pub mod mel;
pub mod mlp;
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
pub mod mlp_dsp;
pub mod model;
pub mod onset;
pub mod quant;
pub mod ram;
pub mod sensor;
pub mod spec;
pub mod stats;
pub mod tables;
pub mod window;

pub use db::{db_q8_to_f32, DB_FRAC_BITS};
pub use frontend::{FrontEnd, FrontEndError};
pub use model::{Model, ModelError};
pub use sensor::{Reading, ValenceSensor};
pub use spec::{FeatureSpec, MelNorm, MelScale, SpecError};
