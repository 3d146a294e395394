//! The front end's inner loops in Cortex-M4 assembly (feature `cortex-m-dsp`).
//!
//! On the Cortex-M4 the compiler keeps too many values live in these loops
//! (and unrolls the short ones), and spills registers to the stack in every
//! iteration. Each kernel here is the same arithmetic in an order that fits
//! the registers; the portable code it replaces stays the reference, and the
//! emulated-device tests compare every reading with the host's portable path.
//!
//! - [`radix4_pass`]: the FFT's radix-4 passes after the first
//!   ([`crate::fft`]). The three rotations one after the other, then the
//!   combination in place, need nine working registers, with the group's four
//!   quarters at constant offsets from one pointer at the group's centre
//!   (`±4H`, `±12H` bytes, in reach of `LDRD`/`STRD` for `H ≤ 64`), each
//!   point loaded and stored as one pair of words, and the twiddle row's
//!   last load moving on to the next row, two butterflies per loop turn:
//!   about 44 instructions per butterfly instead of about 85.
//!   [`radix4_pass_far`] does the stage of 1024 points, whose quarters lie
//!   beyond `LDRD`'s reach, from two pointers. `SMMULR` is `round(a·b / 2^32)` with the
//!   rounding constant `2^31`, exactly `fft::mul_half`; `SMMLAR` adds such a
//!   product to an accumulator without another rounding, which is
//!   `acc + mul_half(a, b)` with 32-bit wrap-around; the untwiddled input is
//!   `v >> 2` as in `fft::quarter`, folded into the additions; sums and differences wrap like
//!   `wrapping_add`/`wrapping_sub`.
//! - [`interval_sums`]: the filterbank's `(Σ p·t, Σ p)` over one interval of
//!   bins ([`crate::mel`]), 11 instructions per bin. `UMLAL` adds the
//!   product of the power's low word and the weight to the 64-bit sum and
//!   `MLA` the high word's product to its upper half: `p·t` modulo `2^64`,
//!   like `wrapping_mul`/`wrapping_add` on `u64`.
//! - [`first_pass_left`]: the FFT's first radix-4 pass when the
//!   block-floating-point scale is a left shift (`wrapping_shl`, like
//!   `LSL` by a register below 32): 34 instructions per butterfly, all
//!   twelve working values in registers, the last store moving on.
//! - [`first_pass_right`]: the same pass when the scale is an arithmetic
//!   right shift, for shifts 1 to 4: the shift folded into the additions
//!   (`ASR #R` operands) where it can be, 30 instructions per butterfly.
//! - [`window_pairs`]: the window's multiply, peak and bit-reversed store
//!   ([`crate::window`]) for a point and its mirror image at once, the
//!   pairs counted down by a counter whose bit reversal is the point's byte
//!   offset, each point stored by one `STRD`: 27 instructions per four
//!   samples. `MUL` keeps the low 32 bits of the product, which is the
//!   whole product here (`|x·w| < 2^31`).
//! - [`split_power`]: the real split and the power of each bin
//!   ([`crate::fft::real_power_in_place`]), a bin and its mirror image per
//!   step, the twiddle's cosine and sine walked up and down the quarter-wave
//!   table by writeback loads: 25 instructions per pair of bins.
//! - [`filterbank_walk`]: the whole walk of the filterbank's inner
//!   boundaries ([`crate::mel`]) in one block: [`interval_sums`]' loop per
//!   interval and about 24 instructions per boundary to clamp it, finish the
//!   band before it and start the next (about 63 in the compiled walk).
//! - [`bands_to_db`]: the log and decibels of every band ([`crate::db`],
//!   [`crate::frontend`]): the 64-bit band sum normalised by two `CLZ`, the
//!   table interpolation, the offsets by `QADD` (saturating like
//!   `saturating_add`), the decibel product's high word, `SSAT` to `i16` and
//!   the floor, about 33 instructions per band.
//! - [`move_down`]: the front end's move of its newest samples to the front
//!   of the buffer, sixteen bytes per six instructions (the compiled
//!   `copy_within` takes about 8.5 per word).
//! - [`copy_in`]: the front end's copy of new samples into its buffer,
//!   likewise, when both ends are word-aligned.
//!
//! Safety argument for the assembly: [`radix4_pass`] takes each group of
//! `8·H` slots with `chunks_exact_mut` (so inside `buf`); butterfly `k`
//! (`0 ≤ k < H`, two per loop turn, `H` a power of two from 2) reads and writes slots `2k + {0, 1}` plus `2H`, `4H` and
//! `6H` beyond them, all below `8H` (addressed from slot `2k + 3H`), and
//! reads the six words of twiddle row `k` (addressed from 8 bytes before
//! it); the function checks that `rows` has at least `H` rows.
//! [`radix4_pass_far`] (`H` 256, checked) reads and writes the same
//! slots, from slot `2k` of the group (the first quarter, `+8H` bytes the
//! second) and slot `2k + 4H` (the third, `+8H` the fourth), and the same
//! twiddle rows; it keeps its counter in 8 bytes it reserves below the stack
//! pointer and gives back.
//! [`first_pass_left`] and [`first_pass_right`] read and write the
//! `8·⌊len/8⌋` first words of `buf`, eight at a time (none if there are
//! fewer than eight).
//! [`window_pairs`] handles pairs `j` in `0..M/2 - 1` (`M ≥ 4` points,
//! checked): it reads samples `2j, 2j + 1` of `first` and `M - 2j - 2,
//! M - 2j - 1` of `second` (both below `M`, checked) and coefficients `w[0..=2j + 2]`, at most
//! `w[M - 2]` (`M` entries checked), and writes points `rev(j)` and
//! `M - 1 - rev(j)`, both below `M` (`2M` words checked).
//! [`split_power`] (with `P = M/2 − 1 ≥ 31` pairs, `M` checked) reads and
//! writes points `1..=P` of `head` and `M/2 − P..M/2` of `tail` (words `2`
//! to `M − 1` of each, `M` words checked), and reads `COS_Q31[k·stride]` and
//! `COS_Q31[M_max/4 − k·stride]` for `k` in `1..=P`, all within
//! `COS_Q31[..=M_max/4]` (checked) since `P·stride < M_max/4`.
//! [`interval_sums`] reads `n` weights and `2·n` power words, with `n` the
//! smaller of the two lengths (`n ≥ 1` checked before entering).
//! [`filterbank_walk`] reads weights from `start` and power words from
//! `2·start` on only while the weight pointer is below
//! `base + min(edge, limit)`, with `limit` the number of bins both slices
//! hold and `start ≤ limit` (checked); it reads the `E = edges.len() ≥ 1`
//! edges and reads and writes `bands[0..=E]` (`bands.len() > E` checked),
//! and keeps three words in 16 bytes it reserves below the stack pointer and
//! gives back. [`bands_to_db`] reads `n` band sums and offsets and writes
//! `n` outputs, `n` the smallest of the three lengths (`n ≥ 1` checked), and
//! two neighbouring entries of `LOG2_Q24` at a segment index below 64 (six
//! bits) of its 65. [`move_down`] reads `buf[from..from + len]` and writes
//! `buf[..len]` (`from + len ≤ buf.len()` checked), in blocks of eight
//! samples (`len` a multiple of 8 checked), word-aligned (the buffer's start
//! a multiple of four bytes and `from` even, checked). [`copy_in`] reads
//! and writes the first `8·⌊n/8⌋` samples of `src` and `dst`, `n` the
//! shorter length, both word-aligned (checked); both copy through
//! `copy_blocks`, whose contract they meet. Loads and stores are
//! aligned for their types (`&[i32]`,
//! `&[[i32; 6]]`, `&[u16]`, `&[u64]`). The blocks write only the registers
//! they declare, touch no stack (but for [`filterbank_walk`]'s and
//! [`radix4_pass_far`]'s), and
//! clobber the flags (declared by not passing `preserves_flags`).
#![allow(unsafe_code)]

