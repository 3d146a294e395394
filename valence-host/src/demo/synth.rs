//! The demo synthesiser: one short music-like clip from its [`Cues`], as
//! 16-bit PCM at 16 kHz, ready for the core's front end.
//!
//! A clip is a chord progression in the clip's key and mode, one chord per
//! two beats, the chord struck on every beat: a bass note an octave below
//! the tonic's register plus the root-position triad built on the scale
//! degree. Each note is additive synthesis of up to [`HARMONICS`] partials
//! with amplitudes `k^-p` (`p` from 2.5 for dark to 0.5 for bright), below
//! 7.5 kHz. Its envelope rises linearly in 5 ms, decays exponentially
//! (time constant 0.6 s), and is released linearly over 30 ms when the note
//! ends: after the whole beat for legato, a fifth of it for staccato. The
//! mix is scaled to the clip's peak level and a white noise floor at
//! −66 dBFS is added (a quiet microphone), then rounded to 16 bits.
//!
//! Sines come from a rotating phasor per partial (two multiplications and
//! additions per sample), in `f64`. Everything is seeded, so the same cues
//! and seed give the same samples; across platforms only the one `sin` and
//! `cos` per partial could in principle differ in the last bit.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::cues::{Cues, Mode, PROGRESSIONS};

/// Sample rate of the clips (the default feature spec's).
pub const SAMPLE_RATE: u32 = 16_000;

/// Most partials per note.
pub const HARMONICS: usize = 8;

/// Highest partial frequency, Hz.
const MAX_PARTIAL_HZ: f64 = 7_500.0;
/// Attack time, s.
const ATTACK_S: f64 = 0.005;
/// Release time, s.
const RELEASE_S: f64 = 0.030;
/// Decay time constant while a note sounds, s.
const DECAY_S: f64 = 0.6;
/// Shortest note, as a fraction of the beat (at articulation 1).
const STACCATO_FRACTION: f64 = 0.2;
/// Noise floor, dBFS.
const NOISE_DBFS: f64 = -66.0;

/// Semitones of the seven degrees of each mode's scale.
const MAJOR_SCALE: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];
const MINOR_SCALE: [i32; 7] = [0, 2, 3, 5, 7, 8, 10];

/// Chord progressions as scale degrees from 0 (the tonic), four chords each:
/// major I–IV–V–I, I–vi–IV–V, I–V–vi–IV; minor i–iv–v–i, i–VI–III–VII,
/// i–iv–VII–III.
const MAJOR_PROGRESSIONS: [[usize; 4]; PROGRESSIONS] = [[0, 3, 4, 0], [0, 5, 3, 4], [0, 4, 5, 3]];
const MINOR_PROGRESSIONS: [[usize; 4]; PROGRESSIONS] = [[0, 3, 4, 0], [0, 5, 2, 6], [0, 3, 6, 2]];

/// Semitones above the tonic of scale degree `degree` (may exceed 6: it
/// then wraps into the next octave).
fn degree_semitones(scale: &[i32; 7], degree: usize) -> i32 {
    scale[degree % 7] + 12 * (degree / 7) as i32
}

/// The MIDI notes of one chord strike: the bass, then the triad.
pub fn chord_notes(cues: &Cues, chord: usize) -> [f64; 4] {
    let (scale, progs) = match cues.mode {
        Mode::Major => (&MAJOR_SCALE, &MAJOR_PROGRESSIONS),
        Mode::Minor => (&MINOR_SCALE, &MINOR_PROGRESSIONS),
    };
    let degree = progs[cues.progression % PROGRESSIONS][chord % 4];
    let note = |d: usize| cues.register + degree_semitones(scale, d) as f64;
    [
        note(degree) - 12.0,
        note(degree),
        note(degree + 2),
        note(degree + 4),
    ]
}

fn midi_hz(note: f64) -> f64 {
    440.0 * ((note - 69.0) / 12.0).exp2()
}

/// Adds one note to `out`, starting at sample `start`, sounding for
/// `hold` samples before its release.
fn add_note(out: &mut [f64], start: usize, hold: usize, hz: f64, gain: f64, rolloff: f64) {
    let sr = SAMPLE_RATE as f64;
    let attack = (ATTACK_S * sr) as usize;
    let release = (RELEASE_S * sr) as usize;
    let end = (start + hold + release).min(out.len());
    if start >= end {
        return;
    }
    let decay = (-1.0 / (DECAY_S * sr)).exp();
    let mut env = Vec::with_capacity(end - start);
    let mut level = gain;
    for i in 0..end - start {
        let a = if i < attack {
            (i + 1) as f64 / attack as f64
        } else {
            1.0
        };
        let r = if i < hold {
            1.0
        } else {
            1.0 - (i - hold) as f64 / release as f64
        };
        env.push(level * a * r.max(0.0));
        level *= decay;
    }
    for k in 1..=HARMONICS {
        let f = hz * k as f64;
        if f > MAX_PARTIAL_HZ {
            break;
        }
        let amp = (k as f64).powf(-rolloff);
        let step = 2.0 * std::f64::consts::PI * f / sr;
        let (ds, dc) = step.sin_cos();
        let (mut s, mut c) = (0.0f64, 1.0f64);
        for (o, e) in out[start..end].iter_mut().zip(&env) {
            *o += e * amp * s;
            let s2 = s * dc + c * ds;
            c = c * dc - s * ds;
            s = s2;
        }
    }
}

