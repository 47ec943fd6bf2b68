// VIF pass 2, per scale: the per-pixel statistic of one row of σ1², σ2², σ12 (as
// `vif_filter` wrote them), summed over the row and added into the scale's totals
// (8 words at `8 · scale` of `result`: num_log, den_log, num_nonlog, count as (lo,
// hi) pairs; with `row_records` 1, row y's into its own 8 words at `8 · (scale + y)`
// instead: `vif_stats_rows`, which tests the statistic row by row). For `gains` = 2
// the same for a second gain limit (the NEG set's), 32 words further: only the
// clamped g² and what follows from it are computed twice.
// CPU twin: `features::vif::vif_stats`, whose f64 arithmetic (`vif_gain_terms`) is
// done here in soft binary64 on u32 words: the `w64_*` / `f64_*` functions below are
// the twins, function for function, of `features::softf64` (proven bit-identical to
// native f64 in its unit tests; see that module for the method and the domain).
// `VIF_SIGMA_NSQ`, `VIF_EPS_BITS`, `WG_SIZE` come from the generated prelude.
//
// Workgroup: WG_SIZE (64) x 1, one workgroup per row, grid (h, 1): each invocation
// strides along the row, one tree reduction per sum gives the row's sums, and
// invocation 0 adds them into the totals with two 32-bit atomics each (a 64-bit
// atomic add does not exist in core WGSL): the lo word's add returns the old value,
// whose wrap gives the carry into the hi word, right whatever the order of rows, so
// the totals are the sums modulo 2^64 (`VifPlan::encode` clears them first).
//
// Exactness of the integer parts:
// - den_log: per pixel log2_q11(2^17 + σ1²) − 17·2048 with 2^18 <= 2^17 + σ1² < 2^32
//   (σ1² < 2^31): between 2048 and 15·2048. num_log: log2_q11 is monotone, so
//   log2_q11(numer1_tmp) − log2_q11(numer1) >= 0, and < 48·2048. num_nonlog: σ2² in
//   [0, 2^31). All terms are non-negative and are summed as (lo, hi) pairs with carry
//   (`add_u64`), exact below 2^64 (a frame of 2^32 pixels sums to < 2^63); count <=
//   the row width, a u32 per row, a pair in the totals.
// - numer1 = sv_sq + 2^17 < 2^31 + 2^17 (u32); numer1_tmp = trunc(g²·σ1²) + numer1 is
//   the CPU's wrapping i64 addition, here mod 2^64 on the pair.
// - the log2 table (65536 u16, packed in pairs) is read at index v >> k < 2^16.

// `VifParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: VifParams;
@group(0) @binding(1) var<storage, read> sigma: array<i32>;
@group(0) @binding(2) var<storage, read> log2_table: array<u32>;
@group(0) @binding(3) var<storage, read_write> result: array<atomic<u32>>;

fn atomic_add_u64(i: u32, v: vec2<u32>) {
    let old = atomicAdd(&result[i], v.x);
    let carry = select(0u, 1u, old + v.x < old);
    atomicAdd(&result[i + 1u], v.y + carry);
}

// ---- 64-bit words (x = low, y = high) ----
// `add_u64`, `sub_u64`, `lt_u64`, `shl_u64`, `shr_u64`, `mul_u32_wide` are in
// shaders/common.wgsl (twins: `features::wide`); the three below only the soft
// double needs (twins: `features::softf64::w64_*`).

fn w64_is_zero(a: vec2<u32>) -> bool {
    return (a.x | a.y) == 0u;
}

fn w64_shr_jam(a: vec2<u32>, n: u32) -> vec2<u32> {
    var r = shr_u64(a, n);
    var lost = a;
    if (n < 64u) {
        lost = sub_u64(a, shl_u64(r, n));
    }
    if (!w64_is_zero(lost)) {
        r.x |= 1u;
    }
    return r;
}

