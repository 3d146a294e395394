//! The pickle, `.npy` and `.npz` readers against files written by real numpy
//! and pandas (`python/make_pickle_fixtures.py`, committed with its output in
//! `tests/fixtures/pickles/`), checked value by value against
//! `expected.json`, which the same script wrote from Python's own reading.

use std::path::{Path, PathBuf};

use serde_json::Value;
use valence_host::data::npy::{read_npy, read_npz};
use valence_host::data::pickle::layout::{KeyOptions, PickleData, XData};
use valence_host::data::pickle::spectrogram::spectrogram_features;
use valence_host::data::pickle::{
    is_python_data_path, parse_pickle, read_pickle, read_python_data, spectrogram_stats, ArrayData,
    NdArray, Node, Orientation, SpectrogramLayout, SpectrogramScale,
};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pickles")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn keys(v: &Value) -> KeyOptions {
    KeyOptions {
        x_key: v["x_key"].as_str().map(str::to_owned),
        y_key: v["y_key"].as_str().map(str::to_owned),
    }
}

/// Asserts that `a` is exactly the array Python described.
fn assert_array(a: &NdArray, want: &Value, what: &str) {
    assert_eq!(
        a.dtype.to_string(),
        want["dtype"].as_str().unwrap(),
        "{what}: dtype"
    );
    let shape: Vec<usize> = want["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(a.shape, shape, "{what}: shape");
    let values = want["values"].as_array().unwrap();
    match &a.data {
        ArrayData::F64(v) => {
            assert!(a.dtype.is_float(), "{what}: {} read as floats", a.dtype);
            let bits: Vec<u64> = want["f64_bits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_u64().unwrap())
                .collect();
            let got: Vec<u64> = v.iter().map(|x| x.to_bits()).collect();
            assert_eq!(got, bits, "{what}: values {v:?}");
        }
        ArrayData::I64(v) => {
            let want: Vec<i64> = values.iter().map(|x| x.as_i64().unwrap()).collect();
            assert_eq!(v, &want, "{what}: values");
        }
        ArrayData::U64(v) => {
            let want: Vec<u64> = values.iter().map(|x| x.as_u64().unwrap()).collect();
            assert_eq!(v, &want, "{what}: values");
        }
    }
}

fn dict_entry<'a>(node: &'a Node, key: &str) -> &'a Node {
    let Node::Dict(entries) = node else {
        panic!("not a dict: {}", node.describe())
    };
    &entries
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no key {key}"))
        .1
}

#[test]
fn every_dtype_byte_order_and_memory_order_in_protocols_0_to_5() {
    let e = expected();
    let dtypes = e["dtypes"].as_object().unwrap();
    // 12 dtypes, the 9 wider than a byte in both byte orders, 4 layouts each, plus 2 extras.
    assert_eq!(dtypes.len(), (9 * 2 + 3) * 4 + 2);
    for proto in 0..=5 {
        let file = format!("dtypes_p{proto}.pkl");
        let root = parse_pickle(&std::fs::read(dir().join(&file)).unwrap()).unwrap();
        for (key, want) in dtypes {
            let Node::Array(a) = dict_entry(&root, key) else {
                panic!("{file} {key}: not an array")
            };
            assert_array(a, want, &format!("{file}[{key}]"));
        }
        // Clips that reach shared dtype objects through the pickle memo.
        let Node::List(clips) = dict_entry(&root, "clips") else {
            panic!("{file}: clips")
        };
        let want = e["dtype_clips"].as_array().unwrap();
        assert_eq!(clips.len(), want.len());
        for (i, (c, w)) in clips.iter().zip(want).enumerate() {
            let Node::Array(a) = c else {
                panic!("{file}: clip {i}")
            };
            assert_array(a, w, &format!("{file} clip {i}"));
        }
    }
}

fn check_data(d: &PickleData, want: &Value, what: &str) {
    match want["x_kind"].as_str().unwrap() {
        "matrix" => {
            let XData::Matrix(a) = &d.x else {
                panic!("{what}: expected a matrix, got {}", d.x.describe())
            };
            assert_array(a, &want["x"], what);
        }
        "clips" => {
            let XData::Clips(c) = &d.x else {
                panic!("{what}: expected clips, got {}", d.x.describe())
            };
            let w = want["x_clips"].as_array().unwrap();
            assert_eq!(c.len(), w.len(), "{what}: clips");
            for (i, (a, w)) in c.iter().zip(w).enumerate() {
                assert_array(a, w, &format!("{what} clip {i}"));
            }
        }
        other => panic!("unknown kind {other}"),
    }
    match (&d.y, want.get("y")) {
        (Some(y), Some(w)) => assert_array(y, w, &format!("{what} labels")),
        (None, None) => {}
        (y, w) => panic!("{what}: labels {y:?} but expected {w:?}"),
    }
    assert_eq!(d.x_key.as_deref(), want["x_key"].as_str(), "{what}: x_key");
    assert_eq!(d.y_key.as_deref(), want["y_key"].as_str(), "{what}: y_key");
}

#[test]
fn the_layouts_people_save() {
    let e = expected();
    let cases = e["layout"].as_array().unwrap();
    assert!(cases.len() >= 16);
    for c in cases {
        let file = c["file"].as_str().unwrap();
        let d = read_pickle(&dir().join(file), &keys(&c["keys"]))
            .unwrap_or_else(|err| panic!("{file}: {err:#}"));
        check_data(&d, c, file);
    }
}

