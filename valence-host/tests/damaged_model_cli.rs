//! Damaged model files — truncated at several lengths, or with one byte
//! flipped in the magic, the version, the length, the checksum or the
//! payload — are refused by `valence inspect`, `valence predict` and
//! `valence verify` with the file's path, the core's own error text
//! (`Model::from_bytes` on the same bytes) and a non-zero exit, and nothing
//! on standard output.
//!
//! `verify` checks for `qemu-system-arm` before it reads the model, so its
//! part is skipped (with a message) where QEMU is not installed.

use std::path::{Path, PathBuf};
use std::process::Output;

use valence_core::Model;
use valence_qemu::emulator::qemu_available;
use valence_tests::models::small_model;

fn valence(args: &[&std::ffi::OsStr]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_valence"))
        .args(args)
        .output()
        .unwrap()
}

fn example_wav() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/audio/chord-progression-16k.wav")
}

/// The damaged versions of `good`, each with a name.
fn damaged(good: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for len in [0, 10, 16, good.len() / 2, good.len() - 1] {
        v.push((format!("truncated to {len} bytes"), good[..len].to_vec()));
    }
    // Magic, version, payload length, checksum, first payload byte, a byte
    // in the middle of the weights, the last byte.
    for at in [0, 4, 9, 13, 16, good.len() / 2, good.len() - 1] {
        let mut bytes = good.to_vec();
        bytes[at] ^= 0x20;
        v.push((format!("byte {at} flipped"), bytes));
    }
    let mut longer = good.to_vec();
    longer.push(0);
    v.push(("one byte appended".to_string(), longer));
    v
}

fn check_refused(what: &str, command: &str, out: &Output, path: &Path, core_error: &str) {
    assert!(!out.status.success(), "{command}, {what}: exit status 0");
    assert!(out.stdout.is_empty(), "{command}, {what}: printed output");
    let err = String::from_utf8_lossy(&out.stderr);
    let expected = format!("{}: {core_error}", path.display());
    assert!(
        err.contains(&expected),
        "{command}, {what}: expected {expected:?} in {err:?}"
    );
}

#[test]
fn damaged_files_are_refused_with_the_core_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = small_model().to_bytes();
    let wav = example_wav();
    let verify = qemu_available();
    if !verify {
        eprintln!("qemu-system-arm is not installed: checking inspect and predict only");
    }
    for (i, (what, bytes)) in damaged(&good).into_iter().enumerate() {
        // The core's own verdict on these bytes is the oracle.
        let core_error = Model::from_bytes(&bytes).expect_err(&what).to_string();
        let path = dir.path().join(format!("damaged-{i}.vlm"));
        std::fs::write(&path, &bytes).unwrap();

        let out = valence(&["inspect".as_ref(), path.as_os_str()]);
        check_refused(&what, "inspect", &out, &path, &core_error);
        let out = valence(&["inspect".as_ref(), "--json".as_ref(), path.as_os_str()]);
        check_refused(&what, "inspect --json", &out, &path, &core_error);
        let out = valence(&[
            "predict".as_ref(),
            "--model".as_ref(),
            path.as_os_str(),
            wav.as_os_str(),
        ]);
        check_refused(&what, "predict", &out, &path, &core_error);
        if verify {
            let out = valence(&[
                "verify".as_ref(),
                "--model".as_ref(),
                path.as_os_str(),
                "--qemu".as_ref(),
                wav.as_os_str(),
            ]);
            check_refused(&what, "verify", &out, &path, &core_error);
        }
    }
}

#[test]
fn the_kinds_of_damage_get_their_own_messages() {
    let good = small_model().to_bytes();
    let verdicts: Vec<String> = damaged(&good)
        .iter()
        .map(|(_, b)| Model::from_bytes(b).unwrap_err().to_string())
        .collect();
    let has = |s: &str| verdicts.iter().any(|v| v.contains(s));
    assert!(has("too short for a model file"));
    assert!(has("the model file is truncated"));
    assert!(has("not a valence model file"));
    assert!(has("model format version"));
    assert!(has("the model file is damaged: checksum"));
    assert!(has("unexpected bytes after the model payload"));
}
