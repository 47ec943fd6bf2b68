// VIF pass 1, per scale: vertical Gaussian (this scale's taps, reflect-101 rows) of
// x, y and of the products x², y², x·y, which it forms itself from the samples.
// CPU twin: `features::vif::vif_products` + `vif_filter_v` (the CPU computes each
// product row once into a ring; here recomputing it per tap costs less than a buffer
// round trip). Output per pixel: `mu` = mu1 | mu2 << 16, each
// `(Σc·x + 2^(s_mu-1)) >> s_mu` truncated to 16 bits as the CPU stores it, and
// `sq` = xx, yy, xy, each the u32 the CPU splits into (hi, lo) halves:
// narrow (8-bit input at scale 0): Σc·(p mod 2^16), unshifted;
// otherwise: `combine_split(Σc·(p >> 16), Σc·(p mod 2^16), s_sq)`.
// `vif_tap` (the taps, in `params`) and `WG_SIZE` come from the prelude
// (`features::vif::gpu::vif_prelude`).
//
// Workgroup: WG_SIZE (64) x 1, one invocation per pixel, grid (ceil(w/64), h): a row
// segment per workgroup keeps neighbouring invocations on neighbouring columns, so
// every tap's loads are contiguous (coalesced) and rows need no shared memory.
//
// 32-bit arithmetic, exact for every u16 input (no sum ever wraps):
// - samples a, b < 2^16, so a·a, b·b, a·b <= (2^16 - 1)² < 2^32 fit a u32, and each
//   16-bit half of them is <= 2^16 - 1;
// - the taps are u16 and sum to 2^16, so Σc·v <= 2^16 · (2^16 - 1) = 2^32 - 2^16 for
//   every v <= 2^16 - 1 (mu sums, half sums, narrow sums); adding a rounding constant
//   <= 2^15 stays below 2^32;
// - combine_split(H, L, s) = (H << (16 - s)) + ((L + 2^(s-1)) >> s) mod 2^32 is the
//   CPU's own 32-bit formula (the value libvmaf keeps after its (uint32_t) cast).
//   Both sides fold symmetric taps (c·(v1 + v2) once for rows y ± j): every folded
//   term is part of a sum that fits, so any order gives the exact sum.

// `VifParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: VifParams;
@group(0) @binding(1) var<storage, read> ref_img: array<u32>;
@group(0) @binding(2) var<storage, read> dis_img: array<u32>;
@group(0) @binding(3) var<storage, read_write> mu: array<u32>;
@group(0) @binding(4) var<storage, read_write> sq: array<u32>;

// `(v + 2^(s-1)) >> s`, no rounding constant for s == 0.
fn round_shift(v: u32, s: u32) -> u32 {
    if (s == 0u) {
        return v;
    }
    return (v + (1u << (s - 1u))) >> s;
}

// CPU twin: `features::vif::combine_split`.
fn combine_split(hi: u32, lo: u32, s: u32) -> u32 {
    return (hi << (16u - s)) + round_shift(lo, s);
}

// One row's terms (`VifTerms`): the two samples, and the 16-bit halves of their
// products x², y², x·y.
fn terms(row: i32, x: u32) -> VifTerms {
    let i = u32(reflect101(row, i32(params.height))) * params.stride + x;
    let lg = params.packing;
    let a = u32(unpack_sample(ref_img[i >> lg], i, lg));
    let b = u32(unpack_sample(dis_img[i >> lg], i, lg));
    let p = vec3<u32>(a * a, b * b, a * b);
    return VifTerms(vec2<u32>(a, b), p >> vec3<u32>(16u), p & vec3<u32>(0xffffu));
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let x = gid.x;
    let y = i32(gid.y);
    let w = params.width;
    if (x >= w || gid.y >= params.height) {
        return;
    }
    let half = params.taps_len / 2u;
    // The taps are symmetric: rows y − j and y + j share a tap, so their terms are
    // added before the one multiply. Each folded product is part of a full sum that
    // fits 32 bits (above), so the order changes nothing. The centre row first.
    var acc = vif_scaled(vif_tap(params.taps_offset + half), terms(y, x));
    for (var j = 1u; j <= half; j++) {
        vif_add_pair(&acc, vif_tap(params.taps_offset + half - j), terms(y - i32(j), x), terms(y + i32(j), x));
    }
    let sm = params.shift_mu;
    let o = gid.y * w + x;
    mu[o] = (round_shift(acc.xy.x, sm) & 0xffffu) | (round_shift(acc.xy.y, sm) << 16u);
    var out: vec3<u32>;
    if (params.narrow != 0u) {
        // 8-bit input: the CPU stores each product as u16 and keeps the sum unshifted.
        out = acc.lo;
    } else {
        let s = params.shift_sq;
        let hi = acc.hi;
        let lo = acc.lo;
        out = vec3<u32>(combine_split(hi.x, lo.x, s), combine_split(hi.y, lo.y, s), combine_split(hi.z, lo.z, s));
    }
    sq[3u * o] = out.x;
    sq[3u * o + 1u] = out.y;
    sq[3u * o + 2u] = out.z;
}
