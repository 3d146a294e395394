//! Test support: owned model blobs with sensible random weights, turned into
//! descriptors and files with the core's own writer ([`owned_model`], shared
//! with the cross-crate checks), raw encodings that bypass validation, and a
//! test signal (the cross-crate checks' own, shared by path).
#![allow(dead_code)]

use valence_core::model::ModelDescriptor;

mod owned_model;

pub use owned_model::*;

/// Header + payload for any descriptor, valid or not (bypasses validation).
pub fn encode_unchecked(desc: &ModelDescriptor<'_>, version: u16) -> Vec<u8> {
    let mut payload = vec![0u8; 1 << 20];
    let mut n = postcard::to_slice(desc, &mut payload).unwrap().len();
    if version >= 2 {
        // The feature-set field: set, chroma FFT size and hop (2048, 2048).
        let field = [desc.feature_set.code(), 0x00, 0x08, 0x00, 0x08];
        payload[n..n + field.len()].copy_from_slice(&field);
        n += field.len();
    }
    payload.truncate(n);
    let mut out = Vec::new();
    out.extend_from_slice(b"VLNC");
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(n as u32).to_le_bytes());
    out.extend_from_slice(&valence_core::model::crc32(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// The cross-crate checks' generated signals (`tests/src/signals.rs`),
/// shared by path so that the core's tests and the device checks feed the
/// same samples.
#[path = "../../../tests/src/signals.rs"]
mod signals;

/// A deterministic music-like test signal: noise, tones and a slow envelope
/// (the device checks' [`signals::music_like`]).
pub fn test_signal(n: usize, seed: u32) -> Vec<i16> {
    signals::music_like(n, seed)
}
