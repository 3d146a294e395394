//! The model file: what the host exports and the device reads in place.
//!
//! Layout (all integers little-endian):
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 4 | magic `b"VLNC"` |
//! | 4 | 2 | format version: 1 (mel features) or 2 (with a feature-set field) |
//! | 6 | 2 | reserved, 0 |
//! | 8 | 4 | payload length in bytes |
//! | 12 | 4 | CRC-32 (ISO-HDLC, as zlib's `crc32`) of the payload |
//! | 16 | n | payload: a [`ModelDescriptor`] in postcard (all fields but `feature_set`) |
//! | 16 + n | 5 | version 2 only, inside the payload: feature set (`u8`: 0 mel, 1 mel + harmony, 2 harmony, 3 harmony + onset, 4 mel + harmony + onset), chroma FFT size (`u16`), chroma hop (`u16`) |
//!
//! A model whose network reads the mel statistics only ([`FeatureSet::Mel`])
//! is written as version 1, byte for byte what this format was before
//! feature sets existed, and a version 1 file reads as [`FeatureSet::Mel`].
//! A model that reads the harmony statistics ([`crate::harmony`]) is written
//! as version 2 and declares its [`FeatureSet`] and the chroma path it was
//! trained with (this build computes [`ChromaSpec::DEFAULT`]'s FFT size and
//! hop at the model's sample rate and refuses others with
//! [`ModelError::UnsupportedChroma`]). The feature vector is then the mel
//! statistics (if any) followed by the [`N_HARMONY_FEATURES`] harmony values
//! in Q15; see [`FeatureSet`].
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

use crate::chroma::{ChromaError, ChromaSpec};
use crate::harmony::{ChromaOrder, N_HARMONY_FEATURES};
use crate::onset::N_ONSET_FEATURES;
use crate::spec::{FeatureSpec, SpecError};
use crate::stats::{StatsError, StatsSpec};

/// The four bytes every model file starts with.
pub const MAGIC: [u8; 4] = *b"VLNC";
/// The newest format version this crate reads (and writes, for models that
/// need harmony features).
pub const FORMAT_VERSION: u16 = 2;
/// The format version of models that read the mel statistics only.
pub const FORMAT_VERSION_MEL: u16 = 1;
/// The format version of models that declare their feature set.
pub const FORMAT_VERSION_FEATURE_SET: u16 = 2;
/// Bytes of the version 2 field after the descriptor: feature set, chroma
/// FFT size, chroma hop.
pub const FEATURE_SET_FIELD_LEN: usize = 5;
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

/// Which features a model's network reads, in this order: the mel window
/// statistics ([`crate::stats`], `2·n_mels` values in Q8.8 dB), then the
/// harmony statistics ([`crate::harmony`], [`N_HARMONY_FEATURES`] values in
/// Q15: the 12 mean chroma values C … B, the best major and the best minor
/// key correlation and their difference), then the onset statistics
/// ([`crate::onset`], [`N_ONSET_FEATURES`] values in Q8.8 dB: the mean and
/// standard deviation of the block flux). The onset statistics come only
/// with the harmony statistics (they are computed on the same path). The
/// key sets ([`FeatureSet::KeyOnset`], [`FeatureSet::MelKeyOnset`]) hold
/// the same values with the 12 chroma values in scale degrees from the
/// tonic of the window's best-fitting key instead of pitch classes from C
/// ([`ChromaOrder::FromTonic`]), so that a piece and its transposition read
/// alike.
///
/// ```
/// use valence_core::model::FeatureSet;
/// let set: FeatureSet = "mel-harmony".parse().unwrap();
/// assert_eq!(set, FeatureSet::MelHarmony);
/// assert_eq!(set.n_features(128), 128 + 15);
/// assert!("chords".parse::<FeatureSet>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum FeatureSet {
    /// Mel statistics only (format version 1).
    #[default]
    Mel,
    /// Mel statistics followed by the harmony statistics.
    MelHarmony,
    /// Harmony statistics only.
    Harmony,
    /// Harmony statistics followed by the onset statistics.
    HarmonyOnset,
    /// Mel statistics, harmony statistics, onset statistics.
    MelHarmonyOnset,
    /// Harmony statistics with the chroma from the key's tonic, then the
    /// onset statistics.
    KeyOnset,
    /// Mel statistics, harmony statistics with the chroma from the key's
    /// tonic, onset statistics.
    MelKeyOnset,
}

