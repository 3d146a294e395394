//! Host tests of the microphone path with embedded-hal-mock: the SPI
//! frames of each ADC, code decoding, DC removal and scaling, pacing, the
//! sensor loop and start-up checks.

use embedded_hal_mock::eh1::delay::{CheckedDelay, Transaction as DelayTx};
use embedded_hal_mock::eh1::spi::{Mock as SpiMock, Transaction as SpiTx};
use valence_firmware::dc_blocker::{DcBlocker, DEFAULT_POLE_SHIFT};
use valence_firmware::mcp320x::NoSuchChannel;
use valence_firmware::{
    AdcKind, AdcMicrophone, DelayPacer, LoopEnd, Mcp320x, Microphone, Pacer, StartError,
};

fn conversion(write: Vec<u8>, read: Vec<u8>) -> Vec<SpiTx<u8>> {
    vec![
        SpiTx::transaction_start(),
        SpiTx::transfer_in_place(write, read),
        SpiTx::transaction_end(),
    ]
}

#[test]
fn mcp3201_reads_twelve_bits_from_two_bytes() {
    // Code 0xABC = 1010_1011_1100: r0 = xxx0_1010 (null bit, B11..B8... B7),
    // laid out as (code << 1) in the low 13 bits of the 16 clocked.
    let code: u16 = 0xABC;
    let word = code << 1;
    let r = vec![(word >> 8) as u8 | 0xE0, word as u8];
    let spi = SpiMock::new(&conversion(vec![0, 0], r));
    let mut adc = Mcp320x::new(spi, AdcKind::Mcp3201).unwrap();
    assert_eq!(adc.read_code().unwrap(), 0xABC);
    adc.release().done();
}

#[test]
fn mcp3202_sends_start_sgl_odd_msbf_and_reads_twelve_bits() {
    for (channel, cmd) in [(0u8, 0xA0u8), (1, 0xE0)] {
        let spi = SpiMock::new(&conversion(vec![0x01, cmd, 0x00], vec![0xFF, 0xF7, 0x65]));
        let mut adc = Mcp320x::new(spi, AdcKind::Mcp3202 { channel }).unwrap();
        assert_eq!(adc.read_code().unwrap(), 0x765);
        adc.release().done();
    }
}

#[test]
fn mcp3008_sends_channel_and_reads_ten_bits() {
    for channel in 0..8u8 {
        let cmd = (0x08 | channel) << 4;
        let spi = SpiMock::new(&conversion(vec![0x01, cmd, 0x00], vec![0x00, 0xFE, 0x3C]));
        let mut adc = Mcp320x::new(spi, AdcKind::Mcp3008 { channel }).unwrap();
        assert_eq!(adc.read_code().unwrap(), 0x23C);
        adc.release().done();
    }
}

#[test]
fn a_channel_the_part_lacks_is_refused() {
    let mut spi = SpiMock::new(&[]);
    let err = Mcp320x::new(&mut spi, AdcKind::Mcp3202 { channel: 2 }).unwrap_err();
    assert_eq!(
        err,
        NoSuchChannel {
            channel: 2,
            channels: 2
        }
    );
    let err = Mcp320x::new(&mut spi, AdcKind::Mcp3008 { channel: 8 }).unwrap_err();
    assert_eq!(err.channels, 8);
    spi.done();
}

#[test]
fn dc_blocker_removes_the_bias_and_scales_to_full_range() {
    // A 12-bit code around a bias of 2048 with a ±1000 square wave.
    let mut dc = DcBlocker::new(12, DEFAULT_POLE_SHIFT, 0);
    // The first sample seeds the estimate: no start-up step.
    assert_eq!(dc.process(2048), 0);
    let mut last = Vec::new();
    for n in 0..200_000u32 {
        let code = if (n / 40) % 2 == 0 { 3048 } else { 1048 };
        let y = dc.process(code);
        if n >= 199_920 {
            last.push(y as i32);
        }
    }
    // Output ±1000 codes · 16 (12 bits → 16 bits), the mean gone.
    let mean: i32 = last.iter().sum::<i32>() / last.len() as i32;
    assert!(mean.abs() <= 16, "residual DC {mean}");
    assert!(
        last.iter().all(|&v| (v.abs() - 16_000).abs() < 400),
        "{last:?}"
    );
    let bias = dc.mean().unwrap();
    assert!((bias - 2048).abs() <= 48, "bias {bias}");
}

#[test]
fn dc_blocker_tracks_a_drifting_bias_and_saturates() {
    let mut dc = DcBlocker::new(10, 6, 3);
    for code in (0..1024u16).chain((0..1024).rev()) {
        let _ = dc.process(code);
    }
    // Full-scale steps with extra gain clip instead of wrapping.
    let mut dc = DcBlocker::new(10, DEFAULT_POLE_SHIFT, 6);
    assert_eq!(dc.process(0), 0);
    assert_eq!(dc.process(1023), i16::MAX);
    let mut dc = DcBlocker::new(10, DEFAULT_POLE_SHIFT, 6);
    assert_eq!(dc.process(1023), 0);
    assert_eq!(dc.process(0), i16::MIN);
}

