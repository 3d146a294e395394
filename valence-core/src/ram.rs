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
//! The formula is checked at compile time against
//! `size_of::<ValenceSensor<..>>()` for several capacity sets on whatever
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
    Shape::EMPTY
        .field(feature_spec)
        .field(stats_spec)
        .field(input)
        .field(layers)
        .field(label)
        .field(metadata)
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
    // BandAccumulator: sum ([i32; MAX_MELS]), sum_sq ([u64; MAX_MELS]), frames (u16).
    let acc = Shape::EMPTY
        .field(Shape::array(4, 4, max_mels))
        .field(u64_field(t, max_mels))
        .field(int(2))
        .finish();
    // spec, n_mels (usize), acc ([BandAccumulator; 2]), phase (u32).
    Shape::EMPTY
        .field(stats_spec)
        .field(word(t))
        .field(Shape::array(acc.size, acc.align, 2))
        .field(int(4))
        .finish()
}

/// Bytes of a `ValenceSensor<MAX_FFT, MAX_MELS, MAX_WIDTH>` on a target
/// with layout `t` (its `size_of`; the model's blobs stay in flash and are
/// not counted).
///
/// ```
/// use valence_core::ram::{sensor_ram_bytes, TargetLayout};
/// use valence_core::sensor::DefaultSensor;
/// assert_eq!(
///     sensor_ram_bytes(TargetLayout::NATIVE, 512, 64, 256),
///     core::mem::size_of::<DefaultSensor<'static>>()
/// );
/// ```
pub const fn sensor_ram_bytes(
    t: TargetLayout,
    max_fft: usize,
    max_mels: usize,
    max_width: usize,
) -> usize {
    // model (slot), frontend, stats, means and stds ([i16; MAX_MELS]),
    // act_a and act_b ([i8; MAX_WIDTH]), samples (u64), readings (u32).
    let model = model_slot(t);
    let frontend = frontend(t, max_fft, max_mels);
    let stats = window_stats(t, max_mels);
    Shape::EMPTY
        .field(model)
        .field(frontend)
        .field(stats)
        .field(Shape::array(2, 2, max_mels))
        .field(Shape::array(2, 2, max_mels))
        .field(Shape::array(1, 1, max_width))
        .field(Shape::array(1, 1, max_width))
        .field(u64_field(t, 1))
        .field(int(4))
        .finish()
        .size
}

/// Bytes of a `ValenceSensor<MAX_FFT, MAX_MELS, MAX_WIDTH>` on a 32-bit
/// microcontroller ([`TargetLayout::MCU_32BIT`]): the static RAM a device
/// build with these capacities spends on the sensor.
///
/// ```
/// // The default sensor (n_fft 512, 64 bands, widest layer 256).
/// assert_eq!(valence_core::ram::ram_bytes_32bit(512, 64, 256), 8_016);
/// ```
pub const fn ram_bytes_32bit(max_fft: usize, max_mels: usize, max_width: usize) -> usize {
    sensor_ram_bytes(TargetLayout::MCU_32BIT, max_fft, max_mels, max_width)
}

/// Checks the formula against the compiler for one capacity set.
macro_rules! assert_sensor_size {
    ($($fft:literal, $mels:literal, $width:literal);* $(;)?) => {
        $(
            const _: () = assert!(
                sensor_ram_bytes(TargetLayout::NATIVE, $fft, $mels, $width)
                    == size_of::<crate::sensor::ValenceSensor<'static, $fft, $mels, $width>>()
            );
        )*
    };
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
