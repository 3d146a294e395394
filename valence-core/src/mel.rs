//! The mel scale and the sparse triangular filterbank, built exactly like
//! `librosa.filters.mel` and stored for integer application.
//!
//! librosa places `n_mels + 2` points evenly on the mel scale between `fmin`
//! and `fmax`; filter `m` rises from point `m` to point `m + 1` and falls to
//! point `m + 2`. Between two neighbouring points `j` and `j + 1`, an FFT bin
//! at relative position `t` is in the rising edge of filter `j` with weight
//! `t` and in the falling edge of filter `j - 1` with weight `1 - t`. So one
//! number per bin describes the whole bank: we store `t` in Q16 (`u16`), plus
//! the first bin of each interval. Slaney area normalisation is a constant per
//! filter and is applied after the logarithm, as an offset in the log domain.
//!
//! Construction uses `f64` and `libm` (pure software, identical on every
//! target); applying the bank is integer only: `u64` power times `u16`
//! weight, summed in `u64`.

use crate::spec::{FeatureSpec, MelNorm, MelScale};
use crate::tables::LOG2_FRAC_BITS;

/// Fraction bits of the per-bin weights: `1 << 16` is a weight of 1.
pub const WEIGHT_FRAC_BITS: u32 = 16;

/// Right shift applied to each bin's power before weighting, so that the
/// weighted sums cannot overflow `u64` (see [`Filterbank::accumulate`]).
pub const POWER_SHIFT: u32 = 14;

const WEIGHT_ONE: u64 = 1 << WEIGHT_FRAC_BITS;

/// Frequency (Hz) to mels, as `librosa.hz_to_mel`.
pub fn hz_to_mel(hz: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 2595.0 * libm::log10(1.0 + hz / 700.0),
        MelScale::Slaney => {
            let f_sp = 200.0 / 3.0;
            let min_log_hz = 1000.0;
            let min_log_mel = min_log_hz / f_sp;
            let logstep = libm::log(6.4) / 27.0;
            if hz >= min_log_hz {
                min_log_mel + libm::log(hz / min_log_hz) / logstep
            } else {
                hz / f_sp
            }
        }
    }
}

/// Mels to frequency (Hz), as `librosa.mel_to_hz`.
pub fn mel_to_hz(mel: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 700.0 * (libm::pow(10.0, mel / 2595.0) - 1.0),
        MelScale::Slaney => {
            let f_sp = 200.0 / 3.0;
            let min_log_hz = 1000.0;
            let min_log_mel = min_log_hz / f_sp;
            let logstep = libm::log(6.4) / 27.0;
            if mel >= min_log_mel {
                min_log_hz * libm::exp(logstep * (mel - min_log_mel))
            } else {
                f_sp * mel
            }
        }
    }
}

/// The `n_mels + 2` filter edge frequencies of a spec and the FFT bin
/// frequencies, computed as numpy's `linspace` does.
#[derive(Debug, Clone, Copy)]
pub struct MelPoints {
    scale: MelScale,
    min_mel: f64,
    max_mel: f64,
    mel_step: f64,
    n_points: usize,
    bin_step: f64,
    nyquist: f64,
    last_bin: usize,
}

impl MelPoints {
    /// Edge frequencies of `spec` (which need not be validated: nothing here panics).
    pub fn new(spec: &FeatureSpec) -> Self {
        let scale = spec.mel_scale;
        let min_mel = hz_to_mel(spec.fmin_hz as f64, scale);
        let max_mel = hz_to_mel(spec.fmax_hz as f64, scale);
        let n_points = spec.n_mels as usize + 2;
        let nyquist = spec.sample_rate as f64 / 2.0;
        let last_bin = (spec.n_fft as usize / 2).max(1);
        MelPoints {
            scale,
            min_mel,
            max_mel,
            mel_step: (max_mel - min_mel) / (n_points - 1) as f64,
            n_points,
            bin_step: nyquist / last_bin as f64,
            nyquist,
            last_bin,
        }
    }

    /// Frequency of edge point `i` (`0..n_mels + 2`), in Hz.
    pub fn hz(&self, i: usize) -> f64 {
        let mel = if i + 1 >= self.n_points {
            self.max_mel
        } else {
            i as f64 * self.mel_step + self.min_mel
        };
        mel_to_hz(mel, self.scale)
    }

