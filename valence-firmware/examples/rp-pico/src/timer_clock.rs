//! The RP2040's free-running 64-bit microsecond timer as the sensor loop's
//! [`Stopwatch`]: the cost of each reading in microseconds.

use rp2040_hal::Timer;
use valence_firmware::Stopwatch;

/// Microseconds from the RP2040 timer.
pub struct TimerClock(pub Timer);

impl Stopwatch for TimerClock {
    fn micros(&mut self) -> u64 {
        self.0.get_counter().ticks()
    }
}
