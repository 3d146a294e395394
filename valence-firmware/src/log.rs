//! defmt output: each reading as one log line, start-up errors in words.
//!
//! defmt sends only an index and the raw arguments; the text is formatted
//! on the host (`probe-rs run` or `defmt-print`), which keeps the device
//! code small and free of `core::fmt`.

use valence_core::model::ModelError;
use valence_core::sensor::SensorError;
use valence_core::Reading;

use crate::sensor_loop::ReadingSink;
use crate::startup::StartError;

/// Logs each reading at info level: index, end sample, and the value as a
/// decimal with three places (computed in integers: no float code on the
/// device) and in Q16.16.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefmtSink;

/// `value_q16` as sign, whole part and thousandths, rounded to nearest.
pub fn decimal_parts(value_q16: i32) -> (bool, u32, u32) {
    let negative = value_q16 < 0;
    let magnitude = value_q16.unsigned_abs() as u64;
    let thousandths = (magnitude * 1000 + (1 << 15)) >> 16;
    (
        negative,
        (thousandths / 1000) as u32,
        (thousandths % 1000) as u32,
    )
}

impl ReadingSink for DefmtSink {
    fn reading(&mut self, r: &Reading) {
        let (negative, whole, thousandths) = decimal_parts(r.value_q16);
        defmt::info!(
            "reading {=u32} at sample {=u64}: valence {=str}{=u32}.{=u32:03} (q16 {=i32})",
            r.index,
            r.end_sample,
            if negative { "-" } else { "" },
            whole,
            thousandths,
            r.value_q16
        );
    }

    fn busy(&mut self, micros: u64) {
        defmt::info!("  sensor busy {=u64} us for this reading", micros);
    }
}

fn model_error(f: defmt::Formatter<'_>, e: &ModelError) {
    match *e {
        ModelError::TooShort { len } => {
            defmt::write!(f, "{=usize} bytes is too short for a model file", len)
        }
        ModelError::Truncated {
            expected,
            available,
        } => defmt::write!(
            f,
            "truncated: payload of {=usize} bytes announced, {=usize} present",
            expected,
            available
        ),
        ModelError::TrailingBytes { extra } => {
            defmt::write!(f, "{=usize} unexpected bytes after the payload", extra)
        }
        ModelError::BadMagic => defmt::write!(f, "not a valence model file (bad magic)"),
        ModelError::UnsupportedVersion { found, supported } => defmt::write!(
            f,
            "format version {=u16} not supported (up to {=u16})",
            found,
            supported
        ),
        ModelError::CrcMismatch { stored, computed } => defmt::write!(
            f,
            "damaged: checksum {=u32:#010x} does not match the stored {=u32:#010x}",
            computed,
            stored
        ),
        ModelError::Malformed => defmt::write!(f, "the payload could not be decoded"),
        ModelError::InvalidFeatureSpec(_) => defmt::write!(f, "invalid feature spec"),
        ModelError::InvalidStatsSpec(_) => defmt::write!(f, "invalid statistics spec"),
        ModelError::NoLayers => defmt::write!(f, "no layers"),
        ModelError::InputWidthMismatch { features, inputs } => defmt::write!(
            f,
            "first layer takes {=usize} inputs, features have {=usize}",
            inputs,
            features
        ),
        ModelError::LayersDoNotChain { layer, .. } => {
            defmt::write!(f, "layer {=usize} does not chain", layer)
        }
        ModelError::OutputNotScalar { outputs } => {
            defmt::write!(f, "last layer has {=usize} outputs, not 1", outputs)
        }
        ModelError::BlobLength {
            expected, found, ..
        } => defmt::write!(
            f,
            "a blob holds {=usize} bytes, expected {=usize}",
            found,
            expected
        ),
        ModelError::ShiftOutOfRange { index, .. } => {
            defmt::write!(f, "shift {=usize} out of range", index)
        }
        ModelError::ZeroPointOutOfRange { layer } => {
            defmt::write!(f, "layer {=usize}: zero point out of range", layer)
        }
        ModelError::InvalidLabelRange => defmt::write!(f, "invalid label range"),
        ModelError::UnknownFeatureSet { code } => {
            defmt::write!(f, "unknown feature set {=u8}", code)
        }
        ModelError::InvalidChromaSpec(_) => defmt::write!(f, "invalid chroma path"),
        ModelError::UnsupportedChroma { n_fft, hop } => defmt::write!(
            f,
            "unsupported chroma path: {=u16}-point FFT every {=u16} samples",
            n_fft,
            hop
        ),
        ModelError::WindowTooShortForChroma {
            window_samples,
            needed,
        } => defmt::write!(
            f,
            "windows of {=u64} samples hold no chroma frame (need {=u64})",
            window_samples,
            needed
        ),
        ModelError::ExceedsCapacity {
            needed, capacity, ..
        } => defmt::write!(
            f,
            "needs {=usize} where this build has {=usize}",
            needed,
            capacity
        ),
        _ => defmt::write!(f, "invalid model"),
    }
}

impl defmt::Format for StartError {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            StartError::Model(e) => {
                defmt::write!(f, "bad model: ");
                model_error(f, e);
            }
            StartError::Sensor(SensorError::Model(e)) => {
                defmt::write!(f, "model does not fit this firmware: ");
                model_error(f, e);
            }
            StartError::Sensor(SensorError::HarmonyNotBuilt { feature_set }) => defmt::write!(
                f,
                "the model reads harmony features (feature set {=str}), which this firmware does not compute: rebuild with valence-firmware's `harmony` feature and a sensor sized for the chroma path (DefaultHarmonySensor)",
                feature_set.name()
            ),
            StartError::Sensor(SensorError::Harmony(_)) => defmt::write!(
                f,
                "the model's harmony features do not fit this firmware's chroma path"
            ),
            StartError::Sensor(_) => defmt::write!(f, "the sensor refused the model's specs"),
            StartError::SampleRate { model, microphone } => defmt::write!(
                f,
                "the model expects {=u32} Hz, the microphone delivers {=u32} Hz",
                model,
                microphone
            ),
        }
    }
}
