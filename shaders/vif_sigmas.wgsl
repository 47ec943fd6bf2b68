// VIF pass 2, per scale: horizontal Gaussian (this scale's taps, reflect-101 columns)
// of `vif_filter_v`'s output, then the local variances and covariance:
// σ1² = xx − mu1², σ2² = max(yy − mu2², 0), σ12 = xy − mu1·mu2, with
// mu² = (mu·mu + 2^31) >> 32 and the squares `combine_split(Σc·(v >> 16), Σc·(v mod
// 2^16), 16)`, all mod 2^32, read as i32. Output per pixel: σ1², σ2², σ12.
// CPU twin: `features::vif::vif_filter_h` + `vif_sigmas` (fused: the CPU's eight
// horizontal sums per pixel never leave registers here).
// `vif_tap` (the taps, in `params`) and `WG_SIZE` come from the prelude
// (`features::vif::gpu::vif_prelude`).
//
// Workgroup: WG_SIZE (64) x 1, one invocation per pixel, grid (ceil(w/64), h): as in
// `vif_filter_v`, a row segment per workgroup makes every tap's loads contiguous.
//
// 32-bit arithmetic, exact for every input:
// - mu1, mu2 (the 16-bit halves of `mu`) and the 16-bit halves of xx, yy, xy are
//   <= 2^16 - 1 and the taps sum to 2^16, so every Σc·v <= 2^32 - 2^16, and adding
//   the rounding constant 2^15 stays below 2^32: no sum wraps;
// - `mul_q32` forms the exact 64-bit product of two u32 (`mul_u32_wide`,
//   shaders/common.wgsl), adds 2^31 with carry and keeps the high word: exactly
//   `((a as u64 * b as u64 + 2^31) >> 32) as u32`;
// - the subtractions wrap mod 2^32 like the CPU's `wrapping_sub`, and i32(u32)
//   reinterprets the bits like Rust's `as i32`.

// `VifParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: VifParams;
@group(0) @binding(1) var<storage, read> mu: array<u32>;
@group(0) @binding(2) var<storage, read> sq: array<u32>;
@group(0) @binding(3) var<storage, read_write> sigma: array<i32>;

// `(a * b + 2^31) >> 32` of the 64-bit product. CPU twin: `features::vif::mul_q32`.
fn mul_q32(a: u32, b: u32) -> u32 {
    return add_u64(mul_u32_wide(a, b), vec2<u32>(0x80000000u, 0u)).y;
}

// `((hi << 16) + lo + 2^15) >> 16` mod 2^32: `combine_split(hi, lo, 16)`.
fn combine16(hi: u32, lo: u32) -> u32 {
    return hi + ((lo + 0x8000u) >> 16u);
}

// Column `col` of row `y`'s terms (`VifTerms`): mu1, mu2 and the 16-bit halves of
// xx, yy, xy as `vif_filter_v` wrote them.
fn terms(y: u32, col: i32) -> VifTerms {
    let j = y * params.width + u32(reflect101(col, i32(params.width)));
    let m = mu[j];
    let v = vec3<u32>(sq[3u * j], sq[3u * j + 1u], sq[3u * j + 2u]);
    return VifTerms(vec2<u32>(m & 0xffffu, m >> 16u), v >> vec3<u32>(16u), v & vec3<u32>(0xffffu));
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let x = gid.x;
    let y = gid.y;
    let w = params.width;
    if (x >= w || y >= params.height) {
        return;
    }
    let half = params.taps_len / 2u;
    // Symmetric taps folded as in `vif_filter_v`: columns x − j and x + j share a tap.
    var acc = vif_scaled(vif_tap(params.taps_offset + half), terms(y, i32(x)));
    for (var j = 1u; j <= half; j++) {
        vif_add_pair(&acc, vif_tap(params.taps_offset + half - j), terms(y, i32(x) - i32(j)), terms(y, i32(x) + i32(j)));
    }
    let m = acc.xy;
    let hi = acc.hi;
    let lo = acc.lo;
    let o = 3u * (y * w + x);
    sigma[o] = i32(combine16(hi.x, lo.x) - mul_q32(m.x, m.x));
    sigma[o + 1u] = max(i32(combine16(hi.y, lo.y) - mul_q32(m.y, m.y)), 0i);
    sigma[o + 2u] = i32(combine16(hi.z, lo.z) - mul_q32(m.x, m.y));
}