/// The text of one radix-4 butterfly of [`radix4_pass`] and
/// [`radix4_pass_far`]: the arithmetic, with the loads and stores of its
/// four points given as instruction text (`x1` into `a, b`, `x2` into
/// `a, c`, `x3` into `a, s`, `x0` into `d, f`; `y0` from `f, a`, `y2` from
/// `s, d`, `y1` from `f, c`, `y3` from `t, b`), since the two passes
/// address the points differently.
macro_rules! radix4_butterfly {
    (
        $load1:literal,
        $load2:literal,
        $load3:literal,
        $load0:literal,
        $store0:literal,
        $store2:literal,
        $store1:literal,
        $store3:literal
    ) => {
        concat!(
            // u1 = x1·(c2 − i·s2)/4, x1 a quarter into the group.
            $load1,
            "ldrd {c}, {s}, [{w}, #16]\n",
            "smmulr {t}, {a}, {c}\n",
            "smmlar {t}, {b}, {s}, {t}\n",
            "smmulr {b}, {b}, {c}\n",
            "smmulr {a}, {a}, {s}\n",
            "sub {b}, {b}, {a}\n",
            // u2 = x2·(c1 − i·s1)/4: real part in e, imaginary in c.
            $load2,
            "ldrd {s}, {d}, [{w}, #8]\n",
            "smmulr {e}, {a}, {s}\n",
            "smmlar {e}, {c}, {d}, {e}\n",
            "smmulr {c}, {c}, {s}\n",
            "smmulr {a}, {a}, {d}\n",
            "sub {c}, {c}, {a}\n",
            // u3 = x3·(c3 − i·s3)/4: real part in g, imaginary in s; the
            // twiddle load moves w on to the next row.
            $load3,
            "ldrd {d}, {f}, [{w}, #24]!\n",
            "smmulr {g}, {a}, {d}\n",
            "smmlar {g}, {s}, {f}, {g}\n",
            "smmulr {s}, {s}, {d}\n",
            "smmulr {a}, {a}, {f}\n",
            "sub {s}, {s}, {a}\n",
            // B = u2 + u3 in (a, g), D = u2 − u3 in (e, c).
            "add {a}, {e}, {g}\n",
            "sub {e}, {e}, {g}\n",
            "add {g}, {c}, {s}\n",
            "sub {c}, {c}, {s}\n",
            // u0 = x0/4 (an arithmetic shift); A = u0 + u1 in (s, d), C = u0 − u1 in (t, b).
            $load0,
            "add {s}, {t}, {d}, asr #2\n",
            "rsb {t}, {t}, {d}, asr #2\n",
            "add {d}, {b}, {f}, asr #2\n",
            "rsb {b}, {b}, {f}, asr #2\n",
            // y0 = A + B, y2 = A − B.
            "add {f}, {s}, {a}\n",
            "sub {s}, {s}, {a}\n",
            "add {a}, {d}, {g}\n",
            "sub {d}, {d}, {g}\n",
            $store0,
            $store2,
            // y1 = C − i·D, y3 = C + i·D.
            "add {f}, {t}, {c}\n",
            "sub {t}, {t}, {c}\n",
            "sub {c}, {b}, {e}\n",
            "add {b}, {b}, {e}\n",
            $store1,
            $store3,
        )
    };
}

