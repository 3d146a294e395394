//! The model file: what the host exports and the device reads in place.
//!
//! Layout (all integers little-endian):
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 4 | magic `b"VLNC"` |
//! | 4 | 2 | format version ([`FORMAT_VERSION`]) |
//! | 6 | 2 | reserved, 0 |
//! | 8 | 4 | payload length in bytes |
//! | 12 | 4 | CRC-32 (ISO-HDLC, as zlib's `crc32`) of the payload |
//! | 16 | n | payload: a [`ModelDescriptor`] in postcard |
//!
//! postcard encodes integers wider than a byte as varints, so typed arrays
//! could not be read where they lie. Every array (weights, biases,
//! requantisation parameters, input normalisation) is therefore a raw byte
//! blob inside the payload, which postcard hands out as a borrowed `&[u8]`:
//! [`Model::from_bytes`] copies nothing, the kernels decode the blobs on the
//! fly, and a model in flash costs no RAM.
//!
//! Loading checks everything the kernels rely on, each failure a distinct
//! [`ModelError`]: header, version, CRC, the payload's structure, the feature
//! and statistics specs, that layer dimensions chain from the feature vector
//! to one output, blob lengths, and parameter ranges. After that, inference
//! cannot index out of bounds or do unbounded work on any input.

use core::fmt;

use heapless::Vec as HVec;
use serde::{Deserialize, Serialize};

use crate::spec::{FeatureSpec, SpecError};
use crate::stats::{StatsError, StatsSpec};

/// The four bytes every model file starts with.
pub const MAGIC: [u8; 4] = *b"VLNC";
/// The format version this crate writes and the newest it reads.
pub const FORMAT_VERSION: u16 = 1;
/// Bytes before the payload.
pub const HEADER_LEN: usize = 16;
/// The most layers a model may have.
pub const MAX_LAYERS: usize = 8;

const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// CRC-32 (ISO-HDLC) of `bytes`, as stored in the header.
pub fn crc32(bytes: &[u8]) -> u32 {
    CRC.checksum(bytes)
}

/// Activation of a dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// `max(0, x)`, applied as a lower clamp at the output zero point.
    Relu,
    /// No activation.
    Linear,
}

/// Fixed-point standardisation of the feature vector into int8 activations:
/// `q[i] = clamp(zero_point + requantize(f[i] - offset[i], multiplier[i], shift[i]), -128, 127)`
/// where `f` is a feature in Q8.8 dB (see [`crate::quant::requantize`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputNorm<'a> {
    /// Per-feature offset, `i32` each (Q8.8 dB).
    #[serde(borrow)]
    pub offset: &'a [u8],
    /// Per-feature multiplier, `i32` each.
    #[serde(borrow)]
    pub multiplier: &'a [u8],
    /// Per-feature shift, `i8` each.
    #[serde(borrow)]
    pub shift: &'a [u8],
    /// Zero point of the first layer's input activations.
    pub zero_point: i8,
}

/// One fully connected layer with int8 weights (symmetric, per output
/// channel) and per-channel requantisation.
///
/// Output `o`: `acc = bias[o] + Σ_i w[o][i]·x[i]` in `i32` (the exporter folds
/// the input zero point into the bias), then
/// `y = output_zero_point + requantize(acc, multiplier[o], shift[o])`,
/// clamped to int8 (`[output_zero_point, 127]` with ReLU) for hidden layers,
/// saturated to `i32` for the last layer, whose output is the label in Q16.16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer<'a> {
    /// Input width.
    pub inputs: u16,
    /// Output width.
    pub outputs: u16,
    /// Activation.
    pub activation: Activation,
    /// Zero point of the outputs (int8 range for hidden layers; label offset
    /// in Q16.16 for the last layer).
    pub output_zero_point: i32,
    /// `outputs × inputs` int8 weights, one row per output channel.
    #[serde(borrow)]
    pub weights: &'a [u8],
    /// `outputs` biases, `i32` each.
    #[serde(borrow)]
    pub bias: &'a [u8],
    /// `outputs` requantisation multipliers, `i32` each.
    #[serde(borrow)]
    pub multiplier: &'a [u8],
    /// `outputs` requantisation shifts, `i8` each.
    #[serde(borrow)]
    pub shift: &'a [u8],
}

