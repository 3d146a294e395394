//! The model file: round trip through the core's writer and reader, one test
//! per refusal, and mutation fuzzing of the reader and one inference.

mod support;

use proptest::prelude::*;
use support::*;
use valence_core::model::{Blob, Capacity, Model, ModelError, FORMAT_VERSION, HEADER_LEN};
use valence_core::stats::{StatsError, StatsSpec, Summary};
use valence_core::{FeatureSpec, SpecError, ValenceSensor};

fn small_spec() -> FeatureSpec {
    FeatureSpec {
        n_mels: 16,
        ..FeatureSpec::DEFAULT
    }
}

fn small_model() -> OwnedModel {
    OwnedModel::random(7, small_spec(), StatsSpec::DEFAULT, &[24, 12])
}

#[test]
fn round_trip_is_zero_copy_and_exact() {
    let owned = small_model();
    let bytes = owned.to_bytes();
    let model = Model::from_bytes(&bytes).unwrap();
    assert_eq!(model.descriptor(), &owned.descriptor());
    // Blobs point into the file, not into copies.
    let w = model.descriptor().layers[0].weights;
    let range = bytes.as_ptr_range();
    assert!(range.contains(&w.as_ptr()));
    assert_eq!(model.n_features(), 32);
    assert_eq!(model.macs(), 32 * 24 + 24 * 12 + 12);
    assert_eq!(model.max_width(), 32);
    assert_eq!(model.descriptor().label.name, "valence");
}

#[test]
fn default_network_file_size() {
    let owned = OwnedModel::random(1, FeatureSpec::DEFAULT, StatsSpec::DEFAULT, &[256, 128, 64]);
    let bytes = owned.to_bytes();
    let model = Model::from_bytes(&bytes).unwrap();
    assert_eq!(model.macs(), 73_792);
    println!(
        "default network (128-256-128-64-1): {} bytes of model file",
        bytes.len()
    );
    assert!(bytes.len() < 80_000);
}

#[test]
fn header_errors() {
    let bytes = small_model().to_bytes();
    assert_eq!(
        Model::from_bytes(&bytes[..10]),
        Err(ModelError::TooShort { len: 10 })
    );
    let payload = bytes.len() - HEADER_LEN;
    assert_eq!(
        Model::from_bytes(&bytes[..bytes.len() - 5]),
        Err(ModelError::Truncated {
            expected: payload,
            available: payload - 5
        })
    );
    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0, 0, 0]);
    assert_eq!(
        Model::from_bytes(&longer),
        Err(ModelError::TrailingBytes { extra: 3 })
    );
    let mut bad = bytes.clone();
    bad[0] = b'X';
    assert_eq!(Model::from_bytes(&bad), Err(ModelError::BadMagic));
    let mut newer = bytes.clone();
    newer[4..6].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let err = Model::from_bytes(&newer).unwrap_err();
    assert_eq!(
        err,
        ModelError::UnsupportedVersion {
            found: FORMAT_VERSION + 1,
            supported: FORMAT_VERSION
        }
    );
    assert!(err
        .to_string()
        .contains(&format!("version {}", FORMAT_VERSION + 1)));
    let mut flipped = bytes.clone();
    let mid = HEADER_LEN + payload / 2;
    flipped[mid] ^= 0x10;
    assert!(matches!(
        Model::from_bytes(&flipped),
        Err(ModelError::CrcMismatch { .. })
    ));
}

#[test]
fn malformed_payload_with_a_valid_checksum() {
    let mut bytes = small_model().to_bytes();
    bytes.truncate(HEADER_LEN + 20);
    let payload = bytes[HEADER_LEN..].to_vec();
    bytes[8..12].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    bytes[12..16].copy_from_slice(&valence_core::model::crc32(&payload).to_le_bytes());
    assert_eq!(Model::from_bytes(&bytes), Err(ModelError::Malformed));
}

fn refused(edit: impl FnOnce(&mut OwnedModel)) -> ModelError {
    let mut owned = small_model();
    edit(&mut owned);
    let bytes = encode_unchecked(&owned.descriptor(), FORMAT_VERSION);
    Model::from_bytes(&bytes).unwrap_err()
}