impl FeatureSet {
    /// Every feature set, in the order of their codes.
    pub const ALL: [FeatureSet; 7] = [
        FeatureSet::Mel,
        FeatureSet::MelHarmony,
        FeatureSet::Harmony,
        FeatureSet::HarmonyOnset,
        FeatureSet::MelHarmonyOnset,
        FeatureSet::KeyOnset,
        FeatureSet::MelKeyOnset,
    ];

    /// The byte that stands for this set in a model file.
    pub const fn code(self) -> u8 {
        match self {
            FeatureSet::Mel => 0,
            FeatureSet::MelHarmony => 1,
            FeatureSet::Harmony => 2,
            FeatureSet::HarmonyOnset => 3,
            FeatureSet::MelHarmonyOnset => 4,
            FeatureSet::KeyOnset => 5,
            FeatureSet::MelKeyOnset => 6,
        }
    }

    /// The set a model file's byte stands for, if any.
    pub const fn from_code(code: u8) -> Option<FeatureSet> {
        match code {
            0 => Some(FeatureSet::Mel),
            1 => Some(FeatureSet::MelHarmony),
            2 => Some(FeatureSet::Harmony),
            3 => Some(FeatureSet::HarmonyOnset),
            4 => Some(FeatureSet::MelHarmonyOnset),
            5 => Some(FeatureSet::KeyOnset),
            6 => Some(FeatureSet::MelKeyOnset),
            _ => None,
        }
    }

    /// Whether the set holds the mel statistics.
    pub const fn has_mel(self) -> bool {
        matches!(
            self,
            FeatureSet::Mel
                | FeatureSet::MelHarmony
                | FeatureSet::MelHarmonyOnset
                | FeatureSet::MelKeyOnset
        )
    }

    /// Whether the set holds the harmony statistics.
    pub const fn has_harmony(self) -> bool {
        !matches!(self, FeatureSet::Mel)
    }

    /// Whether the set holds the onset statistics.
    pub const fn has_onset(self) -> bool {
        matches!(
            self,
            FeatureSet::HarmonyOnset
                | FeatureSet::MelHarmonyOnset
                | FeatureSet::KeyOnset
                | FeatureSet::MelKeyOnset
        )
    }

    /// How the set orders the 12 chroma values of its harmony statistics.
    pub const fn chroma_order(self) -> ChromaOrder {
        match self {
            FeatureSet::KeyOnset | FeatureSet::MelKeyOnset => ChromaOrder::FromTonic,
            _ => ChromaOrder::PitchClass,
        }
    }

    /// Values per window, given the number of mel statistics values.
    pub const fn n_features(self, n_mel_features: usize) -> usize {
        let mel = if self.has_mel() { n_mel_features } else { 0 };
        let harmony = if self.has_harmony() {
            N_HARMONY_FEATURES
        } else {
            0
        };
        let onset = if self.has_onset() {
            N_ONSET_FEATURES
        } else {
            0
        };
        mel + harmony + onset
    }

    /// The name used on the command line and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            FeatureSet::Mel => "mel",
            FeatureSet::MelHarmony => "mel-harmony",
            FeatureSet::Harmony => "harmony",
            FeatureSet::HarmonyOnset => "harmony-onset",
            FeatureSet::MelHarmonyOnset => "mel-harmony-onset",
            FeatureSet::KeyOnset => "key-onset",
            FeatureSet::MelKeyOnset => "mel-key-onset",
        }
    }
}