    /// Frequency of FFT bin `k` (`0..=n_fft/2`), in Hz.
    pub fn bin_hz(&self, k: usize) -> f64 {
        if k >= self.last_bin {
            self.nyquist
        } else {
            k as f64 * self.bin_step
        }
    }

    /// The first bin whose frequency is strictly above `hz` (`n_fft/2 + 1` if none).
    pub fn first_bin_above(&self, hz: f64) -> usize {
        let mut k = self.guess(hz);
        while k > 0 && self.bin_hz(k - 1) > hz {
            k -= 1;
        }
        while k <= self.last_bin && self.bin_hz(k) <= hz {
            k += 1;
        }
        k
    }

    /// The first bin whose frequency is at or above `hz` (`n_fft/2 + 1` if none).
    pub fn first_bin_at_or_above(&self, hz: f64) -> usize {
        let mut k = self.guess(hz);
        while k > 0 && self.bin_hz(k - 1) >= hz {
            k -= 1;
        }
        while k <= self.last_bin && self.bin_hz(k) < hz {
            k += 1;
        }
        k
    }

    /// One past the last bin of the interval between points `j` and `j + 1`
    /// as the Q16 weights see it: a bin whose position `t` in the interval
    /// rounds to 1 belongs to the next interval (with `t = 0` there), so the
    /// quantised weights are exactly 0 and 1 where librosa's are within
    /// rounding noise of them.
    pub fn interval_end(&self, j: usize) -> usize {
        let (lo, hi) = (self.hz(j), self.hz(j + 1));
        let half_quantum = (hi - lo) / (2 * WEIGHT_ONE) as f64;
        self.first_bin_at_or_above(hi - half_quantum)
    }

    fn guess(&self, hz: f64) -> usize {
        let g = hz / self.bin_step;
        if g.is_nan() || g <= 0.0 {
            0
        } else if g >= self.last_bin as f64 {
            self.last_bin
        } else {
            g as usize
        }
    }
}

/// The filterbank of one spec, sized for at most `MAX_FFT`-point transforms
/// and `MAX_MELS` bands.
#[derive(Debug, Clone)]
///
/// The per-bin weights live in a caller-provided slice (`rise`, `n_fft/2`
/// entries: bin `k`'s rising-edge weight `t` in Q16, the falling edge getting
/// `1 - t`), so that the front end can share one table between the window and
/// the weights. The Nyquist bin never carries weight: every bank ends at or
/// below `fmax ≤ sr/2`, and a bin at the top edge point has weight 0.
pub struct Filterbank<const MAX_FFT: usize, const MAX_MELS: usize> {
    /// First bin with a non-zero weight.
    pub(crate) first_bin: u16,
    /// `edges[i]`: first bin at or above edge point `i + 1`.
    pub(crate) edges: [u16; MAX_MELS],
    /// One past the last bin with a non-zero weight.
    pub(crate) end_bin: u16,
    /// Per-band log2 offset (normalisation), Q24.
    band_log2_q24: [i32; MAX_MELS],
    pub(crate) n_mels: usize,
    pub(crate) n_bins: usize,
}

impl<const MAX_FFT: usize, const MAX_MELS: usize> Filterbank<MAX_FFT, MAX_MELS> {
    /// No bands and no bins, all zero bytes: the bank of a front end that
    /// has not been set up yet (see [`crate::FrontEnd`]).
    pub(crate) const EMPTY: Self = Filterbank {
        first_bin: 0,
        edges: [0; MAX_MELS],
        end_bin: 0,
        band_log2_q24: [0; MAX_MELS],
        n_mels: 0,
        n_bins: 0,
    };