/// One radix-4 pass over groups of `4·H` complex points (`8·H` slots), with
/// the `H` Q30 twiddle rows `[c1, s1, c2, s2, c3, s3]` of the pass; the same
/// arithmetic as the portable `fft::radix4_pass`. `H` must be 2 to 64 (the
/// offsets from the group's centre, at most `12H` bytes, must fit the
/// `LDRD`/`STRD` immediate of at most 1020); returns `false` and
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
                radix4_butterfly!(
                    "ldrd {a}, {b}, [{p}, #-{o1}]\n",
                    "ldrd {a}, {c}, [{p}, #{o1}]\n",
                    "ldrd {a}, {s}, [{p}, #{o3}]\n",
                    "ldrd {d}, {f}, [{p}, #-{o3}]\n",
                    "strd {f}, {a}, [{p}, #-{o3}]\n",
                    "strd {s}, {d}, [{p}, #{o1}]\n",
                    "strd {f}, {c}, [{p}, #-{o1}]\n",
                    "strd {t}, {b}, [{p}, #{o3}]\n"
                ),
                // The next butterfly, 8 bytes on.
                radix4_butterfly!(
                    "ldrd {a}, {b}, [{p}, #{n1}]\n",
                    "ldrd {a}, {c}, [{p}, #{p1}]\n",
                    "ldrd {a}, {s}, [{p}, #{p3}]\n",
                    "ldrd {d}, {f}, [{p}, #{n3}]\n",
                    "strd {f}, {a}, [{p}, #{n3}]\n",
                    "strd {s}, {d}, [{p}, #{p1}]\n",
                    "strd {f}, {c}, [{p}, #{n1}]\n",
                    "strd {t}, {b}, [{p}, #{p3}]\n"
                ),
                "adds {p}, {p}, #16",
                "subs {n}, {n}, #2",
                "bne 2b",
                o1 = const 4 * H,
                o3 = const 12 * H,
                n1 = const 8 - 4 * H as i32,
                p1 = const 8 + 4 * H,
                n3 = const 8 - 12 * H as i32,
                p3 = const 8 + 12 * H,
                p = inout(reg) group.as_mut_ptr().wrapping_add(3 * H) => _,
                w = inout(reg) rows.as_ptr().cast::<u8>().wrapping_sub(8) => _,
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

/// [`radix4_pass`] for the stage of 1024 points (`H` 256: the last pass of
/// the 2048-point chroma FFT): the quarters lie 2,048 bytes apart, beyond
/// the reach of `LDRD`'s offsets from one pointer, so two pointers walk the
/// first and the third quarter and reach the second and the fourth at
/// `+8H` with single-word `LDR`/`STR` (offsets up to 4095), and the
/// butterfly counter lives in 8 bytes below the stack pointer: about 55
/// instructions per butterfly, the same arithmetic. Returns `false` and
/// leaves `buf` untouched for another `H` (the 512-point stage, which no
/// device build runs yet, keeps the portable pass) or if `rows` is too
/// short.
#[inline(always)]
pub fn radix4_pass_far<const H: usize>(buf: &mut [i32], rows: &[[i32; 6]]) -> bool {
    if H != 256 || rows.len() < H {
        return false;
    }
    for group in buf.chunks_exact_mut(8 * H) {
        // SAFETY: see the module documentation.
        unsafe {
            core::arch::asm!(
                "sub sp, sp, #8",
                "str {a}, [sp]",
                "2:",
                radix4_butterfly!(
                    "ldr {a}, [{pa}, #{o}]\nldr {b}, [{pa}, #{o4}]\n",
                    "ldrd {a}, {c}, [{pb}]\n",
                    "ldr {a}, [{pb}, #{o}]\nldr {s}, [{pb}, #{o4}]\n",
                    "ldrd {d}, {f}, [{pa}]\n",
                    "strd {f}, {a}, [{pa}]\n",
                    "strd {s}, {d}, [{pb}]\n",
                    "str {f}, [{pa}, #{o}]\nstr {c}, [{pa}, #{o4}]\n",
                    "str {t}, [{pb}, #{o}]\nstr {b}, [{pb}, #{o4}]\n"
                ),
                "adds {pa}, {pa}, #8",
                "adds {pb}, {pb}, #8",
                "ldr {a}, [sp]",
                "subs {a}, {a}, #1",
                "str {a}, [sp]",
                "bne 2b",
                "add sp, sp, #8",
                o = const 8 * H,
                o4 = const 8 * H + 4,
                pa = inout(reg) group.as_mut_ptr() => _,
                pb = inout(reg) group.as_mut_ptr().wrapping_add(4 * H) => _,
                w = inout(reg) rows.as_ptr().cast::<u8>().wrapping_sub(8) => _,
                a = inout(reg) H => _,
                b = out(reg) _,
                c = out(reg) _,
                s = out(reg) _,
                t = out(reg) _,
                d = out(reg) _,
                e = out(reg) _,
                f = out(reg) _,
                g = out(reg) _,
            );
        }
    }
    true
}

/// `(Σ p·t, Σ p)` with wrap-around, over `n = min(weights.len(), power.len() / 2)`
/// bins, where `p` is the `u64` power packed at `power[2i..2i + 2]` (low word
/// first) shifted right by `shift` and `t` its weight: the loop of
/// `mel::Filterbank::accumulate`. `SHIFT` must be 1 to 31.
#[inline(always)]
pub fn interval_sums<const SHIFT: u32>(weights: &[u16], power: &[i32]) -> (u64, u64) {
    let n = weights.len().min(power.len() / 2);
    if n == 0 || !(1..=31).contains(&SHIFT) {
        return (0, 0);
    }
    let (mut rise_lo, mut rise_hi, mut total_lo, mut total_hi) = (0u32, 0u32, 0u32, 0u32);
    // SAFETY: see the module documentation.
    unsafe {
        core::arch::asm!(
            "2:",
            "ldrh {t}, [{w}], #2",
            "ldrd {lo}, {hi}, [{p}], #8",
            "lsrs {lo}, {lo}, #{shift}",
            "orr {lo}, {lo}, {hi}, lsl #{back}",
            "lsrs {hi}, {hi}, #{shift}",
            "adds {tl}, {tl}, {lo}",
            "adc {th}, {th}, {hi}",
            "umlal {rl}, {rh}, {lo}, {t}",
            "mla {rh}, {hi}, {t}, {rh}",
            "subs {n}, {n}, #1",
            "bne 2b",
            shift = const SHIFT,
            back = const 32 - SHIFT,
            w = inout(reg) weights.as_ptr() => _,
            p = inout(reg) power.as_ptr() => _,
            n = inout(reg) n => _,
            t = out(reg) _,
            lo = out(reg) _,
            hi = out(reg) _,
            tl = inout(reg) total_lo,
            th = inout(reg) total_hi,
            rl = inout(reg) rise_lo,
            rh = inout(reg) rise_hi,
            options(nostack, readonly),
        );
    }
    let join = |lo: u32, hi: u32| ((hi as u64) << 32) | lo as u64;
    (join(rise_lo, rise_hi), join(total_lo, total_hi))
}

