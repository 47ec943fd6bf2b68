// Helpers shared by every pass. Prepended (after the generated constants) to each
// pass by `features::prelude::wgsl_prelude`; it holds no bindings and no entry point.

// Whole-sample reflection ("reflect-101"): -k -> k, n-1+k -> n-1-k, clamped into
// range for degenerate sizes. CPU twin: `features::tables::reflect101`.
fn reflect101(idx: i32, n: i32) -> i32 {
    var i = idx;
    if (i < 0) {
        i = -i;
    }
    if (i >= n) {
        i = 2 * n - 2 - i;
    }
    return clamp(i, 0, max(n - 1, 0));
}

// Sample `i` of a plane uploaded as packed u16 pairs (sample 2k in the low half of
// word k: the bytes of a little-endian `[u16]`).
fn unpack_u16(word: u32, i: u32) -> i32 {
    return i32((word >> ((i & 1u) * 16u)) & 0xffffu);
}

// Sample `i` of an input plane packed 2^lg samples to a word (`gpu::buffers::Packing`:
// lg 2 for bytes, 1 for u16 halves), from `word`, its word `i >> lg`. CPU twin:
// `features::twin::samples`.
fn unpack_sample(word: u32, i: u32, lg: u32) -> i32 {
    let bits = 32u >> lg;
    let slot = i & ((1u << lg) - 1u);
    return i32((word >> (slot * bits)) & ((1u << bits) - 1u));
}

// Workgroup reductions. `WG_SIZE` (a power of two) comes from the generated prelude.
// Both are called from uniform control flow by every invocation of the workgroup.
var<workgroup> wg_lo: array<u32, WG_SIZE>;
var<workgroup> wg_hi: array<u32, WG_SIZE>;

// Sum modulo 2^32. u32 addition wraps in WGSL exactly like `wrapping_add` on the
// CPU, and modular addition is associative and commutative, so the shape of this
// tree cannot change the result.
fn workgroup_sum_u32(lid: u32, v: u32) -> u32 {
    wg_lo[lid] = v;
    workgroupBarrier();
    for (var stride = WG_SIZE / 2u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) {
            wg_lo[lid] = wg_lo[lid] + wg_lo[lid + stride];
        }
        workgroupBarrier();
    }
    return wg_lo[0];
}

// Sum of (lo, hi) pairs modulo 2^64 (see `workgroup_sum_u32`).
fn workgroup_sum_u64(lid: u32, v: vec2<u32>) -> vec2<u32> {
    wg_lo[lid] = v.x;
    wg_hi[lid] = v.y;
    workgroupBarrier();
    for (var stride = WG_SIZE / 2u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) {
            let s = add_u64(vec2<u32>(wg_lo[lid], wg_hi[lid]), vec2<u32>(wg_lo[lid + stride], wg_hi[lid + stride]));
            wg_lo[lid] = s.x;
            wg_hi[lid] = s.y;
        }
        workgroupBarrier();
    }
    return vec2<u32>(wg_lo[0], wg_hi[0]);
}

// ---- 64-bit integers as (lo, hi) u32 pairs --------------------------------------
// A vec2<u32> (x = low word, y = high word) holds the two's-complement bits of an
// i64 or a u64. The arithmetic on them (`add_u64`, `mul_u32_wide`, shifts,
// comparisons, ...) is in shaders/w64_pairs.wgsl or shaders/w64_native.wgsl, one of
// which the prelude appends (same functions, same results). CPU twins,
// property-tested against native i64/u64 arithmetic: `features::wide`.

// The i64 value of an i32 (sign extension).
fn i64_from_i32(a: i32) -> vec2<u32> {
    return vec2<u32>(u32(a), select(0u, 0xffffffffu, a < 0));
}

fn i64_is_neg(a: vec2<u32>) -> bool {
    return (a.y >> 31u) != 0u;
}

// Number of significant bits (0 for 0).
fn bitlen_u64(a: vec2<u32>) -> u32 {
    if (a.y != 0u) {
        return 64u - countLeadingZeros(a.y);
    }
    return 32u - countLeadingZeros(a.x);
}

// ---- ADM ------------------------------------------------------------------------

// ADM's DWT index rule: -1 -> 1, n + k -> n - 1 - k ("reflect-dup" at the far edge),
// clamped into range for degenerate sizes. CPU twin: `features::tables::adm_dwt_mirror`.
fn adm_dwt_mirror(idx: i32, n: i32) -> i32 {
    var i = idx;
    if (i < 0) {
        i = -i;
    }
    if (i >= n) {
        i = 2 * n - 1 - i;
    }
    return clamp(i, 0, max(n - 1, 0));
}

