// ADM pass 4: contrast sensitivity weighting of the additive bands (h, v, d) over
// the filter region: csf_a = a·rfactor and the masking input csf_f = |csf_a|/30.
// CPU twin: `features::adm::adm_csf`. One invocation per sample (all three bands),
// WG_SIZE along a row.
//
// Scale 0, 32-bit as on the CPU: |a| ≤ 2^15 (i16), factor ≤ 49417:
// |f·a| + 65535 < 2^31; 4369·|csf_a| + 2048 < 2^28 (then `as i16` where libvmaf does).
// Scales 1..3, i64 on the CPU: rf (Q32, < 2^32) × a (i32) is below 2^63 in magnitude,
// an exact pair (`mul_u32_i32_wide`); + 2^27, >> 28 and `as i32` are the pair's
// arithmetic shift and low word. 143165577·|csf_a| < 2^59 (`mul_u32_wide`); the
// rounding add is −2^31 (`ADM_S123_FLT_ADD`), and `>> 32` of the i64 is its high
// word as i32.

// `AdmParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: AdmParams;
@group(0) @binding(1) var<storage, read> a_in: array<i32>;
@group(0) @binding(2) var<storage, read_write> csf_a: array<i32>;
@group(0) @binding(3) var<storage, read_write> csf_f: array<i32>;

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
    let minus_2_31 = neg_i64(vec2<u32>(ADM_S123_FLT_SUB, 0u));
    for (var b = 0u; b < 3u; b++) {
        let s = a_in[b * n + idx];
        var v: i32;
        var f: i32;
        if (params.scale == 0u) {
            v = trunc_i16((adm_s0_rf(params, b) * s + ADM_S0_CSF_ADD[b]) >> ADM_S0_CSF_SHIFT[b]);
            f = trunc_i16((ADM_S0_ONE_BY_30 * abs(v) + 2048) >> 12u);
        } else {
            v = i32(shr_i64(add_u64(mul_u32_i32_wide(adm_rf32(params, b), s), vec2<u32>(1u << 27u, 0u)), 28u).x);
            f = i32(add_u64(mul_u32_wide(ADM_S123_ONE_BY_30, u32(abs(v))), minus_2_31).y);
        }
        csf_a[b * n + idx] = v;
        csf_f[b * n + idx] = f;
    }
}
