//! The sensor loop: microphone blocks in, readings out, until the source
//! ends or fails.
//!
//! It owns nothing: the board passes the sensor, the microphone, a sample
//! buffer (its length is the block size: 256 samples, one hop, is a good
//! choice), a [`ReadingSink`] and, where the board has a clock, a
//! [`Stopwatch`]: the loop then tells the sink how long the sensor computed
//! for each reading (the time spent waiting for samples excluded). Nothing in it can panic or allocate — the
//! sensor indexes only within bounds it checked at construction — which the
//! workspace tests verify on the linked firmware (see `tests/`).

use valence_core::{Reading, ValenceSensor};

use crate::microphone::Microphone;

/// Where readings go (defmt, a display, a radio, a test vector).
pub trait ReadingSink {
    /// Called once per reading, in order.
    fn reading(&mut self, reading: &Reading);

    /// Called after each reading with the microseconds the sensor computed
    /// since the previous one, when the loop runs with a [`Stopwatch`].
    fn busy(&mut self, _micros: u64) {}
}

/// A microsecond clock (a free-running timer), for the cost per reading.
pub trait Stopwatch {
    /// Microseconds since some fixed instant; wrapping is not expected.
    fn micros(&mut self) -> u64;
}

/// No clock: the loop reports no cost.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStopwatch;

impl Stopwatch for NoStopwatch {
    fn micros(&mut self) -> u64 {
        0
    }
}

impl<F: FnMut(&Reading)> ReadingSink for F {
    fn reading(&mut self, reading: &Reading) {
        self(reading)
    }
}

/// How a finished loop ended: totals since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LoopEnd {
    /// Samples read from the microphone.
    pub samples: u64,
    /// Readings delivered to the sink.
    pub readings: u32,
}

/// Reads `mic` block by block into `buf`, pushes every block through
/// `sensor` and hands each reading to `sink`. Returns when the microphone
/// delivers no more samples (a finite source) or fails; a live microphone
/// keeps it running for ever.
#[inline]
pub fn run<
    M,
    S,
    const MAX_FFT: usize,
    const MAX_MELS: usize,
    const MAX_WIDTH: usize,
    const MAX_CHROMA_FFT: usize,
    const MAX_CHROMA_WEIGHTS: usize,
>(
    sensor: &mut ValenceSensor<
        '_,
        MAX_FFT,
        MAX_MELS,
        MAX_WIDTH,
        MAX_CHROMA_FFT,
        MAX_CHROMA_WEIGHTS,
    >,
    mic: &mut M,
    buf: &mut [i16],
    sink: &mut S,
) -> Result<LoopEnd, M::Error>
where
    M: Microphone,
    S: ReadingSink,
{
    run_timed(sensor, mic, buf, sink, &mut NoStopwatch)
}

/// [`run`], timing the sensor with `clock`: after each reading the sink's
/// [`ReadingSink::busy`] gets the microseconds spent in the sensor since the
/// previous reading.
#[inline(never)]
pub fn run_timed<
    M,
    S,
    C,
    const MAX_FFT: usize,
    const MAX_MELS: usize,
    const MAX_WIDTH: usize,
    const MAX_CHROMA_FFT: usize,
    const MAX_CHROMA_WEIGHTS: usize,
>(
    sensor: &mut ValenceSensor<
        '_,
        MAX_FFT,
        MAX_MELS,
        MAX_WIDTH,
        MAX_CHROMA_FFT,
        MAX_CHROMA_WEIGHTS,
    >,
    mic: &mut M,
    buf: &mut [i16],
    sink: &mut S,
    clock: &mut C,
) -> Result<LoopEnd, M::Error>
where
    M: Microphone,
    S: ReadingSink,
    C: Stopwatch,
{
    let mut end = LoopEnd::default();
    let mut busy = 0u64;
    loop {
        let n = mic.read(buf)?;
        let mut block = buf.get(..n).unwrap_or(buf);
        if block.is_empty() {
            return Ok(end);
        }
        end.samples += block.len() as u64;
        let mut started = clock.micros();
        while let Some(r) = sensor.next_reading(&mut block) {
            let now = clock.micros();
            busy = busy.wrapping_add(now.wrapping_sub(started));
            end.readings = end.readings.wrapping_add(1);
            sink.reading(&r);
            sink.busy(busy);
            busy = 0;
            started = clock.micros();
        }
        busy = busy.wrapping_add(clock.micros().wrapping_sub(started));
    }
}