fn w64_clz(a: vec2<u32>) -> u32 {
    if (a.y != 0u) {
        return countLeadingZeros(a.y);
    }
    return 32u + countLeadingZeros(a.x);
}

// ---- binary64 as (low, high) bit words: twins of `features::softf64::f64_*` ----

const EXP_INF: u32 = 0x7ffu;
const HI_INF: u32 = 0x7ff00000u;
const HI_2POW53: u32 = 0x00200000u;

fn f64_exp(a: vec2<u32>) -> u32 {
    return (a.y >> 20u) & 0x7ffu;
}

fn f64_sign(a: vec2<u32>) -> u32 {
    return a.y >> 31u;
}

fn f64_sig(a: vec2<u32>) -> vec2<u32> {
    return vec2<u32>(a.x, (a.y & 0x000fffffu) | 0x00100000u);
}

fn f64_signed_zero(sign: u32) -> vec2<u32> {
    return vec2<u32>(0u, sign << 31u);
}

fn f64_signed_inf(sign: u32) -> vec2<u32> {
    return vec2<u32>(0u, (sign << 31u) | HI_INF);
}

// `sig · 2^(e - 62)` rounded to nearest-even (leading one at bit 62, sticky bit 0).
fn round_pack(sign: u32, e_in: i32, sig: vec2<u32>) -> vec2<u32> {
    let round_bits = sig.x & 0x3ffu;
    var m = shr_u64(sig, 10u);
    var e = e_in;
    if (round_bits > 0x200u || (round_bits == 0x200u && (m.x & 1u) == 1u)) {
        m = add_u64(m, vec2<u32>(1u, 0u));
        if (m.y == HI_2POW53) {
            m = shr_u64(m, 1u);
            e += 1;
        }
    }
    let biased = e + 1023;
    if (biased >= i32(EXP_INF)) {
        return f64_signed_inf(sign);
    }
    if (biased <= 0) {
        return f64_signed_zero(sign);
    }
    return vec2<u32>(m.x, (sign << 31u) | (u32(biased) << 20u) | (m.y & 0x000fffffu));
}

fn f64_from_u32(n: u32) -> vec2<u32> {
    if (n == 0u) {
        return vec2<u32>(0u, 0u);
    }
    let e = 31u - countLeadingZeros(n);
    return round_pack(0u, i32(e), shl_u64(vec2<u32>(n, 0u), 62u - e));
}

// a + b for non-negative a, b.
fn f64_add(a_in: vec2<u32>, b_in: vec2<u32>) -> vec2<u32> {
    var a = a_in;
    var b = b_in;
    if (f64_exp(a) < f64_exp(b)) {
        a = b_in;
        b = a_in;
    }
    let ea = f64_exp(a);
    let eb = f64_exp(b);
    if (eb == 0u) {
        return a;
    }
    let sa = shl_u64(f64_sig(a), 9u);
    let sb = w64_shr_jam(shl_u64(f64_sig(b), 9u), ea - eb);
    let s = add_u64(sa, sb);
    let e = i32(ea) - 1023;
    if ((s.y & 0x40000000u) != 0u) {
        return round_pack(0u, e + 1, s);
    }
    return round_pack(0u, e, shl_u64(s, 1u));
}

// a - b for non-negative a, b.
fn f64_sub(a_in: vec2<u32>, b_in: vec2<u32>) -> vec2<u32> {
    if (all(a_in == b_in)) {
        return vec2<u32>(0u, 0u);
    }
    var a = a_in;
    var b = b_in;
    var sign = 0u;
    if (lt_u64(a_in, b_in)) {
        a = b_in;
        b = a_in;
        sign = 1u;
    }
    let ea = f64_exp(a);
    let eb = f64_exp(b);
    if (eb == 0u) {
        return vec2<u32>(a.x, a.y | (sign << 31u));
    }
    let sa = shl_u64(f64_sig(a), 9u);
    let sb = w64_shr_jam(shl_u64(f64_sig(b), 9u), ea - eb);
    let d = sub_u64(sa, sb);
    let shift = w64_clz(d) - 1u;
    return round_pack(sign, i32(ea) - 1023 + 1 - i32(shift), shl_u64(d, shift));
}

