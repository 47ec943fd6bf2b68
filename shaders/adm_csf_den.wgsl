// ADM pass 3: denominator sums. Per reference detail band (h, v, d) and row of the
// score region, Σ|o|³ (scales 1..3 with the rounding steps of `AdmShifts`), the row
// rounded by `den_row` bits, added into the band's u64 total of this scale in
// `totals`. CPU twin: `features::adm::adm_csf_den` (the host then runs
// `adm_den_finish` on the same totals). One workgroup per (row, band): WG_SIZE
// invocations stride the row, `workgroup_sum_u64` adds their partials, and
// invocation 0 adds the rounded row into the total with two 32-bit atomics.
//
// Exactness: every value is a u64 (lo, hi) pair, every sum a pair addition modulo
// 2^64 like the CPU's `wrapping_add` (order-free), every shift a pair shift.
// - Scale 0: m = |o| ≤ 2^15, m² ≤ 2^30 (u32), m³ < 2^46 (`mul_u32_wide`).
// - Scales 1..3: m = |o| ≤ 2^31, m² < 2^62 (`mul_u32_wide`), + 2^den_sq cannot wrap;
//   sq · m is taken modulo 2^64 like `wrapping_mul` (lo·m wide, + hi·m in the high word).
// - Totals: the lo word's atomic add returns the old value, whose wrap gives the
//   carry into the hi word; each row's carry is right whatever the order of rows, so
//   the total is the sum modulo 2^64 (the buffer is cleared by `AdmPlan::encode`).

// `AdmParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: AdmParams;
@group(0) @binding(1) var<storage, read> ref_bands: array<i32>;
@group(0) @binding(2) var<storage, read_write> totals: array<atomic<u32>>;

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
    let base = (b + 1u) * w * params.height + row * w;
    let add_sq = vec2<u32>(1u << params.den_sq, 0u);
    let add_cub = vec2<u32>(half_round_u32(params.den_cub), 0u);
    var inner = vec2<u32>(0u, 0u);
    for (var j = params.score_left + lid; j < params.score_right; j += WG_SIZE) {
        let o = ref_bands[base + j];
        if (params.scale == 0u) {
            let m = u32(abs(trunc_i16(o)));
            inner = add_u64(inner, mul_u32_wide(m * m, m));
        } else {
            let m = u32(abs(o));
            let sq = shr_u64(add_u64(mul_u32_wide(m, m), add_sq), params.den_sq);
            var cube = mul_u32_wide(sq.x, m);
            cube.y += sq.y * m;
            inner = add_u64(inner, shr_u64(add_u64(cube, add_cub), params.den_cub));
        }
    }
    let total = workgroup_sum_u64(lid, inner);
    if (lid == 0u) {
        let rounded = shr_u64(add_u64(total, vec2<u32>(half_round_u32(params.den_row), 0u)), params.den_row);
        atomic_add_u64(params.result_offset + 2u * b, rounded);
    }
}