    /// Builds the bank for a validated spec that fits the capacity
    /// (`n_fft <= MAX_FFT`, `n_mels <= MAX_MELS`) and writes the per-bin
    /// weights into `rise` (at least `n_fft/2` entries); returns `None` otherwise.
    pub fn new(spec: &FeatureSpec, rise: &mut [u16]) -> Option<Self> {
        let n_mels = spec.n_mels as usize;
        let n_bins = spec.n_bins();
        if spec.validate().is_err()
            || spec.n_fft as usize > MAX_FFT
            || n_mels > MAX_MELS
            || rise.len() < n_bins - 1
        {
            return None;
        }
        for r in rise.iter_mut() {
            *r = 0;
        }
        let points = MelPoints::new(spec);
        let mut bank = Filterbank {
            first_bin: points.first_bin_above(points.hz(0)) as u16,
            edges: [0; MAX_MELS],
            // At most the Nyquist bin, which then has weight 0 (see the type's docs).
            end_bin: points.interval_end(n_mels).min(n_bins - 1) as u16,
            band_log2_q24: [0; MAX_MELS],
            n_mels,
            n_bins,
        };
        for (i, edge) in bank.edges.iter_mut().take(n_mels).enumerate() {
            *edge = points.interval_end(i) as u16;
        }
        for j in 0..=n_mels {
            let (lo_hz, hi_hz) = (points.hz(j), points.hz(j + 1));
            let width = hi_hz - lo_hz;
            let (start, end) = bank.interval(j);
            for k in start..end {
                // librosa: lower = (f_k - f_j) / (f_{j+1} - f_j)
                let t = (points.bin_hz(k) - lo_hz) / width;
                let q = libm::round(t * WEIGHT_ONE as f64);
                let q = if q.is_nan() {
                    0.0
                } else {
                    q.clamp(0.0, (WEIGHT_ONE - 1) as f64)
                };
                if let Some(slot) = rise.get_mut(k) {
                    *slot = q as u16;
                }
            }
        }
        for (m, offset) in bank.band_log2_q24.iter_mut().take(n_mels).enumerate() {
            let enorm = match spec.norm {
                MelNorm::Slaney => 2.0 / (points.hz(m + 2) - points.hz(m)),
                MelNorm::None => 1.0,
            };
            *offset = libm::round(libm::log2(enorm) * (1u64 << LOG2_FRAC_BITS) as f64) as i32;
        }
        Some(bank)
    }

    /// Number of bands.
    pub fn n_mels(&self) -> usize {
        self.n_mels
    }

    /// Bins `[start, end)` between edge points `j` and `j + 1` (`j` in `0..=n_mels`).
    fn interval(&self, j: usize) -> (usize, usize) {
        let start = match j.checked_sub(1) {
            None => self.first_bin,
            Some(i) => self.edges.get(i).copied().unwrap_or(self.end_bin),
        };
        let end = if j < self.n_mels {
            self.edges.get(j).copied().unwrap_or(self.end_bin)
        } else {
            self.end_bin
        };
        let start = (start as usize).max(self.first_bin as usize);
        let end = (end as usize).min(self.end_bin as usize);
        (start, end.max(start))
    }

    /// The weight of `bin` in `band` as used by the integer path, in
    /// librosa's units (including Slaney normalisation). For tests and reports.
    /// `rise` is the slice the bank was built with.
    pub fn weight(&self, rise: &[u16], band: usize, bin: usize) -> f64 {
        if band >= self.n_mels {
            return 0.0;
        }
        let gain = libm::exp2(
            self.band_log2_q24.get(band).copied().unwrap_or(0) as f64
                / (1u64 << LOG2_FRAC_BITS) as f64,
        );
        let t = rise.get(bin).copied().unwrap_or(0) as f64 / WEIGHT_ONE as f64;
        let (rs, re) = self.interval(band);
        let (fs, fe) = self.interval(band + 1);
        if (rs..re).contains(&bin) {
            t * gain
        } else if (fs..fe).contains(&bin) {
            (1.0 - t) * gain
        } else {
            0.0
        }
    }

    /// The per-band log2 offsets in Q24, band 0 first (see [`Filterbank::band_log2_q24`]).
    pub fn band_log2_offsets(&self) -> &[i32] {
        self.band_log2_q24.get(..self.n_mels).unwrap_or(&[])
    }

    /// Per-band log2 offset in Q24 (the normalisation of band `m`).
    pub fn band_log2_q24(&self, band: usize) -> i32 {
        self.band_log2_q24.get(band).copied().unwrap_or(0)
    }