fn f64_mul(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let sign = f64_sign(a) ^ f64_sign(b);
    let ea = f64_exp(a);
    let eb = f64_exp(b);
    if (ea == EXP_INF || eb == EXP_INF) {
        return f64_signed_inf(sign);
    }
    if (ea == 0u || eb == 0u) {
        return f64_signed_zero(sign);
    }
    let ma = f64_sig(a);
    let mb = f64_sig(b);
    let ll = mul_u32_wide(ma.x, mb.x);
    let mid = add_u64(mul_u32_wide(ma.x, mb.y), mul_u32_wide(ma.y, mb.x));
    let hh = mul_u32_wide(ma.y, mb.y);
    let lo = add_u64(ll, vec2<u32>(0u, mid.x));
    let carry = select(0u, 1u, lt_u64(lo, ll));
    let hi = add_u64(hh, vec2<u32>(mid.y + carry, 0u));
    var e = (i32(ea) - 1023) + (i32(eb) - 1023);
    var shift = 42u;
    if ((hi.y & 0x200u) != 0u) {
        shift = 43u;
        e += 1;
    }
    var sig = shl_u64(hi, 64u - shift);
    sig.x |= lo.y >> (shift - 32u);
    if (lo.x != 0u || (lo.y & ((1u << (shift - 32u)) - 1u)) != 0u) {
        sig.x |= 1u;
    }
    return round_pack(sign, e, sig);
}

const DIV_DIGIT_BITS: u32 = 18u;

fn div_digit_recip(mb: vec2<u32>) -> f32 {
    let bt = (mb.y << 3u) | (mb.x >> 29u);
    return 262144.0 / f32(bt);
}

// One base-2^18 digit of the long division and the next remainder; why an f32
// estimate gives the exact digit is argued at the Rust twin (`softf64::div_digit`).
struct DivDigit {
    d: u32,
    next: vec2<u32>,
}

fn div_digit(r: vec2<u32>, mb: vec2<u32>, recip: f32) -> DivDigit {
    let rt = (r.y << 3u) | (r.x >> 29u);
    var d = u32(max(f32(rt) * recip - 0.5, 0.0));
    let d_mb = add_u64(mul_u32_wide(d, mb.x), vec2<u32>(0u, d * mb.y));
    var next = sub_u64(shl_u64(r, DIV_DIGIT_BITS), d_mb);
    if (!lt_u64(next, mb)) {
        next = sub_u64(next, mb);
        d += 1u;
    }
    return DivDigit(d, next);
}

fn f64_div(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let sign = f64_sign(a) ^ f64_sign(b);
    let ea = f64_exp(a);
    let eb = f64_exp(b);
    if (ea == 0u) {
        return f64_signed_zero(sign);
    }
    var ma = f64_sig(a);
    let mb = f64_sig(b);
    var e = i32(ea) - i32(eb);
    if (lt_u64(ma, mb)) {
        ma = shl_u64(ma, 1u);
        e -= 1;
    }
    var r = sub_u64(ma, mb);
    var q = vec2<u32>(1u, 0u);
    let recip = div_digit_recip(mb);
    for (var i = 0u; i < 3u; i++) {
        let step = div_digit(r, mb, recip);
        q = add_u64(shl_u64(q, DIV_DIGIT_BITS), vec2<u32>(step.d, 0u));
        r = step.next;
    }
    var sig = shl_u64(q, 8u);
    if (!w64_is_zero(r)) {
        sig.x |= 1u;
    }
    return round_pack(sign, e, sig);
}

fn f64_ge_pos(a: vec2<u32>, b: vec2<u32>) -> bool {
    return !lt_u64(a, b);
}

