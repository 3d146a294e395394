//! The emulated device against the host, bit for bit, and its cost.
//!
//! Builds the `mps2-an386` firmware (Cortex-M4F) with each model, runs it
//! under QEMU on generated signals and on real recordings, and compares
//! every reading with the host's `ValenceSensor` on the same samples:
//! same number of readings, identical bits. Models: a small one on a
//! smaller spec made here, one of the default shape made here, one of the
//! default shape that reads harmony features too (the firmware is built
//! with the harmony path), one that reads the onset statistics as well,
//! one that reads them with the chroma from the key's tonic, and the
//! shipped `models/default.vlm` and `models/mel.vlm`. Also: a damaged model is reported and the firmware halts with
//! status 2; the sensor path of the linked firmware reaches no panic
//! machinery; and the cost pass (exact instruction counts, flash, RAM) for
//! the default shape, without and with harmony (and onset) features, printed as the
//! tables of BENCHMARKS.md.
//!
//! QEMU (`qemu-system-arm`) is required; without it these tests say
//! SKIPPED and pass, except in CI (`CI` set), where they fail. The real
//! recordings (`../shared/data`) are skipped with a message when absent.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use valence_core::sensor::DefaultHarmonySensor;
use valence_core::{Model, Reading};
use valence_qemu::callgraph::CallGraph;
use valence_qemu::elf::Firmware;
use valence_qemu::emulator::{self, Mode, RunOptions};
use valence_qemu::firmware::{self, Board};
use valence_qemu::verify::{self, Input};
use valence_qemu::{cost, plugin};
use valence_tests::{models, signals};

/// Builds share the examples' target folders: one at a time.
static BUILD: Mutex<()> = Mutex::new(());

fn root() -> PathBuf {
    firmware::repo_root_from(Path::new(env!("CARGO_MANIFEST_DIR")))
}

/// Whether QEMU is there; panics in CI when it is not.
fn qemu_or_skip(test: &str) -> bool {
    if emulator::qemu_available() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: qemu-system-arm is missing, and CI is set: install it (apt-get install qemu-system-arm)"
    );
    println!("SKIPPED {test}: qemu-system-arm not found (apt-get install qemu-system-arm)");
    false
}

/// Writes a generated model under `target/firmware-models/` (unchanged
/// files are left alone, so the firmware is not rebuilt for nothing) and
/// returns its path. CI builds the board examples with the same files.
fn model_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = root().join("target/firmware-models");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    if std::fs::read(&path).ok().as_deref() != Some(bytes) {
        std::fs::write(&path, bytes).unwrap();
    }
    path
}

/// Builds a board with a model and copies the ELF to `target/firmware-elf/NAME`
/// (one name per test: tests run in parallel).
fn build(board: Board, model: &Path, name: &str) -> PathBuf {
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let elf = firmware::build(&root(), board, model).unwrap_or_else(|e| panic!("{e}"));
    let dir = root().join("target/firmware-elf");
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join(name);
    std::fs::copy(&elf, &copy).unwrap();
    copy
}

/// The host's readings: the core's sensor with the emulated firmware's
/// capacities (the default ones and the default chroma path).
fn host_readings(model: &[u8], samples: &[i16]) -> Vec<Reading> {
    let mut sensor = Box::new(DefaultHarmonySensor::unloaded());
    sensor.load(Model::from_bytes(model).unwrap()).unwrap();
    let mut out = Vec::new();
    sensor.push(samples, |r| out.push(r));
    out
}

