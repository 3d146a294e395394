//! Streaming harmony statistics aligned to the mel statistics windows: the
//! part of [`crate::ValenceSensor`] (cargo feature `harmony`) and of the
//! host's `valence features --feature-set mel-harmony|harmony` that turns
//! samples into the [`N_HARMONY_FEATURES`] harmony values of each window.
//!
//! In the data flow it sits beside the front end and [`crate::stats`]: the
//! same samples go through a [`ChromaStream`] (its own longer FFT, see
//! [`crate::chroma_stream`]), and each chroma frame is added to the
//! [`HarmonyWindow`] of every statistics window it lies in. Chroma frame `t`
//! covers samples `[t·c, t·c + N)` (chroma hop `c`, FFT size `N`); window
//! `i` covers `[i·H, i·H + L)` with `H = hop_frames·hop` and
//! `L = (window_frames − 1)·hop + n_fft`, the span of its mel frames. A
//! frame belongs to a window when it lies entirely inside it.
//!
//! Windows overlap, so several are open at once; their sums live in a ring
//! of [`HARMONY_SLOTS`] accumulators, window `i` in slot `i mod K` with
//! `K = ⌊(L − N)/H⌋ + 1`: a frame that belongs to window `i + K` starts at
//! or after `(i + K)·H` and so ends after `i·H + L`, when window `i` has
//! been finished. RAM does not grow with the window length. The caller
//! pushes samples and finishes windows in order, each exactly when the
//! samples of its span have been pushed (the sensor does so when the mel
//! statistics complete the same window); [`harmony_rows`] does it for a
//! whole clip.

use core::fmt;

use crate::chroma::{ChromaError, N_CHROMA};
use crate::chroma_stream::ChromaStream;
use crate::harmony::{ChromaOrder, HarmonyWindow, N_HARMONY_FEATURES};
use crate::model::{check_harmony_windows, chroma_spec, ModelError};
use crate::spec::FeatureSpec;
use crate::stats::StatsSpec;

/// Accumulators a [`HarmonyStream`] has for windows open at once: enough
/// for every statistics spec whose window exceeds the chroma FFT by less
/// than two steps between windows (the default spec needs 2).
pub const HARMONY_SLOTS: usize = 3;

/// Why a [`HarmonyStream`] could not be set up for a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HarmonyStreamError {
    /// The chroma path refused the spec (or does not fit the buffers).
    Chroma(ChromaError),
    /// Some window would hold no chroma frame.
    WindowTooShort {
        /// Samples a window spans.
        window_samples: u64,
        /// Samples it must span.
        needed: u64,
    },
    /// More windows are open at once than there are accumulators.
    TooManyOpenWindows {
        /// Windows open at once.
        needed: usize,
        /// Accumulators ([`HARMONY_SLOTS`]).
        capacity: usize,
    },
}

impl fmt::Display for HarmonyStreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarmonyStreamError::Chroma(e) => write!(f, "harmony features: {e}"),
            HarmonyStreamError::WindowTooShort {
                window_samples,
                needed,
            } => write!(
                f,
                "a statistics window spans {window_samples} samples; harmony features need at \
                 least {needed} so that every window holds a chroma frame"
            ),
            HarmonyStreamError::TooManyOpenWindows { needed, capacity } => write!(
                f,
                "harmony features over these windows need {needed} open at once; this build \
                 keeps {capacity}"
            ),
        }
    }
}

impl core::error::Error for HarmonyStreamError {}

/// Streaming harmony statistics for chroma FFTs up to `MAX_FFT` points with
/// at most `MAX_WEIGHTS` bank weights (see the module documentation).
#[derive(Clone)]
pub struct HarmonyStream<const MAX_FFT: usize, const MAX_WEIGHTS: usize> {
    chroma: ChromaStream<MAX_FFT, MAX_WEIGHTS>,
    windows: [HarmonyWindow; HARMONY_SLOTS],
    /// `L`: samples a window spans.
    window_samples: u64,
    /// `H`: samples between the starts of consecutive windows.
    step: u64,
    /// The window the next [`HarmonyStream::finish_window`] finishes.
    next_window: u64,
    /// `K`: slots in use (0 while unloaded).
    slots: usize,
    /// The latest finished window's values (Q15).
    features: [i32; N_HARMONY_FEATURES],
}

