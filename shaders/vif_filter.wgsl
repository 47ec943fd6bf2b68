// VIF pass 1, per scale: the Gaussian of x, y, x², y², x·y (this scale's taps,
// reflect-101 at every edge), vertical then horizontal, and from it the local
// variances and covariance per pixel. Output: σ1², σ2², σ12 per pixel in `sigma`.
// CPU twin: `features::vif::vif_filter` (`vif_filter_v` then `vif_sigmas`: the
// products, the vertical and horizontal filters and `sigmas_row`).
// `vif_tap` (the taps, in `params`) and `WG_SIZE` come from the prelude
// (`features::vif::gpu::vif_prelude`).
//
// Workgroup: WG_SIZE (64) x 1, one row segment of WG_SIZE output pixels, grid
// (ceil(w/64), h). First the workgroup filters vertically the WG_SIZE + 2·half
// columns its pixels read (reflected at the image's sides), each once, into
// workgroup memory; then each invocation filters its pixel horizontally from there.
// The vertical results never leave the workgroup (they used to be a buffer of 16
// bytes per pixel written by one pass and read 2·half + 1 times by the next).
//
// Vertical, 32-bit arithmetic, exact for every u16 input (no sum ever wraps):
// - samples a, b < 2^16, so a·a, b·b, a·b <= (2^16 - 1)² < 2^32 fit a u32, and each
//   16-bit half of them is <= 2^16 - 1;
// - the taps are u16 and sum to 2^16, so Σc·v <= 2^16 · (2^16 - 1) = 2^32 - 2^16 for
//   every v <= 2^16 - 1 (mu sums, half sums, narrow sums); adding a rounding constant
//   <= 2^15 stays below 2^32;
// - mu = `(Σc·x + 2^(s_mu-1)) >> s_mu` truncated to 16 bits as the CPU stores it;
//   xx, yy, xy: narrow (8-bit input at scale 0) Σc·(p mod 2^16), unshifted; otherwise
//   `combine_split(Σc·(p >> 16), Σc·(p mod 2^16), s_sq)` =
//   (H << (16 - s)) + ((L + 2^(s-1)) >> s) mod 2^32, the CPU's own 32-bit formula
//   (the value libvmaf keeps after its (uint32_t) cast).
// Horizontal, on those, 32-bit arithmetic, exact for every input:
// - mu1, mu2 and the 16-bit halves of xx, yy, xy are <= 2^16 - 1 and the taps sum to
//   2^16, so every Σc·v <= 2^32 - 2^16, and adding the rounding constant 2^15 stays
//   below 2^32: no sum wraps;
// - σ1² = xx − mu1², σ2² = max(yy − mu2², 0), σ12 = xy − mu1·mu2, with
//   mu² = (mu·mu + 2^31) >> 32 (`mul_q32`: the exact 64-bit product, `mul_u32_wide`)
//   and the squares `combine_split(Σc·(v >> 16), Σc·(v mod 2^16), 16)`; the
//   subtractions wrap mod 2^32 like the CPU's `wrapping_sub`, and i32(u32)
//   reinterprets the bits like Rust's `as i32`.
// Both directions fold symmetric taps (c·(v1 + v2) once for rows or columns ± j):
// every folded term is part of a sum that fits, so any order gives the exact sum.

// `VifParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: VifParams;
@group(0) @binding(1) var<storage, read> ref_img: array<u32>;
@group(0) @binding(2) var<storage, read> dis_img: array<u32>;
@group(0) @binding(3) var<storage, read_write> sigma: array<i32>;

// The vertical results of the workgroup's columns: mu (mu1 | mu2 << 16) and xx, yy,
// xy. Column slot t is image column reflect101(x0 − half + t); half <= 8.
const TILE: u32 = WG_SIZE + 16u;
var<workgroup> tile_mu: array<u32, TILE>;
var<workgroup> tile_sq: array<vec3<u32>, TILE>;

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

