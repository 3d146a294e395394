//! The RAM a [`ValenceSensor`] takes on a target, computed from its fields.
//!
//! A sensor's size depends on its three capacities and on the target: the
//! model it holds is made of slices (two pointer-sized words each), its
//! counters are `usize`, and `u64` fields set the struct's alignment. The
//! host needs the figure for a *device* (`valence inspect` reports it for a
//! sensor sized exactly for a model), so it cannot ask `size_of` on the
//! workstation: [`sensor_ram_bytes`] adds up the fields of the sensor and of
//! every struct inside it, as Rust lays them out (fields ordered by
//! decreasing alignment, so no padding between them, then the size rounded
//! up to the largest alignment), for a target described by a
//! [`TargetLayout`].
//!
//! With valence-core's `harmony` feature the sensor also holds a harmony
//! path sized by two more capacities ([`harmony_sensor_ram_bytes`]);
//! [`sensor_ram_bytes`] is the sensor of a build without it.
//!
//! The formula of the build (with or without the feature) is checked at
//! compile time against `size_of::<ValenceSensor<..>>()` for several capacity sets on whatever
//! target the core is built for — the workstation and, in CI, thumbv6m,
//! thumbv7em and riscv32 — so a field added to the sensor without updating
//! the formula breaks the build.

use core::mem::{align_of, size_of};

use crate::spec::FeatureSpec;
use crate::stats::StatsSpec;
#[cfg(doc)]
use crate::ValenceSensor;

/// What a target's data layout changes in a sensor's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetLayout {
    /// Bytes of a pointer and of `usize` (a slice is two of them).
    pub pointer_bytes: usize,
    /// Alignment of `u64` in bytes.
    pub u64_align: usize,
}

impl TargetLayout {
    /// 32-bit microcontrollers: Cortex-M (thumbv6m, thumbv7m, thumbv7em,
    /// thumbv8m; the ARM EABI aligns `u64` to 8 bytes) and RISC-V (riscv32,
    /// likewise).
    pub const MCU_32BIT: TargetLayout = TargetLayout {
        pointer_bytes: 4,
        u64_align: 8,
    };

    /// The target this crate is being compiled for.
    pub const NATIVE: TargetLayout = TargetLayout {
        pointer_bytes: size_of::<usize>(),
        u64_align: align_of::<u64>(),
    };
}

/// Size and alignment of a struct being added up.
#[derive(Clone, Copy)]
struct Shape {
    size: usize,
    align: usize,
}

impl Shape {
    const EMPTY: Shape = Shape { size: 0, align: 1 };

    /// `count` values of `size` bytes aligned to `align` (an array).
    const fn array(size: usize, align: usize, count: usize) -> Shape {
        Shape {
            size: size * count,
            align,
        }
    }

    /// One value of a primitive or pointer type.
    const fn one(size: usize, align: usize) -> Shape {
        Shape::array(size, align, 1)
    }

    /// The struct with one more field.
    const fn field(self, f: Shape) -> Shape {
        Shape {
            size: self.size + f.size,
            align: if f.align > self.align {
                f.align
            } else {
                self.align
            },
        }
    }

    /// The finished struct: size rounded up to its alignment.
    const fn finish(self) -> Shape {
        Shape {
            size: self.size.div_ceil(self.align) * self.align,
            align: self.align,
        }
    }
}

const fn int(bytes: usize) -> Shape {
    Shape::one(bytes, bytes)
}

const fn word(t: TargetLayout) -> Shape {
    Shape::one(t.pointer_bytes, t.pointer_bytes)
}

const fn slice(t: TargetLayout) -> Shape {
    Shape::array(t.pointer_bytes, t.pointer_bytes, 2)
}

const fn u64_field(t: TargetLayout, count: usize) -> Shape {
    Shape::array(8, t.u64_align, count)
}