fn f64_is_nan(a: vec2<u32>) -> bool {
    return f64_exp(a) == EXP_INF && (a.x != 0u || (a.y & 0x000fffffu) != 0u);
}

fn f64_trunc_i32(a: vec2<u32>) -> i32 {
    let exp = f64_exp(a);
    let sign = f64_sign(a);
    if (f64_is_nan(a) || exp < 1023u) {
        return 0i;
    }
    let e = exp - 1023u;
    if (e >= 31u) {
        return select(2147483647i, i32(0x80000000u), sign == 1u);
    }
    let m = i32(shr_u64(f64_sig(a), 52u - e).x);
    return select(m, -m, sign == 1u);
}

fn f64_trunc_i64(a: vec2<u32>) -> vec2<u32> {
    let exp = f64_exp(a);
    let sign = f64_sign(a);
    if (f64_is_nan(a) || exp < 1023u) {
        return vec2<u32>(0u, 0u);
    }
    let e = exp - 1023u;
    if (e >= 63u) {
        return select(vec2<u32>(0xffffffffu, 0x7fffffffu), vec2<u32>(0u, 0x80000000u), sign == 1u);
    }
    var m: vec2<u32>;
    if (e >= 52u) {
        m = shl_u64(f64_sig(a), e - 52u);
    } else {
        m = shr_u64(f64_sig(a), 52u - e);
    }
    return select(m, sub_u64(vec2<u32>(0u, 0u), m), sign == 1u);
}

// ---- the statistic ----

const GAIN_ALWAYS: u32 = 1u;
const GAIN_COMPARE: u32 = 2u;

// Twin of `features::softf64::vif_gain_terms`: `vif_gain` (what every gain limit
// shares), then `vif_gg_sigma1` per limit.

// For one pixel: σ1² and g as binary64, and sv_sq.
struct Gain {
    s1: vec2<u32>,
    g: vec2<u32>,
    sv_sq: i32,
}

fn vif_gain(sigma1_sq: i32, sigma2_sq: i32, sigma12: i32) -> Gain {
    let s1 = f64_from_u32(u32(sigma1_sq));
    let s12 = f64_from_u32(u32(sigma12));
    let g = f64_div(s12, f64_add(s1, VIF_EPS_BITS));
    let sv_sq = max(f64_trunc_i32(f64_sub(f64_from_u32(u32(sigma2_sq)), f64_mul(g, s12))), 0i);
    return Gain(s1, g, sv_sq);
}

// trunc(g·g·σ1²) as i64 words, g clamped to the limit given by (mode, limit, limit²).
fn vif_gg_sigma1(t: Gain, mode: u32, limit: vec2<u32>, limit_sq: vec2<u32>) -> vec2<u32> {
    let clamped = mode == GAIN_ALWAYS || (mode == GAIN_COMPARE && f64_ge_pos(t.g, limit));
    var g_sq: vec2<u32>;
    if (clamped) {
        g_sq = limit_sq;
    } else {
        g_sq = f64_mul(t.g, t.g);
    }
    return f64_trunc_i64(f64_mul(g_sq, t.s1));
}

// num_log's term of one pixel for a given trunc(g·g·σ1²).
fn num_log_term(sv_sq: i32, gg_sigma1: vec2<u32>) -> i32 {
    let numer1 = u32(sv_sq) + u32(VIF_SIGMA_NSQ);
    let numer1_tmp = add_u64(gg_sigma1, vec2<u32>(numer1, 0u));
    return log2_q11(numer1_tmp) - log2_q11(vec2<u32>(numer1, 0u));
}

fn log2_entry(i: u32) -> i32 {
    return unpack_u16(log2_table[i >> 1u], i);
}

// CPU twin: `features::tables::log2_q11_u64` (and `log2_q11_u32` for v < 2^32).
fn log2_q11(v: vec2<u32>) -> i32 {
    let k = max(48i - i32(w64_clz(v)), 0i);
    let idx = shr_u64(v, u32(k)).x & 0xffffu;
    return log2_entry(idx) + 2048i * k;
}

