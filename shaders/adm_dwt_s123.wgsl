// ADM pass 1, scales 1..3: db2 analysis of the previous scale's approximation band
// (band a, at the start of its bands buffer, `src_width x src_height`) of both images
// (z = 0: reference, 1: distorted) into the bands a, h, v, d of this scale. CPU twin:
// `features::adm::adm_dwt_s123` (`adm_dwt_v_s123`, `pad_dwt_row`, `adm_dwt_h`). One
// invocation per output sample and image (see adm_dwt_s0).
//
// The CPU twin sums in i64: Σ tap·x over four taps with |tap| ≤ 27411 and x any i32,
// |Σ| ≤ 54822·2^31 < 2^47, then `(Σ + add) >> shift` (shift 0, 15 or 16) and `as i32`
// (which keeps the low 32 bits). Here every product is the exact i64 product as a
// (lo, hi) pair (`mul_i32_wide`) and the sums are pair additions with carry: below
// 2^47 nothing wraps, so the pair is the CPU's i64 bit for bit, the arithmetic pair
// shift is its `>>`, and the low word is its `as i32`.

// `AdmParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: AdmParams;
@group(0) @binding(1) var<storage, read> ref_src: array<i32>;
@group(0) @binding(2) var<storage, read> dis_src: array<i32>;
@group(0) @binding(3) var<storage, read_write> ref_bands: array<i32>;
@group(0) @binding(4) var<storage, read_write> dis_bands: array<i32>;

fn src_at(plane: u32, k: u32) -> i32 {
    if (plane == 0u) {
        return ref_src[k];
    }
    return dis_src[k];
}

fn put_band(plane: u32, k: u32, v: i32) {
    if (plane == 0u) {
        ref_bands[k] = v;
    } else {
        dis_bands[k] = v;
    }
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    let i = gid.y;
    let w = params.width;
    let h = params.height;
    if (j >= w || i >= h) {
        return;
    }
    let sw = i32(params.src_width);
    let sh = i32(params.src_height);
    let v_add = vec2<u32>(params.dwt_v_add, 0u);
    let h_add = vec2<u32>(params.dwt_h_add, 0u);
    var rows: array<u32, 4>;
    for (var m = 0; m < 4; m++) {
        rows[m] = u32(adm_dwt_mirror(2 * i32(i) - 1 + m, sh)) * params.src_stride;
    }
    var acc_a = vec2<u32>(0u, 0u);
    var acc_v = vec2<u32>(0u, 0u);
    var acc_h = vec2<u32>(0u, 0u);
    var acc_d = vec2<u32>(0u, 0u);
    for (var k = 0; k < 4; k++) {
        let c = u32(adm_dwt_mirror(2 * i32(j) - 1 + k, sw));
        var l = vec2<u32>(0u, 0u);
        var hh = vec2<u32>(0u, 0u);
        for (var m = 0; m < 4; m++) {
            let x = src_at(gid.z, rows[m] + c);
            l = add_u64(l, mul_i32_wide(ADM_DWT_LO[m], x));
            hh = add_u64(hh, mul_i32_wide(ADM_DWT_HI[m], x));
        }
        let lo = i32(shr_i64(add_u64(l, v_add), params.dwt_v_shift).x);
        let hi = i32(shr_i64(add_u64(hh, v_add), params.dwt_v_shift).x);
        acc_a = add_u64(acc_a, mul_i32_wide(ADM_DWT_LO[k], lo));
        acc_v = add_u64(acc_v, mul_i32_wide(ADM_DWT_HI[k], lo));
        acc_h = add_u64(acc_h, mul_i32_wide(ADM_DWT_LO[k], hi));
        acc_d = add_u64(acc_d, mul_i32_wide(ADM_DWT_HI[k], hi));
    }
    let hs = params.dwt_h_shift;
    let n = w * h;
    let idx = i * w + j;
    put_band(gid.z, idx, i32(shr_i64(add_u64(acc_a, h_add), hs).x));
    put_band(gid.z, n + idx, i32(shr_i64(add_u64(acc_h, h_add), hs).x));
    put_band(gid.z, 2u * n + idx, i32(shr_i64(add_u64(acc_v, h_add), hs).x));
    put_band(gid.z, 3u * n + idx, i32(shr_i64(add_u64(acc_d, h_add), hs).x));
}
