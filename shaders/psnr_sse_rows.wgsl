// PSNR pass: sum of squared differences of one plane row, one workgroup per row,
// written as a (lo, hi) u32 pair per row; the u64 sum over rows is taken on the CPU.
// CPU twin: `features::psnr::psnr_sse_rows` (per-row u64 sums, then their u64 sum).
// `WG_SIZE` comes from the generated prelude.
//
// 32-bit arithmetic: e = |a - b| ≤ 65535, so e² ≤ (2^16 - 1)² < 2^32 fits a u32. A row
// sums to at most w·(2^16 - 1)² < 2^46 for w ≤ 16384, which does not fit u32: every
// partial is a (lo, hi) pair added with carry (`add_u64`), exact below 2^64, so each
// row's pair is exactly the CPU twin's u64 row sum.

// `PsnrParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: PsnrParams;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> row_sse: array<u32>;

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    // `row` is uniform across the workgroup, so every invocation reaches the barriers.
    let row = wid.x;
    var sum = vec2<u32>(0u, 0u);
    for (var x = lid; x < params.width; x += WG_SIZE) {
        let i = row * params.a_stride + x;
        let j = row * params.b_stride + x;
        let e = u32(abs(unpack_u16(a[i >> 1u], i) - unpack_u16(b[j >> 1u], j)));
        sum = add_u64(sum, vec2<u32>(e * e, 0u));
    }
    let total = workgroup_sum_u64(lid, sum);
    if (lid == 0u) {
        row_sse[2u * row] = total.x;
        row_sse[2u * row + 1u] = total.y;
    }
}
