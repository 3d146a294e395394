//! The core front end over a whole clip on the host, several frames side by
//! side ([`valence_core::lanes`]), built for the widest vector unit this CPU
//! has: the same bits as the device, as fast as the workstation allows.
//!
//! The core's clip path is portable code that compilers vectorise; this
//! module instantiates it three times — for AVX-512 and AVX2 (16 frames at
//! once; with 8, AVX2's build keeps most of its work scalar) and for the
//! baseline of the target (8) — and picks one at run
//! time from what the CPU reports. Every variant gives the same frames: the
//! arithmetic is integer and the same in each lane (tested against the
//! streaming path, which is what the device runs).
#![allow(unsafe_code)]

use anyhow::{anyhow, Result};
use valence_core::frontend::HostFrontEnd;
use valence_core::lanes::{LanePoint, LaneScratch};

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
        _ => in_lanes::<8>(fe, samples, out),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(
    enable = "avx512f,avx512bw,avx512dq,avx512vl,avx512cd,avx2,fma,bmi1,bmi2,lzcnt,popcnt"
)]
fn avx512(fe: &HostFrontEnd, samples: &[i16], out: &mut [i16]) -> Result<usize> {
    in_lanes::<16>(fe, samples, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
fn avx2(fe: &HostFrontEnd, samples: &[i16], out: &mut [i16]) -> Result<usize> {
    in_lanes::<16>(fe, samples, out)
}

/// The core's clip path with `L` lanes and scratch rows of the right size;
/// inlined into each variant above, so each is built for its own unit.
#[inline(always)]
fn in_lanes<const L: usize>(fe: &HostFrontEnd, samples: &[i16], out: &mut [i16]) -> Result<usize> {
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
    fe.clip_frames(samples, &mut scratch, out)
        .map_err(|e| anyhow!("front end: {e}"))
}