impl Layer<'_> {
    /// Multiply-accumulates of one inference of this layer.
    pub fn macs(&self) -> usize {
        self.inputs as usize * self.outputs as usize
    }
}

/// What the model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Label<'a> {
    /// Name of the label (e.g. `"valence"`).
    #[serde(borrow)]
    pub name: &'a str,
    /// Smallest value of the label's scale.
    pub min: f32,
    /// Largest value of the label's scale.
    pub max: f32,
}

/// Facts the host records when it exports a model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metadata<'a> {
    /// Creation time, seconds since the Unix epoch.
    pub created_unix_s: u64,
    /// Fingerprint of the training data (e.g. a SHA-256).
    #[serde(borrow)]
    pub data_fingerprint: &'a [u8],
    /// Validation MSE of the float model.
    pub val_mse_float: f32,
    /// Validation MSE of the int8 model.
    pub val_mse_int8: f32,
    /// Free text (how the model was made).
    #[serde(borrow)]
    pub notes: &'a str,
}

/// The payload of a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDescriptor<'a> {
    /// The front end the model was trained with.
    pub feature_spec: FeatureSpec,
    /// How frames are summarised into the feature vector.
    pub stats_spec: StatsSpec,
    /// Features to int8.
    #[serde(borrow)]
    pub input: InputNorm<'a>,
    /// The layers, input first.
    #[serde(borrow)]
    pub layers: HVec<Layer<'a>, MAX_LAYERS>,
    /// What the output means.
    #[serde(borrow)]
    pub label: Label<'a>,
    /// Provenance.
    #[serde(borrow)]
    pub metadata: Metadata<'a>,
}

/// Which blob of a model a length error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blob {
    /// Input normalisation offsets.
    InputOffset,
    /// Input normalisation multipliers.
    InputMultiplier,
    /// Input normalisation shifts.
    InputShift,
    /// Layer weights.
    Weights,
    /// Layer biases.
    Bias,
    /// Layer requantisation multipliers.
    Multiplier,
    /// Layer requantisation shifts.
    Shift,
}

/// Why a model file was refused.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ModelError {
    /// Fewer bytes than a header.
    TooShort {
        /// Bytes given.
        len: usize,
    },
    /// The header announces more payload than there is.
    Truncated {
        /// Payload bytes announced.
        expected: usize,
        /// Payload bytes present.
        available: usize,
    },
    /// Bytes after the announced payload.
    TrailingBytes {
        /// How many.
        extra: usize,
    },
    /// Not a valence model file.
    BadMagic,
    /// A format version this build cannot read.
    UnsupportedVersion {
        /// Version in the file.
        found: u16,
        /// Newest version this build reads.
        supported: u16,
    },
    /// The payload does not match its checksum: the file is damaged.
    CrcMismatch {
        /// Checksum in the header.
        stored: u32,
        /// Checksum of the payload.
        computed: u32,
    },
    /// The payload could not be decoded.
    Malformed,
    /// The feature spec is invalid.
    InvalidFeatureSpec(SpecError),
    /// The statistics spec is invalid.
    InvalidStatsSpec(StatsError),
    /// The model has no layers.
    NoLayers,
    /// The first layer does not take the feature vector.
    InputWidthMismatch {
        /// Features the spec produces.
        features: usize,
        /// Inputs of the first layer.
        inputs: usize,
    },
    /// A layer's inputs differ from the previous layer's outputs.
    LayersDoNotChain {
        /// Index of the layer.
        layer: usize,
        /// Its inputs.
        inputs: usize,
        /// The previous layer's outputs.
        previous_outputs: usize,
    },
    /// The last layer must have exactly one output.
    OutputNotScalar {
        /// Outputs of the last layer.
        outputs: usize,
    },
    /// A blob's length does not match the dimensions.
    BlobLength {
        /// Layer index (`None` for the input normalisation).
        layer: Option<usize>,
        /// Which blob.
        blob: Blob,
        /// Expected length in bytes.
        expected: usize,
        /// Actual length in bytes.
        found: usize,
    },
    /// A requantisation shift outside `-30..=31`.
    ShiftOutOfRange {
        /// Layer index (`None` for the input normalisation).
        layer: Option<usize>,
        /// Channel or feature index.
        index: usize,
    },
    /// A hidden layer's output zero point outside the int8 range.
    ZeroPointOutOfRange {
        /// Layer index.
        layer: usize,
    },
    /// The label's range is not a finite, increasing interval.
    InvalidLabelRange,
    /// The output buffer given to [`write_model`] is too small.
    BufferTooSmall {
        /// Its length in bytes.
        capacity: usize,
    },
    /// The model needs larger buffers than this build was compiled with.
    ExceedsCapacity {
        /// What is too large.
        what: Capacity,
        /// What the model needs.
        needed: usize,
        /// What this build has.
        capacity: usize,
    },
}