/// `Model` = `ModelDescriptor`: specs, input normalisation, up to
/// [`crate::model::MAX_LAYERS`] layers, label, metadata.
const fn model(t: TargetLayout) -> Shape {
    // FeatureSpec and StatsSpec hold no pointers, `usize` or `u64`: their
    // layout is the same everywhere.
    let feature_spec = Shape::one(size_of::<FeatureSpec>(), align_of::<FeatureSpec>());
    let stats_spec = Shape::one(size_of::<StatsSpec>(), align_of::<StatsSpec>());
    // InputNorm: offset, multiplier, shift (slices), zero_point (i8).
    let input = Shape::EMPTY
        .field(slice(t))
        .field(slice(t))
        .field(slice(t))
        .field(int(1))
        .finish();
    // Layer: inputs, outputs (u16), activation (one-byte enum),
    // output_zero_point (i32), weights, bias, multiplier, shift (slices).
    let layer = Shape::EMPTY
        .field(int(2))
        .field(int(2))
        .field(int(1))
        .field(int(4))
        .field(slice(t))
        .field(slice(t))
        .field(slice(t))
        .field(slice(t))
        .finish();
    // heapless::Vec<Layer, MAX_LAYERS>: length (usize) and the array.
    let layers = Shape::EMPTY
        .field(word(t))
        .field(Shape::array(
            layer.size,
            layer.align,
            crate::model::MAX_LAYERS,
        ))
        .finish();
    // Label: name (&str), min, max (f32).
    let label = Shape::EMPTY
        .field(slice(t))
        .field(int(4))
        .field(int(4))
        .finish();
    // Metadata: created_unix_s (u64), data_fingerprint (slice),
    // val_mse_float, val_mse_int8 (f32), notes (&str).
    let metadata = Shape::EMPTY
        .field(u64_field(t, 1))
        .field(slice(t))
        .field(int(4))
        .field(int(4))
        .field(slice(t))
        .finish();
    // feature_set: a one-byte enum.
    Shape::EMPTY
        .field(feature_spec)
        .field(stats_spec)
        .field(input)
        .field(layers)
        .field(label)
        .field(metadata)
        .field(int(1))
        .finish()
}

/// The sensor's model slot: a `repr(u8)` enum, `Unloaded` or `Loaded(Model)`,
/// laid out as a tag byte, padding up to the model's alignment, the model.
const fn model_slot(t: TargetLayout) -> Shape {
    let model = model(t);
    Shape {
        size: model.align + model.size,
        align: model.align,
    }
}

/// `FrontEnd<MAX_FFT, MAX_MELS>` with its `Filterbank`.
const fn frontend(t: TargetLayout, max_fft: usize, max_mels: usize) -> Shape {
    let feature_spec = Shape::one(size_of::<FeatureSpec>(), align_of::<FeatureSpec>());
    // Filterbank: first_bin (u16), edges ([u16; MAX_MELS]), end_bin (u16),
    // band_log2_q24 ([i32; MAX_MELS]), n_mels, n_bins (usize).
    let bank = Shape::EMPTY
        .field(int(2))
        .field(Shape::array(2, 2, max_mels))
        .field(int(2))
        .field(Shape::array(4, 4, max_mels))
        .field(word(t))
        .field(word(t))
        .finish();
    // spec, log2_n (u32), n_fft, hop, n_mels (usize), floor_q8 (i16),
    // samples ([i16; MAX_FFT]), fill (usize), frames (u64),
    // work ([i32; MAX_FFT]), tables ([u16; MAX_FFT]), bank,
    // bands ([u64; MAX_MELS]), frame ([i16; MAX_MELS]).
    Shape::EMPTY
        .field(feature_spec)
        .field(int(4))
        .field(word(t))
        .field(word(t))
        .field(word(t))
        .field(int(2))
        .field(Shape::array(2, 2, max_fft))
        .field(word(t))
        .field(u64_field(t, 1))
        .field(Shape::array(4, 4, max_fft))
        .field(Shape::array(2, 2, max_fft))
        .field(bank)
        .field(u64_field(t, max_mels))
        .field(Shape::array(2, 2, max_mels))
        .finish()
}

