// ADM pass 1, scale 0: db2 analysis of both pixel planes (z = 0: reference, 1:
// distorted) into their bands a, h, v, d (stored one after the other, each
// `width x height`), vertical filter then horizontal. CPU twin:
// `features::adm::adm_dwt_s0` (`adm_dwt_v_s0`, `pad_dwt_row`, `adm_dwt_h`). One
// invocation per output sample: it evaluates the vertical filter at the four source
// columns it needs (2j-1 .. 2j+2, mirrored) instead of storing them. Workgroups of
// WG_SIZE along a row: consecutive invocations read consecutive pixel pairs; rows of
// the band are the y dimension, the plane the z dimension (uniform per workgroup).
//
// 32-bit arithmetic, exact for every u16 input: the CPU twin itself computes in i32
// with wrap-around (`wrapping_mul` / `wrapping_add`, libvmaf's int32 sums, which do
// wrap for 16-bit samples: Σ lo·x reaches 50582·65535 > 2^31) and truncates to i16
// where libvmaf stores int16. WGSL i32 arithmetic wraps modulo 2^32 the same way and
// `>>` on i32 is arithmetic in both, so the same operations give the same bits.

// `AdmParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: AdmParams;
@group(0) @binding(1) var<storage, read> ref_src: array<u32>;
@group(0) @binding(2) var<storage, read> dis_src: array<u32>;
@group(0) @binding(3) var<storage, read_write> ref_bands: array<i32>;
@group(0) @binding(4) var<storage, read_write> dis_bands: array<i32>;

fn pixel(plane: u32, y: u32, x: u32) -> i32 {
    let i = y * params.src_stride + x;
    let lg = params.src_packing;
    var word: u32;
    if (plane == 0u) {
        word = ref_src[i >> lg];
    } else {
        word = dis_src[i >> lg];
    }
    return unpack_sample(word, i, lg);
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
    let shift = params.dwt_v_shift;
    let round = i32(params.dwt_v_add);
    // lo is centred: Σlo·x − LO_SUM·2^(s-1)
    let centre = ADM_DWT_LO_SUM * round;
    var rows: array<u32, 4>;
    for (var m = 0; m < 4; m++) {
        rows[m] = u32(adm_dwt_mirror(2 * i32(i) - 1 + m, sh));
    }
    var acc_a = 0i;
    var acc_v = 0i;
    var acc_h = 0i;
    var acc_d = 0i;
    for (var k = 0; k < 4; k++) {
        let c = u32(adm_dwt_mirror(2 * i32(j) - 1 + k, sw));
        var l = 0i;
        var hh = 0i;
        for (var m = 0; m < 4; m++) {
            let x = pixel(gid.z, rows[m], c);
            l += ADM_DWT_LO[m] * x;
            hh += ADM_DWT_HI[m] * x;
        }
        let lo = trunc_i16((l - centre + round) >> shift);
        let hi = trunc_i16((hh + round) >> shift);
        acc_a += ADM_DWT_LO[k] * lo;
        acc_v += ADM_DWT_HI[k] * lo;
        acc_h += ADM_DWT_LO[k] * hi;
        acc_d += ADM_DWT_HI[k] * hi;
    }
    let add = i32(params.dwt_h_add);
    let hs = params.dwt_h_shift;
    let n = w * h;
    let idx = i * w + j;
    put_band(gid.z, idx, trunc_i16((acc_a + add) >> hs));
    put_band(gid.z, n + idx, trunc_i16((acc_h + add) >> hs));
    put_band(gid.z, 2u * n + idx, trunc_i16((acc_v + add) >> hs));
    put_band(gid.z, 3u * n + idx, trunc_i16((acc_d + add) >> hs));
}