/// Windows points `j` and `M - 1 - j` for `j` in `0..M/2 - 1` exactly like
/// `window::window_halves_bit_reversed` (the last pair, whose mirror point
/// needs the centre coefficient, is left to the caller) and returns the OR
/// of `p ^ (p >> 31)` over the products. `first` and `second` hold the two
/// halves of the frame (`M` samples each), `half` the `M` first window
/// coefficients, `out` `2M` words; `log2_m` is `log2 M`, 2 to 11. Returns
/// `None` and writes nothing otherwise.
#[inline(always)]
pub fn window_pairs(
    first: &[i16],
    second: &[i16],
    half: &[u16],
    out: &mut [i32],
    log2_m: u32,
) -> Option<u32> {
    match log2_m {
        2 => window_pairs_of::<2>(first, second, half, out),
        3 => window_pairs_of::<3>(first, second, half, out),
        4 => window_pairs_of::<4>(first, second, half, out),
        5 => window_pairs_of::<5>(first, second, half, out),
        6 => window_pairs_of::<6>(first, second, half, out),
        7 => window_pairs_of::<7>(first, second, half, out),
        8 => window_pairs_of::<8>(first, second, half, out),
        9 => window_pairs_of::<9>(first, second, half, out),
        10 => window_pairs_of::<10>(first, second, half, out),
        11 => window_pairs_of::<11>(first, second, half, out),
        _ => None,
    }
}

/// [`window_pairs`] for `M = 2^L`. The pairs are done from the last
/// (`j = M/2 - 2`) down to the first, with `J = j·2^(29 − L)` as the loop
/// counter: `RBIT` of `J` is then `rev(j)·8`, the byte offset of point
/// `rev(j)`, and `SUBS`/`BHS` of an immediate both steps and ends the loop.
/// The mirror point lies at `(M − 1)·8 − rev(j)·8` bytes, and `w[2j + 1]`
/// serves both points from one load: 27 instructions per pair of points.
#[inline(always)]
fn window_pairs_of<const L: u32>(
    first: &[i16],
    second: &[i16],
    half: &[u16],
    out: &mut [i32],
) -> Option<u32> {
    let m = 1usize << L;
    let (first, second) = (first.get(..m)?, second.get(..m)?);
    let (half, out) = (half.get(..m)?, out.get_mut(..2 * m)?);
    let last = m / 2 - 2; // the pair the loop starts with
    let mut peak = 0u32;
    let base = out.as_mut_ptr();
    // SAFETY: see the module documentation.
    unsafe {
        core::arch::asm!(
            "2:",
            // Point M - 1 - j: samples N - 2j - 2, N - 2j - 1 with w[2j + 2], w[2j + 1].
            "ldrh {w1}, [{w}, #2]",
            "ldrh {wv}, [{w}, #4]",
            "ldrsh {x1}, [{b}, #2]",
            "mul {x1}, {x1}, {w1}",
            "ldrsh {x0}, [{b}], #4",
            "mul {x0}, {x0}, {wv}",
            "rbit {t}, {j}",
            "sub {t}, {mir}, {t}",
            "strd {x0}, {x1}, [{t}]",
            "eor {wv}, {x0}, {x0}, asr #31",
            "orr {pk}, {pk}, {wv}",
            "eor {wv}, {x1}, {x1}, asr #31",
            "orr {pk}, {pk}, {wv}",
            // Point j: samples 2j, 2j + 1 with w[2j], w[2j + 1].
            "ldrsh {x1}, [{f}, #2]",
            "mul {x1}, {x1}, {w1}",
            "ldrsh {x0}, [{f}], #-4",
            "ldrh {wv}, [{w}], #-4",
            "mul {x0}, {x0}, {wv}",
            "rbit {t}, {j}",
            "add {t}, {out}, {t}",
            "strd {x0}, {x1}, [{t}]",
            "eor {wv}, {x0}, {x0}, asr #31",
            "orr {pk}, {pk}, {wv}",
            "eor {wv}, {x1}, {x1}, asr #31",
            "orr {pk}, {pk}, {wv}",
            "subs {j}, {j}, #{step}",
            "bhs 2b",
            step = const 1u32 << (29 - L),
            f = inout(reg) first.as_ptr().wrapping_add(2 * last) => _,
            b = inout(reg) second.as_ptr().wrapping_add(m - 2 * last - 2) => _,
            w = inout(reg) half.as_ptr().wrapping_add(2 * last) => _,
            out = in(reg) base,
            mir = in(reg) base.wrapping_add(2 * (m - 1)),
            j = inout(reg) (last as u32) << (29 - L) => _,
            pk = inout(reg) peak,
            x0 = out(reg) _,
            x1 = out(reg) _,
            w1 = out(reg) _,
            wv = out(reg) _,
            t = out(reg) _,
            options(nostack),
        );
    }
    Some(peak)
}