/// Real recordings decoded and resampled to `rate` by librosa (first 30 s
/// of each): the `music/` files and two emoMusic clips.
fn recordings(rate: u32) -> Option<Vec<(String, Vec<i16>)>> {
    let data = valence_tests::env::data_dir();
    if !data.is_dir() {
        println!(
            "SKIPPED the real-recording part: {} not found (real recordings are not part of the repository)",
            data.display()
        );
        return None;
    }
    let mut files = Vec::new();
    for (sub, take) in [("music", usize::MAX), ("emomusic/audio", 2)] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(data.join(sub))
            .unwrap_or_else(|e| panic!("{}: {e}", data.join(sub).display()))
            .map(|e| e.unwrap().path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("wav" | "ogg" | "mp3")
                )
            })
            .collect();
        found.sort();
        files.extend(found.into_iter().take(take));
    }
    let python = valence_tests::env::python("decoding the recordings");
    let out = std::env::temp_dir().join(format!("valence-device-pcm-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let script = "import sys, os, numpy as np, librosa\n\
        sr = int(sys.argv[1]); out = sys.argv[2]\n\
        for i, p in enumerate(sys.argv[3:]):\n\
        \x20   y, _ = librosa.load(p, sr=sr, mono=True, res_type='soxr_hq', duration=30.0)\n\
        \x20   q = np.clip(np.round(y * 32768.0), -32768, 32767).astype('<i2')\n\
        \x20   q.tofile(os.path.join(out, f'{i}.i16'))\n";
    let status = Command::new(&python)
        .args(["-c", script, &rate.to_string()])
        .arg(&out)
        .args(&files)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "decoding the recordings with librosa failed"
    );
    let decoded = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let bytes = std::fs::read(out.join(format!("{i}.i16"))).unwrap();
            let samples = bytes
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect();
            (
                f.file_name().unwrap().to_string_lossy().to_string(),
                samples,
            )
        })
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    Some(decoded)
}

#[test]
fn emulated_device_gives_the_hosts_readings_bit_for_bit() {
    if !qemu_or_skip("emulated_device_gives_the_hosts_readings_bit_for_bit") {
        return;
    }
    let mut models: Vec<(String, Vec<u8>)> = vec![
        ("small".into(), models::small_model().to_bytes()),
        (
            "default-shape".into(),
            models::default_shape_model().to_bytes(),
        ),
        (
            "default-harmony".into(),
            models::default_harmony_model().to_bytes(),
        ),
        (
            "default-harmony-onset".into(),
            models::default_onset_model().to_bytes(),
        ),
        (
            "default-key-onset".into(),
            models::default_key_model().to_bytes(),
        ),
    ];
    for file in ["models/default.vlm", "models/mel.vlm"] {
        let shipped = root().join(file);
        if shipped.is_file() {
            models.push((file.into(), std::fs::read(&shipped).unwrap()));
        } else {
            println!("note: {file} does not exist; compared the other models only");
        }
    }
    let mut inputs: Vec<(String, Vec<i16>)> = signals::all(16_000, 6)
        .into_iter()
        .map(|s| (s.name.to_string(), s.samples))
        .collect();
    // Odd lengths: a partial last block, and a file shorter than one window.
    inputs.push(("short".into(), signals::music_like(7_777, 9)));
    let generated = inputs.len();
    if let Some(real) = recordings(16_000) {
        inputs.extend(real);
    }

    let mut total = 0usize;
    let mut rows = Vec::new();
    for (name, bytes) in &models {
        let rate = Model::from_bytes(bytes).unwrap().feature_spec().sample_rate;
        assert_eq!(rate, 16_000, "the inputs are made at 16 kHz");
        let path = if name.starts_with("models/") {
            root().join(name)
        } else {
            model_file(&format!("{name}.vlm"), bytes)
        };
        let elf = build(
            Board::Mps2An386,
            &path,
            &format!("mps2-an386-{}", name.replace('/', "-")),
        );
        for (i, (input, samples)) in inputs.iter().enumerate() {
            let host = host_readings(bytes, samples);
            let out = emulator::run(&elf, samples, rate, Mode::Run, &RunOptions::default())
                .unwrap_or_else(|e| panic!("{name} on {input}: {e}"));
            assert_eq!(
                out.status, 0,
                "{name} on {input}: exit status {}:\n{}",
                out.status, out.stderr
            );
            let device = out.readings().unwrap();
            assert_eq!(
                device.len(),
                host.len(),
                "{name} on {input}: the device gave {} readings, the host {}",
                device.len(),
                host.len()
            );
            if let Some(k) = (0..host.len()).find(|&k| host[k] != device[k]) {
                panic!(
                    "{name} on {input}: reading {k} differs: host {:?}, device {:?}",
                    host[k], device[k]
                );
            }
            let done = format!("done {} samples, {} readings", samples.len(), host.len());
            assert!(
                out.stdout.contains(&done),
                "{name} on {input}: expected {done:?} in:\n{}",
                out.stdout
            );
            total += host.len();
            let kind = if i < generated {
                "generated"
            } else {
                "recording"
            };
            rows.push(format!(
                "| {name} | {kind} | {input} | {:.1} | {} | identical |",
                samples.len() as f64 / rate as f64,
                host.len()
            ));
        }
    }
    println!("| model | input | name | seconds | readings compared | bits |");
    println!("| --- | --- | --- | ---: | ---: | --- |");
    for row in rows {
        println!("{row}");
    }
    println!("{total} readings compared, all identical");
    assert!(total > 0);
}

