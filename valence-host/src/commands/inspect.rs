//! `valence inspect MODEL.vlm [--json]`: what a model file holds and what it
//! costs on a device.
//!
//! The file goes through the core's loader ([`crate::model_file`]), so a
//! truncated or damaged file is refused with the core's error. For a valid
//! one it prints the format version; the file's size, which is the flash
//! the model takes (the device reads it in place); the feature and
//! statistics specs with the window length and reading rate they give; the
//! layers; multiply-accumulates per inference and per second; the static
//! RAM of a `ValenceSensor` compiled with capacities exactly this model's
//! (`MAX_FFT = n_fft`, `MAX_MELS = n_mels`, `MAX_WIDTH` = its widest
//! activation vector) on a 32-bit microcontroller
//! ([`valence_core::ram::ram_bytes_32bit`]; for a model that reads harmony
//! features, the sensor with the harmony path and chroma buffers exactly
//! this model's, [`valence_core::ram::harmony_ram_bytes_32bit`]); the
//! feature set (mel, mel-harmony or harmony) and chroma path; the label; and the metadata
//! the exporter recorded. `--json` prints the same as one JSON object
//! ([`ModelSummary`]).

use std::fmt;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde::Serialize;
use valence_core::chroma::ChromaBank;
use valence_core::chroma_stream::WEIGHTS_4096_16K;
use valence_core::model::{Activation, Model};
use valence_core::ram::{harmony_ram_bytes_32bit, ram_bytes_32bit};
use valence_core::spec::{MelNorm, MelScale};
use valence_core::stats::{StatsSpec, Summary};
use valence_core::FeatureSpec;

use crate::model_file::{parse_model, read_model_bytes};

/// Arguments of `valence inspect`.
#[derive(Debug, Clone, Args)]
pub struct InspectArgs {
    /// The model file.
    pub model: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// One dense layer of a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerSummary {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// `"relu"` or `"linear"`.
    pub activation: &'static str,
    /// Zero point of the outputs: int8 for hidden layers; for the last
    /// layer, the label offset in Q16.16.
    pub output_zero_point: i32,
    /// Multiply-accumulates per inference.
    pub macs: usize,
}

/// What the model predicts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelSummary {
    /// Name of the label.
    pub name: String,
    /// Smallest value of its scale.
    pub min: f32,
    /// Largest value of its scale.
    pub max: f32,
}

/// Provenance recorded by the exporter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetadataSummary {
    /// Creation time, seconds since the Unix epoch.
    pub created_unix_s: u64,
    /// The same as a UTC date and time, `YYYY-MM-DD HH:MM:SS UTC`.
    pub created_utc: String,
    /// Fingerprint of the training data, lowercase hex.
    pub data_fingerprint: String,
    /// Validation MSE of the float model.
    pub val_mse_float: f32,
    /// Validation MSE of the int8 model.
    pub val_mse_int8: f32,
    /// Free text.
    pub notes: String,
}

/// The chroma path of a model's harmony features.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChromaSummary {
    /// FFT size.
    pub n_fft: u16,
    /// Samples between chroma frames.
    pub hop: u16,
    /// Chroma frames per second.
    pub frames_per_second: f64,
    /// Weights of the sparse chroma bank (the sensor's `MAX_CHROMA_WEIGHTS`).
    pub bank_weights: usize,
}

/// Everything `valence inspect` reports about a model file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    /// The file as given.
    pub file: String,
    /// Format version in the header.
    pub format_version: u16,
    /// Size of the file: the flash the model takes on a device.
    pub file_bytes: usize,
    /// The front end the model reads.
    pub feature_spec: FeatureSpec,
    /// The window statistics.
    pub stats_spec: StatsSpec,
    /// The features the network reads: `"mel"`, `"mel-harmony"` or `"harmony"`.
    pub feature_set: &'static str,
    /// The chroma path of the harmony features (`null` for mel models).
    pub chroma: Option<ChromaSummary>,
    /// Length of the feature vector.
    pub n_features: usize,
    /// Samples one statistics window covers: `(window_frames − 1)·hop + n_fft`.
    pub window_samples: u64,
    /// The same in seconds.
    pub window_s: f64,
    /// Seconds between readings: `hop_frames·hop / sample_rate`.
    pub reading_interval_s: f64,
    /// Readings per second once the first window is full.
    pub readings_per_second: f64,
    /// Zero point of the first layer's int8 inputs.
    pub input_zero_point: i8,
    /// The layers, input first.
    pub layers: Vec<LayerSummary>,
    /// Multiply-accumulates per inference.
    pub macs_per_inference: usize,
    /// Multiply-accumulates per second of audio.
    pub macs_per_second: f64,
    /// The widest activation vector, features included.
    pub max_width: usize,
    /// Static RAM of a `ValenceSensor<n_fft, n_mels, max_width>` on a 32-bit
    /// microcontroller (built without the harmony path for mel models; with
    /// it and `<…, chroma n_fft, bank weights>` for harmony models).
    pub sensor_ram_bytes_32bit: usize,
    /// What the output means.
    pub label: LabelSummary,
    /// Provenance.
    pub metadata: MetadataSummary,
}

