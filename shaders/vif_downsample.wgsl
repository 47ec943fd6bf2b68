// VIF pass 5, between scales: low-pass with the next scale's taps and keep the even
// rows and columns, for both images at once. Vertical `(Σc·x + 2^(s-1)) >> s` (s = the
// bit depth when leaving scale 0, else 16) truncated to u16, then horizontal
// `(Σc·v + 2^15) >> 16` truncated to u16; reflect-101 at every edge.
// CPU twin: `features::vif::vif_downsample` (which filters whole rows vertically
// first; here a workgroup filters vertically the columns its outputs read, into
// workgroup memory, then horizontally).
// Output: packed u16 pairs, row pitch `out_stride` (even, so that every row starts
// at a word and one invocation owns one word: samples 2i and 2i+1 of a row).
// `vif_tap` (the taps, in `params`) and `WG_SIZE` come from the prelude
// (`features::vif::gpu::vif_prelude`).
//
// Workgroup: WG_SIZE (64) x 1, one invocation per output word (two samples), grid
// (ceil(ceil(ow/2)/64), oh): a row segment per workgroup.
//
// 32-bit arithmetic, exact for every u16 input: the taps are u16 summing to 2^16, so
// both sums are <= 2^16 · (2^16 - 1) = 2^32 - 2^16 and adding the rounding constant
// (<= 2^15) does not wrap.

// `VifParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: VifParams;
@group(0) @binding(1) var<storage, read> ref_img: array<u32>;
@group(0) @binding(2) var<storage, read> dis_img: array<u32>;
@group(0) @binding(3) var<storage, read_write> ref_out: array<u32>;
@group(0) @binding(4) var<storage, read_write> dis_out: array<u32>;

// The vertical sums (ref | dis << 16) of every input column a workgroup's 2·WG_SIZE
// output samples need: 2·2·WG_SIZE − 1 columns plus `half` (<= 4) each side. Each is
// computed once here instead of once per horizontal tap that reads it.
const TILE: u32 = 4u * WG_SIZE + 8u;
var<workgroup> tile: array<u32, TILE>;

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    // `wid` is uniform across the workgroup: every invocation reaches the barrier.
    let w = i32(params.width);
    let h = i32(params.height);
    let n = params.down_taps_len;
    let half = n / 2u;
    let s = params.down_shift;
    let rnd = 1u << (s - 1u); // s >= 8
    let oy = wid.y;
    // Input column of tile slot 0.
    let first = i32(4u * WG_SIZE * wid.x) - i32(half);
    for (var t = lid; t < 4u * WG_SIZE - 1u + 2u * half; t += WG_SIZE) {
        let col = u32(reflect101(first + i32(t), w));
        var v = vec2<u32>(0u, 0u);
        for (var ky = 0u; ky < n; ky++) {
            let row = u32(reflect101(2 * i32(oy) + i32(ky) - i32(half), h));
            let i = row * params.stride + col;
            let c = vif_tap(params.down_taps_offset + ky);
            let lg = params.packing;
            v += c * vec2<u32>(u32(unpack_sample(ref_img[i >> lg], i, lg)), u32(unpack_sample(dis_img[i >> lg], i, lg)));
        }
        v = ((v + rnd) >> vec2<u32>(s)) & vec2<u32>(0xffffu);
        tile[t] = v.x | (v.y << 16u);
    }
    workgroupBarrier();
    let word = WG_SIZE * wid.x + lid;
    let ox = 2u * word;
    if (ox >= params.out_width || oy >= params.out_height) {
        return;
    }
    // Samples ox and ox + 1: the first's taps start at tile slot 4·lid, the second's
    // two slots later. The second of a row's last word is padding when the width is odd.
    var acc_a = vec2<u32>(0u, 0u);
    var acc_b = vec2<u32>(0u, 0u);
    for (var kx = 0u; kx < n; kx++) {
        let c = vif_tap(params.down_taps_offset + kx);
        let va = tile[4u * lid + kx];
        let vb = tile[4u * lid + 2u + kx];
        acc_a += c * vec2<u32>(va & 0xffffu, va >> 16u);
        acc_b += c * vec2<u32>(vb & 0xffffu, vb >> 16u);
    }
    let a = ((acc_a + 0x8000u) >> vec2<u32>(16u)) & vec2<u32>(0xffffu);
    var b = ((acc_b + 0x8000u) >> vec2<u32>(16u)) & vec2<u32>(0xffffu);
    if (ox + 1u >= params.out_width) {
        b = vec2<u32>(0u, 0u);
    }
    let o = (oy * params.out_stride) / 2u + word;
    ref_out[o] = a.x | (b.x << 16u);
    dis_out[o] = a.y | (b.y << 16u);
}
