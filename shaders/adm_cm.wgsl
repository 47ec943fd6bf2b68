// ADM pass 5b: contrast-masking numerator sums. Per restored band (h, v, d) and row
// of the score region: x = r·rfactor, x = max(|x| − thr, 0), Σ rnd(rnd(x², s2)·x, s3),
// the row rounded by `cm_row` bits, added into the band's i64 total of this scale in
// `totals`. CPU twin: `features::adm::adm_cm` (the host then runs `adm_cm_finish` on
// the same totals). One workgroup per (row, band), as in adm_csf_den.
//
// Exactness:
// - x: scale 0 in i32 with wrap-around as on the CPU (`wrapping_mul`, `wrapping_abs`,
//   `wrapping_shl`, `wrapping_sub`); scales 1..3 rf (Q32) × r is an exact pair below
//   2^63, `>> 28` its arithmetic shift, `as i32` its low word. Then 0 ≤ x < 2^31.
// - x² < 2^62 (`mul_u32_wide`), rounded and shifted as a pair; `as i32` = low word.
// - xsq·x: i32 × i32, an exact pair (`mul_i32_wide`); + rounding, arithmetic shift.
// - Row and total: pair additions modulo 2^64, i.e. the CPU's i64 `wrapping_add`
//   (order-free); the row's `(inner + add) >> s` is a pair add and arithmetic shift.
// - Totals: 64-bit add from two 32-bit atomics (see adm_csf_den).

// `AdmParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: AdmParams;
@group(0) @binding(1) var<storage, read> r_in: array<i32>;
@group(0) @binding(2) var<storage, read> thr: array<i32>;
@group(0) @binding(3) var<storage, read_write> totals: array<atomic<u32>>;

fn atomic_add_u64(i: u32, v: vec2<u32>) {
    let old = atomicAdd(&totals[i], v.x);
    let carry = select(0u, 1u, old + v.x < old);
    atomicAdd(&totals[i + 1u], v.y + carry);
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    // `row` and `b` are uniform across the workgroup, so every invocation reaches the barriers.
    let row = params.score_top + wid.x;
    let b = wid.y;
    let w = params.width;
    let base = row * w;
    let band = b * w * params.height + base;
    let s0 = params.scale == 0u;
    let scub = select(params.cm_cub_hv, params.cm_cub_d, b == 2u);
    let add_cub = vec2<u32>(half_round_u32(scub), 0u);
    var sq_shift = 30u;
    if (s0) {
        sq_shift = ADM_S0_CM_SQ_SHIFT[b];
    }
    let add_sq = vec2<u32>(1u << (sq_shift - 1u), 0u);
    let rf = adm_rf32(params, b);
    var inner = vec2<u32>(0u, 0u);
    for (var j = params.score_left + lid; j < params.score_right; j += WG_SIZE) {
        let rv = r_in[band + j];
        let t = thr[base + j];
        var x: i32;
        if (s0) {
            x = max(abs(rv * adm_s0_rf(params, b)) - (t << ADM_S0_CM_THR_SHIFT[b]), 0);
        } else {
            x = i32(shr_i64(add_u64(mul_u32_i32_wide(rf, rv), vec2<u32>(1u << 27u, 0u)), 28u).x);
            x = max(abs(x) - t, 0);
        }
        let xsq = i32(shr_u64(add_u64(mul_u32_wide(u32(x), u32(x)), add_sq), sq_shift).x);
        inner = add_u64(inner, shr_i64(add_u64(mul_i32_wide(xsq, x), add_cub), scub));
    }
    let total = workgroup_sum_u64(lid, inner);
    if (lid == 0u) {
        let rounded = shr_i64(add_u64(total, vec2<u32>(half_round_u32(params.cm_row), 0u)), params.cm_row);
        atomic_add_u64(params.result_offset + 6u + 2u * b, rounded);
    }
}
