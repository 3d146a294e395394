//! The streaming chroma path: push PCM in chunks of any length, get one
//! normalised 12-class chroma frame per hop.
//!
//! [`ChromaStream`] runs its own FFT, independent of the log-mel
//! [`crate::FrontEnd`], because pitch classes need finer frequency
//! resolution than the mel bands: at 16 kHz a 512-point FFT has 31 Hz bins,
//! wider than a semitone below about 520 Hz, and names the pitch class of
//! pure tones right only from B3 up (measured in BENCHMARKS.md, "Chroma").
//! A longer FFT run less often (by default 2048 points every 2048 samples,
//! 7.8 frames per second) names every note from C2 to C6. The stages are the front end's own:
//! window and block floating point ([`crate::window`]), the fixed-point FFT
//! and power split ([`crate::fft`]), then the sparse bank of
//! [`crate::chroma`] and normalisation by the strongest class. Where one FFT
//! size serves both paths, [`crate::chroma::ChromaBank::chroma_q15`] applies
//! the bank to any power spectrum in the same layout.
//!
//! Sizes are fixed by two const generics, the largest FFT and the largest
//! number of sparse weights, so nothing allocates.

use core::fmt;

use crate::chroma::{ChromaBank, ChromaError, ChromaSpec, N_CHROMA};
use crate::fft::{fft_q31_scaled, real_power_in_place};
use crate::frame_buffer;
use crate::window::{hann_q16, normalising_shift, window_halves_bit_reversed};

/// Weights of the sparse bank at 16 kHz, `n_fft` 4096 (9813), rounded up:
/// the capacity of [`HostChromaStream`].
pub const WEIGHTS_4096_16K: usize = 9_856;

/// Weights of the sparse bank of [`ChromaSpec::DEFAULT`] (4954), rounded up.
pub const WEIGHTS_2048_16K: usize = 4_992;

/// A chroma stream sized for [`ChromaSpec::DEFAULT`] (16 kHz, `n_fft` 2048).
pub type DefaultChromaStream = ChromaStream<2048, WEIGHTS_2048_16K>;

/// A chroma stream large enough for a 4096-point FFT at 16 kHz (host side).
pub type HostChromaStream = ChromaStream<4096, WEIGHTS_4096_16K>;

/// Streaming fixed-point chroma for FFTs up to `MAX_FFT` points with at
/// most `MAX_WEIGHTS` bank weights.
///
/// Frame `t` covers samples `[t·hop, t·hop + n_fft)` of everything pushed
/// since construction or [`ChromaStream::reset`]; how the input is chunked
/// never changes the result. Frames are 12 values in Q15 (`u16`, 32768 = 1.0
/// for the strongest class; all zeros for digital silence), class 0 = C.
///
/// RAM: `2·MAX_FFT` (samples) + `4·MAX_FFT` (work) + `2·MAX_FFT` (window and
/// runs) + `2·MAX_WEIGHTS` bytes and a few words.
#[derive(Clone)]
pub struct ChromaStream<const MAX_FFT: usize, const MAX_WEIGHTS: usize> {
    spec: ChromaSpec,
    log2_n: u32,
    n_fft: usize,
    hop: usize,
    samples: [i16; MAX_FFT],
    fill: usize,
    frames: u64,
    work: [i32; MAX_FFT],
    /// `[..MAX_FFT/2]`: first half of the periodic Hann window (Q16);
    /// `[MAX_FFT/2..]`: the bank's per-bin runs, two bins per entry.
    tables: [u16; MAX_FFT],
    bank: ChromaBank<MAX_WEIGHTS>,
    frame: [u16; N_CHROMA],
}

impl<const MAX_FFT: usize, const MAX_WEIGHTS: usize> ChromaStream<MAX_FFT, MAX_WEIGHTS> {
    /// Builds a chroma stream for `spec`.
    ///
    /// ```
    /// use valence_core::chroma::{ChromaError, ChromaSpec};
    /// use valence_core::chroma_stream::ChromaStream;
    /// let spec = ChromaSpec { sample_rate: 16_000, n_fft: 512, hop: 256 };
    /// assert!(ChromaStream::<512, 1300>::new(&spec).is_ok());
    /// let long = ChromaSpec { n_fft: 4096, hop: 2048, ..spec };
    /// assert!(matches!(
    ///     ChromaStream::<512, 1300>::new(&long),
    ///     Err(ChromaError::FftTooLarge { n_fft: 4096, capacity: 512 })
    /// ));
    /// ```
    pub fn new(spec: &ChromaSpec) -> Result<Self, ChromaError> {
        let mut stream = Self::unloaded();
        stream.load(spec)?;
        Ok(stream)
    }