#[test]
fn a_damaged_model_is_reported_and_the_firmware_halts() {
    if !qemu_or_skip("a_damaged_model_is_reported_and_the_firmware_halts") {
        return;
    }
    let mut bytes = models::small_model().to_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    let path = model_file("damaged.vlm", &bytes);
    let elf = build(Board::Mps2An386, &path, "mps2-an386-damaged");
    let out = emulator::run(&elf, &[0; 4096], 16_000, Mode::Run, &RunOptions::default()).unwrap();
    assert_eq!(
        out.status, 2,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(out.stderr.contains("damaged"), "stderr:\n{}", out.stderr);
    assert!(out.readings().unwrap().is_empty());

    // A good model at the wrong rate is refused the same way.
    let path = model_file("small.vlm", &models::small_model().to_bytes());
    let elf = build(Board::Mps2An386, &path, "mps2-an386-small-rate");
    let out = emulator::run(&elf, &[0; 4096], 44_100, Mode::Run, &RunOptions::default()).unwrap();
    assert_eq!(out.status, 2, "stderr:\n{}", out.stderr);
    assert!(out.stderr.contains("16000 Hz"), "stderr:\n{}", out.stderr);
}

/// Whether a host tool is there; panics in CI when it is not.
fn tool_or_skip(test: &str, tool: &str, package: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: {tool} is missing, and CI is set: apt-get install {package}"
        );
        println!("SKIPPED {test}: {tool} not found (apt-get install {package})");
    }
    found
}

/// The default-shape model file, as CI builds the board examples with.
fn default_shape_model_file() -> PathBuf {
    model_file(
        "default-shape.vlm",
        &models::default_shape_model().to_bytes(),
    )
}

