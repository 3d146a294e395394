//! The core front end over a whole clip on the host, several frames side by
//! side ([`valence_core::lanes`]), built for the widest vector unit this CPU
//! has: the same bits as the device, as fast as the workstation allows.
//!
//! The core's clip path is portable code that compilers vectorise; this
//! module instantiates it three times — for AVX-512 and AVX2 (16 frames at
//! once; with 8, AVX2's build keeps most of its work scalar) and for the
//! baseline of the target (8) — and picks one at run time from what the CPU
//! reports. Where the compiler's own sequence is poor, the core takes
//! kernels ([`valence_core::lanes::LaneKernels`]): the FFT's rounded
//! products (AVX-512 and AVX2: even and odd lanes multiplied in place, then
//! blended) and the filterbank's step (AVX2, which lacks a 64-bit multiply).
//! Every variant gives the same frames: the arithmetic is integer and the
//! same in each lane (kernels tested against the portable definitions, the
//! whole path against the streaming one, which is what the device runs).
#![allow(unsafe_code)]

use anyhow::{anyhow, Result};
use valence_core::frontend::HostFrontEnd;
use valence_core::lanes::{accumulate_lanes, LaneKernels, LanePoint, LaneScratch, PortableKernels};

/// The vector unit a clip is computed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorUnit {
    /// x86-64 AVX-512 (F, BW, DQ, VL, CD): 16 frames at once.
    Avx512,
    /// x86-64 AVX2: 16 frames at once.
    Avx2,
    /// Whatever the target guarantees (SSE2 on x86-64, NEON on aarch64): 8 frames at once.
    Baseline,
}

impl VectorUnit {
    /// The widest unit this CPU has.
    pub fn detect() -> VectorUnit {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512cd")
            {
                return VectorUnit::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return VectorUnit::Avx2;
            }
        }
        VectorUnit::Baseline
    }

    /// Whether this CPU can run code built for this unit.
    pub fn available(self) -> bool {
        match self {
            VectorUnit::Baseline => true,
            VectorUnit::Avx2 => matches!(Self::detect(), VectorUnit::Avx2 | VectorUnit::Avx512),
            VectorUnit::Avx512 => Self::detect() == VectorUnit::Avx512,
        }
    }
}

/// Every frame of `samples` (as [`HostFrontEnd::push`] would give them from
/// a reset) into `out`, `n_mels` Q8.8 values per frame, with the widest
/// vector unit available; returns the number of frames.
pub fn clip_frames(fe: &HostFrontEnd, samples: &[i16], out: &mut [i16]) -> Result<usize> {
    clip_frames_with(VectorUnit::detect(), fe, samples, out)
}

