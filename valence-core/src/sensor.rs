//! [`ValenceSensor`]: microphone samples in, valence readings out.
//!
//! It owns a front end, the window statistics and a [`Model`] that stays
//! where it lies (in flash on a device). Every `hop_frames` frames, once the
//! first window is full, the window's feature vector goes through the int8
//! network and a [`Reading`] comes out. RAM is fixed by three const
//! generics — the largest FFT, band count and layer width it serves — and does
//! not depend on the window length; a model that needs more is refused at
//! construction with both values named.
//!
//! With the default specs (16 kHz, hop 256, windows of 128 frames every 64)
//! the first reading covers samples `[0, 127·256 + 512)` and the next ones
//! follow every 64·256 samples (1.024 s).
//!
//! Models whose network reads harmony features ([`FeatureSet::MelHarmony`],
//! [`FeatureSet::Harmony`], and with the onset statistics
//! [`FeatureSet::HarmonyOnset`], [`FeatureSet::MelHarmonyOnset`]) need the
//! crate's `harmony` cargo feature (off by default): the sensor then also
//! runs a [`crate::harmony_stream::HarmonyStream`] (a 2048-point
//! chroma FFT every 2048 samples and the harmony statistics of each window)
//! and, for the onset sets, [`crate::onset::OnsetStats`] on the mel frames,
//! sized by two more const generics, `MAX_CHROMA_FFT` and
//! `MAX_CHROMA_WEIGHTS` (`DefaultHarmonySensor` for the default chroma
//! path). Without the feature those generics are unused, the sensor has
//! exactly the fields it always had, and [`ValenceSensor::load`] refuses
//! such a model with [`SensorError::HarmonyNotBuilt`].

use core::fmt;

use crate::frontend::{FrontEnd, FrontEndError};
#[cfg(feature = "harmony")]
use crate::harmony_stream::HarmonyStream;
use crate::harmony_stream::HarmonyStreamError;
#[cfg(feature = "harmony")]
use crate::mlp::quantize_features;
use crate::mlp::{infer_with_scratch, q16_to_f32, quantize_input};
use crate::model::{Capacity, FeatureSet, Model, ModelError};
#[cfg(feature = "harmony")]
use crate::onset::{OnsetStats, N_ONSET_FEATURES};
use crate::stats::{StatsError, WindowStats};

/// The sensor sized for the project default spec and network (n_fft 512,
/// 64 bands, widest layer 256), for mel models. With the `harmony` feature
/// its chroma capacity is 0: it refuses harmony models (see
/// `DefaultHarmonySensor`).
pub type DefaultSensor<'m> = ValenceSensor<'m, 512, 64, 256>;

/// The default sensor with room for the default chroma path (a 2048-point
/// FFT at 16 kHz): serves mel models and models with harmony features.
#[cfg(feature = "harmony")]
pub type DefaultHarmonySensor<'m> =
    ValenceSensor<'m, 512, 64, 256, 2048, { crate::chroma_stream::WEIGHTS_2048_16K }>;

/// One valence reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// 0 for the first reading since construction or reset.
    pub index: u32,
    /// Samples pushed up to the end of the window this reading covers.
    pub end_sample: u64,
    /// The prediction in the label's units, Q16.16.
    pub value_q16: i32,
}

impl Reading {
    /// The prediction as `f32`.
    pub fn value(&self) -> f32 {
        q16_to_f32(self.value_q16)
    }
}

/// Why a sensor could not be built for a model.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum SensorError {
    /// The model does not fit this build's buffers.
    Model(ModelError),
    /// The front end refused the model's spec.
    FrontEnd(FrontEndError),
    /// The statistics refused the model's spec.
    Stats(StatsError),
    /// The model reads harmony features and this build does not compute
    /// them (valence-core without its `harmony` cargo feature).
    HarmonyNotBuilt {
        /// The model's feature set.
        feature_set: FeatureSet,
    },
    /// The harmony path refused the model's spec or does not fit this
    /// build's chroma buffers.
    Harmony(HarmonyStreamError),
}