#[test]
fn the_sensor_loop_reaches_no_panic_machinery() {
    let test = "the_sensor_loop_reaches_no_panic_machinery";
    if !tool_or_skip(test, "arm-none-eabi-objdump", "binutils-arm-none-eabi") {
        return;
    }
    let model = default_shape_model_file();
    let boards = [
        (Board::RpPico, "rp-pico-default-shape"),
        (Board::Mps2An386, "mps2-an386-default-shape"),
    ];
    let mut verdicts = Vec::new();
    for (board, name) in boards {
        let elf = build(board, &model, name);
        let graph = CallGraph::of(&elf).unwrap();
        let root = graph.find("sensor_loop9run_timed").unwrap();
        // The defmt logger (defmt-rtt: `_defmt_acquire`, `_defmt_write`,
        // `_defmt_release`) is a third-party boundary: its release has a
        // guard `panic!` for misuse from interrupts, and the RP2040 HAL routes
        // memcpy/memset/clz to boot-ROM routines through pointers. What lies
        // beyond is listed separately, not followed.
        let reach = graph.reach_excluding(root, &["_defmt_"]);
        let logger = graph.reach(root);
        println!(
            "{name}: with nothing excluded: panic machinery {}",
            match &logger.panic_path {
                None => "unreachable".to_string(),
                Some(p) => p.join(" -> "),
            }
        );
        println!(
            "{name}: {} reaches {} functions by direct branches, {} indirect branches, panic machinery: {}",
            reach.root,
            reach.functions.len(),
            reach.indirect.len(),
            match &reach.panic_path {
                None => "unreachable".to_string(),
                Some(p) => p.join(" -> "),
            }
        );
        for (f, i) in &reach.indirect {
            println!("  indirect in {f}: {i}");
        }
        if board == Board::RpPico {
            verdicts.push((name, reach.panic_path.clone(), reach.indirect.clone()));
        } else {
            // The emulated board has the harmony path: whatever of it the
            // linker kept as functions of their own reaches no panic.
            let mut seen = 0;
            for part in [
                "harmony_stream26HarmonyStream$LT$_$C$_$GT$4push",
                "harmony_stream26HarmonyStream$LT$_$C$_$GT$13finish_window",
                "chroma_stream25ChromaStream$LT$_$C$_$GT$10next_frame",
                "HarmonyWindow6finish",
                "$GT$12next_reading",
            ] {
                let Ok(f) = graph.find(part) else { continue };
                seen += 1;
                let r = graph.reach(f);
                println!(
                    "{name}: {part}: {} functions, panic machinery {}",
                    r.functions.len(),
                    match &r.panic_path {
                        None => "unreachable".to_string(),
                        Some(p) => p.join(" -> "),
                    }
                );
                assert!(
                    r.panic_path.is_none(),
                    "{name}: {part} can panic: {:?}",
                    r.panic_path
                );
            }
            println!("{name}: {seen} harmony-path functions checked (the others are inlined)");
        }
    }
    // The RP2040 firmware is the real device path (ADC microphone over the
    // HAL's SPI, defmt sink): nothing on it may panic or branch indirectly.
    // The emulated one's sink prints with core::fmt through semihosting and is
    // reported above only.
    for (name, panic_path, indirect) in verdicts {
        assert!(
            panic_path.is_none(),
            "{name}: the sensor loop can panic: {panic_path:?}"
        );
        // The only indirect branches allowed: the RP2040 HAL's intrinsics
        // (memcpy, memset, clz), which jump to the boot ROM's routines.
        let unexpected: Vec<_> = indirect
            .iter()
            .filter(|(f, _)| !(f.starts_with("__aeabi_mem") || f.starts_with("__clz")))
            .collect();
        assert!(
            unexpected.is_empty(),
            "{name}: indirect branches on the sensor loop: {unexpected:?}"
        );
    }
}

