//! From mel spectrograms read from a file to the statistics the device computes.
//!
//! A spectrogram pickle (as the original Keras course project had, made with
//! librosa) is summarised into per-band mean and standard deviation of its
//! decibel frames — the feature vector the device's window statistics
//! produce. To give the device's numbers, decibels are quantised to the
//! device's Q8.8 format and summed with the core's integer
//! [`BandAccumulator`], whose rounding is part of the feature definition.
//!
//! Power spectrograms are converted as `librosa.power_to_db(S, ref=1.0,
//! amin=10^(db_floor/10), top_db=None)`: `10·log10(max(S, amin))`, which is
//! `10·log10(max(S, 1e-10))` for the default floor of -100 dB. Decibel
//! spectrograms are floored at the same `db_floor` of the layout's
//! [`FeatureSpec`], as the device's frames are. Decibels are then quantised
//! to Q8.8: `round(db · 256)` (halves away from zero), clamped to `i16`.

use anyhow::{bail, Context, Result};
use valence_core::stats::{BandAccumulator, StatsSpec, WindowStats, MAX_WINDOW_FRAMES};
use valence_core::FeatureSpec;

use super::array::NdArray;
use super::layout::XData;

/// The most mel bands a spectrogram may have here.
pub const MAX_MELS: usize = 512;

/// Whether spectrogram values are power or decibels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpectrogramScale {
    /// Power (`librosa.feature.melspectrogram`'s output).
    Power,
    /// Decibels (`librosa.power_to_db` of it).
    Db,
}

/// How a spectrogram's two axes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// `(n_mels, frames)`, as librosa returns it.
    MelsByFrames,
    /// `(frames, n_mels)`, transposed.
    FramesByMels,
}

/// What a spectrogram file holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpectrogramLayout {
    /// Power or decibels.
    pub power_or_db: SpectrogramScale,
    /// Axis order.
    pub orientation: Orientation,
    /// Number of mel bands (must equal `spec.n_mels`).
    pub n_mels: usize,
    /// The mel configuration the spectrograms were made with: recorded with
    /// the dataset, not used by the computation.
    pub spec: FeatureSpec,
}

impl SpectrogramLayout {
    /// librosa's defaults: 22.05 kHz, n_fft 2048, hop 512, 128 mels.
    pub fn librosa(power_or_db: SpectrogramScale, orientation: Orientation) -> SpectrogramLayout {
        let spec = FeatureSpec::LIBROSA_DEFAULTS;
        SpectrogramLayout {
            power_or_db,
            orientation,
            n_mels: spec.n_mels as usize,
            spec,
        }
    }

    fn validate(&self) -> Result<()> {
        if self.n_mels == 0 || self.n_mels > MAX_MELS {
            bail!(
                "{} mel bands: from 1 to {MAX_MELS} are supported",
                self.n_mels
            );
        }
        if self.n_mels != self.spec.n_mels as usize {
            bail!(
                "the layout says {} mel bands but its feature spec says {}",
                self.n_mels,
                self.spec.n_mels
            );
        }
        Ok(())
    }
}

impl Default for SpectrogramLayout {
    /// librosa's defaults, power, `(n_mels, frames)`.
    fn default() -> Self {
        SpectrogramLayout::librosa(SpectrogramScale::Power, Orientation::MelsByFrames)
    }
}

/// Per-band statistics of many spectrograms, with the spec they were made with.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectrogramFeatures {
    /// One feature vector per clip: `n_mels` means then `n_mels` standard deviations (dB).
    pub features: Vec<Vec<f32>>,
    /// The mel configuration of the spectrograms.
    pub spec: FeatureSpec,
}

