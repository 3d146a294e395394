//! Exact pacing from the RP2040's free-running microsecond timer: sample
//! `n` is due at `start + n·10^6 / rate` µs (the remainder carried, so
//! 16 kHz averages exactly 62.5 µs), however long a conversion took.

use core::num::NonZeroU32;

use rp2040_hal::Timer;
use valence_firmware::Pacer;

/// Waits for absolute sample deadlines on the RP2040 timer.
pub struct TimerPacer {
    timer: Timer,
    rate: NonZeroU32,
    due_us: u64,
    remainder: u32,
}

impl TimerPacer {
    /// Paces at `rate` Hz from now.
    pub fn new(timer: Timer, rate: u32) -> Self {
        TimerPacer {
            due_us: timer.get_counter().ticks(),
            timer,
            rate: NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN),
            remainder: 0,
        }
    }
}

impl Pacer for TimerPacer {
    fn wait(&mut self) {
        while self.timer.get_counter().ticks() < self.due_us {}
        let step = self.remainder + 1_000_000;
        self.due_us += (step / self.rate) as u64;
        self.remainder = step % self.rate;
    }
}