impl ModelSummary {
    /// Summarises a validated model read from `bytes` (the whole file).
    pub fn new(file: String, bytes: &[u8], model: &Model<'_>) -> Self {
        let desc = model.descriptor();
        let spec = desc.feature_spec;
        let stats = desc.stats_spec;
        let rate = spec.sample_rate as f64;
        let window_samples = (stats.window_frames as u64 - 1) * spec.hop as u64 + spec.n_fft as u64;
        let reading_interval_s = stats.hop_frames as f64 * spec.hop as f64 / rate;
        let readings_per_second = 1.0 / reading_interval_s;
        let layers = desc
            .layers
            .iter()
            .map(|l| LayerSummary {
                inputs: l.inputs as usize,
                outputs: l.outputs as usize,
                activation: match l.activation {
                    Activation::Relu => "relu",
                    Activation::Linear => "linear",
                },
                output_zero_point: l.output_zero_point,
                macs: l.macs(),
            })
            .collect();
        let meta = &desc.metadata;
        let chroma = model.chroma_spec().map(|c| {
            let mut runs = vec![0u16; c.n_fft as usize / 2 + 1];
            let bank_weights =
                ChromaBank::<WEIGHTS_4096_16K>::new(&c, &mut runs).map_or(0, |b| b.weight_count());
            ChromaSummary {
                n_fft: c.n_fft,
                hop: c.hop,
                frames_per_second: rate / c.hop as f64,
                bank_weights,
            }
        });
        let ram = match &chroma {
            None => ram_bytes_32bit(spec.n_fft as usize, spec.n_mels as usize, model.max_width()),
            Some(c) => harmony_ram_bytes_32bit(
                spec.n_fft as usize,
                spec.n_mels as usize,
                model.max_width(),
                c.n_fft as usize,
                c.bank_weights,
            ),
        };
        ModelSummary {
            file,
            format_version: match bytes.get(4..6) {
                Some(&[a, b]) => u16::from_le_bytes([a, b]),
                _ => 0,
            },
            file_bytes: bytes.len(),
            feature_spec: spec,
            stats_spec: stats,
            feature_set: model.feature_set().name(),
            chroma,
            n_features: model.n_features(),
            window_samples,
            window_s: window_samples as f64 / rate,
            reading_interval_s,
            readings_per_second,
            input_zero_point: desc.input.zero_point,
            layers,
            macs_per_inference: model.macs(),
            macs_per_second: model.macs() as f64 * readings_per_second,
            max_width: model.max_width(),
            sensor_ram_bytes_32bit: ram,
            label: LabelSummary {
                name: desc.label.name.to_string(),
                min: desc.label.min,
                max: desc.label.max,
            },
            metadata: MetadataSummary {
                created_unix_s: meta.created_unix_s,
                created_utc: utc_date_time(meta.created_unix_s),
                data_fingerprint: hex(meta.data_fingerprint),
                val_mse_float: meta.val_mse_float,
                val_mse_int8: meta.val_mse_int8,
                notes: meta.notes.to_string(),
            },
        }
    }
}

