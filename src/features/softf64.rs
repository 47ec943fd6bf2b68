//! Soft binary64: the few IEEE-754 double operations VIF's statistic needs, computed
//! with 32-bit words only, rounding to nearest, ties to even, exactly as the FPU does.
//!
//! This is the Rust twin of the `w64_*` / `f64_*` functions in `shaders/vif_stats.wgsl`
//! (core WGSL has neither 64-bit integers nor f64): every function here has a WGSL
//! function of the same name and the same steps. It builds on [`super::wide`], the twin
//! of the 64-bit words in `shaders/common.wgsl` (a [`W64`] is `[lo, hi]`, WGSL's
//! `vec2<u32>`). The unit tests prove the functions equal to native
//! `f64` bit for bit over the operands VIF produces and well beyond; the GPU tests
//! prove the WGSL equal to these.
//!
//! Method: unpack to a 53-bit significand (implicit one included) in a [`W64`], do the
//! exact integer operation with enough extra low bits (a "sticky" bit ORed into bit 0
//! stands for everything shifted out), normalise so the leading one sits at bit 62,
//! then [`round_pack`] rounds away the low 10 bits.
//!
//! Domain (what the tests cover; all that VIF can produce): finite operands, zeros
//! allowed; no NaN in; [`f64_add`] / [`f64_sub`] take non-negative operands; results are
//! normal numbers, or overflow to infinity. Subnormal operands and results are flushed
//! to zero: only [`f64_mul`] can meet one (the host-computed `gain_limit²`, tiny), and
//! there its product is truncated to an integer, which is 0 either way.

use super::wide::{W64, add_u64, lt_u64, mul_u32_wide, shl_u64, shr_u64, sub_u64, u64_of, w64};

/// The bits of a native double as a [`W64`] (for the host side and the tests).
pub fn f64_bits(v: f64) -> W64 {
    w64(v.to_bits())
}

/// The native double a [`W64`] holds.
pub fn f64_of(a: W64) -> f64 {
    f64::from_bits(u64_of(a))
}

// ------------------------------------- 64-bit words only the double needs -----

pub fn w64_is_zero(a: W64) -> bool {
    (a[0] | a[1]) == 0
}

/// `a >> n` with every shifted-out bit ORed into bit 0 ("sticky"), so that rounding
/// still sees whether anything nonzero was lost.
pub fn w64_shr_jam(a: W64, n: u32) -> W64 {
    let mut r = shr_u64(a, n);
    let lost = if n < 64 { sub_u64(a, shl_u64(r, n)) } else { a };
    if !w64_is_zero(lost) {
        r[0] |= 1;
    }
    r
}

/// Leading zero bits (64 for 0).
pub fn w64_clz(a: W64) -> u32 {
    if a[1] != 0 { a[1].leading_zeros() } else { 32 + a[0].leading_zeros() }
}

// ------------------------------------------------------------ doubles -----

const EXP_INF: u32 = 0x7ff;
/// The high word of +infinity; of 2^53 as a [`W64`] (significand overflow).
const HI_INF: u32 = 0x7ff0_0000;
const HI_2POW53: u32 = 0x0020_0000;

fn f64_exp(a: W64) -> u32 {
    (a[1] >> 20) & 0x7ff
}

fn f64_sign(a: W64) -> u32 {
    a[1] >> 31
}

/// The 53-bit significand of a normal number, implicit one included.
fn f64_sig(a: W64) -> W64 {
    [a[0], (a[1] & 0x000f_ffff) | 0x0010_0000]
}

fn f64_signed_zero(sign: u32) -> W64 {
    [0, sign << 31]
}

fn f64_signed_inf(sign: u32) -> W64 {
    [0, (sign << 31) | HI_INF]
}

