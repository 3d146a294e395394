//! Damaged pickles never crash the reader: truncations of real numpy
//! pickles at (nearly) every length, and byte changes all through them, give an error (or, for a
//! harmless change, a result), never a panic or a hang.

use std::path::Path;

use valence_host::data::pickle::parse_pickle;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pickles")
            .join(name),
    )
    .unwrap()
}

#[test]
fn every_truncation_is_an_error() {
    for name in [
        "dtypes_p2.pkl",
        "dtypes_p4.pkl",
        "dtypes_p5.pkl",
        "layout_list_of_dicts.pkl",
        "layout_dict_X_y_p2.pkl",
    ] {
        let bytes = fixture(name);
        assert!(parse_pickle(&bytes).is_ok(), "{name}");
        // Every length for the small files, every 5th for the larger ones (test time).
        let step = if bytes.len() > 4000 { 5 } else { 1 };
        for len in (0..bytes.len()).step_by(step) {
            let err = parse_pickle(&bytes[..len]).err();
            assert!(err.is_some(), "{name} cut to {len} bytes was accepted");
        }
    }
}

#[test]
fn changed_bytes_do_not_crash() {
    let mut seed = 0x2545_f491_u32;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for name in [
        "dtypes_p2.pkl",
        "dtypes_p4.pkl",
        "layout_object_array.pkl",
        "layout_ordered_dict.pkl",
    ] {
        let bytes = fixture(name);
        for _ in 0..1000 {
            let mut b = bytes.clone();
            for _ in 0..1 + next() % 3 {
                let at = next() as usize % b.len();
                b[at] = next() as u8;
            }
            // Ok or Err are both fine; a panic fails the test.
            let _ = parse_pickle(&b);
        }
    }
}