/// The first radix-4 pass of `fft::first_pass_radix4` with each input
/// shifted left by `shift` (below 32) before the butterfly: every group of
/// four neighbouring points, all twiddles 1. Returns `false` and leaves
/// `buf` untouched for `shift ≥ 32`.
#[inline(always)]
pub fn first_pass_left(buf: &mut [i32], shift: u32) -> bool {
    let groups = buf.len() / 8;
    if shift >= 32 {
        return false;
    }
    if groups == 0 {
        return true;
    }
    // SAFETY: see the module documentation.
    unsafe {
        core::arch::asm!(
            "2:",
            "ldrd {x0r}, {x0i}, [{p}]",
            "ldrd {x1r}, {x1i}, [{p}, #8]",
            "ldrd {x2r}, {x2i}, [{p}, #16]",
            "ldrd {x3r}, {x3i}, [{p}, #24]",
            "lsl {x0r}, {x0r}, {l}",
            "lsl {x0i}, {x0i}, {l}",
            "lsl {x1r}, {x1r}, {l}",
            "lsl {x1i}, {x1i}, {l}",
            "lsl {x2r}, {x2r}, {l}",
            "lsl {x2i}, {x2i}, {l}",
            "lsl {x3r}, {x3r}, {l}",
            "lsl {x3i}, {x3i}, {l}",
            // A = u0 + u1 in (t, x0r), C = u0 - u1 in (x1r, x1i).
            "add {t}, {x0r}, {x1r}",
            "sub {x1r}, {x0r}, {x1r}",
            "add {x0r}, {x0i}, {x1i}",
            "sub {x1i}, {x0i}, {x1i}",
            // B = u2 + u3 in (x0i, x2r), D = u2 - u3 in (x3r, x3i).
            "add {x0i}, {x2r}, {x3r}",
            "sub {x3r}, {x2r}, {x3r}",
            "add {x2r}, {x2i}, {x3i}",
            "sub {x3i}, {x2i}, {x3i}",
            // y0 = A + B, y2 = A - B.
            "add {x2i}, {t}, {x0i}",
            "sub {t}, {t}, {x0i}",
            "add {x0i}, {x0r}, {x2r}",
            "sub {x0r}, {x0r}, {x2r}",
            "strd {t}, {x0r}, [{p}, #16]",
            // y1 = C - i·D, y3 = C + i·D.
            "add {x2r}, {x1r}, {x3i}",
            "sub {x1r}, {x1r}, {x3i}",
            "sub {x3i}, {x1i}, {x3r}",
            "add {x1i}, {x1i}, {x3r}",
            "strd {x2r}, {x3i}, [{p}, #8]",
            "strd {x1r}, {x1i}, [{p}, #24]",
            // y0 last, moving on to the next group.
            "strd {x2i}, {x0i}, [{p}], #32",
            "subs {n}, {n}, #1",
            "bne 2b",
            p = inout(reg) buf.as_mut_ptr() => _,
            n = inout(reg) groups => _,
            l = in(reg) shift,
            x0r = out(reg) _,
            x0i = out(reg) _,
            x1r = out(reg) _,
            x1i = out(reg) _,
            x2r = out(reg) _,
            x2i = out(reg) _,
            x3r = out(reg) _,
            x3i = out(reg) _,
            t = out(reg) _,
            options(nostack),
        );
    }
    true
}

/// The real split and power of `fft::real_power_in_place` for bins `1..M/2`
/// and `M/2 + 1..M` (`M = 2^log2_m` points, `log2_m` 6 to 11): point `k` of
/// `head` (the first `M/2` points) is paired with point `M/2 - k` of `tail`
/// (the last `M/2`), with the Q31 twiddle `c − i·s`, `c = COS_Q31[k·stride]`
/// and `s = COS_Q31[M_max/4 − k·stride]`, and both powers are stored packed
/// over their points. Returns `false` and writes nothing for another size or
/// slices shorter than `M` words.
#[inline(always)]
pub fn split_power(head: &mut [i32], tail: &mut [i32], log2_m: u32) -> bool {
    use crate::tables::{COS_Q31, MAX_FFT_SIZE};
    if !(6..=11).contains(&log2_m) {
        return false;
    }
    let m = 1usize << log2_m;
    let (Some(head), Some(tail)) = (head.get_mut(..m), tail.get_mut(..m)) else {
        return false;
    };
    let quarter = MAX_FFT_SIZE / 4;
    let Some(cos) = COS_Q31.get(..=quarter) else {
        return false;
    };
    // stride = MAX_FFT_SIZE / 2M, 32 down to 1; in bytes an immediate.
    match log2_m {
        6 => split_power_kernel::<128>(head, tail, cos),
        7 => split_power_kernel::<64>(head, tail, cos),
        8 => split_power_kernel::<32>(head, tail, cos),
        9 => split_power_kernel::<16>(head, tail, cos),
        10 => split_power_kernel::<8>(head, tail, cos),
        _ => split_power_kernel::<4>(head, tail, cos),
    }
    true
}

