//! # valence-firmware
//!
//! The device side of valence: a microphone read through embedded-hal 1.0
//! traits feeds the core's [`ValenceSensor`](valence_core::ValenceSensor),
//! and every reading goes to a sink (defmt on real boards). `#![no_std]`, no
//! heap, no `unsafe`; the board examples in `examples/<board>/` (their own
//! Cargo projects) supply the HAL, the pins and the model file.
//!
//! ```text
//! SPI ADC (MCP3201/3202/3008) ─► DC blocker ─► i16 ─┐
//!        paced by DelayNs or a timer               ├─► Microphone ─► sensor loop ─► ValenceSensor ─► ReadingSink
//! any other source (file, I2S, PDM) ───────────────┘
//! ```
//!
//! Module map:
//!
//! - [`microphone`]: the [`Microphone`] trait every sample source implements.
//! - [`mcp320x`]: the Microchip MCP3201/MCP3202/MCP3008 SPI ADC driver.
//! - [`dc_blocker`]: integer DC removal and scaling of ADC codes to `i16`.
//! - [`pacing`]: the [`Pacer`] trait and a `DelayNs`-based pacer.
//! - [`adc_microphone`]: an analog microphone module (MAX9814, MAX4466) on
//!   an SPI ADC: [`AdcMicrophone`].
//! - [`startup`]: checking the model at start-up and setting the sensor up
//!   in place.
//! - [`sensor_loop`]: samples → sensor → readings, until the source ends.
//! - [`model_file`]: the [`include_model!`] macro and the build-script
//!   contract for choosing the model file.
//! - `log` (feature `defmt`): defmt output for readings and start-up errors.
//!
//! Cargo features: `defmt` (the `log` module) and `harmony`, which enables
//! valence-core's harmony path so that a board's sensor (sized with chroma
//! buffers, e.g. `valence_core::sensor::DefaultHarmonySensor`) serves
//! models that read harmony features. Without it such a model is refused
//! at start-up ([`StartError::Sensor`] with
//! `SensorError::HarmonyNotBuilt`), which a board reports and halts on.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod adc_microphone;
pub mod dc_blocker;
#[cfg(feature = "defmt")]
pub mod log;
pub mod mcp320x;
pub mod microphone;
pub mod model_file;
pub mod pacing;
pub mod sensor_loop;
pub mod startup;

pub use adc_microphone::AdcMicrophone;
pub use dc_blocker::DcBlocker;
pub use mcp320x::{AdcKind, Mcp320x};
pub use microphone::Microphone;
pub use pacing::{DelayPacer, Pacer};
pub use sensor_loop::{run, run_timed, LoopEnd, NoStopwatch, ReadingSink, Stopwatch};
pub use startup::{start, start_in_place, StartError};
pub use valence_core::{Reading, ValenceSensor};