    /// The walk over the bins `first_bin..end_bin` (never past the Nyquist
    /// bin, which no bank built by [`Filterbank::new`] weights), cut at the
    /// boundaries `edges[..n_mels]` and `end_bin`: interval `j`
    /// (`0..=n_mels`) holds the bins of the rising edge of band `j` and the
    /// falling edge of band `j - 1` (see [`band_sum`]). Yields `(j, bins)`.
    /// ([`Filterbank::accumulate`] makes the same cut in its own loop, which
    /// resumes where the Cortex-M4's kernel stopped.)
    #[inline(always)]
    pub(crate) fn intervals(&self) -> impl Iterator<Item = (usize, core::ops::Range<usize>)> + '_ {
        let end_bin = (self.end_bin as usize).min(self.n_bins.saturating_sub(1));
        let mut pos = (self.first_bin as usize).min(end_bin);
        self.edges
            .iter()
            .take(self.n_mels.min(MAX_MELS))
            .chain(core::iter::once(&self.end_bin))
            .enumerate()
            .map(move |(j, &edge)| {
                let end = (edge as usize).min(end_bin).max(pos);
                let bins = pos..end;
                pos = end;
                (j, bins)
            })
    }

    /// Weighted band sums of one power spectrum.
    ///
    /// `power` holds bins `0..n_fft/2` packed as pairs of `i32` (low word
    /// first, see [`crate::fft::unpack_power`]); `nyquist` is bin `n_fft/2`,
    /// which no bank built by [`Filterbank::new`] weights (its last interval
    /// ends at or below that bin), so it is accepted and left out.
    /// Writes `Σ_k (P_k >> POWER_SHIFT) · w_mk` into `bands[m]` with `w` in Q16.
    ///
    /// No overflow: the front end guarantees `Σ_k P_k ≤ 2^60`, each bin's
    /// weight in one band is at most `2^16`, so every band sum is at most
    /// `2^(60 - 14 + 16) = 2^62`.
    /// `rise` is the slice the bank was built with.
    pub fn accumulate(
        &self,
        rise: &[u16],
        power: &[i32],
        nyquist: u64,
        bands: &mut [u64; MAX_MELS],
    ) {
        let _ = nyquist;
        let last = self.n_bins.saturating_sub(1); // index of the Nyquist bin
        let n_mels = self.n_mels.min(MAX_MELS);
        // One walk over the packed bins first_bin..end_bin (never past
        // `last`), cut into intervals at the boundaries edges[..n_mels],
        // end_bin: interval j is the rising edge of band j and the falling
        // edge of band j - 1.
        let end_bin = (self.end_bin as usize).min(last);
        let weights = rise.get(..end_bin).unwrap_or(&[]);
        let bins = power.get(..2 * end_bin).unwrap_or(&[]);
        let mut pos = (self.first_bin as usize).min(end_bin);
        let mut previous_rise = 0u64;
        // The Cortex-M4's DSP build walks all boundaries but the last in one
        // kernel; the loop below does the rest (all of them elsewhere).
        let inner = self.edges.get(..n_mels).unwrap_or(&[]);
        let mut done = 0;
        if let Some(stop) = walk_dsp(weights, bins, pos, end_bin, inner, bands) {
            pos = stop;
            done = inner.len();
            previous_rise = bands.get(done - 1).copied().unwrap_or(0);
        }
        let boundaries = self
            .edges
            .iter()
            .take(n_mels)
            .chain(core::iter::once(&self.end_bin))
            .skip(done);
        for (i, &edge) in boundaries.enumerate() {
            let j = i + done;
            let end = (edge as usize).min(end_bin).max(pos);
            let (rise_sum, total) = interval_sums(
                weights.get(pos..end).unwrap_or(&[]),
                bins.get(2 * pos..2 * end).unwrap_or(&[]),
            );
            if let Some(b) = j.checked_sub(1).and_then(|i| bands.get_mut(i)) {
                *b = band_sum(previous_rise, total, rise_sum);
            }
            previous_rise = rise_sum;
            pos = end;
        }
        for b in bands.iter_mut().skip(n_mels) {
            *b = 0;
        }
    }
}

/// Walks the boundaries `inner` (all but the last, `end_bin`) from bin
/// `start` on the Cortex-M4's DSP build: the first band's rising part with
/// [`interval_sums`], then the kernel
/// ([`crate::frontend_dsp::filterbank_walk`]) over the others. Finishes
/// bands `0..inner.len() - 1`, leaves the last one's rising part in
/// `bands[inner.len() - 1]` and returns the bin where it stopped; `None`
/// (nothing written) with fewer than two boundaries to walk.
#[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
#[inline(always)]
fn walk_dsp(
    weights: &[u16],
    bins: &[i32],
    start: usize,
    end_bin: usize,
    inner: &[u16],
    bands: &mut [u64],
) -> Option<usize> {
    let (&first_edge, rest) = inner.split_first()?;
    if rest.is_empty() || bands.len() < inner.len() {
        return None;
    }
    let end = (first_edge as usize).min(end_bin).max(start);
    let (rise, _) = interval_sums(
        weights.get(start..end).unwrap_or(&[]),
        bins.get(2 * start..2 * end).unwrap_or(&[]),
    );
    *bands.first_mut()? = rise;
    crate::frontend_dsp::filterbank_walk::<POWER_SHIFT>(weights, bins, end, rest, bands)
}

