//! Audio files in, 16-bit mono PCM at the feature spec's rate out: the first
//! step of every feature computed from recordings.
//!
//! 1. **Decode** WAV, FLAC, OGG Vorbis or MP3 with symphonia 0.6 (gapless
//!    playback on, so MP3 encoder delay and padding are trimmed as the LAME
//!    header says). An MP3 without a LAME header loses its first
//!    [`MP3_DEFAULT_DELAY`] samples (LAME's 576-sample encoder delay plus the
//!    decoder's 529), as mpg123 — and so libsndfile and librosa — does: the
//!    same recording then gives the same samples at the same times in Python
//!    and here. Samples become `f32` in `[-1, 1)`, full scale = 1. Packets
//!    that fail to decode are skipped and counted.
//! 2. **Mix to mono**: the plain average of the channels of each frame.
//! 3. **Resample** to the spec's rate when the file's rate differs, with
//!    rubato's synchronous FFT resampler ([`rubato::FftFixedInOut`]): the
//!    exact rational ratio `to/from`, an anti-aliasing low-pass that is a sinc
//!    as long as one FFT block of input (at least [`RESAMPLER_CHUNK`] input
//!    samples) under a squared Blackman–Harris window, with the cutoff rubato
//!    derives for that length (just below the lower Nyquist frequency). The
//!    resampler's delay is removed, so output sample `k` is the input at time
//!    `k / to`, and the output has `ceil(n · to / from)` samples.
//! 4. **Quantise** to `i16`: `round(x · 32768)`, ties away from zero, then
//!    clipped to `[-32768, 32767]` (clipped samples are counted).
//!
//! The result feeds the core front end exactly as a microphone's samples do
//! on the device.

use std::io::Cursor;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use rubato::{FftFixedInOut, Resampler};
use symphonia::core::codecs::audio::{well_known::CODEC_ID_MP3, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

/// File extensions (lower case) taken as audio when scanning folders.
pub const AUDIO_EXTENSIONS: &[&str] = &["wav", "wave", "flac", "ogg", "oga", "mp3"];

/// Samples dropped from the start of an MP3 that has no LAME header to say
/// its delay: LAME's default encoder delay (576) plus the MP3 decoder's (529).
pub const MP3_DEFAULT_DELAY: usize = 576 + 529;

/// Input samples per resampler call (the FFT block is at least this long).
pub const RESAMPLER_CHUNK: usize = 1024;

/// Whether `path` has one of the [`AUDIO_EXTENSIONS`].
pub fn is_audio_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// A decoded recording, mixed to mono, at its own sample rate.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Sample rate of the file, in Hz.
    pub sample_rate: u32,
    /// Channels in the file (before mixing).
    pub channels: u16,
    /// Mono samples, full scale = 1.0.
    pub samples: Vec<f32>,
    /// Packets that could not be decoded and were skipped.
    pub skipped_packets: usize,
}

/// 16-bit mono PCM at the rate the features are computed at.
#[derive(Debug, Clone)]
pub struct Pcm16 {
    /// Sample rate of `samples`, in Hz.
    pub sample_rate: u32,
    /// Sample rate of the file it came from, in Hz.
    pub source_rate: u32,
    /// Channels in the file (before mixing).
    pub channels: u16,
    /// Mono samples.
    pub samples: Vec<i16>,
    /// Samples that were clipped to the `i16` range.
    pub clipped: usize,
    /// Packets that could not be decoded and were skipped.
    pub skipped_packets: usize,
}

/// Reads, decodes, mixes, resamples and quantises an audio file to `rate` Hz.
pub fn load_pcm16(path: &Path, rate: u32) -> Result<Pcm16> {
    let bytes = read_file(path)?;
    decode_to_pcm16(&bytes, extension(path).as_deref(), rate)
        .with_context(|| path.display().to_string())
}

