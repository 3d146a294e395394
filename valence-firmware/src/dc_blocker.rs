//! DC removal and scaling of unsigned ADC codes to signed 16-bit PCM, in
//! integers only.
//!
//! A microphone module (MAX9814, MAX4466) outputs the audio around a bias of
//! about half its supply, so the ADC codes sit around a large, slowly
//! drifting offset. [`DcBlocker`] removes it with the classic one-pole DC
//! blocker, written as "input minus a running estimate of its mean":
//!
//! ```text
//! d[n] = d[n-1] + floor((x[n]·2^16 − d[n-1]) / 2^k)     running mean, Q16
//! y[n] = x[n] − round(d[n-1] / 2^16)                     DC removed
//! ```
//!
//! which is `H(z) = (1 − z⁻¹) / (1 − a·z⁻¹)` with the pole `a = 1 − 2⁻ᵏ`: a
//! zero at DC and a −3 dB corner at about `fs · 2⁻ᵏ / 2π` — 2.5 Hz for the
//! default `k = 10` at 16 kHz, far below anything the mel bands see. The
//! estimate starts at the first sample, so there is no start-up thump; the
//! truncation in the update biases it by less than `2^(k−16)` of a code (1/64
//! at `k = 10`). All values stay below 2^29: no overflow for codes up to 12
//! bits.
//!
//! Scaling: `y` lies in `±(2^bits − 1)`; it is shifted left by
//! `16 − bits + gain_shift` and saturated to `i16`. With `gain_shift = 0` an
//! ADC's full range maps to the full `i16` range (a 12-bit code step is 16
//! LSB of the output, a 10-bit step 64). A MAX9814 swings 2 V peak-to-peak
//! on a 3.3 V reference, about 60 % of the range; `gain_shift` adds 6 dB
//! per step for quieter modules (a MAX4466 with low gain) at the cost of
//! clipping loud sounds.

/// The default `k`: a corner at `fs / 6434` (2.5 Hz at 16 kHz).
pub const DEFAULT_POLE_SHIFT: u8 = 10;

/// The largest `gain_shift` accepted (more is clamped).
pub const MAX_GAIN_SHIFT: u8 = 6;

/// Integer one-pole DC blocker and scaler (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DcBlocker {
    /// Running mean of the input, Q16; `None` before the first sample.
    mean_q16: Option<i32>,
    pole_shift: u8,
    out_shift: u32,
}

impl DcBlocker {
    /// A blocker for `bits`-bit codes (1 to 16), pole `1 − 2^-pole_shift`
    /// (`pole_shift` 1 to 15; values outside are clamped), and an extra gain
    /// of `2^gain_shift` (at most [`MAX_GAIN_SHIFT`]).
    pub const fn new(bits: u32, pole_shift: u8, gain_shift: u8) -> Self {
        let bits = if bits == 0 {
            1
        } else if bits > 16 {
            16
        } else {
            bits
        };
        let pole_shift = if pole_shift == 0 {
            1
        } else if pole_shift > 15 {
            15
        } else {
            pole_shift
        };
        let gain = if gain_shift > MAX_GAIN_SHIFT {
            MAX_GAIN_SHIFT
        } else {
            gain_shift
        };
        DcBlocker {
            mean_q16: None,
            pole_shift,
            out_shift: 16 - bits + gain as u32,
        }
    }

    /// Forgets the running mean (the next sample seeds it again).
    pub fn reset(&mut self) {
        self.mean_q16 = None;
    }

    /// The running mean of the input in codes, rounded.
    pub fn mean(&self) -> Option<i32> {
        self.mean_q16.map(|m| (m + (1 << 15)) >> 16)
    }

    /// One code in, one sample out.
    #[inline]
    pub fn process(&mut self, code: u16) -> i16 {
        let x = code as i32;
        let mean = self.mean_q16.unwrap_or(x << 16);
        let y = x - ((mean + (1 << 15)) >> 16);
        self.mean_q16 = Some(mean + (((x << 16) - mean) >> self.pole_shift));
        // |y| < 2^16 and out_shift ≤ 15 + MAX_GAIN_SHIFT: fits i64, saturate.
        let scaled = (y as i64) << self.out_shift;
        scaled.clamp(i16::MIN as i64, i16::MAX as i64) as i16
    }
}
