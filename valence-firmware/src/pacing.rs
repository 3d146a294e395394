//! Pacing: one sample every `1/fs` seconds.
//!
//! The sampling loop calls [`Pacer::wait`] before each conversion. A board
//! with a free-running timer paces exactly against absolute deadlines (see
//! the RP2040 example); any HAL can use [`DelayPacer`], which waits a fixed
//! time from an embedded-hal [`DelayNs`] after each conversion — the real
//! rate is then `1 / (delay + conversion time)`, so the delay is the sample
//! period minus a measured per-sample overhead.

use embedded_hal::delay::DelayNs;

/// Waits until the next sample is due.
pub trait Pacer {
    /// Returns when the next conversion should start.
    fn wait(&mut self);
}

/// Never waits: samples as fast as the bus allows (for tests and for
/// sources that pace themselves).
#[derive(Debug, Clone, Copy, Default)]
pub struct Unpaced;

impl Pacer for Unpaced {
    fn wait(&mut self) {}
}

/// Paces with a fixed delay per sample from a [`DelayNs`].
#[derive(Debug)]
pub struct DelayPacer<D> {
    delay: D,
    gap_ns: u32,
}

impl<D: DelayNs> DelayPacer<D> {
    /// Paces at `sample_rate` Hz, given that a conversion and its processing
    /// take `overhead_ns`: each wait is `10^9 / sample_rate − overhead_ns`
    /// nanoseconds (0 if the overhead is larger, or if the rate is 0).
    pub fn new(delay: D, sample_rate: u32, overhead_ns: u32) -> Self {
        let period = 1_000_000_000u32.checked_div(sample_rate).unwrap_or(0);
        DelayPacer {
            delay,
            gap_ns: period.saturating_sub(overhead_ns),
        }
    }

    /// Gives the delay back.
    pub fn release(self) -> D {
        self.delay
    }

    /// The wait per sample, in nanoseconds.
    pub fn gap_ns(&self) -> u32 {
        self.gap_ns
    }
}

impl<D: DelayNs> Pacer for DelayPacer<D> {
    fn wait(&mut self) {
        if self.gap_ns > 0 {
            self.delay.delay_ns(self.gap_ns);
        }
    }
}