/// Rounds `sig · 2^(e - 62)` to nearest-even and packs it. `sig` has its leading one
/// at bit 62, bits 9..0 below the kept 53 bits, and a sticky bit 0 for anything
/// discarded earlier (so bits 9..0 compare with half (0x200) exactly as the exact
/// value would). Overflow gives infinity; underflow (outside the domain) zero.
pub fn round_pack(sign: u32, e: i32, sig: W64) -> W64 {
    let round_bits = sig[0] & 0x3ff;
    let mut m = shr_u64(sig, 10);
    let mut e = e;
    if round_bits > 0x200 || (round_bits == 0x200 && (m[0] & 1) == 1) {
        m = add_u64(m, [1, 0]);
        if m[1] == HI_2POW53 {
            m = shr_u64(m, 1);
            e += 1;
        }
    }
    let biased = e + 1023;
    if biased >= EXP_INF as i32 {
        return f64_signed_inf(sign);
    }
    if biased <= 0 {
        return f64_signed_zero(sign);
    }
    [m[0], (sign << 31) | ((biased as u32) << 20) | (m[1] & 0x000f_ffff)]
}

/// `n as f64` (exact).
pub fn f64_from_u32(n: u32) -> W64 {
    if n == 0 {
        return [0, 0];
    }
    let e = 31 - n.leading_zeros();
    round_pack(0, e as i32, shl_u64([n, 0], 62 - e))
}

/// `a + b` for non-negative `a`, `b`.
pub fn f64_add(a: W64, b: W64) -> W64 {
    let (mut a, mut b) = (a, b);
    if f64_exp(a) < f64_exp(b) {
        std::mem::swap(&mut a, &mut b);
    }
    let (ea, eb) = (f64_exp(a), f64_exp(b));
    if eb == 0 {
        return a; // b is zero
    }
    // Leading ones at bit 61, 9 clean bits below the kept 53: the aligned b keeps
    // its sticky bit well under the rounding half.
    let sa = shl_u64(f64_sig(a), 9);
    let sb = w64_shr_jam(shl_u64(f64_sig(b), 9), ea - eb);
    let s = add_u64(sa, sb);
    let e = ea as i32 - 1023;
    if (s[1] & 0x4000_0000) != 0 { round_pack(0, e + 1, s) } else { round_pack(0, e, shl_u64(s, 1)) }
}

/// `a - b` for non-negative `a`, `b` (the result may be negative).
pub fn f64_sub(a: W64, b: W64) -> W64 {
    if a == b {
        return [0, 0];
    }
    // Non-negative doubles order like their bit patterns.
    let (mut a, mut b, mut sign) = (a, b, 0u32);
    if lt_u64(a, b) {
        std::mem::swap(&mut a, &mut b);
        sign = 1;
    }
    let (ea, eb) = (f64_exp(a), f64_exp(b));
    if eb == 0 {
        return [a[0], a[1] | (sign << 31)]; // b is zero
    }
    let sa = shl_u64(f64_sig(a), 9);
    let sb = w64_shr_jam(shl_u64(f64_sig(b), 9), ea - eb);
    // A sticky bit only appears when ea - eb >= 10, and then d > 2^60: the
    // normalisation below moves it by at most 2 bits. When the operands are close
    // (large cancellation) the alignment shift is <= 1 and d is exact.
    let d = sub_u64(sa, sb);
    let shift = w64_clz(d) - 1;
    round_pack(sign, ea as i32 - 1023 + 1 - shift as i32, shl_u64(d, shift))
}

/// `a * b`.
pub fn f64_mul(a: W64, b: W64) -> W64 {
    let sign = f64_sign(a) ^ f64_sign(b);
    let (ea, eb) = (f64_exp(a), f64_exp(b));
    if ea == EXP_INF || eb == EXP_INF {
        return f64_signed_inf(sign);
    }
    if ea == 0 || eb == 0 {
        return f64_signed_zero(sign);
    }
    let (ma, mb) = (f64_sig(a), f64_sig(b));
    // The 106-bit product as hi·2^64 + lo, from four 32x32 products:
    // ma[1], mb[1] < 2^21, so lh, hl < 2^53, their sum < 2^54 and hh < 2^42.
    let ll = mul_u32_wide(ma[0], mb[0]);
    let mid = add_u64(mul_u32_wide(ma[0], mb[1]), mul_u32_wide(ma[1], mb[0]));
    let hh = mul_u32_wide(ma[1], mb[1]);
    let lo = add_u64(ll, [0, mid[0]]);
    let carry = u32::from(lt_u64(lo, ll));
    let hi = add_u64(hh, [mid[1] + carry, 0]);
    // product in [2^104, 2^106): bring its leading one to bit 62 of the result.
    let mut e = (ea as i32 - 1023) + (eb as i32 - 1023);
    let mut shift = 42u32;
    if (hi[1] & 0x200) != 0 {
        shift = 43;
        e += 1;
    }
    // hi << (64 - shift) stays below 2^63; lo >> shift (shift >= 32) below 2^(64 - shift).
    let mut sig = shl_u64(hi, 64 - shift);
    sig[0] |= lo[1] >> (shift - 32);
    if lo[0] != 0 || (lo[1] & ((1u32 << (shift - 32)) - 1)) != 0 {
        sig[0] |= 1;
    }
    round_pack(sign, e, sig)
}

