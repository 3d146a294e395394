//! ValenceSensor: readings independent of chunking, the documented cadence,
//! features identical to the front end plus window statistics, set-up in
//! place (`unloaded` + `load`) equal to `new`, and its RAM.

mod support;

use proptest::prelude::*;
use support::*;
use valence_core::model::ModelError;
use valence_core::sensor::{DefaultSensor, SensorError};
use valence_core::stats::{StatsSpec, WindowStats};
use valence_core::{FeatureSpec, FrontEnd, Model, Reading};

fn default_model() -> OwnedModel {
    OwnedModel::random(
        11,
        FeatureSpec::DEFAULT,
        StatsSpec::DEFAULT,
        &[256, 128, 64],
    )
}

fn readings(bytes: &[u8], samples: &[i16], chunks: &[usize]) -> Vec<(Reading, Vec<i16>)> {
    let model = Model::from_bytes(bytes).unwrap();
    let mut sensor = DefaultSensor::new(model).unwrap();
    let mut out = Vec::new();
    let mut rest = samples;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).clamp(1, rest.len());
        let (mut chunk, tail) = rest.split_at(n);
        while let Some(r) = sensor.next_reading(&mut chunk) {
            let (m, s) = sensor.features();
            out.push((r, m.iter().chain(s).copied().collect()));
        }
        rest = tail;
    }
    out
}

#[test]
fn cadence_follows_the_statistics_spec() {
    let bytes = default_model().to_bytes();
    let samples = test_signal(16_000 * 10, 1);
    let got = readings(&bytes, &samples, &[samples.len()]);
    let frames = (samples.len() - 512) / 256 + 1;
    assert_eq!(got.len(), 1 + (frames - 128) / 64);
    for (i, (r, _)) in got.iter().enumerate() {
        assert_eq!(r.index as usize, i);
        // The reading's window ends with frame 127 + 64·i.
        assert_eq!(r.end_sample as usize, (127 + 64 * i) * 256 + 512);
    }
    // Readings vary with the input (the network is not constant).
    let distinct: std::collections::BTreeSet<i32> = got.iter().map(|(r, _)| r.value_q16).collect();
    assert!(distinct.len() > 1);
}

#[test]
fn features_equal_front_end_plus_window_statistics() {
    let bytes = default_model().to_bytes();
    let samples = test_signal(16_000 * 6, 2);
    let got = readings(&bytes, &samples, &[999]);
    let mut fe = FrontEnd::<512, 64>::new(&FeatureSpec::DEFAULT).unwrap();
    let mut ws = WindowStats::<64>::new(&StatsSpec::DEFAULT, 64).unwrap();
    let (mut m, mut s) = ([0i16; 64], [0i16; 64]);
    let mut want = Vec::new();
    fe.push(&samples, |frame| {
        if ws.push(frame, &mut m, &mut s) {
            want.push(m.iter().chain(&s).copied().collect::<Vec<i16>>());
        }
    });
    let got: Vec<Vec<i16>> = got.into_iter().map(|(_, f)| f).collect();
    assert_eq!(got, want);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn readings_do_not_depend_on_chunking(chunks in proptest::collection::vec(1usize..5000, 1..8)) {
        let bytes = default_model().to_bytes();
        let samples = test_signal(16_000 * 5, 3);
        let whole = readings(&bytes, &samples, &[samples.len()]);
        prop_assert_eq!(readings(&bytes, &samples, &chunks), whole);
    }
}

/// A model of another shape than the default (smaller FFT, fewer bands,
/// shorter windows), to leave a different state behind before a `load`.
fn small_model() -> OwnedModel {
    let spec = FeatureSpec {
        n_fft: 256,
        hop: 128,
        n_mels: 40,
        ..FeatureSpec::DEFAULT
    };
    let stats = StatsSpec {
        window_frames: 32,
        hop_frames: 16,
        ..StatsSpec::DEFAULT
    };
    OwnedModel::random(5, spec, stats, &[24])
}

