//! The sample buffer of the streaming paths: the last `n_fft` samples, filled
//! from chunks of any length, one frame every `hop` samples.
//!
//! [`crate::FrontEnd`] and [`crate::chroma_stream::ChromaStream`] keep their
//! samples the same way, with these functions over their own fields: a
//! buffer of at least `n_fft` samples, the count `fill` of valid ones, and
//! the count of frames emitted. With a hop of half the FFT the two halves of
//! the buffer take turns as the frame's first half (after an odd number of
//! frames the second half of the buffer comes first), so every sample is
//! written once and never moved; with any other hop the newest `n_fft - hop`
//! samples move to the front after each frame. New samples are copied by the
//! Cortex-M4 kernel where there is one.

/// Where the frame starts in the buffer: `n_fft / 2` when the hop is half
/// the FFT and an odd number of frames have been emitted, else 0.
#[inline]
pub(crate) fn swapped_by(n_fft: usize, hop: usize, frames: u64) -> usize {
    if 2 * hop == n_fft && frames % 2 == 1 {
        n_fft / 2
    } else {
        0
    }
}

/// Takes samples from the front of `input` until the buffer holds `n_fft`
/// (`n_fft` a power of two, at most `samples.len()`), advancing `input` and
/// `fill`; whether a frame is complete.
#[inline]
pub(crate) fn fill_frame(
    samples: &mut [i16],
    fill: &mut usize,
    n_fft: usize,
    swapped: usize,
    input: &mut &[i16],
) -> bool {
    if *fill < n_fft && !input.is_empty() {
        let take = (n_fft - *fill).min(input.len());
        let (chunk, rest) = input.split_at_checked(take).unwrap_or((input, &[]));
        // With the halves swapped, the samples from n_fft/2 on go to the front.
        let at = (*fill + swapped) & n_fft.wrapping_sub(1);
        if let Some(dst) = samples.get_mut(at..at + chunk.len()) {
            let done = copy_in_dsp(dst, chunk);
            if let (Some(dst), Some(src)) = (dst.get_mut(done..), chunk.get(done..)) {
                dst.copy_from_slice(src);
            }
        }
        *input = rest;
        *fill += chunk.len();
    }
    *fill >= n_fft
}

/// After a frame: keeps the newest `n_fft - hop` samples (in place with a
/// hop of half the FFT, else moved to the front) and sets `fill` to them.
#[inline]
pub(crate) fn keep_after_frame(samples: &mut [i16], fill: &mut usize, n_fft: usize, hop: usize) {
    let n_fft = n_fft.min(samples.len());
    let hop = hop.min(n_fft);
    if 2 * hop != n_fft && !move_down_dsp(samples, hop, n_fft - hop) {
        samples.copy_within(hop..n_fft, 0);
    }
    *fill = n_fft - hop;
}

/// The frame's first and second halves (`n_fft / 2` samples each), the
/// first at `swapped` (0 or `n_fft / 2`).
#[inline]
pub(crate) fn halves(samples: &[i16], n_fft: usize, swapped: usize) -> (&[i16], &[i16]) {
    let (front, back) = samples
        .get(..n_fft)
        .unwrap_or(&[])
        .split_at_checked(n_fft / 2)
        .unwrap_or((&[], &[]));
    if swapped == 0 {
        (front, back)
    } else {
        (back, front)
    }
}

/// The copy of new samples on the Cortex-M4's DSP build
/// ([`crate::frontend_dsp::copy_in`]): how many it copied.
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
#[inline(always)]
fn copy_in_dsp(dst: &mut [i16], src: &[i16]) -> usize {
    crate::frontend_dsp::copy_in(dst, src)
}

/// The portable build copies with `copy_from_slice`.
#[cfg(not(all(feature = "cortex-m-dsp", target_arch = "arm")))]
#[inline(always)]
fn copy_in_dsp(_dst: &mut [i16], _src: &[i16]) -> usize {
    0
}

/// The move of the kept samples on the Cortex-M4's DSP build
/// ([`crate::frontend_dsp::move_down`]); `false` if it did not run.
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
#[inline(always)]
fn move_down_dsp(samples: &mut [i16], from: usize, len: usize) -> bool {
    crate::frontend_dsp::move_down(samples, from, len)
}

/// The portable build moves the samples with `copy_within`.
#[cfg(not(all(feature = "cortex-m-dsp", target_arch = "arm")))]
#[inline(always)]
fn move_down_dsp(_samples: &mut [i16], _from: usize, _len: usize) -> bool {
    false
}