/// Quotient bits per step of [`f64_div`]'s long division.
const DIV_DIGIT_BITS: u32 = 18;

/// `2^18 / bt` in f32, where `bt = mb >> 29` (24 bits, exact in f32) is the top of
/// the divisor's significand `mb` in [2^52, 2^53): the scale of every digit estimate.
pub fn div_digit_recip(mb: W64) -> f32 {
    let bt = (mb[1] << 3) | (mb[0] >> 29);
    262_144.0 / bt as f32
}

/// One digit of [`f64_div`]'s long division: for a remainder `r` < `mb`, the digit
/// `d = floor(r·2^18 / mb)` (< 2^18) and the next remainder `r·2^18 − d·mb` (< mb).
///
/// The estimate may be off, never the result. With `rt = r >> 29` (< 2^24, exact in
/// f32), `rt · recip` is within 1/16 of the exact quotient from the truncations
/// (`rt` and `bt` each lose less than one unit in 2^23) plus 3·2^-23 relative (< 0.1
/// absolute, at most 2^18) from the f32 division (WGSL allows 2.5 ulp) and the
/// product, and 2^-6 from subtracting 0.5 in f32: within 0.2 in all. Less 0.5 and
/// truncated (negatives to 0) it is d or d − 1, so the
/// remainder computed for it lies in [0, 2·mb) and one conditional subtraction
/// finishes. That remainder is exact although r·2^18 and d·mb overflow 64 bits:
/// both are taken modulo 2^64 and the difference is below 2^54.
pub fn div_digit(r: W64, mb: W64, recip: f32) -> (u32, W64) {
    let rt = (r[1] << 3) | (r[0] >> 29);
    let mut d = (rt as f32 * recip - 0.5).max(0.0) as u32;
    let d_mb = add_u64(mul_u32_wide(d, mb[0]), [0, d.wrapping_mul(mb[1])]);
    let mut next = sub_u64(shl_u64(r, DIV_DIGIT_BITS), d_mb);
    if !lt_u64(next, mb) {
        next = sub_u64(next, mb);
        d += 1;
    }
    (d, next)
}

/// `a / b` for a finite `a` and a normal `b`.
pub fn f64_div(a: W64, b: W64) -> W64 {
    let sign = f64_sign(a) ^ f64_sign(b);
    let (ea, eb) = (f64_exp(a), f64_exp(b));
    if ea == 0 {
        return f64_signed_zero(sign);
    }
    let (mut ma, mb) = (f64_sig(a), f64_sig(b));
    let mut e = ea as i32 - eb as i32;
    if lt_u64(ma, mb) {
        ma = shl_u64(ma, 1);
        e -= 1;
    }
    // Long division in base 2^18, each digit estimated in f32 and corrected exactly
    // (three digits instead of 55 one-bit steps). After normalising, ma / mb is in
    // [1, 2): the first quotient digit is 1. Each step turns a remainder r < mb into
    // the digit d = floor(r·2^18 / mb) and the next remainder r·2^18 − d·mb, so
    // q = floor(ma · 2^54 / mb) in [2^54, 2^55) and r is its remainder.
    let mut r = sub_u64(ma, mb);
    let mut q = [1, 0];
    let recip = div_digit_recip(mb);
    for _ in 0..3 {
        let (d, next) = div_digit(r, mb, recip);
        q = add_u64(shl_u64(q, DIV_DIGIT_BITS), [d, 0]);
        r = next;
    }
    let mut sig = shl_u64(q, 8);
    if !w64_is_zero(r) {
        sig[0] |= 1;
    }
    round_pack(sign, e, sig)
}

