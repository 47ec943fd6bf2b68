// Motion pass 3: the frame's SAD, the u64 sum of the `height` u32 row sums of
// `motion_blur_h_sad`, written as one (lo, hi) pair, so a frame reads back two words
// instead of a row sum per row. One workgroup. CPU twin: `features::motion::motion_sad_sum`.
//
// 32-bit arithmetic: every partial is a (lo, hi) pair added with carry (`add_u64`), exact
// below 2^64; the true sum is below h · 2^32 ≤ 2^46 for h ≤ 16384.

// `MotionParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: MotionParams;
@group(0) @binding(1) var<storage, read> row_sad: array<u32>;
@group(0) @binding(2) var<storage, read_write> sad: array<u32>;

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(local_invocation_index) lid: u32) {
    var sum = vec2<u32>(0u, 0u);
    for (var row = lid; row < params.height; row += WG_SIZE) {
        sum = add_u64(sum, vec2<u32>(row_sad[row], 0u));
    }
    let total = workgroup_sum_u64(lid, sum);
    if (lid == 0u) {
        sad[0] = total.x;
        sad[1] = total.y;
    }
}