#[test]
fn device_cost_of_the_default_shape() {
    let test = "device_cost_of_the_default_shape";
    if !qemu_or_skip(test) || !tool_or_skip(test, "gcc", "gcc") {
        return;
    }
    let so = plugin::build(&root().join("target/qemu-plugin")).unwrap();
    let model = default_shape_model_file();
    let elf = build(Board::Mps2An386, &model, "mps2-an386-default-shape-cost");
    let samples = signals::music_like(16_000 * 10, 21);
    let c = cost::measure(&elf, &so, &samples, 16_000, Some("frontend")).unwrap();
    let again = cost::measure(&elf, &so, &samples, 16_000, Some("mlp")).unwrap();
    assert_eq!(
        c.counts.regions, again.counts.regions,
        "instruction counts must repeat exactly"
    );
    assert_eq!(c.macs, 73_792);
    assert!(c.frames > 600 && c.readings == 8 && c.inferences == 16);

    let mps2 = Firmware::open(&elf).unwrap().sizes().unwrap();
    let pico_elf = build(Board::RpPico, &model, "rp-pico-default-shape-cost");
    let pico = Firmware::open(&pico_elf).unwrap().sizes().unwrap();
    let model_len = std::fs::metadata(&model).unwrap().len();
    let load = c.load_percent(64e6);
    let kib = |b: u64| b as f64 / 1024.0;
    let stack = cost::stack_peak(&elf, &so, &samples, 16_000).unwrap();
    let mut table = String::new();
    let mut row = |what: &str, value: String, goal: &str, verdict: &str| {
        table += &format!("| {what} | {value} | {goal} | {verdict} |\n");
    };
    let met = |ok: bool| if ok { "met" } else { "missed" };
    row(
        "front end, per frame (n_fft 512, hop 256, 64 mels)",
        format!("{:.0} instructions", c.frontend_per_frame),
        "≤ 25,000",
        met(c.frontend_per_frame <= 25_000.0),
    );
    row(
        "MLP, per inference (128→256→128→64→1)",
        format!("{:.0} instructions", c.mlp_per_inference),
        "",
        "",
    );
    row(
        "MLP, per MAC (73,792 MACs)",
        format!("{:.2} instructions", c.insns_per_mac()),
        "≤ 2",
        met(c.insns_per_mac() <= 2.0),
    );
    row(
        "whole sensor, per second of audio",
        format!("{:.0} instructions", c.sensor_per_second()),
        "",
        "",
    );
    row(
        "whole sensor, share of a 64 MHz Cortex-M4 at 1 instruction/cycle",
        format!("{load:.2} %"),
        "< 3 %",
        met(load < 3.0),
    );
    row(
        "mps2-an386: flash / static RAM / deepest stack of a run",
        format!(
            "{:.1} KiB / {:.1} KiB / {:.1} KiB",
            kib(mps2.flash),
            kib(mps2.ram),
            kib(stack)
        ),
        "",
        "",
    );
    // The stack bound along direct calls from the entry function, from the
    // disassembly; on the M4 it can be checked against the measured depth.
    let bound = |elf: &Path| -> Option<(u64, Vec<(String, u64)>)> {
        let graph = CallGraph::of(elf).ok()?;
        Some(graph.max_stack(graph.find("__cortex_m_rt_main").ok()?))
    };
    if let Some((m4_bound, _)) = bound(&elf) {
        row(
            "mps2-an386: deepest stack along direct calls (static bound)",
            format!("{:.1} KiB", kib(m4_bound)),
            "",
            "",
        );
    }
    row(
        &format!(
            "RP2040 (Pico): flash (of which the model {:.1} KiB)",
            kib(model_len)
        ),
        format!("{:.1} KiB", kib(pico.flash)),
        "< 128 KiB",
        met(pico.flash < 128 * 1024),
    );
    row(
        "RP2040 (Pico): static RAM (sensor in .bss, defmt buffer)",
        format!("{:.1} KiB", kib(pico.ram)),
        "",
        "",
    );
    if let Some((b, chain)) = bound(&pico_elf) {
        let pico_ram = pico.ram + b;
        row(
            "RP2040 (Pico): RAM = static + deepest stack along direct calls",
            format!(
                "{:.1} + {:.1} = {:.1} KiB",
                kib(pico.ram),
                kib(b),
                kib(pico_ram)
            ),
            "< 16 KiB",
            met(pico_ram < 16 * 1024),
        );
        println!("RP2040 deepest stack chain:");
        for (f, bytes) in chain.iter().filter(|(_, b)| *b > 0) {
            println!("  {bytes:>6} B  {f}");
        }
    }
    println!("| what | measured | goal | |");
    println!("| --- | ---: | --- | --- |");
    print!("{table}");
    println!(
        "(10 s of a generated music-like signal: {} frames, {} readings, {} inferences timed)",
        c.frames, c.readings, c.inferences
    );
    for (region, counts) in [("front end", &c.counts), ("MLP", &again.counts)] {
        let n = if region == "MLP" {
            c.inferences
        } else {
            c.frames
        } as f64;
        match cost::attribute(&elf, &counts.profile, "valence_core::") {
            Ok(funcs) => {
                println!("where the {region}'s instructions go (per frame or inference):");
                for (f, insns) in funcs.iter().take(8) {
                    println!("  {:>9.0}  {f}", *insns as f64 / n);
                }
            }
            Err(e) => println!("no per-function profile: {e}"),
        }
    }
    // The whole sensor per second of audio, by function: what the front end
    // and the network leave (window statistics, input quantisation, the
    // sensor's own per-block path).
    let whole = cost::measure(&elf, &so, &samples, 16_000, Some("sensor")).unwrap();
    assert_eq!(whole.sensor_insns, c.sensor_insns);
    let per_second = 16_000.0 / whole.samples as f64;
    match cost::attribute(&elf, &whole.counts.profile, "valence_core::") {
        Ok(funcs) => {
            println!("where the whole sensor's instructions go (per second of audio):");
            for (f, insns) in funcs
                .iter()
                .filter(|(_, i)| *i as f64 * per_second >= 100.0)
            {
                println!("  {:>9.0}  {f}", *insns as f64 * per_second);
            }
        }
        Err(e) => println!("no per-function profile: {e}"),
    }
    std::fs::write(root().join("target/device-cost.md"), &table).unwrap();
}