impl<const MAX_FFT: usize, const MAX_WEIGHTS: usize> HarmonyStream<MAX_FFT, MAX_WEIGHTS> {
    /// A stream not yet set up: all zero bytes (usable in a `static` in
    /// `.bss`). It consumes samples and finishes nothing until
    /// [`HarmonyStream::load`] succeeds.
    pub const fn unloaded() -> Self {
        HarmonyStream {
            chroma: ChromaStream::unloaded(),
            windows: [
                HarmonyWindow::new(),
                HarmonyWindow::new(),
                HarmonyWindow::new(),
            ],
            window_samples: 0,
            step: 0,
            next_window: 0,
            slots: 0,
            features: [0; N_HARMONY_FEATURES],
        }
    }

    /// Sets the stream up in place for the windows of `stats` over the mel
    /// frames of `spec`, with the chroma path of
    /// [`crate::model::chroma_spec`], and starts over. On error it is left
    /// unloaded.
    pub fn load(
        &mut self,
        spec: &FeatureSpec,
        stats: &StatsSpec,
    ) -> Result<(), HarmonyStreamError> {
        self.unload();
        check_harmony_windows(spec, stats).map_err(|e| match e {
            ModelError::WindowTooShortForChroma {
                window_samples,
                needed,
            } => HarmonyStreamError::WindowTooShort {
                window_samples,
                needed,
            },
            _ => HarmonyStreamError::WindowTooShort {
                window_samples: 0,
                needed: 0,
            },
        })?;
        let chroma = chroma_spec(spec);
        let hop = spec.hop as u64;
        let window_samples =
            (stats.window_frames as u64).saturating_sub(1) * hop + spec.n_fft as u64;
        let step = (stats.hop_frames as u64 * hop).max(1);
        let open = (window_samples.saturating_sub(chroma.n_fft as u64) / step + 1) as usize;
        if open > HARMONY_SLOTS {
            return Err(HarmonyStreamError::TooManyOpenWindows {
                needed: open,
                capacity: HARMONY_SLOTS,
            });
        }
        self.chroma
            .load(&chroma)
            .map_err(HarmonyStreamError::Chroma)?;
        self.window_samples = window_samples;
        self.step = step;
        self.slots = open;
        Ok(())
    }

    /// Drops the spec: the stream consumes samples and finishes nothing.
    pub fn unload(&mut self) {
        self.slots = 0;
        self.window_samples = 0;
        self.step = 0;
        self.reset();
    }

    /// Whether [`HarmonyStream::load`] succeeded.
    pub fn is_loaded(&self) -> bool {
        self.slots > 0
    }

    /// Starts over: the next sample is sample 0 of window 0.
    pub fn reset(&mut self) {
        self.chroma.reset();
        for w in &mut self.windows {
            w.reset();
        }
        self.next_window = 0;
        self.features = [0; N_HARMONY_FEATURES];
    }

    /// Pushes samples: every chroma frame they complete is added to the
    /// windows it lies in.
    pub fn push(&mut self, samples: &[i16]) {
        if self.slots == 0 {
            return;
        }
        let n_fft = self.chroma.spec().n_fft as u64;
        let hop = self.chroma.spec().hop as u64;
        // Both at least 1 once loaded; the `max` keeps division by zero
        // (and its panic) out of the code.
        let step = self.step.max(1);
        let slots = (self.slots as u64).max(1);
        let mut input = samples;
        while let Some(frame) = self.chroma.next_frame(&mut input) {
            let frame: [u16; N_CHROMA] = *frame;
            let t = self.chroma.frames_emitted().saturating_sub(1);
            let start = t * hop;
            let end = start + n_fft;
            // Windows i with i·H ≤ start and end ≤ i·H + L.
            let first = end
                .saturating_sub(self.window_samples)
                .div_ceil(step)
                .max(self.next_window);
            let last = start / step;
            for i in first..=last {
                if let Some(w) = self.windows.get_mut((i % slots) as usize) {
                    w.push(&frame);
                }
            }
        }
    }