/// Renders `duration_s` seconds of the clip described by `cues`; `seed`
/// drives its noise floor.
pub fn render(cues: &Cues, duration_s: f64, seed: u64) -> Vec<i16> {
    let sr = SAMPLE_RATE as f64;
    let n = (duration_s * sr).round() as usize;
    let mut mix = vec![0.0f64; n];
    let beat = 60.0 / cues.tempo_bpm;
    let fraction = 1.0 - (1.0 - STACCATO_FRACTION) * cues.articulation.clamp(0.0, 1.0);
    let hold = (beat * fraction * sr) as usize;
    let rolloff = 2.5 - 2.0 * cues.brightness.clamp(0.0, 1.0);
    let beats = (duration_s / beat).ceil() as usize;
    for b in 0..beats {
        let start = (b as f64 * beat * sr).round() as usize;
        let notes = chord_notes(cues, b / 2);
        for (i, &note) in notes.iter().enumerate() {
            let gain = if i == 0 { 0.8 } else { 0.5 };
            add_note(&mut mix, start, hold, midi_hz(note), gain, rolloff);
        }
    }
    let peak = mix.iter().fold(0.0f64, |m, &v| m.max(v.abs()));
    let full = i16::MAX as f64;
    let gain = if peak > 0.0 {
        10f64.powf(cues.loudness_dbfs / 20.0) * full / peak
    } else {
        0.0
    };
    let noise = 10f64.powf(NOISE_DBFS / 20.0) * full * 3f64.sqrt();
    let mut rng = StdRng::seed_from_u64(seed);
    mix.iter()
        .map(|&v| {
            let x = v * gain + noise * (2.0 * rng.random::<f64>() - 1.0);
            x.round().clamp(i16::MIN as f64, full) as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cues(mode: Mode) -> Cues {
        Cues {
            mode,
            tempo_bpm: 120.0,
            register: 57.0,
            loudness_dbfs: -12.0,
            brightness: 0.5,
            articulation: 0.5,
            progression: 0,
        }
    }

    #[test]
    fn chords_have_the_mode_s_thirds() {
        // A major: bass A2, triad A3 C#4 E4; A minor: A3 C4 E4.
        assert_eq!(chord_notes(&cues(Mode::Major), 0), [45.0, 57.0, 61.0, 64.0]);
        assert_eq!(chord_notes(&cues(Mode::Minor), 0), [45.0, 57.0, 60.0, 64.0]);
        // IV in A major is D major (D F# A); iv in A minor is D minor (D F A).
        assert_eq!(chord_notes(&cues(Mode::Major), 1), [50.0, 62.0, 66.0, 69.0]);
        assert_eq!(chord_notes(&cues(Mode::Minor), 1), [50.0, 62.0, 65.0, 69.0]);
    }

    #[test]
    fn level_length_and_determinism() {
        let c = cues(Mode::Major);
        let a = render(&c, 2.0, 1);
        assert_eq!(a.len(), 32_000);
        assert_eq!(a, render(&c, 2.0, 1));
        assert_ne!(a, render(&c, 2.0, 2));
        let peak = a.iter().map(|&v| (v as i32).abs()).max().unwrap() as f64;
        let want = 10f64.powf(-12.0 / 20.0) * 32767.0;
        assert!((peak - want).abs() < 40.0, "{peak} vs {want}");
    }

    #[test]
    fn fundamental_is_where_the_note_says() {
        // A single bright legato A4 (440 Hz) note: the strongest DFT bin of a
        // 1 s excerpt (1 Hz resolution) is 440 Hz.
        let mut out = vec![0.0; 16_000];
        add_note(&mut out, 0, 16_000, 440.0, 1.0, 1.0);
        let power = |f: f64| {
            let (mut re, mut im) = (0.0, 0.0);
            for (i, v) in out.iter().enumerate() {
                let ph = 2.0 * std::f64::consts::PI * f * i as f64 / 16_000.0;
                re += v * ph.cos();
                im += v * ph.sin();
            }
            re * re + im * im
        };
        let p440 = power(440.0);
        for f in [430.0, 450.0, 880.0, 660.0] {
            assert!(p440 > power(f), "{f} Hz beats 440 Hz");
        }
        assert!(power(880.0) > 10.0 * power(660.0));
    }
}