#[test]
fn content_errors_one_per_variant() {
    assert_eq!(
        refused(|m| m.spec.hop = 0),
        ModelError::InvalidFeatureSpec(SpecError::HopZero)
    );
    assert_eq!(
        refused(|m| m.stats = StatsSpec {
            summary: Summary::MeanStd,
            window_frames: 6,
            hop_frames: 2
        }),
        ModelError::InvalidStatsSpec(StatsError::UnsupportedOverlap {
            window_frames: 6,
            hop_frames: 2
        })
    );
    assert_eq!(refused(|m| m.layers.clear()), ModelError::NoLayers);
    assert_eq!(
        refused(|m| {
            m.spec.n_mels = 20;
            let n = 40;
            m.offset = vec![0; 4 * n];
            m.in_mult = vec![0; 4 * n];
            m.in_shift = vec![0; n];
        }),
        ModelError::InputWidthMismatch {
            features: 40,
            inputs: 32
        }
    );
    assert_eq!(
        refused(|m| {
            let l = &mut m.layers[1];
            l.inputs = 23;
            l.weights.truncate(23 * 12);
        }),
        ModelError::LayersDoNotChain {
            layer: 1,
            inputs: 23,
            previous_outputs: 24
        }
    );
    assert_eq!(
        refused(|m| {
            let l = m.layers.last_mut().unwrap();
            l.outputs = 2;
            l.weights = vec![1; 24];
            l.bias = vec![0; 8];
            l.multiplier = vec![0; 8];
            l.shift = vec![0; 2];
        }),
        ModelError::OutputNotScalar { outputs: 2 }
    );
    assert_eq!(
        refused(|m| {
            m.layers[0].weights.pop();
        }),
        ModelError::BlobLength {
            layer: Some(0),
            blob: Blob::Weights,
            expected: 32 * 24,
            found: 32 * 24 - 1
        }
    );
    assert_eq!(
        refused(|m| {
            m.in_mult.pop();
        }),
        ModelError::BlobLength {
            layer: None,
            blob: Blob::InputMultiplier,
            expected: 128,
            found: 127
        }
    );
    assert_eq!(
        refused(|m| m.layers[1].shift[5] = 40),
        ModelError::ShiftOutOfRange {
            layer: Some(1),
            index: 5
        }
    );
    assert_eq!(
        refused(|m| m.in_shift[3] = (-31i8) as u8),
        ModelError::ShiftOutOfRange {
            layer: None,
            index: 3
        }
    );
    assert_eq!(
        refused(|m| m.layers[0].zero_point = 200),
        ModelError::ZeroPointOutOfRange { layer: 0 }
    );
}

#[test]
fn label_range_is_checked() {
    let owned = small_model();
    let mut desc = owned.descriptor();
    desc.label.max = f32::NAN;
    let bytes = encode_unchecked(&desc, FORMAT_VERSION);
    assert_eq!(
        Model::from_bytes(&bytes),
        Err(ModelError::InvalidLabelRange)
    );
}

#[test]
fn models_larger_than_the_build_are_refused_naming_both_sizes() {
    let owned = OwnedModel::random(3, FeatureSpec::DEFAULT, StatsSpec::DEFAULT, &[300]);
    let bytes = owned.to_bytes();
    let model = Model::from_bytes(&bytes).unwrap();
    let err = ValenceSensor::<512, 64, 256>::new(model.clone()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("300") && text.contains("256"), "{text}");
    assert_eq!(
        model.check_capacity(512, 64, 256),
        Err(ModelError::ExceedsCapacity {
            what: Capacity::LayerWidth,
            needed: 300,
            capacity: 256
        })
    );
    let big_fft = OwnedModel::random(
        3,
        FeatureSpec {
            n_fft: 1024,
            ..FeatureSpec::DEFAULT
        },
        StatsSpec::DEFAULT,
        &[8],
    );
    let bytes = big_fft.to_bytes();
    let model = Model::from_bytes(&bytes).unwrap();
    assert_eq!(
        model.check_capacity(512, 64, 256),
        Err(ModelError::ExceedsCapacity {
            what: Capacity::FftSize,
            needed: 1024,
            capacity: 512
        })
    );
}

#[test]
fn writer_refuses_a_small_buffer() {
    let owned = small_model();
    let mut buf = [0u8; 100];
    assert_eq!(
        valence_core::model::write_model(&owned.descriptor(), &mut buf),
        Err(ModelError::BufferTooSmall { capacity: 100 })
    );
}

fn load_and_run(bytes: &[u8]) {
    if let Ok(model) = Model::from_bytes(bytes) {
        if let Ok(mut sensor) = ValenceSensor::<4096, 64, 256>::new(model) {
            let samples = test_signal(40_000, 5);
            sensor.push(&samples, |_| {});
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Any damage to a valid file is either refused or yields a model that
    /// runs: the reader and one inference never panic.
    #[test]
    fn damaged_files_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        fix_crc in any::<bool>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = small_model().to_bytes();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            let n = cut.index(bytes.len());
            bytes.truncate(n);
        }
        if fix_crc && bytes.len() > HEADER_LEN {
            let payload = bytes[HEADER_LEN..].to_vec();
            bytes[8..12].copy_from_slice(&(payload.len() as u32).to_le_bytes());
            bytes[12..16].copy_from_slice(&valence_core::model::crc32(&payload).to_le_bytes());
        }
        load_and_run(&bytes);
    }

    /// Arbitrary bytes behind a valid header.
    #[test]
    fn arbitrary_payloads_never_panic(payload in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"VLNC");
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&[0, 0]);
        bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&valence_core::model::crc32(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        let _ = Model::from_bytes(&bytes);
    }
}
