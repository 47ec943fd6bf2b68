// ADM pass 2: decouple, then contrast sensitivity. For each sample of the filter
// region, split the distorted detail bands t (h, v, d) into restored
// r = clamp(t/o, 0, 1)·o and additive a = t − r, with the enhancement-gain rule where
// ref and dis (h, v) vectors are under 1° apart; then weight a (the DLM's masker) and r
// (AIM's) by the CSF (`csf_weight`, below). CPU twin:
// `features::adm::adm_decouple_csf`. One invocation per sample, WG_SIZE along a row.
// Inputs: the bands buffers (a, h, v, d) of both images. Outputs: r and a (h, v, d),
// and `csf`: csf_a(a), csf_f(a), csf_a(r), csf_f(r), three planes (h, v, d) each.
//
// Every i64 of the CPU twin is a (lo, hi) pair here, each exact (no wrap) for the
// ranges stated, so pair shifts and low words reproduce its `>>` and `as i32`:
// - ot_dp = o_h·t_h + o_v·t_v, |o|², |t|²: i32 products exact in 63 bits
//   (`mul_i32_wide`), their sum added modulo 2^64 like the CPU's i64 (which wraps only
//   when both terms are 2^62, i.e. all samples −2^31).
// - k (scale 0) = (D[o]·t + 2^14) >> 15 with |D| ≤ 2^30, |t| ≤ 2^15: |D·t| ≤ 2^45.
// - k (scales 1..3) = (D[m]·t·sign(o) + 2^(14+sh)) >> (15+sh), |D·t| ≤ 2^61, sh ≤ 17.
//   The reciprocal D[32768 ± i] = ±floor(2^30 / i) is an exact u32 division
//   (`adm_div_lookup`; `features::wide` tests it against the table, every entry).
//   k is clamped to [0, 32768] from the full pair.
// - r = (k·o + 2^14) >> 15: scale 0 in i32 as on the CPU (|k·o| ≤ 2^30); scales 1..3
//   |k·o| ≤ 2^46 as a pair.
// - Angle test: `adm_angle_flag` below, integers only (see there).
// - Enhancement gain: the CPU computes `r as f64 · g`, takes min(·, t) (o > 0) or
//   max(·, t) (o < 0) and truncates. For an integer g in [0, 2^31) (checked on the
//   host, `gpu::adm::AdmPlan::new`) the exact product r·g (`mul_i32_wide`) decides the
//   same: a product above 2^53 rounds in f64 but stays far beyond |t| < 2^31, and the
//   value chosen lies between 0 and t (r has the sign of o, g ≥ 0), so it is exact in
//   f64, truncation keeps it, and at scale 0 it is already within i16.
// - a = t − r: i32 with wrap-around (then `as i16` at scale 0), as on the CPU.
//
// CSF: csf_a = x·rfactor and the masking input csf_f = |csf_a|/30, for x = a and r.
// - Scale 0, 32-bit as on the CPU: |x| ≤ 2^15 (i16), factor ≤ 49417:
//   |f·x| + 65535 < 2^31; 4369·|csf_a| + 2048 < 2^28 (then `as i16` where libvmaf does).
// - Scales 1..3, i64 on the CPU: rf (Q32, < 2^32) × x (i32) is below 2^63 in
//   magnitude, an exact pair (`mul_u32_i32_wide`); + 2^27, >> 28 and `as i32` are the
//   pair's arithmetic shift and low word. 143165577·|csf_a| < 2^59 (`mul_u32_wide`);
//   the rounding add is −2^31 (`ADM_S123_FLT_ADD`), and `>> 32` of the i64 is its high
//   word as i32.

// `AdmParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: AdmParams;
@group(0) @binding(1) var<storage, read> ref_bands: array<i32>;
@group(0) @binding(2) var<storage, read> dis_bands: array<i32>;
@group(0) @binding(3) var<storage, read_write> r_out: array<i32>;
@group(0) @binding(4) var<storage, read_write> a_out: array<i32>;
@group(0) @binding(5) var<storage, read_write> csf: array<i32>;

// Band b's (csf_a, csf_f) of x.
fn csf_weight(b: u32, x: i32) -> vec2<i32> {
    if (params.scale == 0u) {
        let v = trunc_i16((adm_s0_rf(params, b) * x + ADM_S0_CSF_ADD[b]) >> ADM_S0_CSF_SHIFT[b]);
        return vec2<i32>(v, trunc_i16((ADM_S0_ONE_BY_30 * abs(v) + 2048) >> 12u));
    }
    let minus_2_31 = neg_i64(vec2<u32>(ADM_S123_FLT_SUB, 0u));
    let v = i32(shr_i64(add_u64(mul_u32_i32_wide(adm_rf32(params, b), x), vec2<u32>(1u << 27u, 0u)), 28u).x);
    return vec2<i32>(v, i32(add_u64(mul_u32_wide(ADM_S123_ONE_BY_30, u32(abs(v))), minus_2_31).y));
}