/// [`load_pcm16`] on the bytes of a file; `ext` is a hint for the container.
pub fn decode_to_pcm16(bytes: &[u8], ext: Option<&str>, rate: u32) -> Result<Pcm16> {
    let decoded = decode_bytes(bytes, ext)?;
    let resampled = resample(&decoded.samples, decoded.sample_rate, rate)?;
    let (samples, clipped) = quantise_i16(&resampled);
    Ok(Pcm16 {
        sample_rate: rate,
        source_rate: decoded.sample_rate,
        channels: decoded.channels,
        samples,
        clipped,
        skipped_packets: decoded.skipped_packets,
    })
}

/// Reads a whole file, with a clear message when it is missing.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    if !path.exists() {
        bail!("{}: no such file", path.display());
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}

/// Decodes an audio file and mixes it to mono.
pub fn decode_file(path: &Path) -> Result<Decoded> {
    let bytes = read_file(path)?;
    decode_bytes(&bytes, extension(path).as_deref()).with_context(|| path.display().to_string())
}

/// Decodes the bytes of an audio file (any supported container) and mixes
/// the first audio track to mono.
pub fn decode_bytes(bytes: &[u8], ext: Option<&str>) -> Result<Decoded> {
    let mss = MediaSourceStream::new(
        Box::new(Cursor::new(bytes)),
        MediaSourceStreamOptions::default(),
    );
    let mut hint = Hint::new();
    if let Some(ext) = ext {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| anyhow!("not an audio file this tool can read ({e})"))?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| anyhow!("the file holds no audio track"))?;
    let track_id = track.id;
    let untagged_mp3 = track.delay.is_none();
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| anyhow!("the audio track has no codec parameters"))?
        .clone();
    let untagged_mp3 = untagged_mp3 && params.codec == CODEC_ID_MP3;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| anyhow!("unsupported audio codec ({e})"))?;
    let mut sample_rate = params.sample_rate;
    let mut channels = params.channels.as_ref().map(|c| c.count());
    let mut mono: Vec<f32> = Vec::new();
    let mut interleaved: Vec<f32> = Vec::new();
    let mut skipped_packets = 0;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) | Err(SymphoniaError::ResetRequired) => break,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(e) => bail!("damaged audio data ({e})"),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = match decoder.decode(&packet) {
            Ok(buf) => buf,
            Err(SymphoniaError::DecodeError(_)) | Err(SymphoniaError::IoError(_)) => {
                skipped_packets += 1;
                continue;
            }
            Err(e) => bail!("cannot decode the audio ({e})"),
        };
        let spec = buf.spec();
        sample_rate.get_or_insert(spec.rate());
        let n_ch = spec.channels().count().max(1);
        let channels = *channels.get_or_insert(n_ch);
        if n_ch != channels {
            bail!("the channel count changes from {channels} to {n_ch} inside the file");
        }
        buf.copy_to_vec_interleaved(&mut interleaved);
        mix_to_mono(&interleaved, n_ch, &mut mono);
    }
    let sample_rate =
        sample_rate.ok_or_else(|| anyhow!("the file does not say its sample rate"))?;
    if untagged_mp3 {
        mono.drain(..MP3_DEFAULT_DELAY.min(mono.len()));
    }
    if mono.is_empty() {
        bail!("the file holds no decodable audio");
    }
    Ok(Decoded {
        sample_rate,
        channels: channels.unwrap_or(1) as u16,
        samples: mono,
        skipped_packets,
    })
}

/// Appends the per-frame average of interleaved `channels`-channel samples.
pub fn mix_to_mono(interleaved: &[f32], channels: usize, out: &mut Vec<f32>) {
    if channels <= 1 {
        out.extend_from_slice(interleaved);
        return;
    }
    let scale = 1.0 / channels as f32;
    out.extend(
        interleaved
            .chunks_exact(channels)
            .map(|frame| frame.iter().sum::<f32>() * scale),
    );
}