/// `WindowStats<MAX_MELS>` with its two `BandAccumulator`s.
const fn window_stats(t: TargetLayout, max_mels: usize) -> Shape {
    let stats_spec = Shape::one(size_of::<StatsSpec>(), align_of::<StatsSpec>());
    // spec, n_mels (usize), hops.
    Shape::EMPTY
        .field(stats_spec)
        .field(word(t))
        .field(hop_sums(t, max_mels))
        .finish()
}

/// `HopSums<N>`: two `BandAccumulator<N>`s and the phase (u32).
const fn hop_sums(t: TargetLayout, n: usize) -> Shape {
    // BandAccumulator: sum ([i32; N]), sum_sq ([u64; N]), frames (u16).
    let acc = Shape::EMPTY
        .field(Shape::array(4, 4, n))
        .field(u64_field(t, n))
        .field(int(2))
        .finish();
    Shape::EMPTY
        .field(Shape::array(acc.size, acc.align, 2))
        .field(int(4))
        .finish()
}

/// `HarmonyStream<MAX_CHROMA_FFT, MAX_CHROMA_WEIGHTS>`: its `ChromaStream`
/// and `ChromaBank`, the window accumulators and counters.
const fn harmony_stream(t: TargetLayout, max_fft: usize, max_weights: usize) -> Shape {
    use crate::chroma::{ChromaSpec, N_CHROMA};
    use crate::harmony::N_HARMONY_FEATURES;
    use crate::harmony_stream::HARMONY_SLOTS;
    let chroma_spec = Shape::one(size_of::<ChromaSpec>(), align_of::<ChromaSpec>());
    // ChromaBank: weights ([u16; MAX_WEIGHTS]), n_weights, n_bins (usize),
    // scale (f64, aligned like u64).
    let bank = Shape::EMPTY
        .field(Shape::array(2, 2, max_weights))
        .field(word(t))
        .field(word(t))
        .field(u64_field(t, 1))
        .finish();
    // ChromaStream: spec, log2_n (u32), n_fft, hop (usize), samples
    // ([i16; MAX_FFT]), fill (usize), frames (u64), work ([i32; MAX_FFT]),
    // tables ([u16; MAX_FFT]), bank, frame ([u16; 12]).
    let chroma = Shape::EMPTY
        .field(chroma_spec)
        .field(int(4))
        .field(word(t))
        .field(word(t))
        .field(Shape::array(2, 2, max_fft))
        .field(word(t))
        .field(u64_field(t, 1))
        .field(Shape::array(4, 4, max_fft))
        .field(Shape::array(2, 2, max_fft))
        .field(bank)
        .field(Shape::array(2, 2, N_CHROMA))
        .finish();
    // HarmonyWindow: sums ([u64; 12]), frames (u32).
    let window = Shape::EMPTY
        .field(u64_field(t, N_CHROMA))
        .field(int(4))
        .finish();
    // chroma, windows, window_samples, step, next_window (u64), slots
    // (usize), features ([i32; 15]).
    Shape::EMPTY
        .field(chroma)
        .field(Shape::array(window.size, window.align, HARMONY_SLOTS))
        .field(u64_field(t, 3))
        .field(word(t))
        .field(Shape::array(4, 4, N_HARMONY_FEATURES))
        .finish()
}

/// `OnsetStats<MAX_MELS>`: its `BlockFlux`, the two per-hop sums and counters.
const fn onset_stats(t: TargetLayout, max_mels: usize) -> Shape {
    // BlockFlux: sum ([i32; MAX_MELS]), previous ([i16; MAX_MELS]), n_mels,
    // in_block (u16), have_previous (bool).
    let flux = Shape::EMPTY
        .field(Shape::array(4, 4, max_mels))
        .field(Shape::array(2, 2, max_mels))
        .field(int(2))
        .field(int(2))
        .field(int(1))
        .finish();
    // flux, hops (HopSums<1>), hop_frames (u16), overlap (u8),
    // frames_in_hop (u16).
    Shape::EMPTY
        .field(flux)
        .field(hop_sums(t, 1))
        .field(int(2))
        .field(int(1))
        .field(int(2))
        .finish()
}