/// [`clip_frames`] with a chosen vector unit; an error if this CPU lacks it.
pub fn clip_frames_with(
    unit: VectorUnit,
    fe: &HostFrontEnd,
    samples: &[i16],
    out: &mut [i16],
) -> Result<usize> {
    if !unit.available() {
        return Err(anyhow!("this CPU has no {unit:?} unit"));
    }
    match unit {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `available` checked that the CPU has every feature the
        // function is built for.
        VectorUnit::Avx512 => unsafe { avx512(fe, samples, out) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, for AVX2.
        VectorUnit::Avx2 => unsafe { avx2(fe, samples, out) },
        _ => in_lanes(fe, samples, out, PortableKernels::<8>::PORTABLE),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(
    enable = "avx512f,avx512bw,avx512dq,avx512vl,avx512cd,avx2,fma,bmi1,bmi2,lzcnt,popcnt"
)]
fn avx512(fe: &HostFrontEnd, samples: &[i16], out: &mut [i16]) -> Result<usize> {
    // The closure is built for AVX-512 like the function it is defined in,
    // so the kernel is inlined into the clip path.
    let kernels = LaneKernels {
        mul: |a: &[i32; 16], b| mul_half_avx512(a, b),
        accumulate: accumulate_lanes::<16>,
    };
    in_lanes(fe, samples, out, kernels)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
fn avx2(fe: &HostFrontEnd, samples: &[i16], out: &mut [i16]) -> Result<usize> {
    let kernels = LaneKernels {
        mul: |a: &[i32; 16], b| mul_half_avx2(a, b),
        accumulate: |rise: &mut [u64; 16], total: &mut [u64; 16], power: &[u64; 16], t| {
            accumulate_avx2(rise, total, power, t)
        },
    };
    in_lanes(fe, samples, out, kernels)
}

/// [`valence_core::lanes::mul_half_lanes`] of 16 lanes on AVX-512F: the even lanes are the low
/// halves of 64-bit words, which the multiply sign-extends; the odd lanes
/// are moved down first. Each product plus 2^31 holds its rounded result in
/// its high half, and one blend puts the halves back in lane order.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn mul_half_avx512(a: &[i32; 16], b: i32) -> [i32; 16] {
    use std::arch::x86_64::*;
    let mut out = [0i32; 16];
    let w = _mm512_set1_epi32(b);
    let half = _mm512_set1_epi64(1 << 31);
    // SAFETY: the load and the store cover exactly the two 16-lane arrays.
    let x = unsafe { _mm512_loadu_si512(a.as_ptr().cast()) };
    let even = _mm512_add_epi64(_mm512_mul_epi32(x, w), half);
    let odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64::<32>(x), w), half);
    let r = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64::<32>(even), odd);
    // SAFETY: as above.
    unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), r) };
    out
}

/// [`mul_half_avx512`] on AVX2, in two halves of 8 lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn mul_half_avx2(a: &[i32; 16], b: i32) -> [i32; 16] {
    use std::arch::x86_64::*;
    let mut out = [0i32; 16];
    let w = _mm256_set1_epi32(b);
    let half = _mm256_set1_epi64x(1 << 31);
    for (src, dst) in a.chunks_exact(8).zip(out.chunks_exact_mut(8)) {
        // SAFETY: each load and store covers exactly 8 lanes of the arrays.
        let x = unsafe { _mm256_loadu_si256(src.as_ptr().cast()) };
        let even = _mm256_add_epi64(_mm256_mul_epi32(x, w), half);
        let odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64::<32>(x), w), half);
        let r = _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(even), odd);
        // SAFETY: as above.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), r) };
    }
    out
}

/// [`accumulate_lanes`] of 16 lanes on AVX2, which has no 64-bit multiply:
/// `p < 2^46`, so `p·t` is exactly the sum of its low and its shifted high
/// 32-bit halves' products. (Left to itself the compiler vectorises the
/// filterbank walk across bins and keeps the lanes' sums in memory.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn accumulate_avx2(rise: &mut [u64; 16], total: &mut [u64; 16], power: &[u64; 16], t: u16) {
    use std::arch::x86_64::*;
    let w = _mm256_set1_epi64x(t as i64);
    let chunks = rise
        .chunks_exact_mut(4)
        .zip(total.chunks_exact_mut(4))
        .zip(power.chunks_exact(4));
    for ((r, s), p) in chunks {
        // SAFETY: each load and store covers exactly 4 lanes of the arrays.
        let (rv, sv, pv) = unsafe {
            (
                _mm256_loadu_si256(r.as_ptr().cast()),
                _mm256_loadu_si256(s.as_ptr().cast()),
                _mm256_loadu_si256(p.as_ptr().cast()),
            )
        };
        let p = _mm256_srli_epi64::<{ valence_core::mel::POWER_SHIFT as i32 }>(pv);
        let low = _mm256_mul_epu32(p, w);
        let high = _mm256_slli_epi64::<32>(_mm256_mul_epu32(_mm256_srli_epi64::<32>(p), w));
        let rv = _mm256_add_epi64(rv, _mm256_add_epi64(low, high));
        let sv = _mm256_add_epi64(sv, p);
        // SAFETY: as above.
        unsafe {
            _mm256_storeu_si256(r.as_mut_ptr().cast(), rv);
            _mm256_storeu_si256(s.as_mut_ptr().cast(), sv);
        }
    }
}