/// Resamples mono samples from `from` Hz to `to` Hz (see the module doc);
/// returns the input unchanged when the rates are equal.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    if from == to {
        return Ok(samples.to_vec());
    }
    if from == 0 || to == 0 {
        bail!("cannot resample from {from} Hz to {to} Hz");
    }
    let mut rs = FftFixedInOut::<f32>::new(from as usize, to as usize, RESAMPLER_CHUNK, 1)
        .map_err(|e| anyhow!("cannot resample from {from} Hz to {to} Hz: {e}"))?;
    let want = (samples.len() as u64 * to as u64).div_ceil(from as u64) as usize;
    let delay = rs.output_delay();
    let chunk_in = rs.input_frames_next();
    let mut out = Vec::with_capacity(want + delay + rs.output_frames_max());
    let mut block_out = rs.output_buffer_allocate(true);
    let mut padded = vec![0.0f32; chunk_in];
    let mut pos = 0;
    while out.len() < want + delay {
        let block: &[f32] = if pos + chunk_in <= samples.len() {
            &samples[pos..pos + chunk_in]
        } else {
            // The tail, then zeros to flush the filter.
            padded.iter_mut().for_each(|v| *v = 0.0);
            if pos < samples.len() {
                let rest = &samples[pos..];
                padded[..rest.len()].copy_from_slice(rest);
            }
            &padded
        };
        let (_, written) = rs
            .process_into_buffer(&[block], &mut block_out, None)
            .map_err(|e| anyhow!("resampling failed: {e}"))?;
        out.extend_from_slice(&block_out[0][..written]);
        pos += chunk_in;
    }
    out.drain(..delay);
    out.truncate(want);
    Ok(out)
}

/// Converts one full-scale sample to `i16`: `round(x · 32768)` with ties
/// away from zero, clipped to the `i16` range. Returns the value and whether
/// it was clipped.
pub fn sample_to_i16(x: f32) -> (i16, bool) {
    let v = (x as f64 * 32768.0).round();
    if v > i16::MAX as f64 {
        (i16::MAX, true)
    } else if v < i16::MIN as f64 {
        (i16::MIN, true)
    } else if v.is_nan() {
        (0, true)
    } else {
        (v as i16, false)
    }
}

/// Converts full-scale samples to `i16` ([`sample_to_i16`]); returns the
/// samples and how many were clipped.
pub fn quantise_i16(samples: &[f32]) -> (Vec<i16>, usize) {
    let mut clipped = 0;
    let out = samples
        .iter()
        .map(|&x| {
            let (v, c) = sample_to_i16(x);
            clipped += c as usize;
            v
        })
        .collect();
    (out, clipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_to_nearest_with_ties_away_from_zero() {
        let lsb = 1.0 / 32768.0;
        assert_eq!(sample_to_i16(0.5 * lsb), (1, false));
        assert_eq!(sample_to_i16(-0.5 * lsb), (-1, false));
        assert_eq!(sample_to_i16(0.49 * lsb), (0, false));
        assert_eq!(sample_to_i16(1.0), (i16::MAX, true));
        assert_eq!(sample_to_i16(-1.0), (i16::MIN, false));
        assert_eq!(sample_to_i16(-1.5), (i16::MIN, true));
        assert_eq!(sample_to_i16(f32::NAN), (0, true));
    }

    #[test]
    fn mono_mix_averages_channels() {
        let mut out = Vec::new();
        mix_to_mono(&[0.5, -0.5, 1.0, 0.0], 2, &mut out);
        assert_eq!(out, vec![0.0, 0.5]);
    }

    #[test]
    fn resampled_length_and_alignment() {
        // An impulse at input sample 4410 (0.1 s) lands at output sample 1600.
        let mut x = vec![0.0f32; 44_100];
        x[4410] = 1.0;
        let y = resample(&x, 44_100, 16_000).unwrap();
        assert_eq!(y.len(), 16_000);
        let peak = y
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .unwrap()
            .0;
        assert_eq!(peak, 1600);
    }
}