// `v as i16 as i32`: keep the low 16 bits, sign-extended.
fn trunc_i16(v: i32) -> i32 {
    return (v << 16u) >> 16u;
}

// The rounding add of a right shift by s: 2^(s-1), 0 for s = 0 (s ≤ 32).
fn half_round_u32(s: u32) -> u32 {
    if (s == 0u) {
        return 0u;
    }
    return 1u << (s - 1u);
}

// The params structs of the pass families, each the twin of a `#[repr(C)]` struct in
// src/features/<name>/gpu.rs (`tests/gpu_shaders.rs` checks sizes and offsets). Declared once here,
// where every pass sees them.

struct MotionParams {
    width: u32,
    height: u32,
    prev_stride: u32,
    cur_stride: u32,
    shift: u32,
    packing: u32,
    _pad1: u32,
    _pad2: u32,
}

struct VifParams {
    width: u32,
    height: u32,
    stride: u32,
    scale: u32,
    taps_offset: u32,
    taps_len: u32,
    shift_mu: u32,
    shift_sq: u32,
    narrow: u32,
    row_records: u32,
    out_width: u32,
    out_height: u32,
    out_stride: u32,
    down_taps_offset: u32,
    down_taps_len: u32,
    down_shift: u32,
    gain_mode: u32,
    gain_lo: u32,
    gain_hi: u32,
    gain_sq_lo: u32,
    gain_sq_hi: u32,
    packing: u32,
    gains: u32,
    gain2_mode: u32,
    gain2_lo: u32,
    gain2_hi: u32,
    gain2_sq_lo: u32,
    gain2_sq_hi: u32,
    // The taps of scales 0..3 back to back, four to a row (`VifParams::taps`).
    taps: array<vec4<u32>, 9>,
}

// What one row (vertical pass) or column (horizontal pass) adds to a VIF pixel's five
// sums, before the tap: two 16-bit values (x, y; or mu1, mu2) and the 16-bit halves
// of three more (x², y², x·y; or their vertical sums), each summed separately.
struct VifTerms {
    xy: vec2<u32>,
    hi: vec3<u32>,
    lo: vec3<u32>,
}

// c · t, part by part: the centre tap's share.
fn vif_scaled(c: u32, t: VifTerms) -> VifTerms {
    return VifTerms(c * t.xy, c * t.hi, c * t.lo);
}

// acc += c · (a + b): two rows (columns) that share tap c (the taps are symmetric),
// added before the one multiply.
fn vif_add_pair(acc: ptr<function, VifTerms>, c: u32, a: VifTerms, b: VifTerms) {
    (*acc).xy += c * (a.xy + b.xy);
    (*acc).hi += c * (a.hi + b.hi);
    (*acc).lo += c * (a.lo + b.lo);
}

struct AdmParams {
    width: u32,
    height: u32,
    src_width: u32,
    src_height: u32,
    src_stride: u32,
    src_packing: u32,
    scale: u32,
    dwt_v_add: u32,
    dwt_v_shift: u32,
    dwt_h_add: u32,
    dwt_h_shift: u32,
    filt_top: u32,
    filt_bottom: u32,
    filt_left: u32,
    filt_right: u32,
    score_top: u32,
    score_bottom: u32,
    score_left: u32,
    score_right: u32,
    gain_limit: i32,
    rf_h: u32,
    rf_v: u32,
    rf_d: u32,
    den_sq: u32,
    den_cub: u32,
    den_row: u32,
    cm_cub_hv: u32,
    cm_cub_d: u32,
    cm_row: u32,
    result_offset: u32,
    s0_rf_h: i32,
    s0_rf_v: i32,
    s0_rf_d: i32,
    aim_offset: u32,
    _pad1: u32,
    _pad2: u32,
}

// Scales 1..3: band b's CSF factor in Q32.
fn adm_rf32(p: AdmParams, b: u32) -> u32 {
    return select(select(p.rf_h, p.rf_v, b == 1u), p.rf_d, b == 2u);
}

// Scale 0: band b's integer CSF factor (`features::adm::AdmConfig::s0`).
fn adm_s0_rf(p: AdmParams, b: u32) -> i32 {
    return select(select(p.s0_rf_h, p.s0_rf_v, b == 1u), p.s0_rf_d, b == 2u);
}