/// `a >= b` for non-negative, non-NaN `a`, `b`.
pub fn f64_ge_pos(a: W64, b: W64) -> bool {
    !lt_u64(a, b)
}

/// `a as i32`: truncation toward zero, saturating, NaN to 0 (Rust's `as`).
pub fn f64_trunc_i32(a: W64) -> i32 {
    let (exp, sign) = (f64_exp(a), f64_sign(a));
    if exp == EXP_INF && (a[0] != 0 || (a[1] & 0x000f_ffff) != 0) {
        return 0; // NaN
    }
    if exp < 1023 {
        return 0; // |a| < 1 (zeros and subnormals included)
    }
    let e = exp - 1023;
    if e >= 31 {
        return if sign == 1 { i32::MIN } else { i32::MAX };
    }
    let m = shr_u64(f64_sig(a), 52 - e)[0] as i32;
    if sign == 1 { -m } else { m }
}

/// `a as i64` (truncation, saturating, NaN to 0) as two's-complement words.
pub fn f64_trunc_i64(a: W64) -> W64 {
    let (exp, sign) = (f64_exp(a), f64_sign(a));
    if exp == EXP_INF && (a[0] != 0 || (a[1] & 0x000f_ffff) != 0) {
        return [0, 0];
    }
    if exp < 1023 {
        return [0, 0];
    }
    let e = exp - 1023;
    if e >= 63 {
        return if sign == 1 { [0, 0x8000_0000] } else { [0xffff_ffff, 0x7fff_ffff] };
    }
    let m = if e >= 52 { shl_u64(f64_sig(a), e - 52) } else { shr_u64(f64_sig(a), 52 - e) };
    if sign == 1 { sub_u64([0, 0], m) } else { m }
}

// ------------------------------------------------------------ VIF use -----

/// How `if g >= gain_limit { g = gain_limit }` is decided on the GPU for one gain
/// limit (any f64): `g` is always in (0, 2^14), so the comparison is either constant
/// or a comparison of positive bit patterns; and `gain_limit²` is computed once here
/// with the native FPU (the value `g * g` has when clamped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GainClamp {
    /// 0: never clamp (NaN limit); 1: always (limit <= 0, -0 and -inf included);
    /// 2: clamp when `g >= limit` (positive limit, +inf included).
    pub mode: u32,
    pub limit: W64,
    pub limit_sq: W64,
}

pub const GAIN_NEVER: u32 = 0;
pub const GAIN_ALWAYS: u32 = 1;
pub const GAIN_COMPARE: u32 = 2;

impl GainClamp {
    pub fn new(gain_limit: f64) -> GainClamp {
        let mode = if gain_limit.is_nan() {
            GAIN_NEVER
        } else if gain_limit <= 0.0 {
            GAIN_ALWAYS
        } else {
            GAIN_COMPARE
        };
        GainClamp { mode, limit: f64_bits(gain_limit), limit_sq: f64_bits(gain_limit * gain_limit) }
    }
}

