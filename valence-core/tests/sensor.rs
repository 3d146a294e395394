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
}