/// Every reading of `sensor` on `samples` (pushed in blocks of 700) with its
/// feature vector.
fn drain(sensor: &mut DefaultSensor<'_>, samples: &[i16]) -> Vec<(Reading, Vec<i16>)> {
    let mut out = Vec::new();
    for block in samples.chunks(700) {
        let mut block = block;
        while let Some(r) = sensor.next_reading(&mut block) {
            let (m, s) = sensor.features();
            out.push((r, m.iter().chain(s).copied().collect()));
        }
    }
    out
}

#[test]
fn load_in_place_gives_the_readings_of_new() {
    let bytes = default_model().to_bytes();
    let samples = test_signal(16_000 * 8, 4);
    let mut built = DefaultSensor::new(Model::from_bytes(&bytes).unwrap()).unwrap();
    let want = drain(&mut built, &samples);
    assert_eq!(want.len(), 6);

    let mut loaded = DefaultSensor::unloaded();
    assert!(!loaded.is_loaded());
    loaded.load(Model::from_bytes(&bytes).unwrap()).unwrap();
    assert!(loaded.is_loaded());
    assert_eq!(loaded.model(), built.model());
    assert_eq!(drain(&mut loaded, &samples), want);

    // Loading over a sensor that served another model mid-stream starts over
    // exactly as a new sensor does: nothing of the old state leaks through.
    let small = small_model().to_bytes();
    let mut reused = DefaultSensor::new(Model::from_bytes(&small).unwrap()).unwrap();
    let half = test_signal(16_000 * 3 + 77, 9);
    assert!(!drain(&mut reused, &half).is_empty());
    reused.load(Model::from_bytes(&bytes).unwrap()).unwrap();
    assert_eq!(drain(&mut reused, &samples), want);

    // And back to the small model, whose readings match its own new sensor.
    let mut small_new = DefaultSensor::new(Model::from_bytes(&small).unwrap()).unwrap();
    let small_want = drain(&mut small_new, &samples);
    reused.load(Model::from_bytes(&small).unwrap()).unwrap();
    assert_eq!(drain(&mut reused, &samples), small_want);
}

#[test]
fn a_failed_load_leaves_a_usable_unloaded_sensor() {
    let bytes = default_model().to_bytes();
    let samples = test_signal(16_000 * 8, 6);
    // Models this build cannot serve: an FFT of 2048 points, 128 bands, and
    // a layer 512 wide; each is refused with what it needed.
    let too_big =
        OwnedModel::random(3, FeatureSpec::LIBROSA_DEFAULTS, StatsSpec::DEFAULT, &[16]).to_bytes();
    let too_wide =
        OwnedModel::random(4, FeatureSpec::DEFAULT, StatsSpec::DEFAULT, &[512]).to_bytes();
    let mut sensor = DefaultSensor::new(Model::from_bytes(&bytes).unwrap()).unwrap();
    let want = drain(&mut sensor, &samples);

    for refused in [&too_big, &too_wide] {
        let model = Model::from_bytes(refused).unwrap();
        let err = sensor.load(model).unwrap_err();
        assert!(
            matches!(err, SensorError::Model(ModelError::ExceedsCapacity { .. })),
            "{err:?}"
        );
        assert!(!err.to_string().is_empty());
        // Unloaded: no model, no features, no readings, input consumed.
        assert!(!sensor.is_loaded());
        assert!(sensor.model().is_none());
        assert_eq!(sensor.features(), (&[][..], &[][..]));
        let mut input: &[i16] = &samples;
        assert_eq!(sensor.next_reading(&mut input), None);
        assert!(input.is_empty());
        let mut count = 0;
        sensor.push(&samples, |_| count += 1);
        assert_eq!(count, 0);
        sensor.reset();
        assert!(format!("{sensor:?}").contains("ValenceSensor"));
        // A later load that fits makes it a sensor like a new one.
        sensor.load(Model::from_bytes(&bytes).unwrap()).unwrap();
        assert_eq!(drain(&mut sensor, &samples), want);
    }
}