/// The f64 part of VIF's statistic for one pixel, in soft binary64: the twin of
/// `features::vif::vif_gain_terms` (and of `vif_gain_terms` in `shaders/vif_stats.wgsl`).
/// Requires `sigma1_sq >= 1` (VIF: >= 2^17), `sigma2_sq > 0`, `sigma12 > 0`.
/// Returns `sv_sq` and `trunc(g·g·sigma1_sq)` as i64 words.
pub fn vif_gain_terms(sigma1_sq: i32, sigma2_sq: i32, sigma12: i32, clamp: &GainClamp, eps: W64) -> (i32, W64) {
    let s1 = f64_from_u32(sigma1_sq as u32);
    let s12 = f64_from_u32(sigma12 as u32);
    let g = f64_div(s12, f64_add(s1, eps));
    let sv_sq = f64_trunc_i32(f64_sub(f64_from_u32(sigma2_sq as u32), f64_mul(g, s12))).max(0);
    let clamped = clamp.mode == GAIN_ALWAYS || (clamp.mode == GAIN_COMPARE && f64_ge_pos(g, clamp.limit));
    let g_sq = if clamped { clamp.limit_sq } else { f64_mul(g, g) };
    (sv_sq, f64_trunc_i64(f64_mul(g_sq, s1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tables::{VIF_EPS, VIF_SIGMA_NSQ};
    use crate::features::vif::vif_gain_terms as native_gain_terms;

    use crate::test_rng::Rng;

    fn same(op: &str, a: f64, b: f64, soft: W64, native: f64) {
        assert_eq!(
            u64_of(soft),
            native.to_bits(),
            "{op}({a:e} [{:#x}], {b:e} [{:#x}]) = {:e} soft vs {native:e} native",
            a.to_bits(),
            b.to_bits(),
            f64_of(soft)
        );
    }

    #[test]
    fn words_match_native_u64() {
        let mut rng = Rng(1);
        for i in 0..200_000 {
            let (a, b) = (rng.next() >> rng.below(64), rng.next() >> rng.below(64));
            let (wa, wb) = (w64(a), w64(b));
            let n = (i % 70) as u32;
            assert_eq!(u64_of(add_u64(wa, wb)), a.wrapping_add(b));
            assert_eq!(u64_of(sub_u64(wa, wb)), a.wrapping_sub(b));
            assert_eq!(lt_u64(wa, wb), a < b);
            assert_eq!(u64_of(shl_u64(wa, n)), a.checked_shl(n).unwrap_or(0));
            assert_eq!(u64_of(shr_u64(wa, n)), a.checked_shr(n).unwrap_or(0));
            let jam = a.checked_shr(n).unwrap_or(0) | u64::from(n > 0 && a & (1u64.checked_shl(n).unwrap_or(0).wrapping_sub(1)) != 0);
            assert_eq!(u64_of(w64_shr_jam(wa, n)), jam, "jam {a:#x} >> {n}");
            assert_eq!(w64_clz(wa), a.leading_zeros());
            let (x, y) = (a as u32, (b >> 32) as u32);
            assert_eq!(u64_of(mul_u32_wide(x, y)), u64::from(x) * u64::from(y));
        }
        assert_eq!(u64_of(mul_u32_wide(u32::MAX, u32::MAX)), u64::from(u32::MAX) * u64::from(u32::MAX));
        assert_eq!(w64_clz([0, 0]), 64);
    }

    #[test]
    fn conversions_and_truncations_match_native() {
        let mut rng = Rng(2);
        let mut ints: Vec<u32> = vec![0, 1, 2, 3, 1 << 17, (1 << 17) + 1, u32::MAX, i32::MAX as u32, 1 << 31];
        ints.extend((0..100_000).map(|_| (rng.next() as u32) >> rng.below(32)));
        for n in ints {
            assert_eq!(u64_of(f64_from_u32(n)), (n as f64).to_bits(), "{n}");
        }
        let mut vals = vec![
            0.0, -0.0, 0.5, -0.5, 0.999999, 1.0, -1.0, 1.5, -1.5, 2147483647.0, 2147483647.9, 2147483648.0,
            -2147483648.0, -2147483648.9, -2147483649.0, 9.2e18, 9.3e18, -9.3e18, 9223372036854775807.0,
            -9223372036854775808.0, 1e300, -1e300, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 5e-324, 1e-310,
            4503599627370495.5, 4503599627370497.0,
        ];
        vals.extend((0..200_000).map(|_| {
            let v = rng.double(-3, 70);
            if rng.below(2) == 0 { -v } else { v }
        }));
        for v in vals {
            let w = f64_bits(v);
            assert_eq!(f64_trunc_i32(w), v as i32, "i32 of {v:e}");
            assert_eq!(u64_of(f64_trunc_i64(w)) as i64, v as i64, "i64 of {v:e}");
        }
    }

    #[test]
    fn add_sub_match_native() {
        let mut rng = Rng(3);
        let mut pairs: Vec<(f64, f64)> = vec![
            (0.0, 0.0),
            (0.0, 1.0),
            (1.0, 0.0),
            (1.0, 1.0),
            (131072.0, VIF_EPS),
            (2147483647.0, VIF_EPS),
            (9007199254740992.0, 1.0), // 2^53 + 1: a tie, to even (down)
            (9007199254740994.0, 1.0), // 2^53 + 2 + 1: a tie, to even (up)
            (1.0, 1.1102230246251565e-16),
            (1.0, 1.1102230246251568e-16),
            (f64::MAX, f64::MAX),
        ];
        for i in 0..1_000_000u64 {
            let (a, b) = match i % 4 {
                // the VIF domain: an integer and EPS; an integer and a product
                0 => ((rng.int_of(1, 31)) as f64, rng.double(-40, 46)),
                // ties and exact cancellations: integers around 2^53
                1 => (rng.int_of(50, 54) as f64, rng.int_of(1, 54) as f64),
                2 => {
                    let a = rng.double(-60, 60);
                    (a, a * (1.0 + (rng.below(2000) as f64 - 1000.0) * 2f64.powi(-50)))
                }
                _ => (rng.double(-300, 300), rng.double(-300, 300)),
            };
            pairs.push((a, b));
        }
        for (a, b) in pairs {
            let (wa, wb) = (f64_bits(a), f64_bits(b));
            same("add", a, b, f64_add(wa, wb), a + b);
            same("sub", a, b, f64_sub(wa, wb), a - b);
            same("sub", b, a, f64_sub(wb, wa), b - a);
        }
    }

    #[test]
    fn mul_div_match_native() {
        let mut rng = Rng(4);
        let mut pairs: Vec<(f64, f64)> = vec![
            (1.0, 1.0),
            (0.0, 3.0),
            (3.0, 0.0),
            (1.0, 3.0),
            (2147483647.0, 131072.0000065536),
            (1.0, 2147483647.0),
            (f64::MAX, 2.0),           // overflow: inf
            (f64::INFINITY, 131072.0), // inf operand
            (1e-310, 2147483647.0),    // subnormal operand: flushed, see the module doc
            (1.0 + f64::EPSILON, 1.0 + f64::EPSILON),
            (1.0 - f64::EPSILON / 2.0, 1.0 - f64::EPSILON / 2.0),
        ];
        for i in 0..1_000_000u64 {
            let (a, b) = match i % 4 {
                // VIF: g = s12 / (s1 + eps), g * s12, g * g, g² * s1
                0 => (rng.int_of(1, 31) as f64, rng.double(17, 30)),
                // products of integers with 53..=55 bits: exact or ties
                1 => {
                    let x = 1 + rng.below(40) as u32;
                    let y = 53 + rng.below(3) as u32 - x;
                    let y = y.clamp(1, 53);
                    (rng.int_bits(x) as f64, rng.int_bits(y) as f64)
                }
                // exact quotients: a = b * q with q short
                2 => {
                    let b = rng.int_of(1, 30) as f64;
                    let q = rng.int_of(1, 22) as f64;
                    (b * q, b)
                }
                _ => (rng.double(-250, 250), rng.double(-250, 250)),
            };
            pairs.push((a, b));
        }
        for (a, b) in pairs {
            let (wa, wb) = (f64_bits(a), f64_bits(b));
            let native_mul = if a != 0.0 && a.is_subnormal() { 0.0 } else { a * b };
            same("mul", a, b, f64_mul(wa, wb), native_mul);
            same("mul", b, a, f64_mul(wb, wa), if a.is_subnormal() { 0.0 } else { b * a });
            // (a subnormal quotient is outside the domain)
            if b.is_normal() && (a == 0.0 || (a.is_normal() && (a / b).is_normal())) {
                same("div", a, b, f64_div(wa, wb), a / b);
            }
            if a.is_normal() && (b == 0.0 || (b.is_normal() && (b / a).is_normal())) {
                same("div", b, a, f64_div(wb, wa), b / a);
            }
        }
    }

    /// Every digit exact at the edges of the estimate's error bound: divisors at both
    /// ends of [2^52, 2^53), remainders at 0, 1 and mb − 1, and the reciprocal off by
    /// up to 3 ulp either way (WGSL's f32 division may be 2.5 ulp off).
    #[test]
    fn division_digits_are_exact_with_an_inexact_reciprocal() {
        let mut rng = Rng(6);
        let top = (1u64 << 53) - 1;
        let mut divisors = vec![1u64 << 52, (1 << 52) + 1, top, top - 1, (1 << 52) | ((1 << 29) - 1), top & !((1 << 29) - 1)];
        divisors.extend((0..20_000).map(|_| (1u64 << 52) | (rng.next() >> 12)));
        for (i, &mb) in divisors.iter().enumerate() {
            let exact = div_digit_recip(w64(mb));
            for ulps in -3i32..=3 {
                let recip = f32::from_bits((exact.to_bits() as i32 + ulps) as u32);
                let rs = [0, 1, mb - 1, mb >> 1, mb - (1 << 29), (rng.next() % mb), rng.next() % (1 << 29)];
                for r in rs.into_iter().chain((0..(if i < 6 { 2000 } else { 3 })).map(|_| rng.next() % mb)) {
                    let (d, next) = div_digit(w64(r), w64(mb), recip);
                    let n = u128::from(r) << DIV_DIGIT_BITS;
                    let want = n / u128::from(mb);
                    assert_eq!(
                        (u128::from(d), u128::from(u64_of(next))),
                        (want, n - want * u128::from(mb)),
                        "r {r:#x} mb {mb:#x} recip off by {ulps} ulp"
                    );
                }
            }
        }
    }

    /// The whole f64 part of the statistic on sigma triplets VIF can produce, with the
    /// two libvmaf gain limits, an arbitrary one, limits that equal a pixel's gain
    /// (the `>=` boundary), and degenerate ones.
    #[test]
    fn vif_gain_terms_match_native() {
        let eps = f64_bits(VIF_EPS);
        let mut rng = Rng(5);
        let mut limits = vec![100.0, 1.0, 3.7, 0.0, -0.0, -2.5, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 1e-170, 1e200];
        let mut cases = 0usize;
        for round in 0..1_200_000u64 {
            let s1 = match rng.below(8) {
                0 => VIF_SIGMA_NSQ,
                1 => i32::MAX - rng.below(4) as i32,
                2 => VIF_SIGMA_NSQ + rng.below(1000) as i32,
                _ => (rng.int_of(18, 30) as i32).max(VIF_SIGMA_NSQ),
            };
            let s12 = match rng.below(6) {
                0 => 1 + rng.below(100) as i32,
                1 => i32::MAX - rng.below(4) as i32,
                2 => s1.saturating_add(rng.below(3) as i32 - 1).max(1), // g close to 1
                _ => rng.int_of(1, 31) as i32,
            };
            // s2 near g * s12 makes sv_sq land near 0 and near integers.
            let g = f64::from(s12) / (f64::from(s1) + VIF_EPS);
            let t = g * f64::from(s12);
            let s2 = match rng.below(3) {
                0 if t < 2.0e9 => ((t as i64) + rng.below(4) as i64 - 1).clamp(1, i32::MAX as i64) as i32,
                _ => rng.int_of(1, 31) as i32,
            };
            if round % 100_000 == 0 {
                limits.push(g); // exactly this pixel's gain: g >= limit holds with equality
            }
            let gl = limits[(round % limits.len() as u64) as usize];
            let clamp = GainClamp::new(gl);
            let (sv, p) = vif_gain_terms(s1, s2, s12, &clamp, eps);
            let (sv_n, p_n) = native_gain_terms(s1, s2, s12, gl);
            assert_eq!(
                (sv, u64_of(p) as i64),
                (sv_n, p_n),
                "s1 {s1} s2 {s2} s12 {s12} gain limit {gl:e}"
            );
            cases += 1;
        }
        // The `>=` boundary itself, for a spread of gains.
        for _ in 0..20_000 {
            let s1 = (rng.int_of(18, 30) as i32).max(VIF_SIGMA_NSQ);
            let s12 = rng.int_of(1, 31) as i32;
            let s2 = rng.int_of(1, 31) as i32;
            let g = f64::from(s12) / (f64::from(s1) + VIF_EPS);
            for gl in [g, f64::from_bits(g.to_bits() + 1), f64::from_bits(g.to_bits() - 1)] {
                let (sv, p) = vif_gain_terms(s1, s2, s12, &GainClamp::new(gl), eps);
                assert_eq!((sv, u64_of(p) as i64), native_gain_terms(s1, s2, s12, gl), "{s1} {s2} {s12} {gl:e}");
                cases += 1;
            }
        }
        assert!(cases > 1_000_000);
    }
}