// `(a * b + 2^31) >> 32` of the 64-bit product. CPU twin: `features::vif::mul_q32`.
fn mul_q32(a: u32, b: u32) -> u32 {
    return add_u64(mul_u32_wide(a, b), vec2<u32>(0x80000000u, 0u)).y;
}

// One image row's terms (`VifTerms`) at column x: the two samples, and the 16-bit
// halves of their products x², y², x·y.
fn row_terms(row: i32, x: u32) -> VifTerms {
    let i = u32(reflect101(row, i32(params.height))) * params.stride + x;
    let lg = params.packing;
    let a = u32(unpack_sample(ref_img[i >> lg], i, lg));
    let b = u32(unpack_sample(dis_img[i >> lg], i, lg));
    let p = vec3<u32>(a * a, b * b, a * b);
    return VifTerms(vec2<u32>(a, b), p >> vec3<u32>(16u), p & vec3<u32>(0xffffu));
}

// Tile slot t's terms (`VifTerms`): mu1, mu2 and the 16-bit halves of xx, yy, xy.
fn tile_terms(t: u32) -> VifTerms {
    let m = tile_mu[t];
    let v = tile_sq[t];
    return VifTerms(vec2<u32>(m & 0xffffu, m >> 16u), v >> vec3<u32>(16u), v & vec3<u32>(0xffffu));
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    // `wid` is uniform across the workgroup: every invocation reaches the barrier.
    let w = params.width;
    let y = wid.y;
    let half = params.taps_len / 2u;
    let centre = vif_tap(params.taps_offset + half);
    let x0 = WG_SIZE * wid.x;
    for (var t = lid; t < WG_SIZE + 2u * half; t += WG_SIZE) {
        let col = u32(reflect101(i32(x0 + t) - i32(half), i32(w)));
        // The centre row first, then rows y ± j, which share a tap.
        var acc = vif_scaled(centre, row_terms(i32(y), col));
        for (var j = 1u; j <= half; j++) {
            let c = vif_tap(params.taps_offset + half - j);
            vif_add_pair(&acc, c, row_terms(i32(y) - i32(j), col), row_terms(i32(y) + i32(j), col));
        }
        let sm = params.shift_mu;
        tile_mu[t] = (round_shift(acc.xy.x, sm) & 0xffffu) | (round_shift(acc.xy.y, sm) << 16u);
        if (params.narrow != 0u) {
            // 8-bit input: the CPU stores each product as u16 and keeps the sum unshifted.
            tile_sq[t] = acc.lo;
        } else {
            let s = params.shift_sq;
            let hi = acc.hi;
            let lo = acc.lo;
            tile_sq[t] = vec3<u32>(combine_split(hi.x, lo.x, s), combine_split(hi.y, lo.y, s), combine_split(hi.z, lo.z, s));
        }
    }
    workgroupBarrier();
    let x = x0 + lid;
    if (x >= w) {
        return;
    }
    // Pixel x's columns x ± j are tile slots lid + half ± j.
    let t0 = lid + half;
    var acc = vif_scaled(centre, tile_terms(t0));
    for (var j = 1u; j <= half; j++) {
        vif_add_pair(&acc, vif_tap(params.taps_offset + half - j), tile_terms(t0 - j), tile_terms(t0 + j));
    }
    let m = acc.xy;
    let hi = acc.hi;
    let lo = acc.lo;
    // `combine_split(hi, lo, 16)`: ((hi << 16) + lo + 2^15) >> 16 mod 2^32.
    let sq = hi + ((lo + vec3<u32>(0x8000u)) >> vec3<u32>(16u));
    let o = 3u * (y * w + x);
    sigma[o] = i32(sq.x - mul_q32(m.x, m.x));
    sigma[o + 1u] = max(i32(sq.y - mul_q32(m.y, m.y)), 0i);
    sigma[o + 2u] = i32(sq.z - mul_q32(m.x, m.y));
}