/// A compile-time capacity a model can exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    /// FFT size (`MAX_FFT`).
    FftSize,
    /// Mel bands (`MAX_MELS`).
    MelBands,
    /// Widest activation vector (`MAX_WIDTH`).
    LayerWidth,
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Capacity::FftSize => "FFT size",
            Capacity::MelBands => "mel bands",
            Capacity::LayerWidth => "layer width",
        })
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ModelError::TooShort { len } => {
                write!(f, "{len} bytes is too short for a model file (header alone is {HEADER_LEN})")
            }
            ModelError::Truncated { expected, available } => write!(
                f,
                "the model file is truncated: payload of {expected} bytes announced, {available} present"
            ),
            ModelError::TrailingBytes { extra } => {
                write!(f, "{extra} unexpected bytes after the model payload")
            }
            ModelError::BadMagic => write!(f, "not a valence model file (bad magic bytes)"),
            ModelError::UnsupportedVersion { found, supported } => write!(
                f,
                "model format version {found} is not supported (this build reads up to version {supported}): update valence"
            ),
            ModelError::CrcMismatch { stored, computed } => write!(
                f,
                "the model file is damaged: checksum {computed:#010x} does not match the stored {stored:#010x}"
            ),
            ModelError::Malformed => write!(f, "the model payload could not be decoded"),
            ModelError::InvalidFeatureSpec(e) => write!(f, "the model's feature spec is invalid: {e}"),
            ModelError::InvalidStatsSpec(e) => write!(f, "the model's statistics spec is invalid: {e}"),
            ModelError::NoLayers => write!(f, "the model has no layers"),
            ModelError::InputWidthMismatch { features, inputs } => write!(
                f,
                "the first layer takes {inputs} inputs but the features have {features} values"
            ),
            ModelError::LayersDoNotChain { layer, inputs, previous_outputs } => write!(
                f,
                "layer {layer} takes {inputs} inputs but layer {} gives {previous_outputs}",
                layer.saturating_sub(1)
            ),
            ModelError::OutputNotScalar { outputs } => {
                write!(f, "the last layer has {outputs} outputs; a valence model has one")
            }
            ModelError::BlobLength { layer, blob, expected, found } => match layer {
                Some(l) => write!(f, "layer {l}: {blob:?} holds {found} bytes, expected {expected}"),
                None => write!(f, "input normalisation: {blob:?} holds {found} bytes, expected {expected}"),
            },
            ModelError::ShiftOutOfRange { layer, index } => match layer {
                Some(l) => write!(f, "layer {l}, channel {index}: requantisation shift out of range"),
                None => write!(f, "input normalisation, feature {index}: shift out of range"),
            },
            ModelError::ZeroPointOutOfRange { layer } => {
                write!(f, "layer {layer}: output zero point outside the int8 range")
            }
            ModelError::BufferTooSmall { capacity } => {
                write!(f, "a buffer of {capacity} bytes is too small for this model file")
            }
            ModelError::InvalidLabelRange => write!(f, "the label range is not a finite, increasing interval"),
            ModelError::ExceedsCapacity { what, needed, capacity } => write!(
                f,
                "the model needs {what} {needed} but this build was compiled for at most {capacity}"
            ),
        }
    }
}

