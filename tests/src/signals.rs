//! Deterministic generated signals: what the device must agree on besides
//! real recordings — silence, a sweep, clipping square waves, noise bursts
//! and a music-like mix with a slow envelope.

/// A generated signal and its name.
pub struct Signal {
    /// Short name for messages.
    pub name: &'static str,
    /// The samples.
    pub samples: Vec<i16>,
}

/// A music-like mix: noise, two tones and a slow envelope.
pub fn music_like(n: usize, seed: u32) -> Vec<i16> {
    let mut s = seed;
    (0..n)
        .map(|i| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = ((s >> 16) as i32 - 32768) / 12;
            let env = 0.55 + 0.45 * (i as f64 * 0.0003).sin();
            let tone = 7000.0 * (i as f64 * 0.071).sin() + 2500.0 * (i as f64 * 0.37).sin();
            ((noise as f64 + tone) * env).clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

/// A logarithmic sweep from 30 Hz to just under Nyquist at `rate`.
pub fn sweep(n: usize, rate: u32) -> Vec<i16> {
    let (f0, f1) = (30.0f64, 0.45 * rate as f64);
    let t_end = n as f64 / rate as f64;
    let k = (f1 / f0).ln() / t_end;
    (0..n)
        .map(|i| {
            let t = i as f64 / rate as f64;
            let phase = 2.0 * std::f64::consts::PI * f0 * ((k * t).exp() - 1.0) / k;
            (12_000.0 * phase.sin()) as i16
        })
        .collect()
}

/// Full-scale square waves at a few frequencies (hard clipping, DC steps).
pub fn square(n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let period = [37, 160, 611][(i / 20_000) % 3];
            if (i / (period / 2)) % 2 == 0 {
                i16::MAX
            } else {
                i16::MIN
            }
        })
        .collect()
}

/// Bursts of white noise at three loudness levels separated by silence.
pub fn noise_bursts(n: usize, seed: u32) -> Vec<i16> {
    let mut s = seed;
    (0..n)
        .map(|i| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let v = (s >> 16) as i32 - 32768;
            match (i / 8000) % 4 {
                0 => v,
                1 => v / 64,
                2 => 0,
                _ => v / 2048,
            }
            .clamp(-32768, 32767) as i16
        })
        .collect()
}

/// The generated signals of the device tests, `seconds` long each at `rate`.
pub fn all(rate: u32, seconds: usize) -> Vec<Signal> {
    let n = rate as usize * seconds;
    vec![
        Signal {
            name: "silence",
            samples: vec![0; n],
        },
        Signal {
            name: "music-like",
            samples: music_like(n, 7),
        },
        Signal {
            name: "sweep",
            samples: sweep(n, rate),
        },
        Signal {
            name: "square",
            samples: square(n),
        },
        Signal {
            name: "noise-bursts",
            samples: noise_bursts(n, 3),
        },
    ]
}