#[test]
fn delay_pacer_waits_the_period_minus_the_overhead() {
    let delay = CheckedDelay::new(&[DelayTx::delay_ns(52_500), DelayTx::delay_ns(52_500)]);
    let mut pacer = DelayPacer::new(delay, 16_000, 10_000);
    assert_eq!(pacer.gap_ns(), 52_500);
    pacer.wait();
    pacer.wait();
    pacer.release().done();
    let mut no_rate = DelayPacer::new(CheckedDelay::new(&[]), 0, 0);
    assert_eq!(no_rate.gap_ns(), 0);
    no_rate.wait();
    no_rate.release().done();
}

#[test]
fn adc_microphone_paces_converts_and_filters_each_sample() {
    let codes = [2048u16, 2148, 1948, 2048];
    let mut txs = Vec::new();
    for c in codes {
        let word = c << 1;
        txs.extend(conversion(vec![0, 0], vec![(word >> 8) as u8, word as u8]));
    }
    let spi = SpiMock::new(&txs);
    let delays: Vec<DelayTx> = codes.iter().map(|_| DelayTx::delay_ns(62_500)).collect();
    let pacer = DelayPacer::new(CheckedDelay::new(&delays), 16_000, 0);
    let adc = Mcp320x::new(spi, AdcKind::Mcp3201).unwrap();
    let mut mic = AdcMicrophone::new(adc, pacer, 16_000, 0);
    assert_eq!(mic.sample_rate(), 16_000);
    let mut buf = [0i16; 4];
    assert_eq!(mic.read(&mut buf).unwrap(), 4);
    assert_eq!(buf[0], 0);
    assert!(
        (buf[1] - 1600).abs() <= 16 && (buf[2] + 1600).abs() <= 48,
        "{buf:?}"
    );
    let (adc, pacer) = mic.release();
    adc.release().done();
    pacer.release().done();
}

/// A finite source for the loop: a slice, in blocks.
struct Samples<'a>(&'a [i16]);