// ---- the 1° angle test with integers only (CPU twin: `features::wide`) ----
// libvmaf: dp ≥ 0 && dp² ≥ c·(|o|²/4096)·(|t|²/4096), dp = ot_dp/4096, every i64
// converted to f32 first, c = cos²(1°) as f32, the rest in double. f32(x) of an i64
// is ±RNE24(|x|); c·f32(O) is a 48-bit product, exact in double; times f32(T) it is a
// 72-bit product that double rounds once (RNE to 53 bits); f32(dp)² is exact (48 bits).
// The divisions by 4096 scale both sides by 2^-24 and change nothing. So: round the
// three magnitudes to 24 bits, multiply the significands exactly in 96 bits, round
// that to 53 bits, and compare the two sides as (significand, exponent).

fn abs_i64(a: vec2<u32>) -> vec2<u32> {
    if (i64_is_neg(a)) {
        return neg_i64(a);
    }
    return a;
}

fn bitlen_u96(v: vec3<u32>) -> u32 {
    if (v.z != 0u) {
        return 96u - countLeadingZeros(v.z);
    }
    if (v.y != 0u) {
        return 64u - countLeadingZeros(v.y);
    }
    return 32u - countLeadingZeros(v.x);
}

// v >> s for s < 96.
fn shr_u96(v: vec3<u32>, s: u32) -> vec3<u32> {
    var w = v;
    var r = s;
    if (r >= 64u) {
        w = vec3<u32>(w.z, 0u, 0u);
        r -= 64u;
    } else if (r >= 32u) {
        w = vec3<u32>(w.y, w.z, 0u);
        r -= 32u;
    }
    if (r == 0u) {
        return w;
    }
    return vec3<u32>((w.x >> r) | (w.y << (32u - r)), (w.y >> r) | (w.z << (32u - r)), w.z >> r);
}

fn mask_below(k: u32) -> u32 {
    if (k >= 32u) {
        return 0xffffffffu;
    }
    return (1u << k) - 1u;
}

// Whether any of the n lowest bits of v is set.
fn low_bits_set_u96(v: vec3<u32>, n: u32) -> bool {
    let m0 = mask_below(n);
    let m1 = mask_below(max(n, 32u) - 32u);
    let m2 = mask_below(max(n, 64u) - 64u);
    return ((v.x & m0) | (v.y & m1) | (v.z & m2)) != 0u;
}

// v rounded to nearest, ties to even, to `bits` ≤ 53 significant bits: m·2^e, m < 2^bits.
struct Rounded {
    m: vec2<u32>,
    e: i32,
}

fn round_to_bits(v: vec3<u32>, bits: u32) -> Rounded {
    let len = bitlen_u96(v);
    if (len <= bits) {
        return Rounded(v.xy, 0);
    }
    var d = len - bits;
    var m = shr_u96(v, d).xy;
    let half = (shr_u96(v, d - 1u).x & 1u) != 0u;
    let sticky = low_bits_set_u96(v, d - 1u);
    if (half && (sticky || (m.x & 1u) != 0u)) {
        m = add_u64(m, vec2<u32>(1u, 0u));
        if (bitlen_u64(m) > bits) {
            m = shr_u64(m, 1u);
            d += 1u;
        }
    }
    return Rounded(m, i32(d));
}

// a·2^ea ≥ b·2^eb for non-zero a, b.
fn ge_scaled(a: vec2<u32>, ea: i32, b: vec2<u32>, eb: i32) -> bool {
    let la = bitlen_u64(a);
    let lb = bitlen_u64(b);
    let ta = i32(la) + ea;
    let tb = i32(lb) + eb;
    if (ta != tb) {
        return ta > tb;
    }
    if (la > lb) {
        return !lt_u64(a, shl_u64(b, la - lb));
    }
    return !lt_u64(shl_u64(a, lb - la), b);
}