// An i32 as two's-complement i64 words (the terms are non-negative, see the top; the
// sign extension keeps the sums exact even if they were not).
fn widen_i32(v: i32) -> vec2<u32> {
    return vec2<u32>(u32(v), select(0u, 0xffffffffu, v < 0i));
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    // `y` is uniform across the workgroup, so every invocation reaches the barriers.
    let y = wid.x;
    let w = params.width;
    var num_log = vec2<u32>(0u, 0u);
    var num_log2 = vec2<u32>(0u, 0u);
    var den_log = vec2<u32>(0u, 0u);
    var num_nonlog = vec2<u32>(0u, 0u);
    var count = 0u;
    for (var x = lid; x < w; x += WG_SIZE) {
        let o = 3u * (y * w + x);
        let sigma1_sq = sigma[o];
        let sigma2_sq = sigma[o + 1u];
        let sigma12 = sigma[o + 2u];
        if (sigma1_sq >= VIF_SIGMA_NSQ) {
            let d = log2_q11(vec2<u32>(u32(VIF_SIGMA_NSQ) + u32(sigma1_sq), 0u)) - 2048i * 17i;
            den_log = add_u64(den_log, widen_i32(d));
            if (sigma12 > 0i && sigma2_sq > 0i) {
                let t = vif_gain(sigma1_sq, sigma2_sq, sigma12);
                let limit = vec2<u32>(params.gain_lo, params.gain_hi);
                let limit_sq = vec2<u32>(params.gain_sq_lo, params.gain_sq_hi);
                let l = num_log_term(t.sv_sq, vif_gg_sigma1(t, params.gain_mode, limit, limit_sq));
                num_log = add_u64(num_log, widen_i32(l));
                if (params.gains == 2u) {
                    let limit2 = vec2<u32>(params.gain2_lo, params.gain2_hi);
                    let limit2_sq = vec2<u32>(params.gain2_sq_lo, params.gain2_sq_hi);
                    let l2 = num_log_term(t.sv_sq, vif_gg_sigma1(t, params.gain2_mode, limit2, limit2_sq));
                    num_log2 = add_u64(num_log2, widen_i32(l2));
                }
            }
        } else {
            num_nonlog = add_u64(num_nonlog, vec2<u32>(u32(sigma2_sq), 0u));
            count += 1u;
        }
    }
    // Each sum returns from shared memory: barriers between them keep invocation 0
    // from overwriting the slot the others are still reading.
    let total_num_log = workgroup_sum_u64(lid, num_log);
    workgroupBarrier();
    let total_den_log = workgroup_sum_u64(lid, den_log);
    workgroupBarrier();
    let total_num_nonlog = workgroup_sum_u64(lid, num_nonlog);
    workgroupBarrier();
    let total_count = workgroup_sum_u32(lid, count);
    // `gains` is uniform: every invocation or none reaches this sum's barriers.
    var total_num_log2 = vec2<u32>(0u, 0u);
    if (params.gains == 2u) {
        workgroupBarrier();
        total_num_log2 = workgroup_sum_u64(lid, num_log2);
    }
    if (lid == 0u) {
        let p = 8u * (params.scale + params.row_records * y);
        atomic_add_u64(p, total_num_log);
        atomic_add_u64(p + 2u, total_den_log);
        atomic_add_u64(p + 4u, total_num_nonlog);
        atomic_add_u64(p + 6u, vec2<u32>(total_count, 0u));
        if (params.gains == 2u) {
            // The second limit's record: its own num_log, the shared sums again.
            atomic_add_u64(p + 32u, total_num_log2);
            atomic_add_u64(p + 34u, total_den_log);
            atomic_add_u64(p + 36u, total_num_nonlog);
            atomic_add_u64(p + 38u, vec2<u32>(total_count, 0u));
        }
    }
}