/// The sensor's fields, with the harmony path when `harmony` is given
/// (`(MAX_CHROMA_FFT, MAX_CHROMA_WEIGHTS)` of a build with the `harmony`
/// feature).
const fn sensor_shape(
    t: TargetLayout,
    max_fft: usize,
    max_mels: usize,
    max_width: usize,
    harmony: Option<(usize, usize)>,
) -> usize {
    // model (slot), frontend, stats, means and stds ([i16; MAX_MELS]),
    // act_a and act_b ([i8; MAX_WIDTH]), samples (u64), readings (u32),
    // with the feature the harmony stream, the onset statistics and their
    // values ([i16; 2]).
    let model = model_slot(t);
    let frontend = frontend(t, max_fft, max_mels);
    let stats = window_stats(t, max_mels);
    let shape = Shape::EMPTY
        .field(model)
        .field(frontend)
        .field(stats)
        .field(Shape::array(2, 2, max_mels))
        .field(Shape::array(2, 2, max_mels))
        .field(Shape::array(1, 1, max_width))
        .field(Shape::array(1, 1, max_width))
        .field(u64_field(t, 1))
        .field(int(4));
    let shape = match harmony {
        Some((chroma_fft, weights)) => shape
            .field(harmony_stream(t, chroma_fft, weights))
            .field(onset_stats(t, max_mels))
            .field(Shape::array(2, 2, crate::onset::N_ONSET_FEATURES)),
        None => shape,
    };
    shape.finish().size
}

/// Bytes of a `ValenceSensor<MAX_FFT, MAX_MELS, MAX_WIDTH, MAX_CHROMA_FFT,
/// MAX_CHROMA_WEIGHTS>` built with valence-core's `harmony` feature, on a
/// target with layout `t` (the sensor that serves models with harmony
/// features; with chroma capacities 0 it still carries the harmony path's
/// counters and accumulators).
pub const fn harmony_sensor_ram_bytes(
    t: TargetLayout,
    max_fft: usize,
    max_mels: usize,
    max_width: usize,
    max_chroma_fft: usize,
    max_chroma_weights: usize,
) -> usize {
    sensor_shape(
        t,
        max_fft,
        max_mels,
        max_width,
        Some((max_chroma_fft, max_chroma_weights)),
    )
}

/// [`harmony_sensor_ram_bytes`] on a 32-bit microcontroller.
///
/// ```
/// // The default sensor with the default chroma path (2048-point FFT, 16 kHz).
/// use valence_core::chroma_stream::WEIGHTS_2048_16K;
/// let bytes = valence_core::ram::harmony_ram_bytes_32bit(512, 64, 256, 2048, WEIGHTS_2048_16K);
/// assert!(bytes > valence_core::ram::ram_bytes_32bit(512, 64, 256) + 20_000);
/// ```
pub const fn harmony_ram_bytes_32bit(
    max_fft: usize,
    max_mels: usize,
    max_width: usize,
    max_chroma_fft: usize,
    max_chroma_weights: usize,
) -> usize {
    harmony_sensor_ram_bytes(
        TargetLayout::MCU_32BIT,
        max_fft,
        max_mels,
        max_width,
        max_chroma_fft,
        max_chroma_weights,
    )
}

