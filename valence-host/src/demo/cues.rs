//! The musical cues of one demo clip and the linear rule that turns them
//! into its valence label: the "ground truth" of the demo corpus.
//!
//! # The rule
//!
//! Each cue is drawn uniformly from its range ([`RANGES`]) and mapped
//! linearly onto `[-1, 1]` (−1 at the low end of the range, +1 at the high
//! end; mode is −1 for minor, +1 for major). The label is
//!
//! ```text
//! valence = clamp( 0.40·mode + 0.25·tempo + 0.15·register + 0.10·articulation
//!                + 0.05·brightness + 0.05·loudness + ε,  −1, 1 ),   ε ~ N(0, 0.05²)
//! ```
//!
//! on a scale from −1 (as negative as the corpus gets) to +1 (as positive),
//! where articulation is +1 for the most staccato and −1 for the most legato
//! playing. The weights sum to 1, so the cues alone span the whole scale and
//! the noise term (σ = 0.05, 2.5 % of the range) stands for the disagreement
//! between listeners that real labels carry.
//!
//! # Where the weights come from
//!
//! Eerola, Friberg & Bresin (2013), "Emotional expression in music:
//! contribution, linearity, and additivity of primary musical cues",
//! *Frontiers in Psychology* 4:487, varied six cues systematically in
//! synthesised music and found their effects on perceived valence to be
//! largely linear and additive, with mode (major positive) by far the
//! strongest, followed by tempo (faster more positive) and register (higher
//! more positive), while articulation (staccato more positive), timbre
//! (brightness) and dynamics contributed less. **The numbers above are this
//! project's choice, not values from the paper**: they only keep the order of
//! the effect sizes it reports. The signs of the two weakest cues
//! (brighter and louder both slightly positive) are likewise our choice.
//! The rule is additive with no interactions, as the paper found sufficient
//! for most of the variance.

use rand::Rng;
use serde::{Deserialize, Serialize};

/// Major or minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The major mode (Ionian).
    Major,
    /// The natural minor mode (Aeolian).
    Minor,
}

impl Mode {
    /// `"major"` or `"minor"`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Major => "major",
            Mode::Minor => "minor",
        }
    }
}

/// The cues of one clip, in physical units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cues {
    /// Major or minor.
    pub mode: Mode,
    /// Beats per minute; one chord strike per beat.
    pub tempo_bpm: f64,
    /// The key's tonic as a MIDI note number (60 = middle C, may be
    /// fractional only in principle: the corpus draws whole semitones).
    pub register: f64,
    /// Peak level of the clip in dB relative to full scale.
    pub loudness_dbfs: f64,
    /// Harmonic brightness, 0 (dark: partials fall as `k^-2.5`) to 1
    /// (bright: `k^-0.5`).
    pub brightness: f64,
    /// Articulation, 0 (legato: notes fill the beat) to 1 (staccato: notes
    /// last a fifth of it).
    pub articulation: f64,
    /// Which of the mode's chord progressions ([`crate::demo::synth`]).
    pub progression: usize,
}

/// The range of one continuous cue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Lowest value (maps to −1).
    pub low: f64,
    /// Highest value (maps to +1).
    pub high: f64,
}

impl Range {
    /// `x` mapped linearly onto `[-1, 1]`.
    pub fn normalise(&self, x: f64) -> f64 {
        2.0 * (x - self.low) / (self.high - self.low) - 1.0
    }
}

/// The ranges the corpus draws cues from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CueRanges {
    /// Tempo, beats per minute.
    pub tempo_bpm: Range,
    /// Tonic, MIDI note (whole semitones are drawn).
    pub register: Range,
    /// Peak level, dBFS.
    pub loudness_dbfs: Range,
    /// Brightness, 0–1.
    pub brightness: Range,
    /// Articulation, 0 (legato) – 1 (staccato).
    pub articulation: Range,
}

/// The corpus's cue ranges: tempo 60–180 BPM, tonic E3–E5 (MIDI 52–76; below
/// that the thirds that tell major from minor fall closer together than the
/// default spec's mel bands),
/// peak level −30 to −6 dBFS, brightness and articulation 0–1.
pub const RANGES: CueRanges = CueRanges {
    tempo_bpm: Range {
        low: 60.0,
        high: 180.0,
    },
    register: Range {
        low: 52.0,
        high: 76.0,
    },
    loudness_dbfs: Range {
        low: -30.0,
        high: -6.0,
    },
    brightness: Range {
        low: 0.0,
        high: 1.0,
    },
    articulation: Range {
        low: 0.0,
        high: 1.0,
    },
};

/// The weights of the rule (see the module doc), in the order mode, tempo,
/// register, articulation, brightness, loudness.
pub const WEIGHTS: Weights = Weights {
    mode: 0.40,
    tempo: 0.25,
    register: 0.15,
    articulation: 0.10,
    brightness: 0.05,
    loudness: 0.05,
};