    /// A stream not yet set up: all zero bytes, so that a containing
    /// `static` needs no initialiser in flash. It consumes samples and
    /// gives no frames until [`ChromaStream::load`] succeeds.
    pub const fn unloaded() -> Self {
        ChromaStream {
            spec: ChromaSpec {
                sample_rate: 0,
                n_fft: 0,
                hop: 0,
            },
            log2_n: 0,
            n_fft: 0,
            hop: 0,
            samples: [0; MAX_FFT],
            fill: 0,
            frames: 0,
            work: [0; MAX_FFT],
            tables: [0; MAX_FFT],
            bank: ChromaBank::unloaded(),
            frame: [0; N_CHROMA],
        }
    }

    /// Sets this stream up for `spec` in place (the window and the bank are
    /// computed where they live: nothing the size of the stream passes
    /// through the stack) and starts over. On error the stream is left
    /// unloaded: it gives no frames.
    pub fn load(&mut self, spec: &ChromaSpec) -> Result<(), ChromaError> {
        self.n_fft = 0;
        self.hop = 0;
        self.log2_n = 0;
        self.reset();
        spec.validate()?;
        let n_fft = spec.n_fft as usize;
        if n_fft > MAX_FFT {
            return Err(ChromaError::FftTooLarge {
                n_fft: spec.n_fft,
                capacity: MAX_FFT,
            });
        }
        self.tables.fill(0);
        let (window, runs) = self.tables.split_at_mut(MAX_FFT / 2);
        hann_q16(n_fft.trailing_zeros(), window);
        // n_fft/2 + 1 bins, two per entry, fit in MAX_FFT/2 entries when
        // n_fft <= MAX_FFT and MAX_FFT >= 4; the bank checks.
        self.bank.load(spec, runs).map_err(|e| match e {
            ChromaError::FftTooLarge { .. } => ChromaError::FftTooLarge {
                n_fft: spec.n_fft,
                capacity: MAX_FFT,
            },
            other => other,
        })?;
        self.spec = *spec;
        self.log2_n = n_fft.trailing_zeros();
        self.n_fft = n_fft;
        self.hop = spec.hop as usize;
        self.frame = [0; N_CHROMA];
        Ok(())
    }

    /// The spec this stream computes.
    pub fn spec(&self) -> &ChromaSpec {
        &self.spec
    }

    /// Number of weights the sparse bank holds.
    pub fn weight_count(&self) -> usize {
        self.bank.weight_count()
    }

    /// The weight of FFT `bin` in pitch `class` as the integer path applies
    /// it, in librosa's units (for inspection and tests).
    pub fn filter_weight(&self, class: usize, bin: usize) -> f64 {
        let runs = self.tables.get(MAX_FFT / 2..).unwrap_or(&[]);
        self.bank.weight(runs, class, bin)
    }

    /// Number of frames emitted since construction or the last reset.
    pub fn frames_emitted(&self) -> u64 {
        self.frames
    }

    /// Forgets all pushed samples: the next frame starts with the next sample.
    pub fn reset(&mut self) {
        self.samples.fill(0);
        self.fill = 0;
        self.frames = 0;
    }

    /// Consumes samples from the front of `input` until a frame is complete
    /// and returns it, or consumes all of `input` and returns `None`.
    pub fn next_frame(&mut self, input: &mut &[i16]) -> Option<&[u16; N_CHROMA]> {
        let n_fft = self.n_fft.min(MAX_FFT);
        if n_fft == 0 {
            // Unloaded: nothing to compute.
            *input = &[];
            return None;
        }
        let swapped = frame_buffer::swapped_by(n_fft, self.hop, self.frames);
        if !frame_buffer::fill_frame(&mut self.samples, &mut self.fill, n_fft, swapped, input) {
            return None;
        }
        self.compute_frame();
        self.frames += 1;
        frame_buffer::keep_after_frame(&mut self.samples, &mut self.fill, n_fft, self.hop);
        Some(&self.frame)
    }

