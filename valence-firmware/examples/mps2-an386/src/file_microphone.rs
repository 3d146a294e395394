//! A "microphone" that plays a host file of raw little-endian `i16` samples
//! through semihosting.

use core::ffi::CStr;

use semihosting::fs::File;
use semihosting::io::{self, Read};
use valence_firmware::Microphone;

/// Samples read per semihosting call.
const CHUNK: usize = 256;

/// Raw `i16` samples from a host file, at a rate the host states.
pub struct FileMicrophone {
    file: File,
    rate: u32,
    bytes: [u8; 2 * CHUNK],
}

impl FileMicrophone {
    /// Opens the file named by the nul-terminated `path`.
    pub fn open(path: &[u8], rate: u32) -> Option<Self> {
        let path = CStr::from_bytes_until_nul(path).ok()?;
        let file = File::open(path).ok()?;
        Some(FileMicrophone {
            file,
            rate,
            bytes: [0; 2 * CHUNK],
        })
    }

    /// Fills `bytes` unless the file ends first; returns the count.
    fn fill(file: &mut File, bytes: &mut [u8]) -> io::Result<usize> {
        let mut got = 0;
        while let Some(rest) = bytes.get_mut(got..) {
            if rest.is_empty() {
                break;
            }
            match file.read(rest)? {
                0 => break,
                n => got += n,
            }
        }
        Ok(got)
    }
}

impl Microphone for FileMicrophone {
    type Error = io::Error;

    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn read(&mut self, buf: &mut [i16]) -> Result<usize, Self::Error> {
        let mut filled = 0;
        for chunk in buf.chunks_mut(CHUNK) {
            let want = 2 * chunk.len();
            let bytes = self.bytes.get_mut(..want).unwrap_or(&mut []);
            let got = Self::fill(&mut self.file, bytes)?;
            let pairs = bytes.get(..got).unwrap_or(&[]).chunks_exact(2);
            for (sample, pair) in chunk.iter_mut().zip(pairs) {
                if let [lo, hi] = pair {
                    *sample = i16::from_le_bytes([*lo, *hi]);
                }
            }
            filled += got / 2;
            if got < want {
                break;
            }
        }
        Ok(filled)
    }
}