/// The core's clip path with `L` lanes, the lane products computed by `mul`,
/// and scratch rows of the right size; inlined into each variant above, so
/// each is built for its own unit.
#[inline(always)]
fn in_lanes<const L: usize, M, A>(
    fe: &HostFrontEnd,
    samples: &[i16],
    out: &mut [i16],
    kernels: LaneKernels<M, A>,
) -> Result<usize>
where
    M: Fn(&[i32; L], i32) -> [i32; L],
    A: Fn(&mut [u64; L], &mut [u64; L], &[u64; L], u16),
{
    let spec = fe.spec();
    let rows = LaneScratch::<L>::rows_needed(spec.n_fft as usize, spec.n_mels as usize);
    let mut xs = vec![[[0i16; 2]; L]; rows.samples];
    let mut points: Vec<LanePoint<L>> = vec![[[0i32; L]; 2]; rows.points];
    let mut power = vec![[0u64; L]; rows.power];
    let mut bands = vec![[0u64; L]; rows.bands];
    let mut scratch = LaneScratch {
        samples: &mut xs,
        points: &mut points,
        power: &mut power,
        bands: &mut bands,
    };
    fe.clip_frames_with(samples, &mut scratch, out, kernels)
        .map_err(|e| anyhow!("front end: {e}"))
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use valence_core::lanes::mul_half_lanes;

    /// The vector kernels against the portable definition on extreme and
    /// random values (the FFT never reaches the extremes, the kernels must
    /// not differ there either).
    #[test]
    fn vector_products_equal_the_portable_ones() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as i32
        };
        let edges = [
            i32::MIN,
            i32::MIN + 1,
            -1,
            0,
            1,
            i32::MAX,
            1 << 30,
            -(1 << 30),
        ];
        for round in 0..2000 {
            let a: [i32; 16] = std::array::from_fn(|l| {
                if round < 8 {
                    edges[(l + round) % edges.len()]
                } else {
                    next()
                }
            });
            let b = if round < 8 { edges[round] } else { next() };
            let want = mul_half_lanes(&a, b);
            if VectorUnit::Avx512.available() {
                // SAFETY: the CPU has AVX-512F (checked above).
                assert_eq!(unsafe { mul_half_avx512(&a, b) }, want, "{a:?} × {b}");
            }
            if VectorUnit::Avx2.available() {
                // SAFETY: the CPU has AVX2 (checked above).
                assert_eq!(unsafe { mul_half_avx2(&a, b) }, want, "{a:?} × {b}");
            }
        }
    }

    /// The AVX2 filterbank step against the portable one, over the whole
    /// range of powers (up to 2^60, as the FFT's bound allows) and weights.
    #[test]
    fn vector_accumulation_equals_the_portable_one() {
        if !VectorUnit::Avx2.available() {
            println!("this CPU has no AVX2: nothing to compare");
            return;
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut rise, mut total) = ([0u64; 16], [0u64; 16]);
        let (mut rise_v, mut total_v) = ([0u64; 16], [0u64; 16]);
        for round in 0..5000 {
            let power: [u64; 16] = std::array::from_fn(|_| next() >> (4 + next() % 60));
            let t = if round % 7 == 0 {
                u16::MAX
            } else {
                next() as u16
            };
            accumulate_lanes(&mut rise, &mut total, &power, t);
            // SAFETY: the CPU has AVX2 (checked above).
            unsafe { accumulate_avx2(&mut rise_v, &mut total_v, &power, t) };
            assert_eq!((rise_v, total_v), (rise, total), "round {round}");
        }
    }
}
