//! CPU twins of the WGSL helpers that emulate 64-bit integers and the float angle
//! test with 32-bit words (`shaders/common.wgsl`, the 64-bit section, and the
//! helpers at the top of `shaders/adm_decouple_csf.wgsl`). Each function here is the
//! shader function of the same name written operation by operation in u32, so the
//! property tests below (native i64/u64 and f32/f64 expressions against these, on
//! millions of random inputs) are tests of the shader code's logic.
//!
//! A 64-bit value is `[lo, hi]`, a 96-bit one `[w0, w1, w2]` (least significant
//! first), as `vec2<u32>` / `vec3<u32>` in WGSL.

use crate::features::tables::adm_cos_1deg_sq;

pub type W64 = [u32; 2];
pub type W96 = [u32; 3];

/// `v` as words (host side and tests).
pub fn w64(v: u64) -> W64 {
    [v as u32, (v >> 32) as u32]
}

/// The u64 that words `a` hold.
pub fn u64_of(a: W64) -> u64 {
    u64::from(a[0]) | u64::from(a[1]) << 32
}

/// `add_u64`: sum modulo 2^64 (u64 or i64 bits alike).
pub fn add_u64(a: W64, b: W64) -> W64 {
    let lo = a[0].wrapping_add(b[0]);
    [lo, a[1].wrapping_add(b[1]).wrapping_add((lo < a[0]) as u32)]
}

/// `sub_u64`: difference modulo 2^64.
pub fn sub_u64(a: W64, b: W64) -> W64 {
    let borrow = u32::from(a[0] < b[0]);
    [a[0].wrapping_sub(b[0]), a[1].wrapping_sub(b[1]).wrapping_sub(borrow)]
}

pub fn i64_from_i32(a: i32) -> W64 {
    [a as u32, if a < 0 { u32::MAX } else { 0 }]
}

pub fn i64_is_neg(a: W64) -> bool {
    (a[1] >> 31) != 0
}

pub fn neg_i64(a: W64) -> W64 {
    let lo = (!a[0]).wrapping_add(1);
    [lo, (!a[1]).wrapping_add((lo == 0) as u32)]
}