/// The cost of a model of the default shape that reads harmony features
/// (mel statistics + 15 harmony values, 143→256→128→64→1) on the emulated
/// M4: the chroma and harmony path alone, the whole sensor, its share of a
/// 64 MHz core (goal of the harmony features: under 5 %), and its RAM; and
/// the same with the onset statistics too (145 inputs).
#[test]
fn device_cost_with_harmony_features() {
    let test = "device_cost_with_harmony_features";
    if !qemu_or_skip(test) || !tool_or_skip(test, "gcc", "gcc") {
        return;
    }
    use valence_core::chroma_stream::WEIGHTS_2048_16K;
    use valence_core::ram::{harmony_ram_bytes_32bit, ram_bytes_32bit};

    let so = plugin::build(&root().join("target/qemu-plugin")).unwrap();
    let model = model_file(
        "default-harmony.vlm",
        &models::default_harmony_model().to_bytes(),
    );
    let elf = build(Board::Mps2An386, &model, "mps2-an386-default-harmony-cost");
    let samples = signals::music_like(16_000 * 10, 21);
    let c = cost::measure(&elf, &so, &samples, 16_000, Some("harmony")).unwrap();
    let again = cost::measure(&elf, &so, &samples, 16_000, None).unwrap();
    assert_eq!(
        c.counts.regions, again.counts.regions,
        "instruction counts must repeat exactly"
    );
    assert_eq!(c.macs, 143 * 256 + 256 * 128 + 128 * 64 + 64);
    assert_eq!(c.harmony_samples, samples.len() as u64);
    assert!(c.readings == 8 && c.harmony_insns > 0);
    let chroma_frames = (samples.len() as u64 - 2048) / 2048 + 1;
    let mps2 = Firmware::open(&elf).unwrap().sizes().unwrap();
    let stack = cost::stack_peak(&elf, &so, &samples, 16_000).unwrap();
    let sensor_ram = harmony_ram_bytes_32bit(512, 64, 256, 2048, WEIGHTS_2048_16K);
    let lean_ram = ram_bytes_32bit(512, 64, 256);
    let load = c.load_percent(64e6);
    let kib = |b: u64| b as f64 / 1024.0;
    let mut table = String::new();
    let mut row = |what: &str, value: String, goal: &str, verdict: &str| {
        table += &format!("| {what} | {value} | {goal} | {verdict} |\n");
    };
    let met = |ok: bool| if ok { "met" } else { "missed" };
    row(
        "chroma and harmony path, per chroma frame (n_fft 2048, hop 2048)",
        format!(
            "{:.0} instructions",
            c.harmony_insns as f64 / chroma_frames as f64
        ),
        "",
        "",
    );
    row(
        "chroma and harmony path, per second of audio",
        format!("{:.0} instructions", c.harmony_per_second()),
        "",
        "",
    );
    row(
        "MLP, per inference (143→256→128→64→1)",
        format!("{:.0} instructions", c.mlp_per_inference),
        "",
        "",
    );
    row(
        "whole sensor with harmony features, per second of audio",
        format!("{:.0} instructions", c.sensor_per_second()),
        "",
        "",
    );
    row(
        "whole sensor with harmony features, share of a 64 MHz Cortex-M4 at 1 instruction/cycle",
        format!("{load:.2} %"),
        "< 5 %",
        met(load < 5.0),
    );
    // Variants of the same shape through the same firmware: each one's
    // extra cost is the sensor with it minus the sensor of the row before.
    let measure_variant = |name: &str, bytes: Vec<u8>| {
        let model = model_file(&format!("{name}.vlm"), &bytes);
        let elf = build(Board::Mps2An386, &model, &format!("mps2-an386-{name}-cost"));
        cost::measure(&elf, &so, &samples, 16_000, None).unwrap()
    };
    let mut variant_rows = |extra: &str, whole: &str, v: &cost::Cost, before: &cost::Cost| {
        let load = v.load_percent(64e6);
        let delta = v.sensor_per_second() - before.sensor_per_second();
        row(extra, format!("{delta:.0} instructions"), "", "");
        row(whole, format!("{load:.2} %"), "< 5 %", met(load < 5.0));
    };
    // With the onset statistics too (145 inputs): the onset statistics and
    // two more inputs.
    let o = measure_variant(
        "default-harmony-onset",
        models::default_onset_model().to_bytes(),
    );
    assert_eq!(o.macs, 145 * 256 + 256 * 128 + 128 * 64 + 64);
    assert_eq!(o.readings, 8);
    variant_rows(
        "onset statistics (block flux), per second of audio: sensor with them minus without",
        "whole sensor with harmony and onset features, share of a 64 MHz Cortex-M4",
        &o,
        &c,
    );
    // The demo's feature set: the same vector with the chroma read from the
    // best key's tonic (one rotation of 12 values per reading).
    let k = measure_variant("default-key-onset", models::default_key_model().to_bytes());
    assert_eq!((k.macs, k.readings), (o.macs, o.readings));
    variant_rows(
        "chroma from the key's tonic, per second of audio: key-onset sensor minus harmony-onset sensor",
        "whole sensor with key-relative harmony and onset features (the demo's set), share of a 64 MHz Cortex-M4",
        &k,
        &o,
    );
    row(
        "sensor RAM, `DefaultHarmonySensor` (of which the harmony path)",
        format!("{sensor_ram} B ({} B)", sensor_ram - lean_ram),
        "",
        "",
    );
    row(
        "mps2-an386 with harmony: flash / static RAM / deepest stack of a run",
        format!(
            "{:.1} KiB / {:.1} KiB / {:.1} KiB",
            kib(mps2.flash),
            kib(mps2.ram),
            kib(stack)
        ),
        "",
        "",
    );
    println!("| what | measured | goal | |");
    println!("| --- | ---: | --- | --- |");
    print!("{table}");
    println!(
        "(10 s of a generated music-like signal: {} readings, {chroma_frames} chroma frames)",
        c.readings
    );
    match cost::attribute(&elf, &c.counts.profile, "valence_core::") {
        Ok(funcs) => {
            println!("where the harmony path's instructions go (per second of audio):");
            let per_second = 16_000.0 / c.harmony_samples as f64;
            for (f, insns) in funcs
                .iter()
                .filter(|(_, i)| *i as f64 * per_second >= 1000.0)
            {
                println!("  {:>9.0}  {f}", *insns as f64 * per_second);
            }
        }
        Err(e) => println!("no per-function profile: {e}"),
    }
    std::fs::write(root().join("target/device-cost-harmony.md"), &table).unwrap();
}

#[test]
fn verify_reports_agreement_and_counts() {
    if !qemu_or_skip("verify_reports_agreement_and_counts") {
        return;
    }
    let path = model_file("small.vlm", &models::small_model().to_bytes());
    let inputs = [
        Input {
            name: "music-like".into(),
            samples: signals::music_like(16_000 * 3, 5),
        },
        Input {
            name: "sweep".into(),
            samples: signals::sweep(16_000 * 2, 16_000),
        },
    ];
    let report = {
        let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
        verify::verify(&root(), &path, &inputs, &root().join("target/qemu-plugin")).unwrap()
    };
    print!("{report}");
    assert!(report.agrees());
    assert_eq!(report.comparisons.len(), 2);
    assert!(report.readings() > 20);
    let text = report.to_string();
    assert!(text.contains("all identical"), "{text}");
    if tool_or_skip("verify_reports_agreement_and_counts", "gcc", "gcc") {
        let cost = report.cost.expect("instruction counts");
        assert!(cost.frontend_per_frame > 1_000.0 && cost.mlp_per_inference > 1_000.0);
    }
}
