//! `valence demo`'s data: a synthetic, labelled corpus of short music-like
//! clips for trying the whole pipeline without data of one's own.
//!
//! Modules, in data-flow order:
//!
//! - [`cues`]: the musical cues of a clip and the documented linear rule
//!   (after Eerola, Friberg & Bresin 2013) that gives its valence label.
//! - [`synth`]: the synthesiser, cues in, 16 kHz PCM out.
//! - [`corpus`]: many clips with random cues, and their dataset computed by
//!   the core's front end.
//! - [`check`]: an exported model run by the core's sensor on held-out clips.
//! - [`summary`]: the demo folder's report (`README.md`, `summary.json`,
//!   `corpus.csv`).

pub mod check;
pub mod corpus;
pub mod cues;
pub mod summary;
pub mod synth;