impl Microphone for Samples<'_> {
    type Error = core::convert::Infallible;
    fn sample_rate(&self) -> u32 {
        16_000
    }
    fn read(&mut self, buf: &mut [i16]) -> Result<usize, Self::Error> {
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn the_sensor_loop_gives_the_sensors_readings_and_ends_with_the_source() {
    let model = model_bytes();
    let samples: Vec<i16> = (0..16_000 * 5)
        .map(|i| ((i as f64 * 0.05).sin() * 9000.0 + (i as f64 * 0.31).sin() * 3000.0) as i16)
        .collect();
    let mut host =
        valence_core::sensor::DefaultSensor::new(valence_core::Model::from_bytes(&model).unwrap())
            .unwrap();
    let mut expected = Vec::new();
    host.push(&samples, |r| expected.push(r));

    let mut sensor: valence_core::sensor::DefaultSensor =
        valence_firmware::start(&model, 16_000).unwrap();
    let mut got = Vec::new();
    let mut buf = [0i16; 300];
    let end = valence_firmware::run(
        &mut sensor,
        &mut Samples(&samples),
        &mut buf,
        &mut |r: &valence_core::Reading| got.push(*r),
    )
    .unwrap();
    assert_eq!(got, expected);
    assert_eq!(
        end,
        LoopEnd {
            samples: samples.len() as u64,
            readings: expected.len() as u32
        }
    );
}

#[test]
fn start_refuses_damaged_models_and_wrong_rates() {
    let mut model = model_bytes();
    let wrong_rate = valence_firmware::start::<512, 64, 256>(&model, 44_100).unwrap_err();
    assert_eq!(
        wrong_rate,
        StartError::SampleRate {
            model: 16_000,
            microphone: 44_100
        }
    );
    assert!(wrong_rate.to_string().contains("44100 Hz"));
    let last = model.len() - 1;
    model[last] ^= 1;
    let damaged = valence_firmware::start::<512, 64, 256>(&model, 16_000).unwrap_err();
    assert!(matches!(
        damaged,
        StartError::Model(valence_core::ModelError::CrcMismatch { .. })
    ));
    assert!(damaged.to_string().contains("damaged"));
    let good = model_bytes();
    let too_small = valence_firmware::start::<256, 64, 256>(&good, 16_000);
    assert!(matches!(too_small, Err(StartError::Sensor(_))));
}

/// A model that reads harmony features on a sensor without chroma buffers
/// is refused at start-up with a sensor error that names the harmony
/// features (`HarmonyNotBuilt` where valence-core is built without its
/// `harmony` feature, as on the RP2040; a chroma capacity error where it
/// has it), and the sensor stays unloaded.
#[test]
fn start_refuses_harmony_models_on_a_sensor_without_the_harmony_path() {
    let bytes = valence_tests::models::default_harmony_model().to_bytes();
    let mut sensor = valence_core::sensor::DefaultSensor::unloaded();
    let err = valence_firmware::start_in_place(&mut sensor, &bytes, 16_000).unwrap_err();
    match err {
        StartError::Sensor(valence_core::sensor::SensorError::HarmonyNotBuilt { feature_set }) => {
            assert_eq!(feature_set, valence_core::model::FeatureSet::MelHarmony);
            let text = err.to_string();
            assert!(text.contains("`harmony` cargo feature"), "{text}");
        }
        StartError::Sensor(valence_core::sensor::SensorError::Harmony(_)) => {
            assert!(err.to_string().contains("harmony"), "{err}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!sensor.is_loaded());
}

#[test]
fn start_in_place_sets_up_the_sensor_start_builds() {
    let model = model_bytes();
    let samples: Vec<i16> = (0..16_000 * 5)
        .map(|i| ((i as f64 * 0.013).sin() * 12000.0) as i16 ^ ((i * 7) % 64) as i16)
        .collect();
    let mut built: valence_core::sensor::DefaultSensor =
        valence_firmware::start(&model, 16_000).unwrap();
    let mut expected = Vec::new();
    built.push(&samples, |r| expected.push(r));
    assert!(!expected.is_empty());

    // A wrong rate leaves the sensor unloaded: the loop runs, nothing comes out.
    let mut sensor = valence_core::sensor::DefaultSensor::unloaded();
    let refused = valence_firmware::start_in_place(&mut sensor, &model, 8_000).unwrap_err();
    assert!(matches!(refused, StartError::SampleRate { .. }));
    assert!(!sensor.is_loaded());
    let mut buf = [0i16; 256];
    let mut got = Vec::new();
    let end = valence_firmware::run(
        &mut sensor,
        &mut Samples(&samples),
        &mut buf,
        &mut |r: &valence_core::Reading| got.push(*r),
    )
    .unwrap();
    assert!(got.is_empty());
    assert_eq!(end.readings, 0);

    // The right one sets the same sensor up in place: `start`'s readings.
    valence_firmware::start_in_place(&mut sensor, &model, 16_000).unwrap();
    let end = valence_firmware::run(
        &mut sensor,
        &mut Samples(&samples),
        &mut buf,
        &mut |r: &valence_core::Reading| got.push(*r),
    )
    .unwrap();
    assert_eq!(got, expected);
    assert_eq!(end.readings as usize, expected.len());
}

/// A clock that advances 10 µs at every look.
struct Ticking(u64);

impl valence_firmware::Stopwatch for Ticking {
    fn micros(&mut self) -> u64 {
        self.0 += 10;
        self.0
    }
}

/// Records readings and busy times.
#[derive(Default)]
struct Recorder {
    readings: Vec<valence_core::Reading>,
    busy: Vec<u64>,
}

impl valence_firmware::ReadingSink for Recorder {
    fn reading(&mut self, r: &valence_core::Reading) {
        self.readings.push(*r);
    }
    fn busy(&mut self, micros: u64) {
        self.busy.push(micros);
    }
}

#[test]
fn the_timed_loop_reports_the_sensors_time_per_reading() {
    let model = model_bytes();
    let samples: Vec<i16> = (0..16_000 * 4)
        .map(|i| ((i * 37) % 2000) as i16 - 1000)
        .collect();
    let mut sensor: valence_core::sensor::DefaultSensor =
        valence_firmware::start(&model, 16_000).unwrap();
    let mut sink = Recorder::default();
    let mut clock = Ticking(0);
    let mut buf = [0i16; 256];
    let end = valence_firmware::run_timed(
        &mut sensor,
        &mut Samples(&samples),
        &mut buf,
        &mut sink,
        &mut clock,
    )
    .unwrap();
    assert_eq!(end.readings as usize, sink.readings.len());
    assert_eq!(sink.busy.len(), sink.readings.len());
    // Every block is timed: the busy times add up to the ticks spent in
    // the sensor (10 µs per look, two looks per block or per reading).
    assert!(sink.busy.iter().all(|&b| b >= 10), "{:?}", sink.busy);
    assert!(sink.readings.len() >= 2);
}

/// A default-spec model file (a small network keeps the test quick).
fn model_bytes() -> Vec<u8> {
    valence_tests::models::OwnedModel::random(
        3,
        valence_core::FeatureSpec::DEFAULT,
        valence_core::stats::StatsSpec::DEFAULT,
        &[32],
    )
    .to_bytes()
}
