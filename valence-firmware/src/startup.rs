//! Start-up: check the model file and build the sensor, or say why not.
//!
//! The firmware calls [`start`] once with the model bytes it was built with
//! (see [`crate::model_file`]) and its microphone's rate. Everything the
//! sensor relies on is checked here — the file's header, checksum and
//! structure, the specs, that the network fits the compiled buffers, and
//! that the microphone delivers the rate the model was trained at — so the
//! sensor loop itself has nothing left that can fail. A board reports a
//! [`StartError`] (over defmt, or semihosting in the emulator) and halts.

use core::fmt;

use valence_core::model::ModelError;
use valence_core::sensor::SensorError;
use valence_core::{Model, ValenceSensor};

/// Why the firmware cannot start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StartError {
    /// The model file is damaged or not a valid model.
    Model(ModelError),
    /// The model is valid but does not fit this build's buffers.
    Sensor(SensorError),
    /// The microphone's rate is not the model's.
    SampleRate {
        /// Rate the model expects, in Hz.
        model: u32,
        /// Rate of the microphone, in Hz.
        microphone: u32,
    },
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Model(e) => write!(f, "bad model: {e}"),
            StartError::Sensor(e) => write!(f, "model does not fit this firmware: {e}"),
            StartError::SampleRate { model, microphone } => write!(
                f,
                "the model expects {model} Hz but the microphone delivers {microphone} Hz"
            ),
        }
    }
}

impl core::error::Error for StartError {}

/// Validates `model_bytes` and builds a sensor for a microphone at
/// `sample_rate` Hz.
///
/// Never inlined: the construction's temporaries then live in this
/// function's frame, which is gone once the sensor loop runs.
#[inline(never)]
pub fn start<const MAX_FFT: usize, const MAX_MELS: usize, const MAX_WIDTH: usize>(
    model_bytes: &[u8],
    sample_rate: u32,
) -> Result<ValenceSensor<'_, MAX_FFT, MAX_MELS, MAX_WIDTH>, StartError> {
    let model = Model::from_bytes(model_bytes).map_err(StartError::Model)?;
    let expected = model.feature_spec().sample_rate;
    if expected != sample_rate {
        return Err(StartError::SampleRate {
            model: expected,
            microphone: sample_rate,
        });
    }
    ValenceSensor::new(model).map_err(StartError::Sensor)
}
