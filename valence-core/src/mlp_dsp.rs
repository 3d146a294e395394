//! The int8 dot product on the Cortex-M DSP extension (feature `cortex-m-dsp`).
//!
//! The only module of the crate that may use `unsafe`, for one inline-assembly
//! loop. The inputs of a layer are sign-extended once into pairs of 16-bit
//! lanes ([`extend_input`]: for inputs `x0..x3`, one word holds `(x0, x2)` and
//! the next `(x1, x3)`); each weight word `(w0, w1, w2, w3)` is split by
//! `SXTB16` into `(w0, w2)` and, rotated by 8, `(w1, w3)`; two `SMLAD`s then add
//! the four products to the accumulator. Sixteen multiply-accumulates take 26
//! instructions.
//!
//! Safety argument for the assembly in [`dot16`]: it reads `16·blocks` bytes
//! from `row` and `8·blocks` words from `pairs`, and the function checks both
//! lengths before entering it (and does nothing for `blocks == 0`); it writes
//! only the registers it declares; the weight loads are `LDR` (unaligned
//! access is allowed on ARMv7-M) and the pair loads `LDRD` from a `&[i32]`,
//! which is word-aligned; it touches no stack and leaves the flags clobbered
//! (declared by not passing `preserves_flags`).
//!
//! Results: `SMLAD` adds with 32-bit wrap-around, exactly like the portable
//! kernel's `wrapping_add`, and integer addition is associative, so both give
//! identical bits (the emulated-device tests compare them on every reading).
#![allow(unsafe_code)]

/// Writes the inputs as sign-extended 16-bit lane pairs into `pairs`
/// (`input.len() / 4 · 2` words; a tail of fewer than four inputs is left out).
pub fn extend_input(input: &[i8], pairs: &mut [i32]) {
    for (x, out) in input.chunks_exact(4).zip(pairs.chunks_exact_mut(2)) {
        if let ([x0, x1, x2, x3], [even, odd]) = (x, out) {
            let lanes =
                |a: i8, b: i8| ((a as i16 as u16 as u32) | ((b as i16 as u16 as u32) << 16)) as i32;
            *even = lanes(*x0, *x2);
            *odd = lanes(*x1, *x3);
        }
    }
}

/// `acc + Σ w·x` over the first `16·blocks` weights of `row`, with the inputs
/// from [`extend_input`]. Returns `acc` unchanged if the slices are too short.
#[inline]
pub fn dot16(row: &[u8], pairs: &[i32], blocks: usize, acc: i32) -> i32 {
    if blocks == 0 || row.len() < 16 * blocks || pairs.len() < 8 * blocks {
        return acc;
    }
    let mut acc = acc;
    // SAFETY: see the module documentation; lengths were checked above.
    unsafe {
        core::arch::asm!(
            "2:",
            "ldr {w0}, [{wp}], #4",
            "ldr {w1}, [{wp}], #4",
            "ldrd {x0}, {x1}, [{xp}], #8",
            "sxtb16 {t}, {w0}",
            "sxtb16 {w0}, {w0}, ror #8",
            "smlad {acc}, {t}, {x0}, {acc}",
            "smlad {acc}, {w0}, {x1}, {acc}",
            "ldrd {x0}, {x1}, [{xp}], #8",
            "sxtb16 {t}, {w1}",
            "sxtb16 {w1}, {w1}, ror #8",
            "smlad {acc}, {t}, {x0}, {acc}",
            "smlad {acc}, {w1}, {x1}, {acc}",
            "ldr {w0}, [{wp}], #4",
            "ldr {w1}, [{wp}], #4",
            "ldrd {x0}, {x1}, [{xp}], #8",
            "sxtb16 {t}, {w0}",
            "sxtb16 {w0}, {w0}, ror #8",
            "smlad {acc}, {t}, {x0}, {acc}",
            "smlad {acc}, {w0}, {x1}, {acc}",
            "ldrd {x0}, {x1}, [{xp}], #8",
            "sxtb16 {t}, {w1}",
            "sxtb16 {w1}, {w1}, ror #8",
            "smlad {acc}, {t}, {x0}, {acc}",
            "smlad {acc}, {w1}, {x1}, {acc}",
            "subs {n}, {n}, #1",
            "bne 2b",
            acc = inout(reg) acc,
            wp = inout(reg) row.as_ptr() => _,
            xp = inout(reg) pairs.as_ptr() => _,
            n = inout(reg) blocks => _,
            w0 = out(reg) _,
            w1 = out(reg) _,
            x0 = out(reg) _,
            x1 = out(reg) _,
            t = out(reg) _,
            options(nostack, readonly),
        );
    }
    acc
}