/// The portable build walks every boundary in [`Filterbank::accumulate`]'s loop.
#[cfg(not(all(feature = "cortex-m-dsp", target_arch = "arm")))]
#[inline(always)]
fn walk_dsp(
    _weights: &[u16],
    _bins: &[i32],
    _start: usize,
    _end_bin: usize,
    _inner: &[u16],
    _bands: &mut [u64],
) -> Option<usize> {
    None
}

/// Band `j - 1` of a walk ([`Filterbank::intervals`]): the rising part
/// summed over interval `j - 1` (`previous_rise`, `Σ p·t`) and the falling
/// part over interval `j`, `Σ p·(1 - t) = Σ p·2^16 - Σ p·t` from that
/// interval's `total` (`Σ p`) and `rise` (`Σ p·t`), wrapping like `u64`.
#[inline(always)]
pub(crate) fn band_sum(previous_rise: u64, total: u64, rise: u64) -> u64 {
    previous_rise.wrapping_add((total << WEIGHT_FRAC_BITS).wrapping_sub(rise))
}

/// `(Σ p·t, Σ p)` with `p = P >> POWER_SHIFT` over bins whose powers come
/// packed from `power` (see [`crate::fft::unpack_power`]) and weights from
/// `weights`, wrapping around like `u64` arithmetic.
#[inline(always)]
fn interval_sums(weights: &[u16], power: &[i32]) -> (u64, u64) {
    #[cfg(all(feature = "cortex-m-dsp", target_arch = "arm"))]
    {
        crate::frontend_dsp::interval_sums::<POWER_SHIFT>(weights, power)
    }
    #[cfg(not(all(feature = "cortex-m-dsp", target_arch = "arm")))]
    {
        let (mut rise_sum, mut total) = (0u64, 0u64);
        for (&t, p) in weights.iter().zip(power.chunks_exact(2)) {
            let p = crate::fft::unpack_power(p) >> POWER_SHIFT;
            rise_sum = rise_sum.wrapping_add(p.wrapping_mul(t as u64));
            total = total.wrapping_add(p);
        }
        (rise_sum, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slaney_scale_matches_librosa_values() {
        // librosa.hz_to_mel(1000) == 15, hz_to_mel(8000) == 45.245640471924965
        assert!((hz_to_mel(1000.0, MelScale::Slaney) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(8000.0, MelScale::Slaney) - 45.245640471924965).abs() < 1e-9);
        assert!((mel_to_hz(45.245640471924965, MelScale::Slaney) - 8000.0).abs() < 1e-6);
        // librosa.hz_to_mel(1000, htk=True) == 999.9855371396243
        assert!((hz_to_mel(1000.0, MelScale::Htk) - 999.9855371396243).abs() < 1e-9);
    }

    #[test]
    fn weights_of_neighbouring_bands_sum_to_one_and_skip_nyquist() {
        for htk in [false, true] {
            let spec = FeatureSpec {
                norm: MelNorm::None,
                mel_scale: if htk { MelScale::Htk } else { MelScale::Slaney },
                ..FeatureSpec::DEFAULT
            };
            let mut rise = [0u16; 256];
            let bank: Filterbank<512, 64> = Filterbank::new(&spec, &mut rise).unwrap();
            // Between the first and the last band's peaks every bin is shared
            // by two triangles whose weights add up to exactly 1.
            let (inner_start, _) = bank.interval(1);
            let (_, inner_end) = bank.interval(spec.n_mels as usize - 1);
            for k in inner_start..inner_end {
                let sum: f64 = (0..64).map(|b| bank.weight(&rise, b, k)).sum();
                assert_eq!(sum, 1.0, "bin {k}");
            }
            // The Nyquist bin (256) is never inside the bank: the weights fit in n_fft/2 entries.
            assert!(bank.first_bin >= 1);
            assert!((bank.end_bin as usize) < spec.n_bins());
        }
    }
}
