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
//   The CPU folds symmetric taps with wrapping u32 arithmetic; the unfolded sums here
//   are the same values (both equal the exact sum, which fits).

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

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let x = gid.x;
    let y = gid.y;
    let w = params.width;
    let h = params.height;
    if (x >= w || y >= h) {
        return;
    }
    let n = params.taps_len;
    let half = i32(n / 2u);
    var mu1 = 0u;
    var mu2 = 0u;
    // [hi, lo] sums of xx, yy, xy
    var xx = vec2<u32>(0u, 0u);
    var yy = vec2<u32>(0u, 0u);
    var xy = vec2<u32>(0u, 0u);
    for (var k = 0u; k < n; k++) {
        let c = vif_tap(params.taps_offset + k);
        let r = u32(reflect101(i32(y) + i32(k) - half, i32(h)));
        let i = r * params.stride + x;
        let a = u32(unpack_u16(ref_img[i >> 1u], i));
        let b = u32(unpack_u16(dis_img[i >> 1u], i));
        mu1 += c * a;
        mu2 += c * b;
        let paa = a * a;
        let pbb = b * b;
        let pab = a * b;
        xx += c * vec2<u32>(paa >> 16u, paa & 0xffffu);
        yy += c * vec2<u32>(pbb >> 16u, pbb & 0xffffu);
        xy += c * vec2<u32>(pab >> 16u, pab & 0xffffu);
    }
    let sm = params.shift_mu;
    let o = y * w + x;
    mu[o] = (round_shift(mu1, sm) & 0xffffu) | (round_shift(mu2, sm) << 16u);
    var out: vec3<u32>;
    if (params.narrow != 0u) {
        // 8-bit input: the CPU stores each product as u16 and keeps the sum unshifted.
        out = vec3<u32>(xx.y, yy.y, xy.y);
    } else {
        let s = params.shift_sq;
        out = vec3<u32>(combine_split(xx.x, xx.y, s), combine_split(yy.x, yy.y, s), combine_split(xy.x, xy.y, s));
    }
    sq[3u * o] = out.x;
    sq[3u * o + 1u] = out.y;
    sq[3u * o + 2u] = out.z;
}
