//! The [`Microphone`] trait: where the sensor loop gets its samples.
//!
//! A microphone delivers signed 16-bit PCM at a fixed rate, in blocks. A live
//! microphone blocks until the block is full (that is what paces the loop); a
//! finite source (a file, a test vector) returns fewer samples at its end and
//! then 0.

/// A source of 16-bit PCM at a fixed sample rate.
pub trait Microphone {
    /// What can go wrong while reading (a bus error, a host I/O error).
    type Error;

    /// Samples per second this source delivers.
    fn sample_rate(&self) -> u32;

    /// Fills `buf` with the next samples and returns how many were written:
    /// `buf.len()` for a live microphone; fewer, then 0, at the end of a
    /// finite source.
    fn read(&mut self, buf: &mut [i16]) -> Result<usize, Self::Error>;
}

impl<M: Microphone + ?Sized> Microphone for &mut M {
    type Error = M::Error;

    fn sample_rate(&self) -> u32 {
        (**self).sample_rate()
    }

    fn read(&mut self, buf: &mut [i16]) -> Result<usize, Self::Error> {
        (**self).read(buf)
    }
}