    /// Finishes the next window (they are finished in order, each once the
    /// samples of its span have been pushed) and returns its
    /// [`N_HARMONY_FEATURES`] values in Q15, the chroma in `order` (what the
    /// model's [`crate::model::FeatureSet::chroma_order`] says; see
    /// [`crate::harmony::HarmonyStats::features_q15`]). A window without
    /// frames (which [`HarmonyStream::load`] rules out for whole windows)
    /// reads all zeros.
    pub fn finish_window(&mut self, order: ChromaOrder) -> &[i32; N_HARMONY_FEATURES] {
        if self.slots == 0 {
            self.features = [0; N_HARMONY_FEATURES];
            return &self.features;
        }
        let slot = (self.next_window % (self.slots as u64).max(1)) as usize;
        if let Some(w) = self.windows.get_mut(slot) {
            let done = w
                .finish()
                .and_then(|s| s.features_q15(order, &mut self.features));
            if done.is_err() {
                self.features = [0; N_HARMONY_FEATURES];
            }
            w.reset();
        }
        self.next_window += 1;
        &self.features
    }

    /// The values of the latest finished window (Q15; zeros before the first).
    pub fn features(&self) -> &[i32; N_HARMONY_FEATURES] {
        &self.features
    }

    /// Samples a window spans (`L`; 0 while unloaded).
    pub fn window_samples(&self) -> u64 {
        self.window_samples
    }

    /// Samples between the starts of consecutive windows (`H`; 0 while unloaded).
    pub fn step(&self) -> u64 {
        self.step
    }
}

impl<const MAX_FFT: usize, const MAX_WEIGHTS: usize> fmt::Debug
    for HarmonyStream<MAX_FFT, MAX_WEIGHTS>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HarmonyStream")
            .field("chroma", &self.chroma)
            .field("window_samples", &self.window_samples)
            .field("step", &self.step)
            .field("next_window", &self.next_window)
            .finish_non_exhaustive()
    }
}

