//! The chroma bank's inner loop in Cortex-M4 assembly (feature `cortex-m-dsp`).
//!
//! [`crate::chroma::ChromaBank::accumulate`] adds each bin's power, times
//! each weight of the bin's run of classes, to those classes: about five
//! weights per bin for the 2048-point chroma FFT. Compiled, each weight took
//! about 17 instructions on the Cortex-M4 (the 64-bit accumulators, the
//! iterator over the weights and the bounds of the run); [`accumulate_bins`]
//! does the same arithmetic in 7 per weight and 24 per bin, and the
//! emulated-device tests compare every reading with the host's portable
//! path.
//!
//! Safety argument for the assembly: [`accumulate_bins`] walks
//! `n = min(2·runs.len(), power.len() / 2)` bins (at least one, checked): it
//! reads byte `k` of `runs` (within its `2·runs.len()` bytes) and power
//! words `2k, 2k + 1`, and at most `weights.len()` weights in order (each
//! bin takes at most as many as are left); it writes `acc[s..s + m]` with
//! the run's start `s` clamped to 11 and its length `m` to 12, so below 24,
//! the length of `acc`. It keeps its bin counter in 8 bytes it reserves
//! below the stack pointer and gives back. Loads and stores are aligned for
//! their types (`u8`, `&[i32]` pairs read as words, `u16`, `u64`); the block
//! writes only the registers it declares and clobbers the flags.
#![allow(unsafe_code)]

use crate::chroma::N_CHROMA;
use crate::mel::POWER_SHIFT;

/// For each bin `k` of the first `n = min(2·runs.len(), power.len() / 2)`
/// bins: with `p` the `u64` power packed at `power[2k..2k + 2]` shifted right
/// by [`POWER_SHIFT`], and the bin's run in byte `k` of `runs` (first class
/// `min(byte >> 4, 11)`, length `min(byte & 15, 12)`), adds `p·w` (wrapping)
/// to `acc[first + j]` for the run's weights `w` in order, taking them from
/// `weights` (a bin takes no more than are left). Returns how many weights
/// it took; 0 and nothing done for `n = 0`.
#[inline(always)]
pub fn accumulate_bins(
    acc: &mut [u64; 2 * N_CHROMA],
    runs: &[u16],
    power: &[i32],
    weights: &[u16],
) -> usize {
    let bins = (2 * runs.len()).min(power.len() / 2);
    if bins == 0 {
        return 0;
    }
    let total = weights.len();
    let left: usize;
    // SAFETY: see the module documentation.
    unsafe {
        core::arch::asm!(
            "sub sp, sp, #8",
            "str {w}, [sp]",
            "2:",
            // The bin's power, shifted; its run's first class and length,
            // clamped, and the length to what is left of the weights.
            "ldrb {w}, [{rp}], #1",
            "ldrd {plo}, {phi}, [{pp}], #8",
            "lsrs {plo}, {plo}, #{shift}",
            "orr {plo}, {plo}, {phi}, lsl #{back}",
            "lsrs {phi}, {phi}, #{shift}",
            "and {n}, {w}, #15",
            "lsrs {w}, {w}, #4",
            "cmp {w}, #11",
            "it hi",
            "movhi {w}, #11",
            "cmp {n}, #12",
            "it hi",
            "movhi {n}, #12",
            "cmp {n}, {rem}",
            "it hi",
            "movhi {n}, {rem}",
            "subs {rem}, {rem}, {n}",
            "add {ap}, {acc}, {w}, lsl #3",
            "cmp {n}, #0",
            "beq 4f",
            // acc[class] += p·w: UMLAL the low word, MLA the high word.
            "3:",
            "ldrh {w}, [{wp}], #2",
            "ldrd {lo}, {hi}, [{ap}]",
            "umlal {lo}, {hi}, {plo}, {w}",
            "mla {hi}, {phi}, {w}, {hi}",
            "strd {lo}, {hi}, [{ap}], #8",
            "subs {n}, {n}, #1",
            "bne 3b",
            "4:",
            "ldr {w}, [sp]",
            "subs {w}, {w}, #1",
            "str {w}, [sp]",
            "bne 2b",
            "add sp, sp, #8",
            shift = const POWER_SHIFT,
            back = const 32 - POWER_SHIFT,
            rp = inout(reg) runs.as_ptr().cast::<u8>() => _,
            pp = inout(reg) power.as_ptr() => _,
            wp = inout(reg) weights.as_ptr() => _,
            rem = inout(reg) total => left,
            acc = in(reg) acc.as_mut_ptr(),
            w = inout(reg) bins => _,
            plo = out(reg) _,
            phi = out(reg) _,
            n = out(reg) _,
            ap = out(reg) _,
            lo = out(reg) _,
            hi = out(reg) _,
        );
    }
    total - left
}