impl core::error::Error for ModelError {}

fn check_len(
    layer: Option<usize>,
    blob: Blob,
    bytes: &[u8],
    expected: usize,
) -> Result<(), ModelError> {
    if bytes.len() == expected {
        Ok(())
    } else {
        Err(ModelError::BlobLength {
            layer,
            blob,
            expected,
            found: bytes.len(),
        })
    }
}

fn check_shifts(layer: Option<usize>, shifts: &[u8]) -> Result<(), ModelError> {
    match shifts
        .iter()
        .position(|&s| !crate::quant::SHIFT_RANGE.contains(&(s as i8)))
    {
        Some(index) => Err(ModelError::ShiftOutOfRange { layer, index }),
        None => Ok(()),
    }
}

/// A validated model, borrowing its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Model<'a> {
    desc: ModelDescriptor<'a>,
}

impl<'a> Model<'a> {
    /// Reads and validates a model file in place (zero-copy).
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, ModelError> {
        let (header, payload) = bytes
            .split_at_checked(HEADER_LEN)
            .ok_or(ModelError::TooShort { len: bytes.len() })?;
        let word = |at: usize| -> [u8; 4] {
            let mut w = [0u8; 4];
            if let Some(src) = header.get(at..at + 4) {
                w.copy_from_slice(src);
            }
            w
        };
        if word(0) != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let [v0, v1, _, _] = word(4);
        let version = u16::from_le_bytes([v0, v1]);
        if version == 0 || version > FORMAT_VERSION {
            return Err(ModelError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let expected = u32::from_le_bytes(word(8)) as usize;
        let stored = u32::from_le_bytes(word(12));
        if payload.len() < expected {
            return Err(ModelError::Truncated {
                expected,
                available: payload.len(),
            });
        }
        if payload.len() > expected {
            return Err(ModelError::TrailingBytes {
                extra: payload.len() - expected,
            });
        }
        let computed = crc32(payload);
        if computed != stored {
            return Err(ModelError::CrcMismatch { stored, computed });
        }
        let (desc, rest): (ModelDescriptor<'a>, &[u8]) =
            postcard::take_from_bytes(payload).map_err(|_| ModelError::Malformed)?;
        if !rest.is_empty() {
            return Err(ModelError::Malformed);
        }
        Self::validate(&desc)?;
        Ok(Model { desc })
    }

    /// Validates a descriptor built in memory (what [`Model::from_bytes`] checks after decoding).
    pub fn from_descriptor(desc: ModelDescriptor<'a>) -> Result<Self, ModelError> {
        Self::validate(&desc)?;
        Ok(Model { desc })
    }

    fn validate(desc: &ModelDescriptor<'a>) -> Result<(), ModelError> {
        desc.feature_spec
            .validate()
            .map_err(ModelError::InvalidFeatureSpec)?;
        desc.stats_spec
            .validate()
            .map_err(ModelError::InvalidStatsSpec)?;
        let features = desc
            .stats_spec
            .n_features(desc.feature_spec.n_mels as usize);
        let input = &desc.input;
        check_len(None, Blob::InputOffset, input.offset, 4 * features)?;
        check_len(None, Blob::InputMultiplier, input.multiplier, 4 * features)?;
        check_len(None, Blob::InputShift, input.shift, features)?;
        check_shifts(None, input.shift)?;
        let first = desc.layers.first().ok_or(ModelError::NoLayers)?;
        if first.inputs as usize != features {
            return Err(ModelError::InputWidthMismatch {
                features,
                inputs: first.inputs as usize,
            });
        }
        let last_index = desc.layers.len() - 1;
        let mut previous = features;
        for (l, layer) in desc.layers.iter().enumerate() {
            let (inputs, outputs) = (layer.inputs as usize, layer.outputs as usize);
            if inputs != previous {
                return Err(ModelError::LayersDoNotChain {
                    layer: l,
                    inputs,
                    previous_outputs: previous,
                });
            }
            check_len(Some(l), Blob::Weights, layer.weights, inputs * outputs)?;
            check_len(Some(l), Blob::Bias, layer.bias, 4 * outputs)?;
            check_len(Some(l), Blob::Multiplier, layer.multiplier, 4 * outputs)?;
            check_len(Some(l), Blob::Shift, layer.shift, outputs)?;
            check_shifts(Some(l), layer.shift)?;
            if l < last_index && !(-128..=127).contains(&layer.output_zero_point) {
                return Err(ModelError::ZeroPointOutOfRange { layer: l });
            }
            previous = outputs;
        }
        if previous != 1 {
            return Err(ModelError::OutputNotScalar { outputs: previous });
        }
        let label = &desc.label;
        if !(label.min.is_finite() && label.max.is_finite() && label.min < label.max) {
            return Err(ModelError::InvalidLabelRange);
        }
        Ok(())
    }

    /// Checks that this model fits a build with the given capacities.
    pub fn check_capacity(
        &self,
        max_fft: usize,
        max_mels: usize,
        max_width: usize,
    ) -> Result<(), ModelError> {
        let spec = &self.desc.feature_spec;
        let exceeds = |what, needed: usize, capacity: usize| {
            if needed > capacity {
                Err(ModelError::ExceedsCapacity {
                    what,
                    needed,
                    capacity,
                })
            } else {
                Ok(())
            }
        };
        exceeds(Capacity::FftSize, spec.n_fft as usize, max_fft)?;
        exceeds(Capacity::MelBands, spec.n_mels as usize, max_mels)?;
        exceeds(Capacity::LayerWidth, self.max_width(), max_width)
    }

    /// The decoded descriptor.
    pub fn descriptor(&self) -> &ModelDescriptor<'a> {
        &self.desc
    }

    /// The feature spec.
    pub fn feature_spec(&self) -> &FeatureSpec {
        &self.desc.feature_spec
    }

    /// The statistics spec.
    pub fn stats_spec(&self) -> &StatsSpec {
        &self.desc.stats_spec
    }

    /// Length of the feature vector.
    pub fn n_features(&self) -> usize {
        self.desc
            .stats_spec
            .n_features(self.desc.feature_spec.n_mels as usize)
    }

    /// The widest activation vector (features included).
    pub fn max_width(&self) -> usize {
        self.desc
            .layers
            .iter()
            .map(|l| l.outputs as usize)
            .fold(self.n_features(), usize::max)
    }

    /// Multiply-accumulates per inference.
    pub fn macs(&self) -> usize {
        self.desc.layers.iter().map(Layer::macs).sum()
    }
}

/// Writes a model file for `desc` into `out` and returns its length.
///
/// The descriptor is validated first, so a file written here always loads.
/// Fails with [`ModelError::ExceedsCapacity`] if `out` is too small.
pub fn write_model(desc: &ModelDescriptor<'_>, out: &mut [u8]) -> Result<usize, ModelError> {
    Model::validate(desc)?;
    let capacity = out.len();
    let too_small = ModelError::BufferTooSmall { capacity };
    let (header, payload_buf) = out.split_at_mut_checked(HEADER_LEN).ok_or(too_small)?;
    let payload_len = postcard::to_slice(desc, payload_buf)
        .map_err(|_| too_small)?
        .len();
    let crc = crc32(payload_buf.get(..payload_len).unwrap_or(&[]));
    header[0..4].copy_from_slice(&MAGIC);
    header[4..6].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    header[6..8].copy_from_slice(&[0, 0]);
    header[8..12].copy_from_slice(&(payload_len as u32).to_le_bytes());
    header[12..16].copy_from_slice(&crc.to_le_bytes());
    Ok(HEADER_LEN + payload_len)
}