/// [`split_power`] for `M = head.len()` points with a twiddle stride of
/// `STEP` bytes (`STEP·M = 4·MAX_FFT_SIZE`, checked by the caller): 25
/// instructions per pair of bins. `E2 = A + conj(B)`, `O2 = −i·(A − conj(B))`,
/// `y = W^k·O2/2` with `SMMULR`/`SMMLAR` as in [`radix4_pass`],
/// `X[k] = E2/2 + y`, `X[M−k] = conj(E2/2 − y)` with the halving an
/// arithmetic shift, and `|X|²` by `SMULL` and `SMLAL` (`i64`, exact).
#[inline(always)]
fn split_power_kernel<const STEP: usize>(head: &mut [i32], tail: &mut [i32], cos: &[i32]) {
    let m = head.len().min(tail.len());
    let pairs = (m / 2).saturating_sub(1);
    if pairs == 0 || m < 4 {
        return;
    }
    // SAFETY: see the module documentation.
    unsafe {
        core::arch::asm!(
            "2:",
            "ldrd {x0}, {x1}, [{pa}]",
            "ldrd {x2}, {x3}, [{pb}]",
            "ldr {x4}, [{cw}], #{step}",
            "ldr {x5}, [{sw}, #-{step}]!",
            // E2 = (ar + br, ai − bi) in (x6, x0), O2 = (ai + bi, br − ar) in (x1, x2).
            "add {x6}, {x0}, {x2}",
            "sub {x2}, {x2}, {x0}",
            "sub {x0}, {x1}, {x3}",
            "add {x1}, {x1}, {x3}",
            // y = W^k·O2/2 in (x3, x4).
            "smmulr {x3}, {x1}, {x4}",
            "smmlar {x3}, {x2}, {x5}, {x3}",
            "smmulr {x4}, {x2}, {x4}",
            "smmulr {x5}, {x1}, {x5}",
            "sub {x4}, {x4}, {x5}",
            // X[k] = E2/2 + y.
            "add {x1}, {x3}, {x6}, asr #1",
            "add {x2}, {x4}, {x0}, asr #1",
            "smull {x5}, {x1}, {x1}, {x1}",
            "smlal {x5}, {x1}, {x2}, {x2}",
            "strd {x5}, {x1}, [{pa}], #8",
            // X[M − k] = conj(E2/2 − y).
            "rsb {x1}, {x3}, {x6}, asr #1",
            "rsb {x2}, {x4}, {x0}, asr #1",
            "smull {x5}, {x1}, {x1}, {x1}",
            "smlal {x5}, {x1}, {x2}, {x2}",
            "strd {x5}, {x1}, [{pb}], #-8",
            "subs {n}, {n}, #1",
            "bne 2b",
            step = const STEP,
            pa = inout(reg) head.as_mut_ptr().wrapping_add(2) => _,
            pb = inout(reg) tail.as_mut_ptr().wrapping_add(m - 2) => _,
            cw = inout(reg) cos.as_ptr().wrapping_add(STEP / 4) => _,
            sw = inout(reg) cos.as_ptr().wrapping_add(crate::tables::MAX_FFT_SIZE / 4) => _,
            n = inout(reg) pairs => _,
            x0 = out(reg) _,
            x1 = out(reg) _,
            x2 = out(reg) _,
            x3 = out(reg) _,
            x4 = out(reg) _,
            x5 = out(reg) _,
            x6 = out(reg) _,
            options(nostack),
        );
    }
}

/// The filterbank walk of `mel::Filterbank::accumulate` over its inner
/// boundaries: for each `edge` of `edges` in turn, the interval from the
/// current bin up to `min(edge, limit)` (empty if that is not above it), with
/// `limit = min(weights.len(), power.len() / 2)`, is summed as by
/// [`interval_sums`] (`SHIFT` 1 to 31); the band before the boundary is
/// finished, `bands[j] = bands[j] + (Σ p << 16) − Σ p·t` with wrap-around, and
/// the next band's rising part `bands[j + 1] = Σ p·t` is stored, for `j` in
/// `0..edges.len()`. `bands[0]` holds the first band's rising part on entry.
/// The walk starts at bin `start` and returns the bin where it stopped;
/// `None` (nothing written) if `edges` is empty, `bands` is shorter than
/// `edges.len() + 1`, `start > limit`, or `SHIFT` is out of range.
#[inline(always)]
pub fn filterbank_walk<const SHIFT: u32>(
    weights: &[u16],
    power: &[i32],
    start: usize,
    edges: &[u16],
    bands: &mut [u64],
) -> Option<usize> {
    let limit = weights.len().min(power.len() / 2);
    if edges.is_empty() || bands.len() <= edges.len() || start > limit || !(1..=31).contains(&SHIFT)
    {
        return None;
    }
    let base = weights.as_ptr();
    let stop: *const u16;
    // SAFETY: see the module documentation.
    unsafe {
        core::arch::asm!(
            // Three words below the stack pointer: the weights' base, the
            // end of the edges, and the weights' limit.
            "sub sp, sp, #16",
            "str {we}, [sp]",
            "str {t}, [sp, #4]",
            "str {lo}, [sp, #8]",
            "3:",
            // we = base + 2·min(edge, limit).
            "ldrh {t}, [{e}], #2",
            "ldr {lo}, [sp]",
            "add {we}, {lo}, {t}, lsl #1",
            "ldr {lo}, [sp, #8]",
            "cmp {we}, {lo}",
            "it hi",
            "movhi {we}, {lo}",
            "cmp {w}, {we}",
            "bhs 5f",
            // The interval's first bin starts the sums (no zeroing needed).
            "ldrh {t}, [{w}], #2",
            "ldrd {lo}, {hi}, [{p}], #8",
            "lsrs {lo}, {lo}, #{shift}",
            "orr {lo}, {lo}, {hi}, lsl #{back}",
            "lsrs {th}, {hi}, #{shift}",
            "mov {tl}, {lo}",
            "umull {rl}, {rh}, {lo}, {t}",
            "mla {rh}, {th}, {t}, {rh}",
            "cmp {w}, {we}",
            "bhs 4f",
            "2:",
            "ldrh {t}, [{w}], #2",
            "ldrd {lo}, {hi}, [{p}], #8",
            "lsrs {lo}, {lo}, #{shift}",
            "orr {lo}, {lo}, {hi}, lsl #{back}",
            "lsrs {hi}, {hi}, #{shift}",
            "adds {tl}, {tl}, {lo}",
            "adc {th}, {th}, {hi}",
            "umlal {rl}, {rh}, {lo}, {t}",
            "mla {rh}, {hi}, {t}, {rh}",
            "cmp {w}, {we}",
            "blo 2b",
            "4:",
            // bands[j] += (Σ p << 16) − Σ p·t; bands[j + 1] = Σ p·t.
            "ldrd {lo}, {hi}, [{b}]",
            "lsls {t}, {th}, #16",
            "orr {t}, {t}, {tl}, lsr #16",
            "adds {lo}, {lo}, {tl}, lsl #16",
            "adc {hi}, {hi}, {t}",
            "subs {lo}, {lo}, {rl}",
            "sbc {hi}, {hi}, {rh}",
            "strd {lo}, {hi}, [{b}], #8",
            "strd {rl}, {rh}, [{b}]",
            "ldr {t}, [sp, #4]",
            "cmp {e}, {t}",
            "blo 3b",
            "b 6f",
            // An empty interval: all sums zero.
            "5:",
            "movs {rl}, #0",
            "movs {rh}, #0",
            "movs {tl}, #0",
            "movs {th}, #0",
            "b 4b",
            "6:",
            "add sp, sp, #16",
            shift = const SHIFT,
            back = const 32 - SHIFT,
            w = inout(reg) base.wrapping_add(start) => stop,
            p = inout(reg) power.as_ptr().wrapping_add(2 * start) => _,
            e = inout(reg) edges.as_ptr() => _,
            b = inout(reg) bands.as_mut_ptr() => _,
            we = inout(reg) base => _,
            t = inout(reg) edges.as_ptr().wrapping_add(edges.len()) => _,
            lo = inout(reg) base.wrapping_add(limit) => _,
            hi = out(reg) _,
            tl = out(reg) _,
            th = out(reg) _,
            rl = out(reg) _,
            rh = out(reg) _,
        );
    }
    Some((stop as usize).wrapping_sub(base as usize) / 2)
}