fn adm_angle_flag(ot_dp: vec2<u32>, o_mag_sq: vec2<u32>, t_mag_sq: vec2<u32>) -> bool {
    if (i64_is_neg(ot_dp)) {
        return false;
    }
    let o_zero = all(o_mag_sq == vec2<u32>(0u, 0u));
    let t_zero = all(t_mag_sq == vec2<u32>(0u, 0u));
    // The right-hand side is ≤ 0 (magnitudes that wrapped negative included): any
    // dp ≥ 0 passes.
    if (o_zero || t_zero || i64_is_neg(o_mag_sq) != i64_is_neg(t_mag_sq)) {
        return true;
    }
    if (all(ot_dp == vec2<u32>(0u, 0u))) {
        return false;
    }
    let d = round_to_bits(vec3<u32>(ot_dp, 0u), 24u);
    let o = round_to_bits(vec3<u32>(abs_i64(o_mag_sq), 0u), 24u);
    let t = round_to_bits(vec3<u32>(abs_i64(t_mag_sq), 0u), 24u);
    let lhs = mul_u32_wide(d.m.x, d.m.x);
    let ot = mul_u32_wide(o.m.x, t.m.x);
    let lo = mul_u32_wide(ot.x, ADM_COS_SQ_MANT);
    let hi = mul_u32_wide(ot.y, ADM_COS_SQ_MANT);
    let mid = lo.y + hi.x;
    let p = vec3<u32>(lo.x, mid, hi.y + select(0u, 1u, mid < lo.y));
    let r = round_to_bits(p, 53u);
    return ge_scaled(lhs, 2 * d.e, r.m, r.e + o.e + t.e + ADM_COS_SQ_EXP);
}

// ---- the pass ----

// ADM_DIV_LOOKUP[index]: ±floor(2^30 / |index − 32768|), 0 at 32768.
fn adm_div_lookup(index: i32) -> i32 {
    let o = index - 32768;
    if (o == 0) {
        return 0;
    }
    let q = i32((1u << 30u) / u32(abs(o)));
    return select(q, -q, o < 0);
}

// An i64 k clamped to [0, 32768].
fn clamp_k(v: vec2<u32>) -> i32 {
    if (i64_is_neg(v)) {
        return 0;
    }
    if (v.y != 0u || v.x > 32768u) {
        return 32768;
    }
    return i32(v.x);
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = params.filt_left + gid.x;
    let i = params.filt_top + gid.y;
    if (j >= params.filt_right || i >= params.filt_bottom) {
        return;
    }
    let w = params.width;
    let n = w * params.height;
    let idx = i * w + j;
    var o: array<i32, 3>;
    var t: array<i32, 3>;
    for (var b = 0u; b < 3u; b++) {
        o[b] = ref_bands[(b + 1u) * n + idx];
        t[b] = dis_bands[(b + 1u) * n + idx];
    }
    let ot_dp = add_u64(mul_i32_wide(o[0], t[0]), mul_i32_wide(o[1], t[1]));
    let o_mag_sq = add_u64(mul_i32_wide(o[0], o[0]), mul_i32_wide(o[1], o[1]));
    let t_mag_sq = add_u64(mul_i32_wide(t[0], t[0]), mul_i32_wide(t[1], t[1]));
    let angle_flag = adm_angle_flag(ot_dp, o_mag_sq, t_mag_sq);
    let s0 = params.scale == 0u;
    let round15 = vec2<u32>(16384u, 0u);
    for (var b = 0u; b < 3u; b++) {
        let ob = o[b];
        let tb = t[b];
        var k: i32;
        if (ob == 0) {
            k = 32768;
        } else if (s0) {
            k = clamp_k(shr_i64(add_u64(mul_i32_wide(adm_div_lookup(ob + 32768), tb), round15), 15u));
        } else {
            let abs_o = u32(abs(ob));
            var msb = abs_o;
            var sh = 0u;
            if (abs_o >= 32768u) {
                sh = 17u - countLeadingZeros(abs_o);
                msb = (abs_o + (1u << (sh - 1u))) >> sh;
            }
            var p = mul_i32_wide(adm_div_lookup(i32(min(msb + 32768u, 65536u))), tb);
            if (ob < 0) {
                p = neg_i64(p);
            }
            k = clamp_k(shr_i64(add_u64(p, vec2<u32>(1u << (14u + sh), 0u)), 15u + sh));
        }
        var rst: i32;
        if (s0) {
            rst = trunc_i16((k * ob + 16384) >> 15u);
        } else {
            rst = i32(shr_i64(add_u64(mul_i32_wide(k, ob), round15), 15u).x);
        }
        if (angle_flag && k > 0 && ob != 0) {
            let scaled = mul_i32_wide(rst, params.gain_limit);
            let tw = i64_from_i32(tb);
            var take_scaled: bool;
            if (ob > 0) {
                take_scaled = lt_i64(scaled, tw);
            } else {
                take_scaled = lt_i64(tw, scaled);
            }
            rst = select(tb, i32(scaled.x), take_scaled);
        }
        var add = tb - rst;
        if (s0) {
            add = trunc_i16(add);
        }
        r_out[b * n + idx] = rst;
        a_out[b * n + idx] = add;
        let ca = csf_weight(b, add);
        let cr = csf_weight(b, rst);
        csf[b * n + idx] = ca.x;
        csf[(3u + b) * n + idx] = ca.y;
        csf[(6u + b) * n + idx] = cr.x;
        csf[(9u + b) * n + idx] = cr.y;
    }
}
