// ADM pass 5a: contrast-masking threshold over the score region:
// thr = Σ_bands (Σ_3x3 csf_f − csf_f[centre] + |csf_a[centre]|/15), neighbours mirrored
// -1 -> 1, n -> n-1. CPU twin: `features::adm::adm_cm_thr`. One invocation per
// sample, WG_SIZE along a row.
//
// Scale 0: i32 with wrap-around as on the CPU (8738·|csf_a| + 2048 < 2^29, then
// `as i16`). Scales 1..3: 286331153·|csf_a| < 2^61 as an exact pair, − 2^31
// (`ADM_S123_FLT_ADD`), `>> 32` = the high word as i32. The sums are i32 with
// wrap-around on the CPU (`wrapping_add`), and WGSL i32 addition wraps the same way.

// `AdmParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: AdmParams;
@group(0) @binding(1) var<storage, read> csf_a: array<i32>;
@group(0) @binding(2) var<storage, read> csf_f: array<i32>;
@group(0) @binding(3) var<storage, read_write> thr: array<i32>;

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = params.score_left + gid.x;
    let i = params.score_top + gid.y;
    if (j >= params.score_right || i >= params.score_bottom) {
        return;
    }
    let w = params.width;
    let h = params.height;
    let n = w * h;
    let idx = i * w + j;
    let rows = array<u32, 3>(select(i - 1u, min(1u, h - 1u), i == 0u), i, select(i + 1u, h - 1u, i + 1u >= h));
    let cols = array<u32, 3>(select(j - 1u, min(1u, w - 1u), j == 0u), j, select(j + 1u, w - 1u, j + 1u >= w));
    let minus_2_31 = neg_i64(vec2<u32>(ADM_S123_FLT_SUB, 0u));
    var sum = 0i;
    for (var b = 0u; b < 3u; b++) {
        var s = 0i;
        for (var r = 0u; r < 3u; r++) {
            for (var c = 0u; c < 3u; c++) {
                s += csf_f[b * n + rows[r] * w + cols[c]];
            }
        }
        s -= csf_f[b * n + idx];
        let ca = csf_a[b * n + idx];
        var centre: i32;
        if (params.scale == 0u) {
            centre = trunc_i16((ADM_S0_ONE_BY_15 * abs(ca) + 2048) >> 12u);
        } else {
            centre = i32(add_u64(mul_u32_wide(ADM_S123_ONE_BY_15, u32(abs(ca))), minus_2_31).y);
        }
        sum += s + centre;
    }
    thr[idx] = sum;
}