    /// Pushes samples and calls `on_frame` with every frame they complete.
    pub fn push(&mut self, samples: &[i16], mut on_frame: impl FnMut(&[u16; N_CHROMA])) {
        let mut input = samples;
        while let Some(frame) = self.next_frame(&mut input) {
            on_frame(frame);
        }
    }

    fn compute_frame(&mut self) {
        let (window, runs) = self.tables.split_at(MAX_FFT / 2);
        let n_fft = self.n_fft.min(MAX_FFT);
        let swapped = frame_buffer::swapped_by(n_fft, self.hop, self.frames);
        let (first, second) = frame_buffer::halves(&self.samples, n_fft, swapped);
        let peak = window_halves_bit_reversed(first, second, window, &mut self.work, self.log2_n);
        if peak == 0 {
            self.frame = [0; N_CHROMA];
            return;
        }
        let log2_m = self.log2_n.saturating_sub(1);
        fft_q31_scaled(&mut self.work, log2_m, normalising_shift(peak));
        let nyquist = real_power_in_place(&mut self.work, log2_m);
        self.bank
            .chroma_q15(runs, &self.work, nyquist, &mut self.frame);
    }
}

impl<const MAX_FFT: usize, const MAX_WEIGHTS: usize> fmt::Debug
    for ChromaStream<MAX_FFT, MAX_WEIGHTS>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChromaStream")
            .field("spec", &self.spec)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn default_spec_fits_the_default_stream() {
        let stream = std::boxed::Box::new(DefaultChromaStream::new(&ChromaSpec::DEFAULT).unwrap());
        assert!(stream.weight_count() <= WEIGHTS_2048_16K);
        std::println!(
            "DefaultChromaStream: {} weights, {} bytes",
            stream.weight_count(),
            core::mem::size_of::<DefaultChromaStream>()
        );
    }

    #[test]
    fn chunking_never_changes_the_frames() {
        let spec = ChromaSpec {
            sample_rate: 16_000,
            n_fft: 512,
            hop: 200,
        };
        let pcm: std::vec::Vec<i16> = (0..6000i32)
            .map(|n| ((n * 7919) % 20011 - 10000) as i16)
            .collect();
        let mut whole = std::vec::Vec::new();
        let mut a = std::boxed::Box::new(ChromaStream::<512, 1400>::new(&spec).unwrap());
        a.push(&pcm, |f| whole.push(*f));
        let mut pieces = std::vec::Vec::new();
        let mut b = std::boxed::Box::new(ChromaStream::<512, 1400>::new(&spec).unwrap());
        for chunk in pcm.chunks(37) {
            b.push(chunk, |f| pieces.push(*f));
        }
        assert_eq!(whole.len(), (6000 - 512) / 200 + 1);
        assert_eq!(whole, pieces);
        assert!(whole.iter().all(|f| f.contains(&crate::chroma::CHROMA_ONE)));
    }

    #[test]
    fn bad_specs_are_refused_with_their_reason() {
        let ok = ChromaSpec::DEFAULT;
        let cases = [
            (
                ChromaSpec {
                    sample_rate: 10,
                    ..ok
                },
                ChromaError::SampleRateOutOfRange { sample_rate: 10 },
            ),
            (
                ChromaSpec {
                    n_fft: 32,
                    hop: 16,
                    ..ok
                },
                ChromaError::FftSizeOutOfRange { n_fft: 32 },
            ),
            (
                ChromaSpec { hop: 0, ..ok },
                ChromaError::HopOutOfRange {
                    hop: 0,
                    n_fft: 2048,
                },
            ),
            (
                ChromaSpec { hop: 4096, ..ok },
                ChromaError::HopOutOfRange {
                    hop: 4096,
                    n_fft: 2048,
                },
            ),
            (
                ChromaSpec {
                    n_fft: 4096,
                    hop: 2048,
                    ..ok
                },
                ChromaError::FftTooLarge {
                    n_fft: 4096,
                    capacity: 2048,
                },
            ),
        ];
        for (spec, want) in cases {
            assert_eq!(
                DefaultChromaStream::new(&spec).err(),
                Some(want),
                "{spec:?}"
            );
        }
        let too_few = ChromaStream::<2048, 100>::new(&ok).err();
        assert_eq!(
            too_few,
            Some(ChromaError::TooManyWeights {
                needed: 4954,
                capacity: 100
            })
        );
    }
}