/// Standard deviation of the label noise ε.
pub const NOISE_SIGMA: f64 = 0.05;

/// The lowest and highest valence.
pub const VALENCE_RANGE: (f32, f32) = (-1.0, 1.0);

/// Weights of the normalised cues.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// Mode (+1 major, −1 minor).
    pub mode: f64,
    /// Tempo (faster +).
    pub tempo: f64,
    /// Register (higher +).
    pub register: f64,
    /// Articulation (staccato +).
    pub articulation: f64,
    /// Brightness (brighter +).
    pub brightness: f64,
    /// Loudness (louder +).
    pub loudness: f64,
}

/// The number of chord progressions per mode (see [`crate::demo::synth`]).
pub const PROGRESSIONS: usize = 3;

impl Cues {
    /// Cues drawn uniformly from [`RANGES`] (either mode with probability ½).
    pub fn random(rng: &mut impl Rng) -> Cues {
        let r = RANGES;
        let draw = |rng: &mut dyn rand::RngCore, range: Range| {
            range.low + (range.high - range.low) * rng.random::<f64>()
        };
        let mode = if rng.random::<bool>() {
            Mode::Major
        } else {
            Mode::Minor
        };
        let semitones = (r.register.high - r.register.low) as u32;
        Cues {
            mode,
            tempo_bpm: draw(rng, r.tempo_bpm),
            register: r.register.low + rng.random_range(0..=semitones) as f64,
            loudness_dbfs: draw(rng, r.loudness_dbfs),
            brightness: draw(rng, r.brightness),
            articulation: draw(rng, r.articulation),
            progression: rng.random_range(0..PROGRESSIONS),
        }
    }

    /// The rule's value before noise and clamping, in `[-1, 1]`.
    pub fn expected_valence(&self) -> f64 {
        let r = RANGES;
        let w = WEIGHTS;
        let mode = match self.mode {
            Mode::Major => 1.0,
            Mode::Minor => -1.0,
        };
        w.mode * mode
            + w.tempo * r.tempo_bpm.normalise(self.tempo_bpm)
            + w.register * r.register.normalise(self.register)
            + w.articulation * r.articulation.normalise(self.articulation)
            + w.brightness * r.brightness.normalise(self.brightness)
            + w.loudness * r.loudness_dbfs.normalise(self.loudness_dbfs)
    }

    /// The label: the rule plus `noise` (a draw of ε), clamped to
    /// [`VALENCE_RANGE`].
    pub fn valence(&self, noise: f64) -> f32 {
        let (lo, hi) = VALENCE_RANGE;
        ((self.expected_valence() + noise) as f32).clamp(lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn neutral(mode: Mode) -> Cues {
        Cues {
            mode,
            tempo_bpm: 120.0,
            register: 64.0,
            loudness_dbfs: -18.0,
            brightness: 0.5,
            articulation: 0.5,
            progression: 0,
        }
    }

    #[test]
    fn weights_sum_to_one_and_are_ordered() {
        let w = WEIGHTS;
        let sum = w.mode + w.tempo + w.register + w.articulation + w.brightness + w.loudness;
        assert!((sum - 1.0).abs() < 1e-12);
        assert!(w.mode > w.tempo && w.tempo > w.register && w.register > w.articulation);
        assert!(w.articulation > w.brightness && w.articulation > w.loudness);
    }

    #[test]
    fn rule_by_hand() {
        // Mid-range cues: only mode counts.
        assert!((neutral(Mode::Major).expected_valence() - 0.40).abs() < 1e-12);
        assert!((neutral(Mode::Minor).expected_valence() + 0.40).abs() < 1e-12);
        // Fastest tempo adds the full tempo weight.
        let fast = Cues {
            tempo_bpm: 180.0,
            ..neutral(Mode::Minor)
        };
        assert!((fast.expected_valence() - (-0.40 + 0.25)).abs() < 1e-12);
        // Every cue at its positive end: +1; clamped with noise.
        let best = Cues {
            mode: Mode::Major,
            tempo_bpm: 180.0,
            register: 76.0,
            loudness_dbfs: -6.0,
            brightness: 1.0,
            articulation: 1.0,
            progression: 0,
        };
        assert!((best.expected_valence() - 1.0).abs() < 1e-12);
        assert_eq!(best.valence(0.3), 1.0);
    }

    #[test]
    fn random_cues_stay_in_range() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let c = Cues::random(&mut rng);
            assert!((60.0..=180.0).contains(&c.tempo_bpm));
            assert!((52.0..=76.0).contains(&c.register) && c.register.fract() == 0.0);
            assert!(c.expected_valence().abs() <= 1.0 + 1e-12);
            assert!(c.progression < PROGRESSIONS);
        }
    }
}