#[test]
fn default_sensor_ram() {
    let size = core::mem::size_of::<DefaultSensor<'static>>();
    println!("DefaultSensor (n_fft 512, 64 mels, width 256): {size} bytes of RAM on this target");
    assert!(size < 9 * 1024 + 512, "{size}");
    #[cfg(feature = "harmony")]
    {
        use valence_core::sensor::DefaultHarmonySensor;
        let size = core::mem::size_of::<DefaultHarmonySensor<'static>>();
        println!(
            "DefaultHarmonySensor (and the 2048-point chroma path): {size} bytes of RAM on this target"
        );
        assert!(size < 40 * 1024, "{size}");
    }
}

fn harmony_default_model(set: valence_core::model::FeatureSet) -> OwnedModel {
    OwnedModel::random_with_set(
        13,
        FeatureSpec::DEFAULT,
        StatsSpec::DEFAULT,
        &[256, 128, 64],
        set,
    )
}

/// Without the `harmony` feature a model that reads harmony features is
/// refused at `load`, with an error that says what is missing and how to
/// get it, and the sensor is left unloaded.
#[cfg(not(feature = "harmony"))]
#[test]
fn a_build_without_harmony_refuses_harmony_models() {
    use valence_core::model::FeatureSet;
    for set in [
        FeatureSet::MelHarmony,
        FeatureSet::Harmony,
        FeatureSet::HarmonyOnset,
        FeatureSet::MelHarmonyOnset,
    ] {
        let bytes = harmony_default_model(set).to_bytes();
        let mut sensor = DefaultSensor::unloaded();
        let err = sensor.load(Model::from_bytes(&bytes).unwrap()).unwrap_err();
        assert_eq!(err, SensorError::HarmonyNotBuilt { feature_set: set });
        let text = err.to_string();
        assert!(
            text.contains("harmony features") && text.contains("`harmony` cargo feature"),
            "{text}"
        );
        assert!(!sensor.is_loaded());
        let mut count = 0;
        sensor.push(&test_signal(40_000, 2), |_| count += 1);
        assert_eq!(count, 0);
    }
    // Mel models still load.
    let mel = default_model().to_bytes();
    assert!(DefaultSensor::new(Model::from_bytes(&mel).unwrap()).is_ok());
}