/// The spectrogram's frames as Q8.8 decibels, checked against the layout.
fn q8_frames(spec: &NdArray, layout: &SpectrogramLayout) -> Result<Vec<Vec<i16>>> {
    layout.validate()?;
    let [a, b] = spec.shape[..] else {
        bail!(
            "a spectrogram must be 2-D, (n_mels, frames) or (frames, n_mels); this one has shape {}",
            spec.shape_text()
        );
    };
    let (mels, frames, other) = match layout.orientation {
        Orientation::MelsByFrames => (a, b, "frames-by-mels"),
        Orientation::FramesByMels => (b, a, "mels-by-frames"),
    };
    if mels != layout.n_mels {
        let hint = if frames == layout.n_mels {
            format!(
                "; its other axis has {} bands: is it {other}?",
                layout.n_mels
            )
        } else {
            String::new()
        };
        bail!(
            "a spectrogram of shape {} has {mels} mel bands where {} were expected{hint}",
            spec.shape_text(),
            layout.n_mels
        );
    }
    if frames == 0 {
        bail!("a spectrogram of shape {} has no frames", spec.shape_text());
    }
    if frames > MAX_WINDOW_FRAMES as usize {
        bail!(
            "a spectrogram of {frames} frames: whole-clip statistics cover at most {MAX_WINDOW_FRAMES} \
             frames (the device's longest window); use window statistics for longer clips"
        );
    }
    let v = spec.to_f64();
    let at = |m: usize, t: usize| match layout.orientation {
        Orientation::MelsByFrames => v[m * frames + t],
        Orientation::FramesByMels => v[t * mels + m],
    };
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match layout.power_or_db {
        SpectrogramScale::Power => {
            if let Some(neg) = v.iter().find(|x| **x < 0.0) {
                bail!("a power spectrogram holds the negative value {neg}: are these decibels? (power values are ≥ 0)");
            }
        }
        SpectrogramScale::Db => {
            if max > 200.0 {
                bail!("a decibel spectrogram holds {max} dB: is this power rather than decibels?");
            }
        }
    }
    // max(10·log10(S), floor) is 10·log10(max(S, amin)) with the floor exact.
    let floor = layout.spec.db_floor as f64;
    let to_db = |x: f64| match layout.power_or_db {
        SpectrogramScale::Power => (10.0 * x.log10()).max(floor),
        SpectrogramScale::Db => x.max(floor),
    };
    Ok((0..frames)
        .map(|t| {
            (0..mels)
                .map(|m| {
                    (to_db(at(m, t)) * 256.0)
                        .round()
                        .clamp(i16::MIN as f64, i16::MAX as f64) as i16
                })
                .collect()
        })
        .collect())
}

fn to_db_f32(mean: &[i16], std: &[i16]) -> Vec<f32> {
    mean.iter().chain(std).map(|&q| q as f32 / 256.0).collect()
}

/// Per-band mean then per-band population standard deviation (dB) of one
/// clip's frames, computed as the device does (Q8.8 decibels, integer sums,
/// the core's rounding). Clips are limited to
/// [`MAX_WINDOW_FRAMES`] frames.
pub fn spectrogram_stats(spec: &NdArray, layout: &SpectrogramLayout) -> Result<Vec<f32>> {
    let frames = q8_frames(spec, layout)?;
    let mut acc = BandAccumulator::<MAX_MELS>::default();
    for f in &frames {
        acc.add(f);
    }
    let (mut mean, mut std) = (vec![0i16; layout.n_mels], vec![0i16; layout.n_mels]);
    acc.finish(&mut mean, &mut std);
    Ok(to_db_f32(&mean, &std))
}

/// The device's window statistics over one clip: one feature vector
/// (means then standard deviations, dB) per completed window of `stats`.
pub fn spectrogram_window_stats(
    spec: &NdArray,
    layout: &SpectrogramLayout,
    stats: &StatsSpec,
) -> Result<Vec<Vec<f32>>> {
    let mut ws =
        WindowStats::<MAX_MELS>::new(stats, layout.n_mels).map_err(|e| anyhow::anyhow!("{e}"))?;
    // Window statistics have no whole-clip limit: check the layout on a short view.
    let frames = q8_frames_unbounded(spec, layout)?;
    let (mut mean, mut std) = (vec![0i16; layout.n_mels], vec![0i16; layout.n_mels]);
    let mut out = Vec::new();
    for f in &frames {
        if ws.push(f, &mut mean, &mut std) {
            out.push(to_db_f32(&mean, &std));
        }
    }
    Ok(out)
}

/// [`q8_frames`] without the whole-clip frame limit.
fn q8_frames_unbounded(spec: &NdArray, layout: &SpectrogramLayout) -> Result<Vec<Vec<i16>>> {
    let frames_axis = match layout.orientation {
        Orientation::MelsByFrames => 1,
        Orientation::FramesByMels => 0,
    };
    let total = spec.shape.get(frames_axis).copied().unwrap_or(0);
    if spec.ndim() != 2 || total <= MAX_WINDOW_FRAMES as usize {
        return q8_frames(spec, layout);
    }
    // Convert in pieces of at most MAX_WINDOW_FRAMES frames.
    let mut out = Vec::with_capacity(total);
    let v = spec.to_f64();
    let mut start = 0;
    while start < total {
        let n = (total - start).min(MAX_WINDOW_FRAMES as usize);
        let piece = match layout.orientation {
            Orientation::FramesByMels => {
                let m = spec.shape[1];
                NdArray::new(
                    vec![n, m],
                    spec.dtype,
                    super::array::ArrayData::F64(v[start * m..(start + n) * m].to_vec()),
                )?
            }
            Orientation::MelsByFrames => {
                let m = spec.shape[0];
                let data = (0..m)
                    .flat_map(|r| v[r * total + start..r * total + start + n].iter().copied())
                    .collect();
                NdArray::new(vec![m, n], spec.dtype, super::array::ArrayData::F64(data))?
            }
        };
        out.extend(q8_frames(&piece, layout)?);
        start += n;
    }
    Ok(out)
}

