//! ValenceSensor: readings independent of chunking, the documented cadence,
//! features identical to the front end plus window statistics, and its RAM.

mod support;

use proptest::prelude::*;
use support::*;
use valence_core::sensor::DefaultSensor;
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

#[test]
fn default_sensor_ram() {
    let size = core::mem::size_of::<DefaultSensor<'static>>();
    println!("DefaultSensor (n_fft 512, 64 mels, width 256): {size} bytes of RAM on this target");
    assert!(size < 9 * 1024 + 512, "{size}");
}
