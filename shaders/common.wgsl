// Helpers shared by every pass. Prepended (after the generated constants) to each
// pass by `gpu::pipelines::pass_source`; it holds no bindings and no entry point.

// Whole-sample reflection ("reflect-101"): -k -> k, n-1+k -> n-1-k, clamped into
// range for degenerate sizes. CPU twin: `features::tables::reflect101`.
fn reflect101(idx: i32, n: i32) -> i32 {
    var i = idx;
    if (i < 0) {
        i = -i;
    }
    if (i >= n) {
        i = 2 * n - 2 - i;
    }
    return clamp(i, 0, max(n - 1, 0));
}

// Sample `i` of a plane uploaded as packed u16 pairs (sample 2k in the low half of
// word k: the bytes of a little-endian `[u16]`).
fn unpack_u16(word: u32, i: u32) -> i32 {
    return i32((word >> ((i & 1u) * 16u)) & 0xffffu);
}

// Workgroup reductions. `WG_SIZE` (a power of two) comes from the generated prelude.
// Both are called from uniform control flow by every invocation of the workgroup.
var<workgroup> wg_lo: array<u32, WG_SIZE>;
var<workgroup> wg_hi: array<u32, WG_SIZE>;

// Sum modulo 2^32. u32 addition wraps in WGSL exactly like `wrapping_add` on the
// CPU, and modular addition is associative and commutative, so the shape of this
// tree cannot change the result.
fn workgroup_sum_u32(lid: u32, v: u32) -> u32 {
    wg_lo[lid] = v;
    workgroupBarrier();
    for (var stride = WG_SIZE / 2u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) {
            wg_lo[lid] = wg_lo[lid] + wg_lo[lid + stride];
        }
        workgroupBarrier();
    }
    return wg_lo[0];
}

// A 64-bit unsigned value as (lo, hi) u32 words: the sum with carry.
fn add_u64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let lo = a.x + b.x;
    return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

// Sum of (lo, hi) pairs modulo 2^64 (see `workgroup_sum_u32`).
fn workgroup_sum_u64(lid: u32, v: vec2<u32>) -> vec2<u32> {
    wg_lo[lid] = v.x;
    wg_hi[lid] = v.y;
    workgroupBarrier();
    for (var stride = WG_SIZE / 2u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) {
            let s = add_u64(vec2<u32>(wg_lo[lid], wg_hi[lid]), vec2<u32>(wg_lo[lid + stride], wg_hi[lid + stride]));
            wg_lo[lid] = s.x;
            wg_hi[lid] = s.y;
        }
        workgroupBarrier();
    }
    return vec2<u32>(wg_lo[0], wg_hi[0]);
}
