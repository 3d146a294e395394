//! Fuzz target: any bytes through `Model::from_bytes`, and when they load,
//! one sensor run long enough for an inference. Nothing may panic and the
//! work must stay bounded by the input size.
//!
//! Run: `cd valence-core/fuzz && cargo fuzz run model_from_bytes`
//! (seed it with a real model file in `corpus/model_from_bytes/`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use valence_core::model::{crc32, HEADER_LEN};
use valence_core::{Model, ValenceSensor};

fuzz_target!(|data: &[u8]| {
    check(data);
    // Most mutations break the checksum; also try the input with its header
    // repaired so the decoder and the validation are explored too.
    if data.len() >= HEADER_LEN {
        let mut fixed = data.to_vec();
        let payload_len = (data.len() - HEADER_LEN) as u32;
        let crc = crc32(&data[HEADER_LEN..]);
        fixed[8..12].copy_from_slice(&payload_len.to_le_bytes());
        fixed[12..16].copy_from_slice(&crc.to_le_bytes());
        check(&fixed);
    }
});

fn check(data: &[u8]) {
    if let Ok(model) = Model::from_bytes(data) {
        let _ = model.check_capacity(4096, 128, 512);
        let spec = *model.feature_spec();
        let frames = model.stats_spec().window_frames as usize + 1;
        if let Ok(mut sensor) = ValenceSensor::<1024, 64, 256>::new(model) {
            // A deterministic signal long enough for the first reading of any
            // statistics spec up to a few hundred frames.
            let n = (frames * spec.hop as usize + spec.n_fft as usize).min(600_000);
            let mut x: u32 = 1;
            let samples: Vec<i16> = (0..n)
                .map(|_| {
                    x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (x >> 16) as i16
                })
                .collect();
            sensor.push(&samples, |r| {
                let _ = r.value();
            });
        }
    }
}