pub fn mul_u32_wide(a: u32, b: u32) -> W64 {
    let (a0, a1, b0, b1) = (a & 0xffff, a >> 16, b & 0xffff, b >> 16);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let mid = (p00 >> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    [(mid << 16) | (p00 & 0xffff), a1 * b1 + (p01 >> 16) + (p10 >> 16) + (mid >> 16)]
}

pub fn mul_i32_wide(a: i32, b: i32) -> W64 {
    let mut p = mul_u32_wide(a as u32, b as u32);
    if a < 0 {
        p[1] = p[1].wrapping_sub(b as u32);
    }
    if b < 0 {
        p[1] = p[1].wrapping_sub(a as u32);
    }
    p
}

pub fn mul_u32_i32_wide(a: u32, b: i32) -> W64 {
    let mut p = mul_u32_wide(a, b as u32);
    if b < 0 {
        p[1] = p[1].wrapping_sub(a);
    }
    p
}

/// `a >> s`, 0 for s >= 64. Every u32 shift amount stays below 32: WGSL takes a
/// runtime shift amount modulo 32, Rust would panic.
pub fn shr_u64(a: W64, s: u32) -> W64 {
    if s == 0 {
        a
    } else if s < 32 {
        [(a[0] >> s) | (a[1] << (32 - s)), a[1] >> s]
    } else if s < 64 {
        [a[1] >> (s - 32), 0]
    } else {
        [0, 0]
    }
}

pub fn shr_i64(a: W64, s: u32) -> W64 {
    let hi = a[1] as i32;
    if s == 0 {
        a
    } else if s < 32 {
        [(a[0] >> s) | (a[1] << (32 - s)), (hi >> s) as u32]
    } else {
        [(hi >> (s - 32)) as u32, (hi >> 31) as u32]
    }
}

/// `a << s`, 0 for s >= 64.
pub fn shl_u64(a: W64, s: u32) -> W64 {
    if s == 0 {
        a
    } else if s < 32 {
        [a[0] << s, (a[1] << s) | (a[0] >> (32 - s))]
    } else if s < 64 {
        [0, a[0] << (s - 32)]
    } else {
        [0, 0]
    }
}

pub fn lt_u64(a: W64, b: W64) -> bool {
    a[1] < b[1] || (a[1] == b[1] && a[0] < b[0])
}

pub fn lt_i64(a: W64, b: W64) -> bool {
    let (ah, bh) = (a[1] as i32, b[1] as i32);
    ah < bh || (ah == bh && a[0] < b[0])
}

pub fn bitlen_u64(a: W64) -> u32 {
    if a[1] != 0 { 64 - a[1].leading_zeros() } else { 32 - a[0].leading_zeros() }
}

// ---- the angle test (shaders/adm_decouple_csf.wgsl) ----

/// The f32 form of `cos²(1°)`: `ADM_COS_SQ_MANT · 2^ADM_COS_SQ_EXP` with a 24-bit
/// significand (generated into the WGSL prelude).
pub fn cos_sq_parts() -> (u32, i32) {
    let bits = adm_cos_1deg_sq().to_bits();
    let exp = ((bits >> 23) & 0xff) as i32;
    assert!(exp != 0 && bits >> 31 == 0, "cos² is a positive normal float");
    ((bits & 0x7f_ffff) | 0x80_0000, exp - 127 - 23)
}

pub fn abs_i64(a: W64) -> W64 {
    if i64_is_neg(a) { neg_i64(a) } else { a }
}

pub fn bitlen_u96(v: W96) -> u32 {
    if v[2] != 0 {
        64 + 32 - v[2].leading_zeros()
    } else if v[1] != 0 {
        32 + 32 - v[1].leading_zeros()
    } else {
        32 - v[0].leading_zeros()
    }
}

pub fn shr_u96(v: W96, s: u32) -> W96 {
    let (mut w, mut r) = (v, s);
    if r >= 64 {
        w = [w[2], 0, 0];
        r -= 64;
    } else if r >= 32 {
        w = [w[1], w[2], 0];
        r -= 32;
    }
    if r == 0 {
        return w;
    }
    [(w[0] >> r) | (w[1] << (32 - r)), (w[1] >> r) | (w[2] << (32 - r)), w[2] >> r]
}

pub fn mask_below(k: u32) -> u32 {
    if k >= 32 { u32::MAX } else { (1u32 << k) - 1 }
}

/// Whether any of the `n` lowest bits of `v` is set.
pub fn low_bits_set_u96(v: W96, n: u32) -> bool {
    let m0 = mask_below(n);
    let m1 = mask_below(n.saturating_sub(32));
    let m2 = mask_below(n.saturating_sub(64));
    ((v[0] & m0) | (v[1] & m1) | (v[2] & m2)) != 0
}

/// `v` rounded to nearest, ties to even, to `bits` (≤ 53) significant bits:
/// `m · 2^e` with `m < 2^bits`.
pub fn round_to_bits(v: W96, bits: u32) -> (W64, i32) {
    let len = bitlen_u96(v);
    if len <= bits {
        return ([v[0], v[1]], 0);
    }
    let mut d = len - bits;
    let q = shr_u96(v, d);
    let mut m = [q[0], q[1]];
    let half = (shr_u96(v, d - 1)[0] & 1) != 0;
    let sticky = low_bits_set_u96(v, d - 1);
    if half && (sticky || (m[0] & 1) != 0) {
        m = add_u64(m, [1, 0]);
        if bitlen_u64(m) > bits {
            m = shr_u64(m, 1);
            d += 1;
        }
    }
    (m, d as i32)
}

/// `a · 2^ea ≥ b · 2^eb` for non-zero `a`, `b`.
pub fn ge_scaled(a: W64, ea: i32, b: W64, eb: i32) -> bool {
    let (la, lb) = (bitlen_u64(a), bitlen_u64(b));
    let (ta, tb) = (la as i32 + ea, lb as i32 + eb);
    if ta != tb {
        return ta > tb;
    }
    if la > lb { !lt_u64(a, shl_u64(b, la - lb)) } else { !lt_u64(shl_u64(a, lb - la), b) }
}

/// `features::adm::adm_angle_flag` with integers only. f32(x) of an i64 is
/// `±RNE24(|x|)`; `c·f32(O)·f32(T)` (c = cos²(1°) as f32) is a product of three
/// 24-bit significands, exact in 72 bits, which the double product rounds once to 53
/// bits (the first product, 48 bits, is exact in double); `f32(dp)²` is exact in
/// 48 bits. The divisions by 4096 scale both sides by 2^-24 and change nothing.
pub fn adm_angle_flag(ot_dp: W64, o_mag_sq: W64, t_mag_sq: W64) -> bool {
    let (cos_mant, cos_exp) = cos_sq_parts();
    if i64_is_neg(ot_dp) {
        return false;
    }
    let o_zero = o_mag_sq == [0, 0];
    let t_zero = t_mag_sq == [0, 0];
    // The right-hand side is ≤ 0: any dp ≥ 0 passes.
    if o_zero || t_zero || i64_is_neg(o_mag_sq) != i64_is_neg(t_mag_sq) {
        return true;
    }
    if ot_dp == [0, 0] {
        return false;
    }
    let wide = |a: W64| -> W96 { [a[0], a[1], 0] };
    let (dm, de) = round_to_bits(wide(ot_dp), 24);
    let (om, oe) = round_to_bits(wide(abs_i64(o_mag_sq)), 24);
    let (tm, te) = round_to_bits(wide(abs_i64(t_mag_sq)), 24);
    let lhs = mul_u32_wide(dm[0], dm[0]);
    let ot = mul_u32_wide(om[0], tm[0]);
    let lo = mul_u32_wide(ot[0], cos_mant);
    let hi = mul_u32_wide(ot[1], cos_mant);
    let mid = lo[1].wrapping_add(hi[0]);
    let p: W96 = [lo[0], mid, hi[1] + (mid < lo[1]) as u32];
    let (rm, re) = round_to_bits(p, 53);
    ge_scaled(lhs, 2 * de, rm, re + oe + te + cos_exp)
}

/// (o_h, t_h, t_v) with o = (o_h, 0), t = (t_h, t_v): vector pairs for which the
/// angle test's 72-bit product c·f32(|o|²)·f32(|t|²) lies within half a 53-bit ulp of
/// f32(dp)², so the double rounding decides the flag (in 12 of them it flips the exact
/// answer: true where the exact product exceeds dp²). Found by a search over 24-bit
/// significands (for a random f32(|o|²), scan f32(dp) for a f32(|t|²) that makes
/// mc·mO·mT − mD²·2^24 smaller than 2^18), then realised with |o|², dp, |t|² ≈ 2^61.
pub const ANGLE_BOUNDARY_CASES: [(i32, i32, i32); 22] = [
    (1456710172, 1466215445, 25592528),
    (1267052516, 1316080285, 22972011),
    (1372387058, 1112851618, 19424635),
    (1452336575, 1487421852, 25962727),
    (1221112392, 1276251518, 22276773),
    (1502978522, 1074738321, 18759363),
    (1129223368, 1407299388, 24564165),
    (1136735459, 1118719392, 19527076),
    (1418576167, 1394843667, 24346824),
    (1094722508, 1273034178, 22220602),
    (1182965573, 1341066098, 23408122),
    (1350469463, 1472661409, 25705129),
    (1460022251, 1146098674, 20005014),
    (1333835659, 1283100939, 22396337),
    (1203016317, 1205073190, 21034390),
    (1333734160, 1339140278, 23374474),
    (1441821884, 1342755621, 23437619),
    (1415498566, 1229479342, 21460407),
    (1281789270, 1312790066, 22914581),
    (1416560056, 1282781206, 22390737),
    (1101793758, 1299234328, 22677982),
    (1191272559, 1445268205, 25226900),
];

/// `adm_div_lookup` (shaders/adm_decouple_csf.wgsl): `ADM_DIV_LOOKUP[i]` computed with an
/// exact u32 division instead of a 256 KiB table.
pub fn adm_div_lookup(index: u32) -> i32 {
    let o = index as i32 - 32768;
    if o == 0 {
        return 0;
    }
    let q = ((1u32 << 30) / o.unsigned_abs()) as i32;
    if o < 0 { -q } else { q }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::adm::adm_angle_flag as native_angle_flag;
    use crate::features::tables::ADM_DIV_LOOKUP;

    use crate::test_rng::Rng;

    use super::{u64_of as u, w64 as w};

    #[test]
    fn i64_helpers_match_native() {
        let mut rng = Rng(1);
        for _ in 0..1_000_000 {
            let (x, y) = (rng.wide(), rng.wide());
            let (a, b) = (x as u32 as i32, y as u32 as i32);
            let s = (rng.next() % 64) as u32;
            assert_eq!(u(add_u64(w(x), w(y))), x.wrapping_add(y));
            assert_eq!(u(neg_i64(w(x))), (x as i64).wrapping_neg() as u64);
            assert_eq!(u(i64_from_i32(a)), a as i64 as u64);
            assert_eq!(i64_is_neg(w(x)), (x as i64) < 0);
            assert_eq!(u(mul_u32_wide(a as u32, b as u32)), a as u32 as u64 * b as u32 as u64);
            assert_eq!(u(mul_i32_wide(a, b)), (a as i64 * b as i64) as u64, "{a} * {b}");
            assert_eq!(u(mul_u32_i32_wide(a as u32, b)), (a as u32 as i64 * b as i64) as u64);
            assert_eq!(u(shr_u64(w(x), s)), x >> s);
            assert_eq!(u(shr_i64(w(x), s)), ((x as i64) >> s) as u64);
            assert_eq!(u(shl_u64(w(x), s)), x << s);
            assert_eq!(lt_u64(w(x), w(y)), x < y);
            assert_eq!(lt_i64(w(x), w(y)), (x as i64) < (y as i64));
            assert_eq!(bitlen_u64(w(x)), 64 - x.leading_zeros());
        }
        for a in [0, 1, -1, i32::MIN, i32::MAX] {
            for b in [0, 1, -1, i32::MIN, i32::MAX] {
                assert_eq!(u(mul_i32_wide(a, b)), (a as i64 * b as i64) as u64);
            }
        }
    }

    #[test]
    fn rounding_matches_f32_and_f64() {
        let mut rng = Rng(2);
        for _ in 0..1_000_000 {
            let x = rng.wide() >> (rng.next() % 2);
            let (m, e) = round_to_bits([x as u32, (x >> 32) as u32, 0], 24);
            assert_eq!(u(m) as f64 * 2f64.powi(e), x as f32 as f64, "f32({x})");
            // 53 bits of a 96-bit value: compare with u128 -> f64 (also RNE)
            let y = (rng.wide() as u128) << (rng.next() % 33) | rng.next() as u128 & 0xff;
            let y = y & ((1u128 << 96) - 1);
            let (m, e) = round_to_bits([y as u32, (y >> 32) as u32, (y >> 64) as u32], 53);
            assert_eq!(u(m) as f64 * 2f64.powi(e), y as f64, "f64({y})");
        }
    }

    /// The twin against `features::adm::adm_angle_flag` (f32/f64), on vectors that are
    /// random, on vectors within a hair of 1° apart (where the rounding decides), and on
    /// raw i64 triples (wrapped, negative magnitudes).
    #[test]
    fn angle_flag_matches_float_expression() {
        let mut rng = Rng(3);
        let mut flips = [0usize; 2];
        let check = |dp: i64, om: i64, tm: i64, flips: &mut [usize; 2]| {
            let want = native_angle_flag(dp, om, tm);
            let got = adm_angle_flag(w(dp as u64), w(om as u64), w(tm as u64));
            assert_eq!(got, want, "dp {dp} |o|² {om} |t|² {tm}");
            flips[want as usize] += 1;
        };
        for i in 0..1_200_000u64 {
            let (oh, ov, th, tv): (i64, i64, i64, i64) = match i % 3 {
                0 => {
                    // random vectors of random magnitude
                    let bits = 1 + rng.next() % 31;
                    let mut c = || ((rng.next() & ((1 << bits) - 1)) as i64) - (1 << (bits - 1));
                    (c(), c(), c(), c())
                }
                1 => {
                    // t = s·R(θ)·o with θ within ±0.002° of 1°, rounded to integers
                    let bits = 2 + rng.next() % 29;
                    let mag = (1u64 << bits) as f64;
                    let phi = (rng.next() % 1_000_000) as f64 * 1e-6 * std::f64::consts::TAU;
                    let (oh, ov) = ((mag * phi.cos()).round(), (mag * phi.sin()).round());
                    let theta = (1.0 + ((rng.next() % 4001) as f64 - 2000.0) * 1e-6).to_radians();
                    let sign = if rng.next().is_multiple_of(2) { 1.0 } else { -1.0 };
                    let s = (0.25 + (rng.next() % 1000) as f64 * 1e-3) * sign;
                    let (c, sn) = (theta.cos(), theta.sin());
                    let th = (s * (c * oh - sn * ov)).round().clamp(-2147483648.0, 2147483647.0);
                    let tv = (s * (sn * oh + c * ov)).round().clamp(-2147483648.0, 2147483647.0);
                    (oh as i64, ov as i64, th as i64, tv as i64)
                }
                _ => {
                    let (dp, om, tm) = (rng.wide() as i64, rng.wide() as i64, rng.wide() as i64);
                    check(dp, om, tm, &mut flips);
                    continue;
                }
            };
            let dp = (oh * th).wrapping_add(ov * tv);
            let om = (oh * oh).wrapping_add(ov * ov);
            let tm = (th * th).wrapping_add(tv * tv);
            check(dp, om, tm, &mut flips);
        }
        // both outcomes are common (the near-1° vectors split roughly evenly)
        assert!(flips[0] > 100_000 && flips[1] > 100_000, "{flips:?}");
    }

    /// The cases where the double rounding decides: the twin agrees, and the exact
    /// (unrounded) comparison would not in 12 of them.
    #[test]
    fn angle_flag_matches_where_the_last_rounding_decides() {
        let (cos_mant, _) = cos_sq_parts();
        let mut flips = 0;
        for (oh, th, tv) in ANGLE_BOUNDARY_CASES {
            let (oh, th, tv) = (oh as i64, th as i64, tv as i64);
            let (dp, om, tm) = (oh * th, oh * oh, th * th + tv * tv);
            let want = native_angle_flag(dp, om, tm);
            assert_eq!(adm_angle_flag(w(dp as u64), w(om as u64), w(tm as u64)), want, "{oh} {th} {tv}");
            // exact: f32(dp)² vs c·f32(O)·f32(T), all three in the same binade here
            let sig = |v: i64| (v as f32).to_bits() as u128 & 0x7f_ffff | 0x80_0000;
            let exact = (sig(dp) * sig(dp)) << 24 >= cos_mant as u128 * sig(om) * sig(tm);
            flips += (exact != want) as usize;
        }
        assert_eq!(flips, 12);
    }

    #[test]
    fn div_lookup_formula_is_the_table() {
        for i in 0..=65536u32 {
            assert_eq!(adm_div_lookup(i), ADM_DIV_LOOKUP[i as usize], "index {i}");
        }
    }
}
