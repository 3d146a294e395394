//! Runs the chroma path over 60 s of noise and tones, for profilers
//! (`valgrind --tool=callgrind`): `profile_chroma N_FFT PASSES` (passes over the 60 s), where
//! `N_FFT` is 512 (hop 256), 2048 (hop 1024) or 4096 (hop 2048). With
//! `--bank-only` it applies the bank to one fixed power spectrum per frame
//! instead, isolating the bank's cost from the FFT's.

use valence_core::chroma::{ChromaBank, ChromaSpec, N_CHROMA};
use valence_core::chroma_stream::{ChromaStream, WEIGHTS_4096_16K};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n_fft: u16 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2048);
    let passes: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let bank_only = args.iter().any(|a| a == "--bank-only");
    let spec = ChromaSpec {
        sample_rate: 16_000,
        n_fft,
        hop: n_fft / 2,
    };
    let n = spec.sample_rate as usize * 60;
    let mut seed = 0x1234_5678u32;
    let samples: Vec<i16> = (0..n)
        .map(|i| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = ((seed >> 16) as i32 - 32768) / 16;
            let tone = 6000.0 * (i as f64 * 0.17).sin();
            (noise as f64 + tone) as i16
        })
        .collect();
    let mut acc = 0u64;
    if bank_only {
        let mut runs = vec![0u16; 2048];
        let bank = Box::new(ChromaBank::<WEIGHTS_4096_16K>::new(&spec, &mut runs).unwrap());
        let power: Vec<i32> = (0..n_fft as i32).map(|k| (k * 7919) & 0xffff).collect();
        let frames = passes * ((n - n_fft as usize) / spec.hop as usize + 1);
        let mut out = [0u16; N_CHROMA];
        for f in 0..frames {
            bank.chroma_q15(&runs, &power, f as u64, &mut out);
            acc += out[0] as u64;
        }
    } else {
        let mut stream = Box::new(ChromaStream::<4096, WEIGHTS_4096_16K>::new(&spec).unwrap());
        for _ in 0..passes {
            stream.reset();
            stream.push(&samples, |f| acc += f[0] as u64);
        }
    }
    println!("{acc}");
}