/// The first radix-4 pass of `fft::first_pass_radix4` with each input
/// shifted right arithmetically by `shift` (`v >> shift`), `shift` 1 to 4 (the shifts a frame of products below `2^31`
/// needs). Returns `false` and leaves `buf` untouched for another shift.
#[inline(always)]
pub fn first_pass_right(buf: &mut [i32], shift: u32) -> bool {
    match shift {
        1 => first_pass_right_by::<1>(buf),
        2 => first_pass_right_by::<2>(buf),
        3 => first_pass_right_by::<3>(buf),
        4 => first_pass_right_by::<4>(buf),
        _ => return false,
    }
    true
}

/// [`first_pass_right`] for a shift `R` known at compile time: the shift
/// folded into the butterfly's additions where the operand allows
/// (`ADD`/`SUB` with `ASR #R`): 30 instructions per butterfly.
#[inline(always)]
fn first_pass_right_by<const R: u32>(buf: &mut [i32]) {
    let groups = buf.len() / 8;
    if groups == 0 {
        return;
    }
    // SAFETY: see the module documentation.
    unsafe {
        core::arch::asm!(
            "2:",
            "ldrd {x0r}, {x0i}, [{p}]",
            "ldrd {x1r}, {x1i}, [{p}, #8]",
            "ldrd {x2r}, {x2i}, [{p}, #16]",
            "ldrd {x3r}, {x3i}, [{p}, #24]",
            "asr {x0r}, {x0r}, #{r}",
            "asr {x0i}, {x0i}, #{r}",
            "asr {x2r}, {x2r}, #{r}",
            "asr {x2i}, {x2i}, #{r}",
            // A = u0 + u1 in (t, x0r), C = u0 - u1 in (x1r, x1i).
            "add {t}, {x0r}, {x1r}, asr #{r}",
            "sub {x1r}, {x0r}, {x1r}, asr #{r}",
            "add {x0r}, {x0i}, {x1i}, asr #{r}",
            "sub {x1i}, {x0i}, {x1i}, asr #{r}",
            // B = u2 + u3 in (x0i, x2r), D = u2 - u3 in (x3r, x3i).
            "add {x0i}, {x2r}, {x3r}, asr #{r}",
            "sub {x3r}, {x2r}, {x3r}, asr #{r}",
            "add {x2r}, {x2i}, {x3i}, asr #{r}",
            "sub {x3i}, {x2i}, {x3i}, asr #{r}",
            // y0 = A + B, y2 = A - B.
            "add {x2i}, {t}, {x0i}",
            "sub {t}, {t}, {x0i}",
            "add {x0i}, {x0r}, {x2r}",
            "sub {x0r}, {x0r}, {x2r}",
            "strd {t}, {x0r}, [{p}, #16]",
            // y1 = C - i·D, y3 = C + i·D.
            "add {x2r}, {x1r}, {x3i}",
            "sub {x1r}, {x1r}, {x3i}",
            "sub {x3i}, {x1i}, {x3r}",
            "add {x1i}, {x1i}, {x3r}",
            "strd {x2r}, {x3i}, [{p}, #8]",
            "strd {x1r}, {x1i}, [{p}, #24]",
            // y0 last, moving on to the next group.
            "strd {x2i}, {x0i}, [{p}], #32",
            "subs {n}, {n}, #1",
            "bne 2b",
            r = const R,
            p = inout(reg) buf.as_mut_ptr() => _,
            n = inout(reg) groups => _,
            x0r = out(reg) _,
            x0i = out(reg) _,
            x1r = out(reg) _,
            x1i = out(reg) _,
            x2r = out(reg) _,
            x2i = out(reg) _,
            x3r = out(reg) _,
            x3i = out(reg) _,
            t = out(reg) _,
            options(nostack),
        );
    }
}