/// The harmony values of the first `n_windows` windows of a whole clip,
/// through `stream` (set up here for `spec`, `stats` and `order`):
/// `on_window` gets each window's index and values in order. What the
/// sensor computes when it is fed the same samples.
pub fn harmony_rows<const MAX_FFT: usize, const MAX_WEIGHTS: usize>(
    stream: &mut HarmonyStream<MAX_FFT, MAX_WEIGHTS>,
    spec: &FeatureSpec,
    stats: &StatsSpec,
    order: ChromaOrder,
    samples: &[i16],
    n_windows: usize,
    mut on_window: impl FnMut(usize, &[i32; N_HARMONY_FEATURES]),
) -> Result<(), HarmonyStreamError> {
    stream.load(spec, stats)?;
    let mut pushed = 0usize;
    for i in 0..n_windows {
        let end =
            (i as u64 * stream.step() + stream.window_samples()).min(samples.len() as u64) as usize;
        stream.push(samples.get(pushed..end).unwrap_or(&[]));
        pushed = pushed.max(end);
        on_window(i, stream.finish_window(order));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::boxed::Box;
    use std::vec::Vec;

    use super::*;
    use crate::chroma_stream::{HostChromaStream, WEIGHTS_2048_16K};
    use crate::stats::Summary;

    type Stream = HarmonyStream<2048, WEIGHTS_2048_16K>;

    fn pcm(n: usize) -> Vec<i16> {
        (0..n as i64)
            .map(|i| {
                let t = i as f64 / 16_000.0;
                let f = [261.63, 329.63, 392.0, 440.0][(i / 8000) as usize % 4];
                (9000.0 * libm::sin(2.0 * core::f64::consts::PI * f * t)) as i16
                    + ((i * 7919) % 601 - 300) as i16
            })
            .collect()
    }

    /// Harmony rows computed window by window from all chroma frames, the
    /// way the definition reads (no streaming, no ring).
    fn by_definition(
        spec: &FeatureSpec,
        stats: &StatsSpec,
        order: ChromaOrder,
        samples: &[i16],
        n: usize,
    ) -> Vec<[i32; 15]> {
        let cspec = chroma_spec(spec);
        let mut stream = Box::new(HostChromaStream::new(&cspec).unwrap());
        let mut frames = Vec::new();
        stream.push(samples, |f| frames.push(*f));
        let (hop, n_fft) = (cspec.hop as u64, cspec.n_fft as u64);
        (0..n)
            .map(|i| {
                let start = i as u64 * stats.hop_frames as u64 * spec.hop as u64;
                let end =
                    start + (stats.window_frames as u64 - 1) * spec.hop as u64 + spec.n_fft as u64;
                let mut w = HarmonyWindow::new();
                for (t, f) in frames.iter().enumerate() {
                    let s = t as u64 * hop;
                    if s >= start && s + n_fft <= end {
                        w.push(f);
                    }
                }
                let mut row = [0i32; 15];
                w.finish().unwrap().features_q15(order, &mut row).unwrap();
                row
            })
            .collect()
    }

    #[test]
    fn streaming_windows_equal_the_definition() {
        let samples = pcm(16_000 * 9);
        let spec = FeatureSpec::DEFAULT;
        for (wf, hf) in [(128, 64), (64, 64), (40, 20), (12, 12), (400, 200)] {
            let stats = StatsSpec {
                summary: Summary::MeanStd,
                window_frames: wf,
                hop_frames: hf,
            };
            let l = (wf as usize - 1) * 256 + 512;
            let n = (samples.len() - l) / (hf as usize * 256) + 1;
            for order in [ChromaOrder::PitchClass, ChromaOrder::FromTonic] {
                let want = by_definition(&spec, &stats, order, &samples, n);
                let mut stream = Box::new(Stream::unloaded());
                let mut got = Vec::new();
                harmony_rows(&mut stream, &spec, &stats, order, &samples, n, |i, row| {
                    assert_eq!(i, got.len());
                    got.push(*row);
                })
                .unwrap();
                assert_eq!(got, want, "windows of {wf} frames every {hf}, {order:?}");
                assert!(got.iter().all(|r| r.iter().any(|&v| v != 0)));
            }
        }
    }

    #[test]
    fn windows_shorter_than_a_chroma_frame_are_refused() {
        let mut stream = Box::new(Stream::unloaded());
        let stats = StatsSpec {
            summary: Summary::MeanStd,
            window_frames: 4,
            hop_frames: 4,
        };
        let err = stream.load(&FeatureSpec::DEFAULT, &stats).unwrap_err();
        assert_eq!(
            err,
            HarmonyStreamError::WindowTooShort {
                window_samples: 3 * 256 + 512,
                // N + c − gcd(H, c): 2048-point frames every 2048 samples,
                // windows every 1024.
                needed: 2048 + 2048 - 1024
            }
        );
        assert!(!stream.is_loaded());
        // Windows of 2 hops that exceed the chroma FFT by far more than two
        // steps would need more accumulators than there are.
        let spec = FeatureSpec {
            n_fft: 4096,
            hop: 64,
            ..FeatureSpec::DEFAULT
        };
        let stats = StatsSpec {
            summary: Summary::MeanStd,
            window_frames: 2,
            hop_frames: 1,
        };
        assert!(matches!(
            stream.load(&spec, &stats),
            Err(HarmonyStreamError::TooManyOpenWindows {
                capacity: HARMONY_SLOTS,
                ..
            })
        ));
        // A chroma FFT larger than the buffers.
        let mut small = Box::new(HarmonyStream::<1024, 4992>::unloaded());
        assert!(matches!(
            small.load(&FeatureSpec::DEFAULT, &StatsSpec::DEFAULT),
            Err(HarmonyStreamError::Chroma(ChromaError::FftTooLarge { .. }))
        ));
    }
}
