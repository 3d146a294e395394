//! Start-up: check the model file and set the sensor up, or say why not.
//!
//! The firmware calls [`start_in_place`] once with its sensor (an unloaded
//! one in a `static`), the model bytes it was built with
//! (see [`crate::model_file`]) and its microphone's rate. Everything the
//! sensor relies on is checked here — the file's header, checksum and
//! structure, the specs, that the network fits the compiled buffers, that
//! the build computes the model's features (a model that reads harmony
//! features needs the `harmony` feature: otherwise
//! [`SensorError::HarmonyNotBuilt`]), and that the microphone delivers the
//! rate the model was trained at — so the
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

/// Validates `model_bytes` and sets `sensor` up for a microphone at
/// `sample_rate` Hz, in place: with the sensor in a `static` (see
/// [`ValenceSensor::unloaded`]) nothing the size of the sensor passes
/// through the stack. On error the sensor is left unloaded (it gives no
/// readings).
///
/// ```
/// use valence_core::sensor::DefaultSensor;
/// use valence_firmware::{start_in_place, StartError};
///
/// // On a board: `static SENSOR: ConstStaticCell<DefaultSensor<'static>> =
/// //     ConstStaticCell::new(DefaultSensor::unloaded());`, then `SENSOR.take()`
/// // and the model from `include_model!()`.
/// let mut sensor = DefaultSensor::unloaded();
/// let err = start_in_place(&mut sensor, b"not a model", 16_000).unwrap_err();
/// assert!(matches!(err, StartError::Model(_)));
/// assert!(!sensor.is_loaded()); // a board logs the error and halts
/// ```
///
/// Never inlined: the model's validation and the tables' construction use
/// this function's frame, which is gone once the sensor loop runs.
#[inline(never)]
pub fn start_in_place<
    'm,
    const MAX_FFT: usize,
    const MAX_MELS: usize,
    const MAX_WIDTH: usize,
    const MAX_CHROMA_FFT: usize,
    const MAX_CHROMA_WEIGHTS: usize,
>(
    sensor: &mut ValenceSensor<
        'm,
        MAX_FFT,
        MAX_MELS,
        MAX_WIDTH,
        MAX_CHROMA_FFT,
        MAX_CHROMA_WEIGHTS,
    >,
    model_bytes: &'m [u8],
    sample_rate: u32,
) -> Result<(), StartError> {
    let model = Model::from_bytes(model_bytes).map_err(StartError::Model)?;
    let expected = model.feature_spec().sample_rate;
    if expected != sample_rate {
        return Err(StartError::SampleRate {
            model: expected,
            microphone: sample_rate,
        });
    }
    sensor.load(model).map_err(StartError::Sensor)
}

/// Validates `model_bytes` and builds a sensor for a microphone at
/// `sample_rate` Hz, returned by value ([`start_in_place`] on a new
/// unloaded sensor, without chroma buffers: mel models only). For hosts
/// and tests; a device keeps its sensor in a `static` and calls
/// [`start_in_place`].
pub fn start<const MAX_FFT: usize, const MAX_MELS: usize, const MAX_WIDTH: usize>(
    model_bytes: &[u8],
    sample_rate: u32,
) -> Result<ValenceSensor<'_, MAX_FFT, MAX_MELS, MAX_WIDTH>, StartError> {
    let mut sensor = ValenceSensor::unloaded();
    start_in_place(&mut sensor, model_bytes, sample_rate)?;
    Ok(sensor)
}
