//! The FFT's radix-4 pass in Cortex-M4 assembly (feature `cortex-m-dsp`).
//!
//! [`crate::fft`] runs every radix-4 pass after the first through
//! [`radix4_pass`] when the feature is on. The portable pass keeps eight
//! data values, six twiddles and four pointers live at once; on the
//! Cortex-M4's thirteen usable registers the compiler spills about thirty of
//! them per butterfly. Here one butterfly is computed in an order that needs
//! nine working registers (the three rotations one after the other, then the
//! combination in place), with the group's four quarters at constant offsets
//! from one pointer: 53 instructions per butterfly instead of about 85.
//!
//! Results are identical to the portable pass: `SMMULR` is
//! `round(a·b / 2^32)` with the rounding constant `2^31`, exactly
//! `fft::mul_half`; `SMMLAR` adds such a product to an accumulator without
//! another rounding, which is `acc + mul_half(a, b)` with 32-bit wrap-around;
//! the untwiddled input is `(v + 2) >> 2` as in `fft::quarter`; sums and
//! differences wrap like `wrapping_add`/`wrapping_sub`. The emulated-device
//! tests compare every reading with the host's portable path.
//!
//! Safety argument for the assembly in [`radix4_pass`]: for each group of
//! `8·H` slots (taken with `chunks_exact_mut`, so inside `buf`), butterfly `k`
//! (`0 ≤ k < H`) reads and writes slots `2k + {0, 1}` plus `2H`, `4H` and
//! `6H` beyond them, all below `8H`; it reads the six words of twiddle row
//! `k`, and the function checks that `rows` has at least `H` rows. Loads and
//! stores are word-aligned (`&[i32]`, `&[[i32; 6]]`). It writes only the
//! registers it declares, touches no stack, and clobbers the flags (declared
//! by not passing `preserves_flags`).
#![allow(unsafe_code)]

/// One radix-4 pass over groups of `4·H` complex points (`8·H` slots), with
/// the `H` Q30 twiddle rows `[c1, s1, c2, s2, c3, s3]` of the pass; the same
/// arithmetic as the portable `fft::radix4_pass`. `H` must be 2 to 64 (the
/// offsets are immediates of at most 4095 bytes); returns `false` and
/// leaves `buf` untouched otherwise or if `rows` is too short.
#[inline(always)]
pub fn radix4_pass<const H: usize>(buf: &mut [i32], rows: &[[i32; 6]]) -> bool {
    if !(2..=64).contains(&H) || rows.len() < H {
        return false;
    }
    for group in buf.chunks_exact_mut(8 * H) {
        // SAFETY: see the module documentation.
        unsafe {
            core::arch::asm!(
                "2:",
                // u1 = x1·(c2 − i·s2)/4, x1 a quarter into the group.
                "ldr {a}, [{p}, #{q1}]",
                "ldr {b}, [{p}, #{q1} + 4]",
                "ldrd {c}, {s}, [{w}, #8]",
                "smmulr {t}, {a}, {c}",
                "smmlar {t}, {b}, {s}, {t}",
                "smmulr {b}, {b}, {c}",
                "smmulr {a}, {a}, {s}",
                "sub {b}, {b}, {a}",
                // u2 = x2·(c1 − i·s1)/4: real part in e, imaginary in c.
                "ldr {a}, [{p}, #{q2}]",
                "ldr {c}, [{p}, #{q2} + 4]",
                "ldrd {s}, {d}, [{w}]",
                "smmulr {e}, {a}, {s}",
                "smmlar {e}, {c}, {d}, {e}",
                "smmulr {c}, {c}, {s}",
                "smmulr {a}, {a}, {d}",
                "sub {c}, {c}, {a}",
                // u3 = x3·(c3 − i·s3)/4: real part in g, imaginary in s.
                "ldr {a}, [{p}, #{q3}]",
                "ldr {s}, [{p}, #{q3} + 4]",
                "ldrd {d}, {f}, [{w}, #16]",
                "smmulr {g}, {a}, {d}",
                "smmlar {g}, {s}, {f}, {g}",
                "smmulr {s}, {s}, {d}",
                "smmulr {a}, {a}, {f}",
                "sub {s}, {s}, {a}",
                // B = u2 + u3 in (a, g), D = u2 − u3 in (e, c).
                "add {a}, {e}, {g}",
                "sub {e}, {e}, {g}",
                "add {g}, {c}, {s}",
                "sub {c}, {c}, {s}",
                // u0 = x0/4 rounded; A = u0 + u1 in (s, d), C = u0 − u1 in (t, b).
                "ldrd {d}, {f}, [{p}]",
                "add {d}, {d}, #2",
                "add {f}, {f}, #2",
                "add {s}, {t}, {d}, asr #2",
                "rsb {t}, {t}, {d}, asr #2",
                "add {d}, {b}, {f}, asr #2",
                "rsb {b}, {b}, {f}, asr #2",
                // y0 = A + B, y2 = A − B.
                "add {f}, {s}, {a}",
                "str {f}, [{p}]",
                "sub {s}, {s}, {a}",
                "str {s}, [{p}, #{q2}]",
                "add {a}, {d}, {g}",
                "str {a}, [{p}, #4]",
                "sub {d}, {d}, {g}",
                "str {d}, [{p}, #{q2} + 4]",
                // y1 = C − i·D, y3 = C + i·D.
                "add {f}, {t}, {c}",
                "str {f}, [{p}, #{q1}]",
                "sub {t}, {t}, {c}",
                "str {t}, [{p}, #{q3}]",
                "sub {f}, {b}, {e}",
                "str {f}, [{p}, #{q1} + 4]",
                "add {b}, {b}, {e}",
                "str {b}, [{p}, #{q3} + 4]",
                "adds {p}, {p}, #8",
                "adds {w}, {w}, #24",
                "subs {n}, {n}, #1",
                "bne 2b",
                q1 = const 8 * H,
                q2 = const 16 * H,
                q3 = const 24 * H,
                p = inout(reg) group.as_mut_ptr() => _,
                w = inout(reg) rows.as_ptr() => _,
                n = inout(reg) H => _,
                a = out(reg) _,
                b = out(reg) _,
                c = out(reg) _,
                s = out(reg) _,
                t = out(reg) _,
                d = out(reg) _,
                e = out(reg) _,
                f = out(reg) _,
                g = out(reg) _,
                options(nostack),
            );
        }
    }
    true
}
