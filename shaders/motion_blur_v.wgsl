// Motion pass 1: vertical 5-tap blur of `prev - cur` (signed) with reflect-101 rows,
// then `(Σ + 2^(s-1)) >> s` (arithmetic), s = 8 for 8-bit input, else the bit depth.
// CPU twin: `features::motion::motion_blur_v`. One invocation per output sample.
// `MOTION_TAPS`, `WG_SIZE` come from the generated prelude (src/features/tables.rs).
//
// 32-bit arithmetic, exact for every u16 input:
// - shift == 8: the CPU twin sums in i32 with wrap-around (|Σ| < 2^24 for 8-bit
//   samples); WGSL i32 arithmetic wraps the same way, so the same code is exact.
// - shift > 8: |Σ| < 2^16 · 2^16 does not fit i32. Split each difference d (|d| < 2^16)
//   as d = 2^16·hi + lo, hi = d >> 16 ∈ {-1, 0}, lo = d & 0xFFFF. Then
//   H = Σc·hi ∈ [-2^16, 0] (i32) and L = Σc·lo ≤ 65535·65536 = 2^32 - 2^16 (u32,
//   no wrap; L + 2^(s-1) < 2^32 too). As 2^s divides 2^16·H for s ≤ 16:
//   (2^16·H + L + 2^(s-1)) >> s = (H << (16 - s)) + ((L + 2^(s-1)) >> s), exactly
//   the CPU twin's i64 result.

// `MotionParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: MotionParams;
@group(0) @binding(1) var<storage, read> prev: array<u32>;
@group(0) @binding(2) var<storage, read> cur: array<u32>;
@group(0) @binding(3) var<storage, read_write> blur_v: array<i32>;

fn diff_at(row: u32, x: u32) -> i32 {
    let i = row * params.prev_stride + x;
    let j = row * params.cur_stride + x;
    let lg = params.packing;
    return unpack_sample(prev[i >> lg], i, lg) - unpack_sample(cur[j >> lg], j, lg);
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
    let s = params.shift;
    var out: i32;
    if (s == 8u) {
        var acc = 0i;
        for (var k = 0; k < 5; k++) {
            let r = u32(reflect101(i32(y) + k - 2, i32(h)));
            acc += MOTION_TAPS[k] * diff_at(r, x);
        }
        out = (acc + 128i) >> 8u;
    } else {
        var hi_sum = 0i;
        var lo_sum = 0u;
        for (var k = 0; k < 5; k++) {
            let r = u32(reflect101(i32(y) + k - 2, i32(h)));
            let d = diff_at(r, x);
            hi_sum += MOTION_TAPS[k] * (d >> 16u);
            lo_sum += u32(MOTION_TAPS[k]) * u32(d & 0xffff);
        }
        out = (hi_sum << (16u - s)) + i32((lo_sum + (1u << (s - 1u))) >> s);
    }
    blur_v[y * w + x] = out;
}