/// Bytes of a `ValenceSensor<MAX_FFT, MAX_MELS, MAX_WIDTH>` built without
/// valence-core's `harmony` feature (the build for mel models) on a target
/// with layout `t` (its `size_of` there; the model's blobs stay in flash
/// and are not counted).
///
/// ```
/// use valence_core::ram::{harmony_sensor_ram_bytes, sensor_ram_bytes, TargetLayout};
/// use valence_core::sensor::DefaultSensor;
/// let size = core::mem::size_of::<DefaultSensor<'static>>();
/// if cfg!(feature = "harmony") {
///     assert_eq!(harmony_sensor_ram_bytes(TargetLayout::NATIVE, 512, 64, 256, 0, 0), size);
/// } else {
///     assert_eq!(sensor_ram_bytes(TargetLayout::NATIVE, 512, 64, 256), size);
/// }
/// ```
pub const fn sensor_ram_bytes(
    t: TargetLayout,
    max_fft: usize,
    max_mels: usize,
    max_width: usize,
) -> usize {
    sensor_shape(t, max_fft, max_mels, max_width, None)
}

/// Bytes of a `ValenceSensor<MAX_FFT, MAX_MELS, MAX_WIDTH>` on a 32-bit
/// microcontroller ([`TargetLayout::MCU_32BIT`]) built without the
/// `harmony` feature: the static RAM a device build for mel models with
/// these capacities spends on the sensor.
///
/// ```
/// // The default sensor (n_fft 512, 64 bands, widest layer 256).
/// assert_eq!(valence_core::ram::ram_bytes_32bit(512, 64, 256), 8_016);
/// ```
pub const fn ram_bytes_32bit(max_fft: usize, max_mels: usize, max_width: usize) -> usize {
    sensor_ram_bytes(TargetLayout::MCU_32BIT, max_fft, max_mels, max_width)
}

/// Checks the formula against the compiler for one capacity set (the
/// formula of the build: with or without the `harmony` feature).
macro_rules! assert_sensor_size {
    ($($fft:literal, $mels:literal, $width:literal);* $(;)?) => {
        $(
            #[cfg(not(feature = "harmony"))]
            const _: () = assert!(
                sensor_ram_bytes(TargetLayout::NATIVE, $fft, $mels, $width)
                    == size_of::<crate::sensor::ValenceSensor<'static, $fft, $mels, $width>>()
            );
            #[cfg(feature = "harmony")]
            const _: () = assert!(
                harmony_sensor_ram_bytes(TargetLayout::NATIVE, $fft, $mels, $width, 0, 0)
                    == size_of::<crate::sensor::ValenceSensor<'static, $fft, $mels, $width>>()
            );
        )*
    };
}

/// Checks the harmony formula against the compiler for chroma capacities.
#[cfg(feature = "harmony")]
macro_rules! assert_harmony_sensor_size {
    ($($fft:literal, $mels:literal, $width:literal, $cfft:literal, $cw:literal);* $(;)?) => {
        $(
            const _: () = assert!(
                harmony_sensor_ram_bytes(TargetLayout::NATIVE, $fft, $mels, $width, $cfft, $cw)
                    == size_of::<
                        crate::sensor::ValenceSensor<'static, $fft, $mels, $width, $cfft, $cw>,
                    >()
            );
        )*
    };
}

#[cfg(feature = "harmony")]
assert_harmony_sensor_size! {
    512, 64, 256, 2048, 4992;
    256, 40, 24, 1024, 2501;
    4096, 256, 1024, 4096, 9856;
    512, 63, 255, 2048, 4993;
}

// Capacities from the smallest sensible build to the host's generous one,
// with odd band counts and widths so that tail padding is exercised.
assert_sensor_size! {
    64, 1, 1;
    256, 40, 24;
    512, 64, 256;
    512, 63, 255;
    1024, 128, 129;
    2048, 128, 512;
    4096, 256, 1024;
}

// On 32-bit targets NATIVE must be the layout `ram_bytes_32bit` assumes
// (true of thumbv6m, thumbv7em and riscv32, which CI builds).
#[cfg(target_pointer_width = "32")]
const _: () = assert!(
    TargetLayout::NATIVE.pointer_bytes == TargetLayout::MCU_32BIT.pointer_bytes
        && TargetLayout::NATIVE.u64_align == TargetLayout::MCU_32BIT.u64_align
);
