//! The model file: round trip through the core's writer and reader, one test
//! per refusal, and mutation fuzzing of the reader and one inference.

mod support;

use proptest::prelude::*;
use support::*;
use valence_core::model::{
    Blob, Capacity, FeatureSet, Model, ModelError, FORMAT_VERSION, FORMAT_VERSION_MEL, HEADER_LEN,
};
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

fn harmony_model(set: FeatureSet) -> OwnedModel {
    OwnedModel::random_with_set(7, small_spec(), StatsSpec::DEFAULT, &[24, 12], set)
}

#[test]
fn mel_models_are_version_1_with_no_feature_set_field() {
    let owned = small_model();
    let bytes = owned.to_bytes();
    assert_eq!(&bytes[4..6], &FORMAT_VERSION_MEL.to_le_bytes());
    // Exactly the descriptor in postcard: the encoding of version 1.
    assert_eq!(
        bytes,
        encode_unchecked(&owned.descriptor(), FORMAT_VERSION_MEL)
    );
    let model = Model::from_bytes(&bytes).unwrap();
    assert_eq!(model.feature_set(), FeatureSet::Mel);
    assert_eq!(model.format_version(), 1);
    assert_eq!(model.chroma_spec(), None);
    // A version 1 file with bytes after the descriptor is malformed.
    let mut longer = encode_unchecked(&owned.descriptor(), FORMAT_VERSION_MEL);
    longer.push(1);
    let len = (longer.len() - HEADER_LEN) as u32;
    longer[8..12].copy_from_slice(&len.to_le_bytes());
    let crc = valence_core::model::crc32(&longer[HEADER_LEN..]);
    longer[12..16].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(Model::from_bytes(&longer), Err(ModelError::Malformed));
}

#[test]
fn harmony_models_declare_their_feature_set_in_version_2() {
    for (set, features) in [
        (FeatureSet::MelHarmony, 32 + 15),
        (FeatureSet::Harmony, 15),
        (FeatureSet::HarmonyOnset, 15 + 2),
        (FeatureSet::MelHarmonyOnset, 32 + 15 + 2),
        (FeatureSet::KeyOnset, 15 + 2),
        (FeatureSet::MelKeyOnset, 32 + 15 + 2),
    ] {
        let owned = harmony_model(set);
        let bytes = owned.to_bytes();
        assert_eq!(&bytes[4..6], &2u16.to_le_bytes(), "{set}");
        // The field: set, chroma FFT size 2048 and hop 2048, little-endian.
        assert_eq!(&bytes[bytes.len() - 5..], &[set.code(), 0, 8, 0, 8]);
        assert_eq!(bytes, encode_unchecked(&owned.descriptor(), 2));
        let model = Model::from_bytes(&bytes).unwrap();
        assert_eq!(model.feature_set(), set);
        assert_eq!(model.descriptor(), &owned.descriptor());
        assert_eq!(model.n_features(), features);
        assert_eq!(model.format_version(), 2);
        let chroma = model.chroma_spec().unwrap();
        assert_eq!(
            (chroma.sample_rate, chroma.n_fft, chroma.hop),
            (16_000, 2048, 2048)
        );
    }
}

/// Rewrites the feature-set field of a version 2 file and fixes its CRC.
fn with_field(bytes: &[u8], field: [u8; 5]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let n = out.len();
    out[n - 5..].copy_from_slice(&field);
    let crc = valence_core::model::crc32(&out[HEADER_LEN..]);
    out[12..16].copy_from_slice(&crc.to_le_bytes());
    out
}

#[test]
fn feature_set_field_errors_are_typed() {
    let bytes = harmony_model(FeatureSet::MelHarmony).to_bytes();
    let unknown = with_field(&bytes, [7, 0, 8, 0, 4]);
    assert_eq!(
        Model::from_bytes(&unknown),
        Err(ModelError::UnknownFeatureSet { code: 7 })
    );
    assert!(ModelError::UnknownFeatureSet { code: 7 }
        .to_string()
        .contains("feature set 7"));
    let odd_fft = with_field(&bytes, [1, 0xE8, 0x03, 0, 4]);
    assert!(matches!(
        Model::from_bytes(&odd_fft),
        Err(ModelError::InvalidChromaSpec(_))
    ));
    let other = with_field(&bytes, [1, 0, 0x10, 0, 8]);
    assert_eq!(
        Model::from_bytes(&other),
        Err(ModelError::UnsupportedChroma {
            n_fft: 4096,
            hop: 2048
        })
    );
    // Mel models written as version 2 (no writer does) still read as mel.
    let mel = OwnedModel::random(7, small_spec(), StatsSpec::DEFAULT, &[24, 12]);
    let v2 = encode_unchecked(&mel.descriptor(), 2);
    assert_eq!(
        Model::from_bytes(&v2).unwrap().feature_set(),
        FeatureSet::Mel
    );
    // A field cut short.
    let mut short = bytes[..bytes.len() - 2].to_vec();
    let len = (short.len() - HEADER_LEN) as u32;
    short[8..12].copy_from_slice(&len.to_le_bytes());
    let crc = valence_core::model::crc32(&short[HEADER_LEN..]);
    short[12..16].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(Model::from_bytes(&short), Err(ModelError::Malformed));
}

#[test]
fn harmony_models_need_windows_that_hold_a_chroma_frame() {
    let stats = StatsSpec {
        summary: Summary::MeanStd,
        window_frames: 4,
        hop_frames: 4,
    };
    let owned = OwnedModel::random_with_set(7, small_spec(), stats, &[8], FeatureSet::MelHarmony);
    let mut buf = vec![0u8; 1 << 16];
    let err = valence_core::model::write_model(&owned.descriptor(), &mut buf).unwrap_err();
    assert_eq!(
        err,
        ModelError::WindowTooShortForChroma {
            window_samples: 3 * 256 + 512,
            // N + c − gcd(H, c) = 2048 + 2048 − gcd(1024, 2048).
            needed: 3072
        }
    );
    assert!(err.to_string().contains("chroma frame"), "{err}");
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
    let bytes = encode_unchecked(&owned.descriptor(), FORMAT_VERSION_MEL);
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
    let bytes = encode_unchecked(&desc, FORMAT_VERSION_MEL);
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
