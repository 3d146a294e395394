//! One test per [`SpecError`] and [`FrontEndError`] variant, and the serde round trip.

use valence_core::{FeatureSpec, FrontEnd, FrontEndError, MelScale, SpecError};

fn with(f: impl FnOnce(&mut FeatureSpec)) -> Result<(), SpecError> {
    let mut spec = FeatureSpec::DEFAULT;
    f(&mut spec);
    spec.validate()
}

#[test]
fn defaults_are_valid() {
    assert_eq!(FeatureSpec::DEFAULT.validate(), Ok(()));
    assert_eq!(FeatureSpec::LIBROSA_DEFAULTS.validate(), Ok(()));
}

#[test]
fn each_inconsistency_has_its_error() {
    assert_eq!(
        with(|s| s.sample_rate = 0),
        Err(SpecError::SampleRateOutOfRange { sample_rate: 0 })
    );
    assert_eq!(
        with(|s| s.n_fft = 500),
        Err(SpecError::FftSizeNotPowerOfTwo { n_fft: 500 })
    );
    assert_eq!(
        with(|s| s.n_fft = 0),
        Err(SpecError::FftSizeNotPowerOfTwo { n_fft: 0 })
    );
    assert_eq!(
        with(|s| s.n_fft = 32),
        Err(SpecError::FftSizeOutOfRange { n_fft: 32 })
    );
    assert_eq!(
        with(|s| s.n_fft = 8192),
        Err(SpecError::FftSizeOutOfRange { n_fft: 8192 })
    );
    assert_eq!(with(|s| s.hop = 0), Err(SpecError::HopZero));
    assert_eq!(
        with(|s| s.hop = 513),
        Err(SpecError::HopLargerThanFft {
            hop: 513,
            n_fft: 512
        })
    );
    assert_eq!(with(|s| s.n_mels = 0), Err(SpecError::NoMelBands));
    assert_eq!(
        with(|s| s.n_mels = 300),
        Err(SpecError::MoreBandsThanBins {
            n_mels: 300,
            n_bins: 257
        })
    );
    assert_eq!(
        with(|s| s.fmin_hz = -1.0),
        Err(SpecError::InvalidFmin { fmin_hz: -1.0 })
    );
    assert!(matches!(
        with(|s| s.fmin_hz = f32::NAN),
        Err(SpecError::InvalidFmin { .. })
    ));
    assert_eq!(
        with(|s| s.fmax_hz = 0.0),
        Err(SpecError::FmaxNotAboveFmin {
            fmin_hz: 0.0,
            fmax_hz: 0.0
        })
    );
    assert!(matches!(
        with(|s| s.fmax_hz = f32::INFINITY),
        Err(SpecError::FmaxNotAboveFmin { .. })
    ));
    assert_eq!(
        with(|s| s.fmax_hz = 8000.5),
        Err(SpecError::FmaxAboveNyquist {
            fmax_hz: 8000.5,
            nyquist_hz: 8000.0
        })
    );
    assert_eq!(
        with(|s| s.db_floor = 3),
        Err(SpecError::DbFloorOutOfRange { db_floor: 3 })
    );
    assert_eq!(
        with(|s| s.db_floor = -121),
        Err(SpecError::DbFloorOutOfRange { db_floor: -121 })
    );
}

#[test]
fn too_many_bands_for_the_bins_is_refused_like_librosa_warns() {
    // librosa warns "Empty filters detected" for 256 mels at n_fft 512 / 16 kHz.
    let err = with(|s| s.n_mels = 256).unwrap_err();
    assert!(
        matches!(err, SpecError::EmptyMelBand { n_mels: 256, .. }),
        "{err:?}"
    );
    // A narrow HTK range at low frequency runs out of bins too.
    let err = with(|s| {
        s.mel_scale = MelScale::Htk;
        s.fmax_hz = 400.0;
        s.n_mels = 40;
    })
    .unwrap_err();
    assert!(matches!(err, SpecError::EmptyMelBand { .. }), "{err:?}");
    // And the message says what to do.
    assert!(err.to_string().contains("fewer bands"));
}

#[test]
fn front_end_capacity_errors_name_both_values() {
    let err = FrontEnd::<512, 64>::new(&FeatureSpec {
        n_fft: 1024,
        ..FeatureSpec::DEFAULT
    })
    .unwrap_err();
    assert_eq!(
        err,
        FrontEndError::FftTooLarge {
            n_fft: 1024,
            capacity: 512
        }
    );
    let err = FrontEnd::<512, 32>::new(&FeatureSpec::DEFAULT).unwrap_err();
    assert_eq!(
        err,
        FrontEndError::TooManyBands {
            n_mels: 64,
            capacity: 32
        }
    );
    assert!(err.to_string().contains("64") && err.to_string().contains("32"));
    let err = FrontEnd::<512, 64>::new(&FeatureSpec {
        hop: 0,
        ..FeatureSpec::DEFAULT
    })
    .unwrap_err();
    assert_eq!(err, FrontEndError::Spec(SpecError::HopZero));
}

#[test]
fn spec_round_trips_through_serde() {
    let spec = FeatureSpec {
        mel_scale: MelScale::Htk,
        fmin_hz: 50.0,
        ..FeatureSpec::DEFAULT
    };
    let json = serde_json::to_string(&spec).unwrap();
    let back: FeatureSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, spec);
}