/// Whole-clip statistics of every spectrogram in `x` (errors name the clip).
pub fn spectrogram_features(x: &XData, layout: &SpectrogramLayout) -> Result<SpectrogramFeatures> {
    if let XData::Matrix(a) = x {
        if a.ndim() != 3 {
            bail!(
                "the features have shape {}: feature vectors, not spectrograms (expected (clips, a, b) or a list of 2-D arrays)",
                a.shape_text()
            );
        }
    }
    let features = (0..x.n_examples())
        .map(|i| spectrogram_stats(&x.example(i), layout).with_context(|| format!("in clip {i}")))
        .collect::<Result<_>>()?;
    Ok(SpectrogramFeatures {
        features,
        spec: layout.spec,
    })
}

#[cfg(test)]
mod tests {
    use super::super::array::ArrayData;
    use super::super::dtype::DType;
    use super::*;

    fn spec(shape: Vec<usize>, v: Vec<f64>) -> NdArray {
        NdArray::new(shape, DType::F32, ArrayData::F64(v)).unwrap()
    }

    fn layout(scale: SpectrogramScale, o: Orientation, n_mels: usize) -> SpectrogramLayout {
        let mut l = SpectrogramLayout::librosa(scale, o);
        l.n_mels = n_mels;
        l.spec.n_mels = n_mels as u16;
        l
    }

    #[test]
    fn power_and_db_give_the_same_statistics() {
        // Two bands, four frames: power 1, 10, 100, 1000 → 0, 10, 20, 30 dB.
        let p = spec(
            vec![2, 4],
            vec![1.0, 10.0, 100.0, 1000.0, 1e-12, 1e-12, 1e-12, 1e-12],
        );
        let s = spectrogram_stats(
            &p,
            &layout(SpectrogramScale::Power, Orientation::MelsByFrames, 2),
        )
        .unwrap();
        // Band 0: mean 15, population std sqrt(125) = 11.18 (Q8.8: 2862/256 = 11.1797).
        assert_eq!(s[0], 15.0);
        assert_eq!(s[1], -100.0);
        assert!((s[2] - 125f32.sqrt()).abs() < 1.0 / 256.0, "{}", s[2]);
        assert_eq!(s[3], 0.0);
        let d = spec(
            vec![4, 2],
            vec![0.0, -100.0, 10.0, -100.0, 20.0, -100.0, 30.0, -100.0],
        );
        let t = spectrogram_stats(
            &d,
            &layout(SpectrogramScale::Db, Orientation::FramesByMels, 2),
        )
        .unwrap();
        assert_eq!(s, t);
    }

    #[test]
    fn wrong_layouts_are_explained() {
        let d = spec(vec![4, 2], vec![0.0; 8]);
        let e = spectrogram_stats(
            &d,
            &layout(SpectrogramScale::Db, Orientation::MelsByFrames, 2),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("frames-by-mels"), "{e}");
        let e = spectrogram_stats(
            &spec(vec![2, 1], vec![-1.0, 0.0]),
            &layout(SpectrogramScale::Power, Orientation::MelsByFrames, 2),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("decibels"), "{e}");
    }

    #[test]
    fn window_statistics_match_whole_windows() {
        let v: Vec<f64> = (0..8).map(|t| t as f64).collect();
        let d = spec(vec![1, 8], v);
        let l = layout(SpectrogramScale::Db, Orientation::MelsByFrames, 1);
        let stats = StatsSpec {
            window_frames: 4,
            hop_frames: 2,
            ..StatsSpec::DEFAULT
        };
        let w = spectrogram_window_stats(&d, &l, &stats).unwrap();
        // Windows [0,4), [2,6), [4,8): means 1.5, 3.5, 5.5.
        assert_eq!(
            w.iter().map(|x| x[0]).collect::<Vec<_>>(),
            vec![1.5, 3.5, 5.5]
        );
        let whole = spectrogram_stats(&spec(vec![1, 4], vec![0.0, 1.0, 2.0, 3.0]), &l).unwrap();
        assert_eq!(w[0], whole);
    }
}