/// The little-endian `i32` at the start of `bytes` with one `LDR` (ARMv7-M
/// allows unaligned word loads, which the compiler does not assume); 0 if
/// `bytes` is shorter than four bytes. Same value as `i32::from_le_bytes`
/// on this little-endian target.
#[inline(always)]
pub fn load_le_i32(bytes: &[u8]) -> i32 {
    if bytes.len() < 4 {
        return 0;
    }
    let v: i32;
    // SAFETY: reads four bytes that the length check above proves are in
    // `bytes`; an unaligned LDR is architecturally allowed on ARMv7-M.
    unsafe {
        core::arch::asm!(
            "ldr {v}, [{p}]",
            v = out(reg) v,
            p = in(reg) bytes.as_ptr(),
            options(nostack, readonly, preserves_flags, pure),
        );
    }
    v
}

/// Two rows at once: `(acc_a + Σ a·x, acc_b + Σ b·x)` over the first
/// `16·blocks` weights of `row_a` and `row_b`. Each pair of input words is
/// loaded once for both rows: 32 multiply-accumulates take 46 instructions.
/// Returns the accumulators unchanged if a slice is too short.
#[inline]
pub fn dot16x2(
    row_a: &[u8],
    row_b: &[u8],
    pairs: &[i32],
    blocks: usize,
    acc: (i32, i32),
) -> (i32, i32) {
    if blocks == 0
        || row_a.len() < 16 * blocks
        || row_b.len() < 16 * blocks
        || pairs.len() < 8 * blocks
    {
        return acc;
    }
    let (mut acc_a, mut acc_b) = acc;
    // SAFETY: as for `dot16` (see the module documentation), with both rows
    // checked above.
    unsafe {
        core::arch::asm!(
            "2:",
            "ldrd {x0}, {x1}, [{xp}], #8",
            "ldr {wa}, [{pa}], #4",
            "ldr {wb}, [{pb}], #4",
            "sxtb16 {t}, {wa}",
            "sxtb16 {wa}, {wa}, ror #8",
            "smlad {acc_a}, {t}, {x0}, {acc_a}",
            "smlad {acc_a}, {wa}, {x1}, {acc_a}",
            "sxtb16 {t}, {wb}",
            "sxtb16 {wb}, {wb}, ror #8",
            "smlad {acc_b}, {t}, {x0}, {acc_b}",
            "smlad {acc_b}, {wb}, {x1}, {acc_b}",
            "ldrd {x0}, {x1}, [{xp}], #8",
            "ldr {wa}, [{pa}], #4",
            "ldr {wb}, [{pb}], #4",
            "sxtb16 {t}, {wa}",
            "sxtb16 {wa}, {wa}, ror #8",
            "smlad {acc_a}, {t}, {x0}, {acc_a}",
            "smlad {acc_a}, {wa}, {x1}, {acc_a}",
            "sxtb16 {t}, {wb}",
            "sxtb16 {wb}, {wb}, ror #8",
            "smlad {acc_b}, {t}, {x0}, {acc_b}",
            "smlad {acc_b}, {wb}, {x1}, {acc_b}",
            "ldrd {x0}, {x1}, [{xp}], #8",
            "ldr {wa}, [{pa}], #4",
            "ldr {wb}, [{pb}], #4",
            "sxtb16 {t}, {wa}",
            "sxtb16 {wa}, {wa}, ror #8",
            "smlad {acc_a}, {t}, {x0}, {acc_a}",
            "smlad {acc_a}, {wa}, {x1}, {acc_a}",
            "sxtb16 {t}, {wb}",
            "sxtb16 {wb}, {wb}, ror #8",
            "smlad {acc_b}, {t}, {x0}, {acc_b}",
            "smlad {acc_b}, {wb}, {x1}, {acc_b}",
            "ldrd {x0}, {x1}, [{xp}], #8",
            "ldr {wa}, [{pa}], #4",
            "ldr {wb}, [{pb}], #4",
            "sxtb16 {t}, {wa}",
            "sxtb16 {wa}, {wa}, ror #8",
            "smlad {acc_a}, {t}, {x0}, {acc_a}",
            "smlad {acc_a}, {wa}, {x1}, {acc_a}",
            "sxtb16 {t}, {wb}",
            "sxtb16 {wb}, {wb}, ror #8",
            "smlad {acc_b}, {t}, {x0}, {acc_b}",
            "smlad {acc_b}, {wb}, {x1}, {acc_b}",
            "subs {n}, {n}, #1",
            "bne 2b",
            acc_a = inout(reg) acc_a,
            acc_b = inout(reg) acc_b,
            pa = inout(reg) row_a.as_ptr() => _,
            pb = inout(reg) row_b.as_ptr() => _,
            xp = inout(reg) pairs.as_ptr() => _,
            n = inout(reg) blocks => _,
            wa = out(reg) _,
            wb = out(reg) _,
            x0 = out(reg) _,
            x1 = out(reg) _,
            t = out(reg) _,
            options(nostack, readonly),
        );
    }
    (acc_a, acc_b)
}
