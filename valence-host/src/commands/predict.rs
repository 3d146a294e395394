//! `valence predict --model MODEL.vlm AUDIO... [--json]`: valence readings
//! of recordings, computed by the core's `ValenceSensor` exactly as a
//! device computes them.
//!
//! Each recording (WAV, FLAC, OGG Vorbis, MP3; any rate and channel count)
//! is decoded, mixed to mono, resampled to the model's rate and quantised
//! to 16 bits ([`crate::data::audio::load_pcm16`]), then pushed through one
//! [`HostSensor`] — the device's code, with capacities large enough for any
//! model a microcontroller could run, harmony features included; a model
//! beyond them is refused with the core's error. The sensor is reset between recordings, so each
//! starts from silence like a device that has just booted.
//!
//! A reading covers one statistics window; its time is the **end** of that
//! window, `end_sample / sample_rate` seconds from the start of the
//! recording (the first reading comes once the first window is full). The
//! output goes to standard output, one reading per line:
//!
//! - text: tab-separated columns `file`, `time_s`, `valence` after a header
//!   line naming them, the time to the millisecond and the valence as the
//!   shortest decimal that reads back as the same `f32`;
//! - `--json`: JSON Lines, one object per reading (see [`PredictedReading`]).
//!
//! A recording that cannot be read or decoded is reported on standard error
//! with its path and the others are still processed; the command then exits
//! non-zero. A recording too short for one window gives no reading and a
//! note on standard error. Readings are written as soon as each recording
//! is done, so none are lost to a later failure.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use serde::Serialize;
use valence_core::chroma_stream::WEIGHTS_4096_16K;
use valence_core::{Reading, ValenceSensor};

use crate::data::audio::load_pcm16;
use crate::data::extract::min_samples;
use crate::model_file::{parse_model, read_model_bytes};

/// The sensor `predict` runs: FFTs up to 4096 points (the largest the core
/// supports), 256 mel bands, layers 1024 wide, and the harmony path with
/// chroma FFTs up to 4096 points (models with harmony features).
pub type HostSensor<'m> = ValenceSensor<'m, 4096, 256, 1024, 4096, WEIGHTS_4096_16K>;

/// Arguments of `valence predict`.
#[derive(Debug, Clone, Args)]
pub struct PredictArgs {
    /// The model file.
    #[arg(long)]
    pub model: PathBuf,
    /// Recordings: WAV, FLAC, OGG Vorbis or MP3, any rate and channel count.
    #[arg(num_args = 1.., required = true, value_name = "AUDIO")]
    pub audio: Vec<PathBuf>,
    /// Print JSON Lines (one object per reading) instead of tab-separated text.
    #[arg(long)]
    pub json: bool,
}

/// One reading of one recording, as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictedReading {
    /// The recording, as given on the command line.
    pub file: String,
    /// 0 for the first reading of the recording.
    pub index: u32,
    /// Samples (at the model's rate) up to the end of the reading's window.
    pub end_sample: u64,
    /// `end_sample / sample_rate`, in seconds.
    pub time_s: f64,
    /// The prediction, in the label's units.
    pub valence: f32,
    /// The same as the sensor gives it, Q16.16.
    pub value_q16: i32,
}

impl PredictedReading {
    fn new(file: &Path, rate: u32, r: &Reading) -> Self {
        PredictedReading {
            file: file.display().to_string(),
            index: r.index,
            end_sample: r.end_sample,
            time_s: r.end_sample as f64 / rate as f64,
            valence: r.value(),
            value_q16: r.value_q16,
        }
    }
}

/// The readings of one recording: decode it at the sensor's model's rate,
/// reset the sensor and push every sample.
pub fn predict_file(sensor: &mut HostSensor<'_>, path: &Path) -> Result<Vec<Reading>> {
    let model = sensor
        .model()
        .context("the sensor has no model loaded: build it with ValenceSensor::new")?;
    let (spec, stats) = (*model.feature_spec(), *model.stats_spec());
    let rate = spec.sample_rate;
    let pcm = load_pcm16(path, rate)?;
    if pcm.skipped_packets > 0 {
        eprintln!(
            "warning: {}: {} packets could not be decoded and were skipped",
            path.display(),
            pcm.skipped_packets
        );
    }
    if pcm.clipped > 0 {
        eprintln!(
            "warning: {}: {} samples clipped to the 16-bit range",
            path.display(),
            pcm.clipped
        );
    }
    sensor.reset();
    let mut readings = Vec::new();
    sensor.push(&pcm.samples, |r| readings.push(r));
    if readings.is_empty() {
        eprintln!(
            "note: {}: no reading: {} samples at {rate} Hz, one reading needs {}",
            path.display(),
            pcm.samples.len(),
            min_samples(&spec, &stats)
        );
    }
    Ok(readings)
}

/// Runs `valence predict`; returns every reading printed. Fails after all
/// recordings are processed if any could not be read.
pub fn run(args: &PredictArgs) -> Result<Vec<PredictedReading>> {
    let bytes = read_model_bytes(&args.model)?;
    let model = parse_model(&args.model, &bytes)?;
    let rate = model.feature_spec().sample_rate;
    let mut sensor =
        Box::new(HostSensor::new(model).map_err(|e| anyhow!("{}: {e}", args.model.display()))?);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if !args.json {
        writeln!(out, "file\ttime_s\tvalence").context("cannot write to standard output")?;
    }
    let mut all = Vec::new();
    let mut failed = 0usize;
    for path in &args.audio {
        let readings = match predict_file(&mut sensor, path) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e:#}");
                failed += 1;
                continue;
            }
        };
        for r in &readings {
            let p = PredictedReading::new(path, rate, r);
            if args.json {
                writeln!(out, "{}", serde_json::to_string(&p)?)
            } else {
                writeln!(out, "{}\t{:.3}\t{}", p.file, p.time_s, p.valence)
            }
            .context("cannot write to standard output")?;
            all.push(p);
        }
        out.flush().context("cannot write to standard output")?;
    }
    if failed == args.audio.len() {
        bail!("none of the {failed} recordings could be read (see above)");
    }
    if failed > 0 {
        bail!(
            "{failed} of {} recordings could not be read (see above); the readings of the others are printed",
            args.audio.len()
        );
    }
    Ok(all)
}
