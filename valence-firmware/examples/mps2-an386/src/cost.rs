//! The cost-measurement pass, for an instruction-counting QEMU plugin.
//!
//! Each measured region lies between two marker functions, `*_begin` and
//! `*_end` (never inlined, distinct bodies so the linker cannot merge them);
//! the plugin finds them by name in the ELF and adds up the instructions
//! executed between each begin and the following end. Regions:
//!
//! - `empty`: nothing between the markers, once: the markers' own overhead,
//!   which the host subtracts from every other region's count.
//! - `sensor`: `ValenceSensor::push` on each block of the whole file — what
//!   the device spends per second of audio.
//! - `mlp`: `mlp::infer_with_scratch` (as the sensor runs it) on the last
//!   reading's features, 16 times.
//! - `frontend`: `FrontEnd::next_frame` for one hop of new samples, once per
//!   frame over the whole file (after the first `n_fft − hop` samples).
//! - `harmony` (models with harmony features only): the harmony path alone,
//!   a `HarmonyStream` (chroma FFT, bank, window sums) fed the whole file
//!   block by block and finishing each window (mean chroma, key clarity)
//!   where the sensor does.
//!
//! It prints `cost SAMPLES FRAMES READINGS INFERENCES MACS HARMONY_SAMPLES`
//! for the host (`HARMONY_SAMPLES` 0 for a mel model).

use core::hint::black_box;

use semihosting::println;
use valence_core::chroma_stream::WEIGHTS_2048_16K;
use valence_core::harmony_stream::HarmonyStream;
use valence_core::mlp::{infer_with_scratch, quantize_input};
use valence_core::sensor::DefaultHarmonySensor;
use valence_core::FrontEnd;
use valence_firmware::Microphone;

use crate::file_microphone::FileMicrophone;

/// Inferences timed in the `mlp` region.
const INFERENCES: u32 = 16;

macro_rules! markers {
    ($($name:ident = $tag:expr;)*) => {
        $(
            #[inline(never)]
            fn $name() {
                black_box($tag);
            }
        )*
    };
}

markers! {
    valence_mark_empty_begin = 0x1001u32;
    valence_mark_empty_end = 0x1002u32;
    valence_mark_sensor_begin = 0x2001u32;
    valence_mark_sensor_end = 0x2002u32;
    valence_mark_mlp_begin = 0x3001u32;
    valence_mark_mlp_end = 0x3002u32;
    valence_mark_frontend_begin = 0x4001u32;
    valence_mark_frontend_end = 0x4002u32;
    valence_mark_harmony_begin = 0x5001u32;
    valence_mark_harmony_end = 0x5002u32;
}

/// Runs the three measurements on the samples of `path`; `None` on an I/O
/// error. Never inlined, so its buffers are not on the stack of a plain run.
#[inline(never)]
pub fn measure(
    sensor: &mut DefaultHarmonySensor<'static>,
    mic: &mut FileMicrophone,
    path: &[u8],
) -> Option<()> {
    valence_mark_empty_begin();
    valence_mark_empty_end();

    // The whole sensor, block by block.
    let mut buf = [0i16; 512];
    let (mut samples, mut readings) = (0u64, 0u32);
    loop {
        let n = mic.read(&mut buf).ok()?;
        let block = buf.get(..n).unwrap_or(&[]);
        if block.is_empty() {
            break;
        }
        samples += n as u64;
        valence_mark_sensor_begin();
        sensor.push(block, |_| readings += 1);
        valence_mark_sensor_end();
    }

    // The network alone, on the last reading's features.
    let model = sensor.model()?;
    let mut input = [0i8; 256];
    let (means, stds) = sensor.features();
    // (For a harmony model these are not its inputs; any int8 vector costs
    // the network the same.)
    quantize_input(&model.descriptor().input, means, stds, &mut input);
    let mut b = [0i8; 256];
    // The sensor lends its front end's work buffer; here a buffer of the same size.
    let mut scratch = [0i32; 512];
    let mut checksum = 0i32;
    for _ in 0..INFERENCES {
        let mut a = input;
        valence_mark_mlp_begin();
        checksum = checksum.wrapping_add(infer_with_scratch(model, &mut a, &mut b, &mut scratch));
        valence_mark_mlp_end();
    }
    black_box(checksum);

    // The front end alone, one hop per frame.
    let spec = *model.feature_spec();
    let mut fe = FrontEnd::<512, 64>::new(&spec).ok()?;
    let (n_fft, hop) = (spec.n_fft as usize, spec.hop as usize);
    let mut mic = FileMicrophone::open(path, mic.sample_rate())?;
    let prime = buf.get_mut(..n_fft - hop)?;
    if mic.read(prime).ok()? < prime.len() {
        return None;
    }
    let mut input: &[i16] = prime;
    if fe.next_frame(&mut input).is_some() {
        return None;
    }
    let mut frames = 0u32;
    loop {
        let block = buf.get_mut(..hop)?;
        if mic.read(block).ok()? < hop {
            break;
        }
        let mut input: &[i16] = block;
        valence_mark_frontend_begin();
        let frame = fe.next_frame(&mut input).is_some();
        valence_mark_frontend_end();
        frames += frame as u32;
    }
    let harmony_samples = if model.feature_set().has_harmony() {
        harmony(model, path, mic.sample_rate(), &mut buf)?
    } else {
        0
    };
    println!(
        "cost {} {} {} {} {} {}",
        samples,
        frames,
        readings,
        INFERENCES,
        model.macs(),
        harmony_samples
    );
    Some(())
}

/// The `harmony` region over the file: returns the samples pushed. Never
/// inlined: the stream (the chroma path's buffers) lives on this frame only.
#[inline(never)]
fn harmony(
    model: &valence_core::Model<'_>,
    path: &[u8],
    rate: u32,
    buf: &mut [i16; 512],
) -> Option<u64> {
    let mut stream = HarmonyStream::<2048, WEIGHTS_2048_16K>::unloaded();
    stream.load(model.feature_spec(), model.stats_spec()).ok()?;
    let mut mic = FileMicrophone::open(path, rate)?;
    let (mut samples, mut next_end) = (0u64, stream.window_samples());
    let mut checksum = 0i32;
    loop {
        let n = mic.read(buf).ok()?;
        let block = buf.get(..n).unwrap_or(&[]);
        if block.is_empty() {
            break;
        }
        valence_mark_harmony_begin();
        // Window ends inside the block split it, as in the sensor.
        let mut rest = block;
        while samples + rest.len() as u64 >= next_end {
            let take = (next_end - samples) as usize;
            let (head, tail) = rest.split_at(take.min(rest.len()));
            stream.push(head);
            samples += head.len() as u64;
            rest = tail;
            checksum =
                checksum.wrapping_add(stream.finish_window(model.feature_set().chroma_order())[14]);
            next_end += stream.step();
        }
        stream.push(rest);
        samples += rest.len() as u64;
        valence_mark_harmony_end();
    }
    black_box(checksum);
    Some(samples)
}
