//! `valence demo` end to end at a reduced size (`--quick`): synthesise the
//! corpus, compute its features with the core, tune, train and export, run
//! the model file through the core's sensor on the held-out clips, and
//! check what came out against the rule that made the labels, an
//! independent recomputation of the features, and the quality goals of the
//! int8 export.

use valence_core::stats::StatsSpec;
use valence_core::FeatureSpec;
use valence_host::commands::demo::{run, validation_clips, DemoArgs, DATASET_FILE, VAL_FRACTION};
use valence_host::data::dataset::Dataset;
use valence_host::data::harmony::FeatureSet;
use valence_host::demo::check::pairwise_above;
use valence_host::demo::corpus::{build_dataset, design, CorpusSpec};
use valence_host::demo::cues::Mode;
use valence_host::demo::synth::render;

fn args(out: &std::path::Path, seed: u64) -> DemoArgs {
    DemoArgs {
        out: out.to_path_buf(),
        seed,
        clips: None,
        quick: true,
        force: false,
        // The default: mel statistics, harmony from the key's tonic, onset
        // statistics.
        feature_set: FeatureSet::MelKeyOnset,
    }
}

#[test]
fn quick_demo_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let o = run(&args(&out, 7)).unwrap();

    // The labels follow the rule: major clips score higher than minor ones,
    // on average and in most pairs.
    let c = &o.summary.corpus;
    assert!(
        c.mean_valence_major > c.mean_valence_minor + 0.5,
        "{} vs {}",
        c.mean_valence_major,
        c.mean_valence_minor
    );
    let by_mode = |m: Mode| -> Vec<f64> {
        o.clips
            .iter()
            .filter(|k| k.cues.mode == m)
            .map(|k| k.valence as f64)
            .collect()
    };
    assert!(pairwise_above(&by_mode(Mode::Major), &by_mode(Mode::Minor)) > 0.85);

    // The saved dataset is what the core computes from the synthesised
    // samples: recomputed here from the clip designs, byte for byte.
    let spec = CorpusSpec {
        clips: o.clips.len(),
        clip_seconds: c.spec.clip_seconds,
        seed: 7,
    };
    assert_eq!(design(&spec), o.clips);
    let again = build_dataset(
        &spec,
        &o.clips,
        &FeatureSpec::DEFAULT,
        &StatsSpec::DEFAULT,
        FeatureSet::MelKeyOnset,
        false,
    )
    .unwrap();
    let saved = Dataset::load(&out.join(DATASET_FILE)).unwrap();
    assert_eq!(again.to_bytes().unwrap(), saved.to_bytes().unwrap());
    // Four windows per 6 s clip, grouped by clip; 128 mel statistics, 15
    // harmony and 2 onset values each.
    assert_eq!(saved.n_examples(), 4 * o.clips.len());
    assert_eq!(saved.n_features(), 145);
    assert_eq!(saved.groups().unwrap()[5], "clip-0001");

    // The synthesiser is deterministic.
    let k = &o.clips[3];
    assert_eq!(
        render(&k.cues, 6.0, k.noise_seed),
        render(&k.cues, 6.0, k.noise_seed)
    );

    // Validation clips are whole clips, and the report agrees on their number.
    let val = validation_clips(&saved, VAL_FRACTION, 7);
    assert_eq!(val.len(), o.summary.validation_clips);
    assert_eq!(o.report.final_model.n_val, 4 * val.len());

    // The float model learned something on held-out clips.
    assert!(
        o.report.validation.pearson_r > 0.2,
        "{:?}",
        o.report.validation
    );

    // The int8 model meets the export's goals: validation MSE at most
    // 1.02 × the float model's, p99 |int8 − float| at most 1 % of the label
    // range (−1 to 1, as the demo states it).
    let e = &o.export;
    assert_eq!(e.label_range, (-1.0, 1.0));
    assert!(e.mse_ratio <= 1.02, "{e}");
    assert!(e.diff_p99_pct <= 1.0, "{e}");
    assert!(o.summary.export.as_ref().unwrap().passed);

    // The model file through the core's sensor, fed the raw samples of the
    // held-out clips: one reading per window, and the same error as the
    // export measured from the dataset's features (same features, same
    // int8 network).
    let k = o.summary.sensor.unwrap();
    assert_eq!(k.clips, val.len());
    assert_eq!(k.readings, 4 * val.len());
    assert!(
        (k.mse - e.val_mse_int8).abs() <= 1e-6 * e.val_mse_int8,
        "sensor {} vs export {}",
        k.mse,
        e.val_mse_int8
    );
    // It learned the strongest cue: held-out major clips read higher than
    // minor ones, on average and in most pairs.
    assert!(k.mean_major > k.mean_minor, "{k:?}");
    assert!(k.major_above_minor > 0.65, "{k:?}");
    assert_eq!(
        std::fs::read(out.join("model.vlm")).unwrap(),
        o.model,
        "model.vlm is the exported model"
    );
    let model = valence_core::Model::from_bytes(&o.model).unwrap();
    assert_eq!(model.feature_set(), FeatureSet::MelKeyOnset);
    assert_eq!(o.summary.feature_set, "mel-key-onset");

    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(readme.contains("harmony path"), "{readme}");
    // Everything the report names is there.
    for f in ["README.md", "summary.json", "corpus.csv", "run/report.json"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert_eq!(o.summary.examples.len(), 4);
    for e in &o.summary.examples {
        let wav = valence_host::wav::read_wav(&out.join(e)).unwrap();
        assert_eq!(wav.samples.len(), 96_000);
    }

    // A second run into the same folder is refused without --force.
    let err = run(&args(&out, 7)).unwrap_err();
    assert!(format!("{err:#}").contains("--force"), "{err:#}");
}