/// With the feature: readings on the harmony sensor are the network on the
/// mel statistics, the harmony values and (onset sets) the onset statistics
/// of the same windows computed apart (front end + window statistics,
/// `harmony_rows`, `OnsetStats`), for any chunking.
#[cfg(feature = "harmony")]
#[test]
fn harmony_sensor_reads_mel_and_harmony_statistics_of_each_window() {
    use valence_core::harmony::{ChromaOrder, KeyClarity};
    use valence_core::harmony_stream::{harmony_rows, HarmonyStream, HarmonyStreamError};
    use valence_core::mlp::{infer, quantize_features};
    use valence_core::model::FeatureSet;
    use valence_core::onset::OnsetStats;
    use valence_core::sensor::DefaultHarmonySensor;

    let samples = test_signal(16_000 * 9, 3);
    let spec = FeatureSpec::DEFAULT;
    let stats = StatsSpec::DEFAULT;
    // Mel statistics of every window, computed apart.
    let mut fe = Box::new(FrontEnd::<512, 64>::new(&spec).unwrap());
    let mut ws = Box::new(WindowStats::<64>::new(&stats, 64).unwrap());
    let (mut m, mut s) = (vec![0i16; 64], vec![0i16; 64]);
    let mut onset = Box::new(OnsetStats::<64>::new(&stats, 64).unwrap());
    let mut o = [0i16; 2];
    let mut mel_rows = Vec::new();
    let mut onset_rows = Vec::new();
    fe.push(&samples, |frame| {
        let onset_done = onset.push(frame, &mut o);
        if ws.push(frame, &mut m, &mut s) {
            assert!(onset_done, "onset windows complete with the statistics");
            mel_rows.push((m.clone(), s.clone()));
            onset_rows.push(o);
        }
    });
    assert!(onset_rows.iter().any(|o| o[0] > 0), "the signal has onsets");
    let mut stream = Box::new(HarmonyStream::<2048, 4992>::unloaded());
    let mut harmony_in = |order| {
        let mut rows: Vec<[i32; 15]> = Vec::new();
        harmony_rows(
            &mut stream,
            &spec,
            &stats,
            order,
            &samples,
            mel_rows.len(),
            |_, row| rows.push(*row),
        )
        .unwrap();
        rows
    };
    let by_class = harmony_in(ChromaOrder::PitchClass);
    let by_degree = harmony_in(ChromaOrder::FromTonic);
    assert_eq!(mel_rows.len(), 7);
    // From the tonic: the pitch-class chroma rotated to the best key.
    for (c, d) in by_class.iter().zip(&by_degree) {
        let chroma: [u16; 12] = core::array::from_fn(|i| c[i] as u16);
        let tonic = KeyClarity::of(&chroma).best_key() as usize % 12;
        let rotated: Vec<i32> = (0..12).map(|i| c[(tonic + i) % 12]).collect();
        assert_eq!(d[..12], rotated[..]);
        assert_eq!(d[12..], c[12..]);
    }
    assert_ne!(by_class, by_degree, "the signal is not in C");

    for set in FeatureSet::ALL.into_iter().filter(|s| s.has_harmony()) {
        let harmony = match set.chroma_order() {
            ChromaOrder::PitchClass => &by_class,
            ChromaOrder::FromTonic => &by_degree,
        };
        let bytes = harmony_default_model(set).to_bytes();
        let model = Model::from_bytes(&bytes).unwrap();
        // The lean default sensor has no chroma buffers.
        let mut lean = Box::new(DefaultSensor::unloaded());
        assert!(matches!(
            lean.load(model.clone()),
            Err(SensorError::Harmony(HarmonyStreamError::Chroma(_)))
        ));
        let mut want = Vec::new();
        for (((means, stds), h), o) in mel_rows.iter().zip(harmony).zip(&onset_rows) {
            let mel: Vec<i32> = if set.has_mel() {
                means.iter().chain(stds).map(|&v| v as i32).collect()
            } else {
                Vec::new()
            };
            let onset: Vec<i32> = if set.has_onset() {
                o.iter().map(|&v| v as i32).collect()
            } else {
                Vec::new()
            };
            let n = model.n_features();
            let (mut a, mut b) = (vec![0i8; 256], vec![0i8; 256]);
            quantize_features(
                &model.descriptor().input,
                mel.into_iter().chain(h.iter().copied()).chain(onset),
                &mut a[..n],
            );
            want.push(infer(&model, &mut a, &mut b));
        }
        for chunk in [samples.len(), 1000, 333] {
            let mut sensor = Box::new(DefaultHarmonySensor::unloaded());
            sensor.load(model.clone()).unwrap();
            let mut got = Vec::new();
            let mut rows = Vec::new();
            let mut onsets = Vec::new();
            for block in samples.chunks(chunk) {
                let mut block = block;
                while let Some(r) = sensor.next_reading(&mut block) {
                    got.push(r.value_q16);
                    rows.push(<[i32; 15]>::try_from(sensor.harmony_features()).unwrap());
                    onsets.push(sensor.onset_features().to_vec());
                }
            }
            assert_eq!(&rows, harmony, "{set}, chunks of {chunk}");
            let want_onsets: Vec<Vec<i16>> = onset_rows
                .iter()
                .map(|o| {
                    if set.has_onset() {
                        o.to_vec()
                    } else {
                        Vec::new()
                    }
                })
                .collect();
            assert_eq!(onsets, want_onsets, "{set}, chunks of {chunk}");
            assert_eq!(got, want, "{set}, chunks of {chunk}");
        }
        // A mel model on the harmony sensor reads as on the lean one.
        let mel = default_model().to_bytes();
        let mut h = Box::new(DefaultHarmonySensor::unloaded());
        h.load(Model::from_bytes(&mel).unwrap()).unwrap();
        assert!(h.harmony_features().is_empty());
        let mut l = Box::new(DefaultSensor::new(Model::from_bytes(&mel).unwrap()).unwrap());
        let (mut x, mut y) = (Vec::new(), Vec::new());
        h.push(&samples, |r| x.push(r));
        l.push(&samples, |r| y.push(r));
        assert_eq!(x, y);
    }
}