#[test]
fn bad_files_get_clear_errors() {
    let e = expected();
    let cases = e["errors"].as_array().unwrap();
    assert!(cases.len() >= 18);
    for c in cases {
        let file = c["file"].as_str().unwrap();
        let err = match read_pickle(&dir().join(file), &keys(&c["keys"])) {
            Ok(d) => panic!("{file}: read {} without error", d.x.describe()),
            Err(err) => format!("{err:#}"),
        };
        assert!(
            err.contains(file),
            "{file}: the error does not name the file: {err}"
        );
        for s in c["contains"].as_array().unwrap() {
            let s = s.as_str().unwrap();
            assert!(err.contains(s), "{file}: {s:?} missing from: {err}");
        }
        println!("{file}: {err}");
    }
}

#[test]
fn npy_and_npz() {
    let e = expected();
    for (file, want) in e["npy"].as_object().unwrap() {
        let a = read_npy(&dir().join(file)).unwrap_or_else(|err| panic!("{file}: {err:#}"));
        assert_array(&a, want, file);
    }
    for (file, want) in e["npz"].as_object().unwrap() {
        let d = read_npz(&dir().join(file), &KeyOptions::default())
            .unwrap_or_else(|err| panic!("{file}: {err:#}"));
        let XData::Matrix(x) = &d.x else {
            panic!("{file}: not a matrix")
        };
        assert_array(x, &want["x"], file);
        assert_array(d.y.as_ref().unwrap(), &want["y"], file);
        assert_eq!(d.x_key.as_deref(), want["x_key"].as_str(), "{file}");
        assert_eq!(d.y_key.as_deref(), want["y_key"].as_str(), "{file}");
    }
    let err = format!(
        "{:#}",
        read_npy(&dir().join("bad_truncated.pkl")).unwrap_err()
    );
    assert!(
        err.contains("bad_truncated.pkl") && err.contains(".npy"),
        "{err}"
    );
    let keys = KeyOptions {
        x_key: Some("nope".into()),
        y_key: None,
    };
    let err = format!(
        "{:#}",
        read_npz(&dir().join("npz_savez.npz"), &keys).unwrap_err()
    );
    assert!(
        err.contains("no key \"nope\"") && err.contains("\"X\""),
        "{err}"
    );
}

fn as_f32s(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

#[test]
fn spectrogram_statistics_match_the_device_definition_and_librosa() {
    let e = expected();
    let s = &e["spectrograms"];
    let n_mels = s["n_mels"].as_u64().unwrap() as usize;
    let layout = |scale, orientation| {
        let mut l = SpectrogramLayout::librosa(scale, orientation);
        l.n_mels = n_mels;
        l.spec.n_mels = n_mels as u16;
        l
    };
    let power = read_pickle(
        &dir().join(s["power_file"].as_str().unwrap()),
        &KeyOptions::default(),
    )
    .unwrap();
    let db = read_pickle(
        &dir().join(s["db_file"].as_str().unwrap()),
        &KeyOptions::default(),
    )
    .unwrap();
    assert_eq!(power.x_key.as_deref(), Some("mel"));
    assert_eq!(db.x_key.as_deref(), Some("spectrograms"));
    let lp = layout(SpectrogramScale::Power, Orientation::MelsByFrames);
    let ld = layout(SpectrogramScale::Db, Orientation::FramesByMels);
    let librosa = s["librosa_float_stats"].as_array().unwrap();
    for (i, (want_p, want_d)) in s["power_stats"]
        .as_array()
        .unwrap()
        .iter()
        .zip(s["db_stats"].as_array().unwrap())
        .enumerate()
    {
        let got = spectrogram_stats(&power.x.example(i), &lp).unwrap();
        assert_eq!(got, as_f32s(want_p), "power clip {i}");
        let got_db = spectrogram_stats(&db.x.example(i), &ld).unwrap();
        assert_eq!(got_db, as_f32s(want_d), "dB clip {i}");
        // Against librosa's float statistics: within the Q8.8 quantisation.
        for (k, (g, f)) in got.iter().zip(as_f32s(&librosa[i])).enumerate() {
            assert!(
                (g - f).abs() <= 1.0 / 256.0 + 1e-4,
                "clip {i} value {k}: {g} vs librosa {f}"
            );
        }
    }
    let all = spectrogram_features(&power.x, &lp).unwrap();
    assert_eq!(all.features.len(), 3);
    assert_eq!(all.spec.sample_rate, 22_050);
    assert_eq!((all.spec.n_fft, all.spec.hop), (2048, 512));
    // The wrong orientation is caught and explained, naming the clip.
    let err = format!("{:#}", spectrogram_features(&db.x, &lp).unwrap_err());
    assert!(
        err.contains("clip 0") && err.contains("frames-by-mels"),
        "{err}"
    );
}

#[test]
fn one_entry_point_for_all_python_files() {
    for name in [
        "layout_tuple_xy_p2.pkl",
        "npz_savez.npz",
        "npy_features_f4.npy",
    ] {
        let path = dir().join(name);
        assert!(is_python_data_path(&path), "{name}");
        let d = read_python_data(&path, &KeyOptions::default()).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(
            d.n_examples(),
            if name.ends_with(".pkl") { 6 } else { 5 },
            "{name}"
        );
        assert_eq!(d.y.is_some(), !name.ends_with(".npy"), "{name}");
    }
    assert!(!is_python_data_path(Path::new("song.wav")));
    let err = format!(
        "{:#}",
        read_python_data(&dir().join("missing.pkl"), &KeyOptions::default()).unwrap_err()
    );
    assert!(err.contains("missing.pkl"), "{err}");
}