impl fmt::Display for ModelSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.feature_spec;
        let st = &self.stats_spec;
        writeln!(f, "file:              {}", self.file)?;
        writeln!(f, "format version:    {}", self.format_version)?;
        writeln!(
            f,
            "flash:             {} bytes (the model file, read in place)",
            self.file_bytes
        )?;
        writeln!(
            f,
            "features:          {} Hz, n_fft {}, hop {}, {} mel bands {}–{} Hz, {} scale, {} norm, floor {} dB",
            s.sample_rate,
            s.n_fft,
            s.hop,
            s.n_mels,
            s.fmin_hz,
            s.fmax_hz,
            match s.mel_scale {
                MelScale::Slaney => "Slaney",
                MelScale::Htk => "HTK",
            },
            match s.norm {
                MelNorm::Slaney => "Slaney",
                MelNorm::None => "no",
            },
            s.db_floor
        )?;
        writeln!(
            f,
            "statistics:        {} over windows of {} frames ({:.3} s) every {} frames: {} features",
            match st.summary {
                Summary::MeanStd => "mean and std",
            },
            st.window_frames,
            self.window_s,
            st.hop_frames,
            self.n_features
        )?;
        match &self.chroma {
            None => writeln!(
                f,
                "feature set:       {} (the statistics above)",
                self.feature_set
            )?,
            Some(c) => {
                let set = self
                    .feature_set
                    .parse::<valence_core::model::FeatureSet>()
                    .ok();
                writeln!(
                    f,
                    "feature set:       {}: {}15 harmony values (12 mean chroma{}, best major and minor key correlation, their difference) from a {}-point chroma FFT every {} samples ({:.2} frames per second, {} bank weights){}",
                    self.feature_set,
                    if set.is_some_and(|s| s.has_mel()) {
                        "the mel statistics, then "
                    } else {
                        "the mel statistics drop out; "
                    },
                    match set.map(|s| s.chroma_order()) {
                        Some(valence_core::harmony::ChromaOrder::FromTonic) => {
                            " from the tonic of the best key"
                        }
                        _ => " from C",
                    },
                    c.n_fft,
                    c.hop,
                    c.frames_per_second,
                    c.bank_weights,
                    if set.is_some_and(|s| s.has_onset()) {
                        format!(
                            ", then {} onset values (mean and sd over the window of the block flux: the rise of the mel frames, floored at -50 dB, from one {}-frame block to the next)",
                            valence_core::onset::N_ONSET_FEATURES,
                            valence_core::onset::BLOCK_FRAMES
                        )
                    } else {
                        String::new()
                    }
                )?
            }
        }
        writeln!(
            f,
            "readings:          one every {:.3} s ({:.3} per second), the first after {:.3} s",
            self.reading_interval_s, self.readings_per_second, self.window_s
        )?;
        writeln!(f, "input zero point:  {}", self.input_zero_point)?;
        writeln!(f, "layers:")?;
        for (i, l) in self.layers.iter().enumerate() {
            let zero_point = if i + 1 == self.layers.len() {
                // The last layer's zero point is the label offset, Q16.16.
                format!("output offset {}", l.output_zero_point as f64 / 65536.0)
            } else {
                format!("output zero point {}", l.output_zero_point)
            };
            writeln!(
                f,
                "  {i}: {:>5} → {:<5} {:<6}  {:>9} MACs  {zero_point}",
                l.inputs, l.outputs, l.activation, l.macs
            )?;
        }
        writeln!(
            f,
            "MACs:              {} per inference, {:.0} per second",
            self.macs_per_inference, self.macs_per_second
        )?;
        match &self.chroma {
            None => writeln!(
                f,
                "sensor RAM:        {} bytes on a 32-bit MCU (ValenceSensor<{}, {}, {}>)",
                self.sensor_ram_bytes_32bit, s.n_fft, s.n_mels, self.max_width
            )?,
            Some(c) => writeln!(
                f,
                "sensor RAM:        {} bytes on a 32-bit MCU (ValenceSensor<{}, {}, {}, {}, {}>, valence-core feature `harmony`)",
                self.sensor_ram_bytes_32bit, s.n_fft, s.n_mels, self.max_width, c.n_fft, c.bank_weights
            )?,
        }
        writeln!(
            f,
            "label:             {} in [{}, {}]",
            self.label.name, self.label.min, self.label.max
        )?;
        let m = &self.metadata;
        writeln!(f, "created:           {}", m.created_utc)?;
        writeln!(
            f,
            "data fingerprint:  {}",
            if m.data_fingerprint.is_empty() {
                "(none)"
            } else {
                &m.data_fingerprint
            }
        )?;
        writeln!(
            f,
            "validation MSE:    float {}, int8 {}",
            m.val_mse_float, m.val_mse_int8
        )?;
        writeln!(
            f,
            "notes:             {}",
            if m.notes.is_empty() {
                "(none)"
            } else {
                &m.notes
            }
        )
    }
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `YYYY-MM-DD HH:MM:SS UTC` for seconds since the Unix epoch (proleptic
/// Gregorian calendar; H. Hinnant's `civil_from_days`).
pub fn utc_date_time(unix_s: u64) -> String {
    let days = (unix_s / 86_400) as i64;
    let secs = unix_s % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Runs `valence inspect`: prints the summary and returns it.
pub fn run(args: &InspectArgs) -> Result<ModelSummary> {
    let bytes = read_model_bytes(&args.model)?;
    let model = parse_model(&args.model, &bytes)?;
    let summary = ModelSummary::new(args.model.display().to_string(), &bytes, &model);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{summary}");
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::utc_date_time;

    #[test]
    fn dates_match_the_calendar() {
        // Values from `date -u -d @N '+%F %T'`.
        assert_eq!(utc_date_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_date_time(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_date_time(1_764_083_045), "2025-11-25 15:04:05 UTC");
        assert_eq!(utc_date_time(4_107_542_399), "2100-02-28 23:59:59 UTC");
    }
}