/// The front end's last step for `n = min(bands.len(), offsets.len(),
/// out.len())` bands: `out[m]` is `floor` for a zero band sum, else
/// `max(db(log2(bands[m]) ⊕ offsets[m] ⊕ frame_offset), floor)` with `⊕` the
/// saturating `i32` addition, `log2` as `db::log2_q24` and `db` as
/// `db::log2_q24_to_db_q8`: the band loop of `FrontEnd::compute_frame`.
/// Returns `false` (nothing written) for `n = 0`.
#[inline(always)]
pub fn bands_to_db(
    bands: &[u64],
    offsets: &[i32],
    frame_offset: i32,
    floor: i16,
    out: &mut [i16],
) -> bool {
    use crate::db::DB_PER_OCTAVE_Q28;
    use crate::tables::LOG2_Q24;
    let n = bands.len().min(offsets.len()).min(out.len());
    if n == 0 {
        return false;
    }
    // SAFETY: see the module documentation.
    unsafe {
        core::arch::asm!(
            "2:",
            // top = the 32 bits from the leading one down, lz its position
            // from bit 63 (register shifts by 32 give 0 as checked_shr does).
            "ldrd {lo}, {hi}, [{pb}], #8",
            "clz {t}, {hi}",
            "lsl {u}, {hi}, {t}",
            "rsb {hi}, {t}, #32",
            "lsr {hi}, {lo}, {hi}",
            "orr {u}, {u}, {hi}",
            "clz {hi}, {u}",
            "lsls {u}, {u}, {hi}",
            "beq 5f",
            "add {t}, {t}, {hi}",
            // Segment index and 24-bit fraction; interpolate, rounding half up.
            // The integer part (63 − lz) goes into the segment's start value
            // first; then UMLAL adds the difference times the fraction (in
            // the top 24 bits of a word) plus 2^31 below it, which rounds.
            "ubfx {lo}, {u}, #25, #6",
            "add {lo}, {tab}, {lo}, lsl #2",
            "ldrd {lo}, {hi}, [{lo}]",
            "sub {hi}, {hi}, {lo}",
            "rsb {t}, {t}, #63",
            "add {lo}, {lo}, {t}, lsl #24",
            "lsr {u}, {u}, #1",
            "lsl {u}, {u}, #8",
            "mov {t}, #0x80000000",
            "umlal {t}, {lo}, {hi}, {u}",
            // Offsets (saturating), decibels in Q8.8 rounded half up, i16, floor.
            "ldr {u}, [{po}], #4",
            "qadd {lo}, {lo}, {u}",
            "qadd {lo}, {lo}, {fo}",
            "smull {u}, {hi}, {lo}, {k}",
            "add {hi}, {hi}, #2048",
            "asr {hi}, {hi}, #12",
            "ssat {hi}, #16, {hi}",
            "cmp {hi}, {fl}",
            "it lt",
            "movlt {hi}, {fl}",
            "strh {hi}, [{out}], #2",
            "3:",
            "subs {n}, {n}, #1",
            "bne 2b",
            "b 6f",
            "5:",
            "strh {fl}, [{out}], #2",
            "adds {po}, {po}, #4",
            "b 3b",
            "6:",
            pb = inout(reg) bands.as_ptr() => _,
            po = inout(reg) offsets.as_ptr() => _,
            out = inout(reg) out.as_mut_ptr() => _,
            n = inout(reg) n => _,
            tab = in(reg) LOG2_Q24.as_ptr(),
            k = in(reg) DB_PER_OCTAVE_Q28 as i32,
            fo = in(reg) frame_offset,
            fl = in(reg) floor as i32,
            lo = out(reg) _,
            hi = out(reg) _,
            t = out(reg) _,
            u = out(reg) _,
            options(nostack),
        );
    }
    true
}

/// Moves `buf[from..from + len]` to `buf[..len]` (the front end keeping its
/// newest samples) sixteen bytes at a time with `LDRD`/`STRD`, each block
/// read before it is written, so moving down is safe with any overlap.
/// Returns `false` (nothing moved) unless `len` is a multiple of 8, at least
/// 8, `from + len ≤ buf.len()`, and `buf` and `from` are word-aligned.
#[inline(always)]
pub fn move_down(buf: &mut [i16], from: usize, len: usize) -> bool {
    let blocks = len / 8;
    let fits = from.checked_add(len).is_some_and(|end| end <= buf.len());
    let aligned = from.is_multiple_of(2) && (buf.as_ptr() as usize).is_multiple_of(4);
    if blocks == 0 || !len.is_multiple_of(8) || !fits || !aligned {
        return false;
    }
    let dst = buf.as_mut_ptr();
    // SAFETY: `8·blocks = len` samples from `from` and from 0, both within
    // `buf` (checked), word-aligned (checked); the copy goes upwards, so a
    // block of the source is read before the move down overwrites it.
    unsafe { copy_blocks(dst, dst.wrapping_add(from), blocks) };
    true
}

/// Copies the first `8·⌊n/8⌋` samples of `src` to `dst`, `n` the shorter
/// length, sixteen bytes at a time with `LDRD`/`STRD` (the front end taking
/// in a hop of new samples; the compiled `copy_from_slice` takes about 4.3
/// instructions per word). Returns how many samples it copied: 0 (nothing
/// copied) unless both slices start word-aligned.
#[inline(always)]
pub fn copy_in(dst: &mut [i16], src: &[i16]) -> usize {
    let blocks = dst.len().min(src.len()) / 8;
    let aligned =
        (dst.as_ptr() as usize).is_multiple_of(4) && (src.as_ptr() as usize).is_multiple_of(4);
    if blocks == 0 || !aligned {
        return 0;
    }
    // SAFETY: `8·blocks` samples lie within both slices (the shorter
    // length), both word-aligned (checked); a `&mut` and a `&` never overlap.
    unsafe { copy_blocks(dst.as_mut_ptr(), src.as_ptr(), blocks) };
    8 * blocks
}

/// Copies `blocks` blocks of eight samples from `src` up to `dst`, in
/// ascending order, each block read before it is written.
///
/// # Safety
/// `blocks ≥ 1`; `src` readable and `dst` writable for `8·blocks` samples,
/// both word-aligned; if the ranges overlap, `dst` must not lie above `src`.
#[inline(always)]
unsafe fn copy_blocks(dst: *mut i16, src: *const i16, blocks: usize) {
    // SAFETY: the caller's contract above.
    unsafe {
        core::arch::asm!(
            "2:",
            "ldrd {a}, {b}, [{s}], #8",
            "ldrd {c}, {d}, [{s}], #8",
            "strd {a}, {b}, [{t}], #8",
            "strd {c}, {d}, [{t}], #8",
            "subs {n}, {n}, #1",
            "bne 2b",
            s = inout(reg) src => _,
            t = inout(reg) dst => _,
            n = inout(reg) blocks => _,
            a = out(reg) _,
            b = out(reg) _,
            c = out(reg) _,
            d = out(reg) _,
            options(nostack),
        );
    }
}