impl fmt::Display for SensorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SensorError::Model(e) => write!(f, "{e}"),
            SensorError::FrontEnd(e) => write!(f, "{e}"),
            SensorError::Stats(e) => write!(f, "{e}"),
            SensorError::HarmonyNotBuilt { feature_set } => write!(
                f,
                "the model reads harmony features (feature set {feature_set}: chroma and key \
                 clarity), which this build does not compute: rebuild with valence-core's \
                 `harmony` cargo feature (valence-firmware's `harmony`) and a sensor sized for \
                 the chroma path (DefaultHarmonySensor)"
            ),
            SensorError::Harmony(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for SensorError {}

/// The model a sensor serves, if any.
///
/// `repr(u8)` fixes the layout: a tag byte, 0 for `Unloaded`, and no niche
/// hidden in the model's fields. So an unloaded sensor is all zero bytes
/// and a `static` holding one lies in `.bss`, not copied from flash.
#[repr(u8)]
#[allow(clippy::large_enum_variant)] // no heap: the model view lives in the sensor
enum Slot<'m> {
    Unloaded,
    Loaded(Model<'m>),
}

/// A streaming valence sensor for models with FFTs up to `MAX_FFT` points,
/// up to `MAX_MELS` bands and layers up to `MAX_WIDTH` wide.
///
/// Two ways to build one. On the host, [`ValenceSensor::new`] returns it by
/// value. On a device, where the sensor is most of the RAM and a copy of it
/// on the stack would double that, [`ValenceSensor::unloaded`] is a `const`
/// empty sensor for a `static` (zero bytes, in `.bss`) and
/// [`ValenceSensor::load`] sets it up in place:
///
/// ```
/// use valence_core::sensor::DefaultSensor;
/// use valence_core::Model;
///
/// // Firmware: `static SENSOR: ConstStaticCell<DefaultSensor<'static>> =
/// //     ConstStaticCell::new(DefaultSensor::unloaded());`, then `SENSOR.take()`.
/// let mut sensor = DefaultSensor::unloaded();
/// assert!(!sensor.is_loaded() && sensor.model().is_none());
/// // Until a model is loaded, samples are consumed and nothing comes out.
/// let mut readings = 0;
/// sensor.push(&[0i16; 1024], |_| readings += 1);
/// assert_eq!(readings, 0);
///
/// /// Sets the sensor up for the model file in flash, then feeds it.
/// fn listen(sensor: &mut DefaultSensor<'static>, file: &'static [u8], samples: &[i16]) {
///     let Ok(model) = Model::from_bytes(file) else { return };
///     if sensor.load(model).is_ok() {
///         sensor.push(samples, |reading| {
///             let _valence = reading.value();
///         });
///     }
/// }
/// ```
///
/// `MAX_CHROMA_FFT` and `MAX_CHROMA_WEIGHTS` size the harmony path (cargo
/// feature `harmony`; unused without it): the largest chroma FFT and the
/// most chroma bank weights. 0, the default, serves mel models only.
pub struct ValenceSensor<
    'm,
    const MAX_FFT: usize,
    const MAX_MELS: usize,
    const MAX_WIDTH: usize,
    const MAX_CHROMA_FFT: usize = 0,
    const MAX_CHROMA_WEIGHTS: usize = 0,
> {
    model: Slot<'m>,
    frontend: FrontEnd<MAX_FFT, MAX_MELS>,
    stats: WindowStats<MAX_MELS>,
    means: [i16; MAX_MELS],
    stds: [i16; MAX_MELS],
    act_a: [i8; MAX_WIDTH],
    act_b: [i8; MAX_WIDTH],
    samples: u64,
    readings: u32,
    #[cfg(feature = "harmony")]
    harmony: HarmonyStream<MAX_CHROMA_FFT, MAX_CHROMA_WEIGHTS>,
    #[cfg(feature = "harmony")]
    onset: OnsetStats<MAX_MELS>,
    #[cfg(feature = "harmony")]
    onset_values: [i16; N_ONSET_FEATURES],
}

impl<
        'm,
        const MAX_FFT: usize,
        const MAX_MELS: usize,
        const MAX_WIDTH: usize,
        const MAX_CHROMA_FFT: usize,
        const MAX_CHROMA_WEIGHTS: usize,
    > ValenceSensor<'m, MAX_FFT, MAX_MELS, MAX_WIDTH, MAX_CHROMA_FFT, MAX_CHROMA_WEIGHTS>
{
    /// Builds a sensor for `model`, checking it against the compiled sizes
    /// ([`ValenceSensor::unloaded`] then [`ValenceSensor::load`]).
    pub fn new(model: Model<'m>) -> Result<Self, SensorError> {
        let mut sensor = Self::unloaded();
        sensor.load(model)?;
        Ok(sensor)
    }

    /// A sensor without a model: it gives no readings until
    /// [`ValenceSensor::load`] succeeds. All zero bytes, and `const`, so it
    /// can initialise a `static` that costs no flash.
    pub const fn unloaded() -> Self {
        ValenceSensor {
            model: Slot::Unloaded,
            frontend: FrontEnd::unloaded(),
            stats: WindowStats::unloaded(),
            means: [0; MAX_MELS],
            stds: [0; MAX_MELS],
            act_a: [0; MAX_WIDTH],
            act_b: [0; MAX_WIDTH],
            samples: 0,
            readings: 0,
            #[cfg(feature = "harmony")]
            harmony: HarmonyStream::unloaded(),
            #[cfg(feature = "harmony")]
            onset: OnsetStats::unloaded(),
            #[cfg(feature = "harmony")]
            onset_values: [0; N_ONSET_FEATURES],
        }
    }

    /// Sets this sensor up for `model` in place, checking it against the
    /// compiled sizes, and starts over (the next reading is index 0). The
    /// front end's tables are computed where they live: nothing the size of
    /// the sensor passes through the stack.
    ///
    /// On error the sensor is unloaded (whatever model it had is dropped):
    /// [`ValenceSensor::is_loaded`] is `false` and it gives no readings until
    /// a later `load` succeeds. A model that reads harmony features is
    /// refused with [`SensorError::HarmonyNotBuilt`] by a build without the
    /// `harmony` feature.
    pub fn load(&mut self, model: Model<'m>) -> Result<(), SensorError> {
        self.model = Slot::Unloaded;
        self.samples = 0;
        self.readings = 0;
        let feature_set = model.feature_set();
        #[cfg(not(feature = "harmony"))]
        if feature_set.has_harmony() {
            return Err(SensorError::HarmonyNotBuilt { feature_set });
        }
        model
            .check_capacity(MAX_FFT, MAX_MELS, MAX_WIDTH)
            .map_err(SensorError::Model)?;
        #[cfg(feature = "harmony")]
        if feature_set.has_harmony() {
            self.harmony
                .load(model.feature_spec(), model.stats_spec())
                .map_err(SensorError::Harmony)?;
        } else {
            self.harmony.unload();
        }
        self.frontend
            .load(model.feature_spec())
            .map_err(SensorError::FrontEnd)?;
        let n_mels = model.feature_spec().n_mels as usize;
        self.stats
            .load(model.stats_spec(), n_mels)
            .map_err(SensorError::Stats)?;
        #[cfg(feature = "harmony")]
        if feature_set.has_onset() {
            self.onset
                .load(model.stats_spec(), n_mels)
                .map_err(SensorError::Stats)?;
        } else {
            self.onset.unload();
        }
        #[cfg(feature = "harmony")]
        self.onset_values.fill(0);
        if n_mels > MAX_MELS {
            return Err(SensorError::Model(ModelError::ExceedsCapacity {
                what: Capacity::MelBands,
                needed: n_mels,
                capacity: MAX_MELS,
            }));
        }
        self.means.fill(0);
        self.stds.fill(0);
        self.act_a.fill(0);
        self.act_b.fill(0);
        self.model = Slot::Loaded(model);
        Ok(())
    }

    /// Whether a model is loaded (the sensor can give readings).
    pub fn is_loaded(&self) -> bool {
        matches!(self.model, Slot::Loaded(_))
    }

    /// The model in use; `None` while the sensor is unloaded.
    pub fn model(&self) -> Option<&Model<'m>> {
        match &self.model {
            Slot::Loaded(model) => Some(model),
            Slot::Unloaded => None,
        }
    }

    /// Forgets everything pushed so far.
    pub fn reset(&mut self) {
        self.frontend.reset();
        self.stats.reset();
        #[cfg(feature = "harmony")]
        self.harmony.reset();
        #[cfg(feature = "harmony")]
        self.onset.reset();
        self.samples = 0;
        self.readings = 0;
    }

    /// The feature vector of the latest reading (`means`, `stds`, Q8.8 dB).
    /// Empty while the sensor is unloaded.
    pub fn features(&self) -> (&[i16], &[i16]) {
        let n = self
            .model()
            .map_or(0, |m| (m.feature_spec().n_mels as usize).min(MAX_MELS));
        (
            self.means.get(..n).unwrap_or(&[]),
            self.stds.get(..n).unwrap_or(&[]),
        )
    }

    /// The harmony values of the latest reading (Q15, see
    /// [`crate::harmony::HarmonyStats::features_q15`]); empty unless the
    /// model reads harmony features.
    #[cfg(feature = "harmony")]
    pub fn harmony_features(&self) -> &[i32] {
        if self.harmony.is_loaded() {
            self.harmony.features()
        } else {
            &[]
        }
    }

    /// The onset values of the latest reading (Q8.8 dB, see
    /// [`crate::onset`]); empty unless the model reads onset features.
    #[cfg(feature = "harmony")]
    pub fn onset_features(&self) -> &[i16] {
        if self.onset.is_loaded() {
            &self.onset_values
        } else {
            &[]
        }
    }

    /// Consumes samples from the front of `input` until a reading is due and
    /// returns it, or consumes all of `input` and returns `None`. An
    /// unloaded sensor consumes all of `input` and returns `None`.
    pub fn next_reading(&mut self, input: &mut &[i16]) -> Option<Reading> {
        let Slot::Loaded(model) = &self.model else {
            *input = &[];
            return None;
        };
        let feature_set = model.feature_set();
        loop {
            let before: &[i16] = input;
            let frame = self.frontend.next_frame(input);
            let consumed = before.len() - input.len();
            self.samples += consumed as u64;
            #[cfg(feature = "harmony")]
            if feature_set.has_harmony() {
                self.harmony.push(before.get(..consumed).unwrap_or(&[]));
            }
            let frame = frame?;
            #[cfg(feature = "harmony")]
            if feature_set.has_onset() {
                // Completes its window on the same frame as the statistics.
                self.onset.push(frame, &mut self.onset_values);
            }
            if self.stats.push(frame, &mut self.means, &mut self.stds) {
                let n = model.n_features();
                let (means, stds) = (&self.means, &self.stds);
                if feature_set == FeatureSet::Mel {
                    if let Some(input_acts) = self.act_a.get_mut(..n) {
                        let n_mels = n / 2;
                        quantize_input(
                            &model.descriptor().input,
                            means.get(..n_mels).unwrap_or(&[]),
                            stds.get(..n_mels).unwrap_or(&[]),
                            input_acts,
                        );
                    }
                } else {
                    // Loaded only when this build computes harmony features.
                    #[cfg(feature = "harmony")]
                    {
                        let harmony = self.harmony.finish_window(feature_set.chroma_order());
                        let n_mels = model.n_mel_features() / 2;
                        let mel = means
                            .get(..n_mels)
                            .unwrap_or(&[])
                            .iter()
                            .chain(stds.get(..n_mels).unwrap_or(&[]))
                            .map(|&v| v as i32);
                        let n_onset = if feature_set.has_onset() {
                            N_ONSET_FEATURES
                        } else {
                            0
                        };
                        let onset = self.onset_values.iter().take(n_onset).map(|&v| v as i32);
                        if let Some(input_acts) = self.act_a.get_mut(..n) {
                            quantize_features(
                                &model.descriptor().input,
                                mel.chain(harmony.iter().copied()).chain(onset),
                                input_acts,
                            );
                        }
                    }
                }
                let value_q16 = infer_with_scratch(
                    model,
                    &mut self.act_a,
                    &mut self.act_b,
                    self.frontend.scratch_mut(),
                );
                let reading = Reading {
                    index: self.readings,
                    end_sample: self.samples,
                    value_q16,
                };
                self.readings = self.readings.wrapping_add(1);
                return Some(reading);
            }
        }
    }

    /// Pushes samples and calls `on_reading` for every reading they complete.
    pub fn push(&mut self, samples: &[i16], mut on_reading: impl FnMut(Reading)) {
        let mut input = samples;
        while let Some(r) = self.next_reading(&mut input) {
            on_reading(r);
        }
    }
}

impl<const A: usize, const B: usize, const C: usize, const D: usize, const E: usize> fmt::Debug
    for ValenceSensor<'_, A, B, C, D, E>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValenceSensor")
            .field("spec", &self.model().map(|m| *m.feature_spec()))
            .field("readings", &self.readings)
            .finish_non_exhaustive()
    }
}

// The RAM goal for the default sensor on 32-bit microcontrollers: under 8 KiB
// (8,016 bytes on thumbv7em-none-eabihf). Checked whenever the core is built
// for a 32-bit target without the harmony path, so CI's embedded builds
// enforce it.
#[cfg(all(target_pointer_width = "32", not(feature = "harmony")))]
const _: () = assert!(core::mem::size_of::<DefaultSensor<'static>>() < 8 * 1024);
