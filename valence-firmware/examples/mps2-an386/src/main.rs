//! valence on the emulated Arm MPS2 AN386 board (Cortex-M4F) under QEMU.
//!
//! The "microphone" is a file of raw little-endian `i16` samples on the
//! host, read through semihosting; output goes to the host's stdout and the
//! exit status says how it went. Arguments (QEMU's
//! `-semihosting-config enable=on,target=native,arg=...`):
//!
//! ```text
//! valence-mps2-an386 run  SAMPLES.i16 RATE    every reading: `reading INDEX END_SAMPLE VALUE_Q16`
//! valence-mps2-an386 cost SAMPLES.i16 RATE    the cost-measurement pass (see `cost`)
//! ```
//!
//! Exit status: 0 done, 2 bad model (or one that does not fit, or a rate
//! the model was not trained at), 3 bad arguments, 4 host I/O error.
//!
//! Built with the harmony path (valence-core's `harmony` feature): the
//! sensor serves mel models and models that read harmony features.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

mod cost;
mod file_microphone;

use cortex_m as _; // the critical-section implementation
use cortex_m_rt::entry;
use semihosting::{eprintln, println, process};
use static_cell::ConstStaticCell;
use valence_core::sensor::DefaultHarmonySensor;
use valence_core::Reading;

use crate::file_microphone::FileMicrophone;

/// The model file chosen at build time, read in place.
static MODEL: &[u8] = valence_firmware::include_model!();

/// The sensor lives in a static: unloaded, it is all zero bytes (in `.bss`,
/// no initialiser in flash), and `start_in_place` sets it up where it lies,
/// with no copy of it on the stack. Sized for the default spec and the
/// default chroma path (2048-point FFT): it serves mel models and models
/// with harmony features.
static SENSOR: ConstStaticCell<DefaultHarmonySensor<'static>> =
    ConstStaticCell::new(DefaultHarmonySensor::unloaded());

/// Exit status: the input was processed.
const EXIT_OK: i32 = 0;
/// Exit status: the model was refused at start-up.
const EXIT_BAD_MODEL: i32 = 2;
/// Exit status: the arguments are wrong.
const EXIT_USAGE: i32 = 3;
/// Exit status: the host file could not be read.
const EXIT_IO: i32 = 4;

/// Samples per block the microphone delivers (one hop of the default spec).
const BLOCK: usize = 256;

#[entry]
fn main() -> ! {
    process::exit(run())
}

/// What the command line asks for.
struct Args {
    cost: bool,
    path: [u8; 512],
    rate: u32,
}

fn parse_args() -> Option<Args> {
    let args = semihosting::experimental::env::args::<1024>().ok()?;
    let mut it = &args;
    let _program = it.next()?;
    let cost = match it.next()?.ok()? {
        "run" => false,
        "cost" => true,
        _ => return None,
    };
    let file = it.next()?.ok()?.as_bytes();
    let rate = it.next()?.ok()?.parse().ok()?;
    let mut path = [0u8; 512];
    path.get_mut(..file.len())?.copy_from_slice(file);
    if file.len() >= path.len() || file.contains(&0) {
        return None;
    }
    Some(Args { cost, path, rate })
}

fn run() -> i32 {
    let Some(args) = parse_args() else {
        eprintln!("usage: valence-mps2-an386 run|cost SAMPLES.i16 RATE");
        return EXIT_USAGE;
    };
    let sensor = SENSOR.take();
    if let Err(e) = valence_firmware::start_in_place(sensor, MODEL, args.rate) {
        eprintln!("valence: {e}; halting");
        return EXIT_BAD_MODEL;
    }
    println!(
        "model ok: {} bytes, {} MACs per inference",
        MODEL.len(),
        sensor.model().map_or(0, |m| m.macs())
    );
    let Some(mut mic) = FileMicrophone::open(&args.path, args.rate) else {
        eprintln!("valence: cannot open the samples file");
        return EXIT_IO;
    };
    if args.cost {
        return match cost::measure(sensor, &mut mic, &args.path) {
            Some(()) => EXIT_OK,
            None => EXIT_IO,
        };
    }
    let mut buf = [0i16; BLOCK];
    let mut sink = |r: &Reading| println!("reading {} {} {}", r.index, r.end_sample, r.value_q16);
    match valence_firmware::run(sensor, &mut mic, &mut buf, &mut sink) {
        Ok(end) => {
            println!("done {} samples, {} readings", end.samples, end.readings);
            EXIT_OK
        }
        Err(e) => {
            eprintln!("valence: reading the samples file failed: {e:?}");
            EXIT_IO
        }
    }
}