impl fmt::Display for FeatureSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a [`FeatureSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownFeatureSetName;

impl fmt::Display for UnknownFeatureSetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "unknown feature set: expected mel, mel-harmony, harmony, harmony-onset, mel-harmony-onset, key-onset or mel-key-onset",
        )
    }
}

impl core::error::Error for UnknownFeatureSetName {}

impl core::str::FromStr for FeatureSet {
    type Err = UnknownFeatureSetName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FeatureSet::ALL
            .into_iter()
            .find(|set| set.name() == s)
            .ok_or(UnknownFeatureSetName)
    }
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
    /// The features the network reads. Not part of the postcard encoding:
    /// [`FeatureSet::Mel`] is written as format version 1 (no field), any
    /// other set as version 2 with the feature-set field after the
    /// descriptor (see the module documentation).
    #[serde(skip)]
    pub feature_set: FeatureSet,
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
    /// A version 2 file names a feature set this build does not know.
    UnknownFeatureSet {
        /// The feature-set byte in the file.
        code: u8,
    },
    /// The chroma path of a model's harmony features is invalid.
    InvalidChromaSpec(ChromaError),
    /// The model's harmony features use a chroma FFT size or hop other than
    /// the one this build computes ([`ChromaSpec::DEFAULT`]'s).
    UnsupportedChroma {
        /// Chroma FFT size in the file.
        n_fft: u16,
        /// Chroma hop in the file.
        hop: u16,
    },
    /// Some statistics window of a harmony model would hold no chroma frame.
    WindowTooShortForChroma {
        /// Samples a window spans.
        window_samples: u64,
        /// Samples a window must span so that each holds a chroma frame.
        needed: u64,
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
            ModelError::UnknownFeatureSet { code } => write!(
                f,
                "the model names feature set {code}, which this build does not know (0 mel, 1 mel + harmony, 2 harmony): update valence"
            ),
            ModelError::InvalidChromaSpec(e) => write!(f, "the model's chroma path is invalid: {e}"),
            ModelError::UnsupportedChroma { n_fft, hop } => write!(
                f,
                "the model's harmony features use a {n_fft}-point chroma FFT every {hop} samples; this build computes {} every {}",
                ChromaSpec::DEFAULT.n_fft,
                ChromaSpec::DEFAULT.hop
            ),
            ModelError::WindowTooShortForChroma { window_samples, needed } => write!(
                f,
                "a statistics window spans {window_samples} samples; harmony features need at least {needed} so that every window holds a chroma frame"
            ),
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
        let (mut desc, rest): (ModelDescriptor<'a>, &[u8]) =
            postcard::take_from_bytes(payload).map_err(|_| ModelError::Malformed)?;
        desc.feature_set = if version == FORMAT_VERSION_MEL {
            if !rest.is_empty() {
                return Err(ModelError::Malformed);
            }
            FeatureSet::Mel
        } else {
            let &[code, n0, n1, h0, h1] = rest else {
                return Err(ModelError::Malformed);
            };
            let set = FeatureSet::from_code(code).ok_or(ModelError::UnknownFeatureSet { code })?;
            if set.has_harmony() {
                check_chroma(
                    &desc.feature_spec,
                    u16::from_le_bytes([n0, n1]),
                    u16::from_le_bytes([h0, h1]),
                )?;
            }
            set
        };
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
        let features = desc.feature_set.n_features(
            desc.stats_spec
                .n_features(desc.feature_spec.n_mels as usize),
        );
        if desc.feature_set.has_harmony() {
            check_harmony_windows(&desc.feature_spec, &desc.stats_spec)?;
        }
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

    /// The features the network reads.
    pub fn feature_set(&self) -> FeatureSet {
        self.desc.feature_set
    }

    /// The format version this model is written as (1 for mel-only models,
    /// 2 for the others).
    pub fn format_version(&self) -> u16 {
        format_version(self.desc.feature_set)
    }

    /// The chroma path of the harmony features (the model's sample rate,
    /// [`ChromaSpec::DEFAULT`]'s FFT size and hop); `None` for a model that
    /// reads no harmony features.
    pub fn chroma_spec(&self) -> Option<ChromaSpec> {
        self.desc
            .feature_set
            .has_harmony()
            .then(|| chroma_spec(&self.desc.feature_spec))
    }

    /// Values of the mel statistics in the feature vector (0 for
    /// [`FeatureSet::Harmony`]).
    pub fn n_mel_features(&self) -> usize {
        if self.desc.feature_set.has_mel() {
            self.desc
                .stats_spec
                .n_features(self.desc.feature_spec.n_mels as usize)
        } else {
            0
        }
    }

    /// Length of the feature vector.
    pub fn n_features(&self) -> usize {
        self.desc.feature_set.n_features(
            self.desc
                .stats_spec
                .n_features(self.desc.feature_spec.n_mels as usize),
        )
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

/// The chroma path of harmony features for a front end at `spec`'s rate.
pub fn chroma_spec(spec: &FeatureSpec) -> ChromaSpec {
    ChromaSpec {
        sample_rate: spec.sample_rate,
        ..ChromaSpec::DEFAULT
    }
}

/// The format version a model with `set` is written as.
pub const fn format_version(set: FeatureSet) -> u16 {
    match set {
        FeatureSet::Mel => FORMAT_VERSION_MEL,
        _ => FORMAT_VERSION_FEATURE_SET,
    }
}

/// Checks a version 2 file's chroma FFT size and hop: valid, and the ones
/// this build computes.
fn check_chroma(spec: &FeatureSpec, n_fft: u16, hop: u16) -> Result<(), ModelError> {
    let chroma = ChromaSpec {
        sample_rate: spec.sample_rate,
        n_fft,
        hop,
    };
    chroma.validate().map_err(ModelError::InvalidChromaSpec)?;
    if (n_fft, hop) != (ChromaSpec::DEFAULT.n_fft, ChromaSpec::DEFAULT.hop) {
        return Err(ModelError::UnsupportedChroma { n_fft, hop });
    }
    Ok(())
}

/// Checks that every statistics window of `stats` over the frames of `spec`
/// holds at least one chroma frame of [`chroma_spec`]: chroma frame `t`
/// covers samples `[t·c, t·c + N)` (hop `c`, FFT size `N`) and counts in a
/// window `[s, s + L)` when it lies inside it. Windows start every
/// `H = hop_frames·hop` samples, so the first chroma frame of a window
/// starts up to `c − gcd(H, c)` samples after the window does: every window
/// holds one exactly when `L ≥ N + c − gcd(H, c)`.
pub fn check_harmony_windows(spec: &FeatureSpec, stats: &StatsSpec) -> Result<(), ModelError> {
    let chroma = chroma_spec(spec);
    let hop = spec.hop as u64;
    let window_samples = (stats.window_frames as u64).saturating_sub(1) * hop + spec.n_fft as u64;
    let step = stats.hop_frames as u64 * hop;
    let c = chroma.hop as u64;
    let needed = chroma.n_fft as u64 + c - gcd(step, c);
    if window_samples < needed {
        return Err(ModelError::WindowTooShortForChroma {
            window_samples,
            needed,
        });
    }
    Ok(())
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Writes a model file for `desc` into `out` and returns its length.
///
/// The descriptor is validated first, so a file written here always loads.
/// A [`FeatureSet::Mel`] model is written as format version 1 (exactly as
/// before feature sets existed), any other as version 2 with the
/// feature-set field. Fails with [`ModelError::BufferTooSmall`] if `out` is
/// too small.
pub fn write_model(desc: &ModelDescriptor<'_>, out: &mut [u8]) -> Result<usize, ModelError> {
    Model::validate(desc)?;
    let capacity = out.len();
    let too_small = ModelError::BufferTooSmall { capacity };
    let (header, payload_buf) = out.split_at_mut_checked(HEADER_LEN).ok_or(too_small)?;
    let mut payload_len = postcard::to_slice(desc, payload_buf)
        .map_err(|_| too_small)?
        .len();
    let version = format_version(desc.feature_set);
    if version == FORMAT_VERSION_FEATURE_SET {
        let chroma = chroma_spec(&desc.feature_spec);
        let [n0, n1] = chroma.n_fft.to_le_bytes();
        let [h0, h1] = chroma.hop.to_le_bytes();
        payload_buf
            .get_mut(payload_len..payload_len + FEATURE_SET_FIELD_LEN)
            .ok_or(too_small)?
            .copy_from_slice(&[desc.feature_set.code(), n0, n1, h0, h1]);
        payload_len += FEATURE_SET_FIELD_LEN;
    }
    let crc = crc32(payload_buf.get(..payload_len).unwrap_or(&[]));
    header[0..4].copy_from_slice(&MAGIC);
    header[4..6].copy_from_slice(&version.to_le_bytes());
    header[6..8].copy_from_slice(&[0, 0]);
    header[8..12].copy_from_slice(&(payload_len as u32).to_le_bytes());
    header[12..16].copy_from_slice(&crc.to_le_bytes());
    Ok(HEADER_LEN + payload_len)
}
