// VIF pass 4, per scale: the sum of this scale's per-row partials (`vif_stats`), the
// exact integer totals of the frame: 8 words at `8 · scale` of `result` (num_log,
// den_log, num_nonlog as (lo, hi) pairs, count, 0). The host turns them into
// (num, den) with `features::vif::vif_finish`, the last step of the CPU twin
// `features::vif::vif_reduce`. `WG_SIZE` comes from the generated prelude.
//
// Workgroup: WG_SIZE (64) x 1, a single workgroup, grid (1, 1): the input is one
// record per row (at most a few thousand), so one group striding over the rows and
// one tree reduction is cheaper than a second level of dispatches.
//
// Exactness: every field is summed as (lo, hi) pairs with carry (`add_u64`), i.e.
// modulo 2^64, which is the CPU's i64 sum whenever that does not overflow (it cannot:
// the totals stay below 2^63, see `vif_stats.wgsl`); addition mod 2^64 is associative
// and commutative, so the order of the tree does not matter. count: one u32 per row,
// summed as a pair too.

// `VifParams`: shaders/common.wgsl.

@group(0) @binding(0) var<uniform> params: VifParams;
@group(0) @binding(1) var<storage, read> partials: array<u32>;
@group(0) @binding(2) var<storage, read_write> result: array<u32>;

fn field(row: u32, i: u32) -> vec2<u32> {
    let p = 8u * (params.row_offset + row) + i;
    return vec2<u32>(partials[p], partials[p + 1u]);
}

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(local_invocation_index) lid: u32) {
    var num_log = vec2<u32>(0u, 0u);
    var den_log = vec2<u32>(0u, 0u);
    var num_nonlog = vec2<u32>(0u, 0u);
    var count = vec2<u32>(0u, 0u);
    for (var row = lid; row < params.height; row += WG_SIZE) {
        num_log = add_u64(num_log, field(row, 0u));
        den_log = add_u64(den_log, field(row, 2u));
        num_nonlog = add_u64(num_nonlog, field(row, 4u));
        count = add_u64(count, vec2<u32>(partials[8u * (params.row_offset + row) + 6u], 0u));
    }
    // Barriers between the sums: see `vif_stats.wgsl`.
    let t_num_log = workgroup_sum_u64(lid, num_log);
    workgroupBarrier();
    let t_den_log = workgroup_sum_u64(lid, den_log);
    workgroupBarrier();
    let t_num_nonlog = workgroup_sum_u64(lid, num_nonlog);
    workgroupBarrier();
    let t_count = workgroup_sum_u64(lid, count);
    if (lid == 0u) {
        let o = 8u * params.scale;
        result[o] = t_num_log.x;
        result[o + 1u] = t_num_log.y;
        result[o + 2u] = t_den_log.x;
        result[o + 3u] = t_den_log.y;
        result[o + 4u] = t_num_nonlog.x;
        result[o + 5u] = t_num_nonlog.y;
        result[o + 6u] = t_count.x;
        result[o + 7u] = t_count.y;
    }
}
