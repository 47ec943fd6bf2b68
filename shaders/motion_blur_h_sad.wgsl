// Motion pass 2: horizontal 5-tap blur of one `motion_blur_v` row with reflect-101
// columns, `(Σ + 2^15) >> 16`, absolute value, summed into one u32 per row
// (`row_sad`), which is added into the frame's u64 SAD (`sad`, lo and hi words).
// CPU twin: `features::motion::motion_blur_h_sad`. One workgroup per image row.
// `MOTION_TAPS`, `WG_SIZE` come from the generated prelude (src/features/tables.rs).
//
// 32-bit arithmetic, exact for every u16 input:
// - Inputs: |v| < 2^23 (pass 1 shifts a |Σ| < 2^32 right by at least 8 bits).
//   |Σc·v| < 2^39 does not fit i32, so split v = 2^16·hi + lo, hi = v >> 16 ∈ [-2^7, 2^7),
//   lo = v & 0xFFFF: H = Σc·hi, |H| ≤ 2^23 (i32); L = Σc·lo ≤ 2^32 - 2^16 (u32, and
//   L + 2^15 < 2^32). (2^16·H + L + 2^15) >> 16 = H + ((L + 2^15) >> 16), exactly the
//   CPU twin's i64 result.
// - Row sum: for samples within the bit depth |result| ≤ 65535, so a row sums to at
//   most w·65535 < 2^32 for w ≤ 65537 (the readers cap w at 16384: < 2^30), and no
//   partial (a subset of the row) can overflow either. Samples above the bit depth
//   can make the sum wrap: the CPU twin wraps its u32 row sum too (`wrapping_add`),
//   and the sum modulo 2^32 does not depend on the order of additions, so the result
//   is identical in every case.
// - Frame sum: the row sums added into a u64 with two 32-bit atomics (the lo word's
//   add returns the old value, whose wrap gives the carry), the sum modulo 2^64 in
//   any order of rows (`MotionPlan::encode` clears it first).

// `MotionParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: MotionParams;
@group(0) @binding(1) var<storage, read> blur_v: array<i32>;
@group(0) @binding(2) var<storage, read_write> row_sad: array<u32>;
@group(0) @binding(3) var<storage, read_write> sad: array<atomic<u32>>;

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    // `row` is uniform across the workgroup, so every invocation reaches the barriers.
    let row = wid.x;
    let w = params.width;
    let base = row * w;
    var sum = 0u;
    for (var x = lid; x < w; x += WG_SIZE) {
        var hi_sum = 0i;
        var lo_sum = 0u;
        for (var k = 0; k < 5; k++) {
            let v = blur_v[base + u32(reflect101(i32(x) + k - 2, i32(w)))];
            hi_sum += MOTION_TAPS[k] * (v >> 16u);
            lo_sum += u32(MOTION_TAPS[k]) * u32(v & 0xffff);
        }
        let r = hi_sum + i32((lo_sum + 32768u) >> 16u);
        sum += u32(abs(r));
    }
    let total = workgroup_sum_u32(lid, sum);
    if (lid == 0u) {
        row_sad[row] = total;
        let old = atomicAdd(&sad[0], total);
        atomicAdd(&sad[1], select(0u, 1u, old + total < old));
    }
}
