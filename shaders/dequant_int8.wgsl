// int8 weights → f32, once per model load: w = f32(q - zero_point) * scale, the
// per-tensor dequantization of ONNX's DequantizeLinear. WGSL has no i8 type, so the
// weights arrive four to a u32 (element i is byte i % 4 of word i / 4, little-endian)
// and are sign-extended with a shift pair.
// CPU twin: `model::int8::dequant_int8`.
//
// Exactness: q - zero_point is an integer of at most 9 bits, so its f32 is exact, and
// WGSL's f32 multiplication is correctly rounded, as Rust's is: one rounding on both
// sides, the same result bit for bit.
//
// One invocation per weight, 2-D grid (x fastest) so that layers of more than
// 65535 · WG_SIZE weights still fit the per-dimension workgroup limit.

// `model::int8::gpu::DequantParams`.
struct DequantParams {
    count: u32,
    zero_point: i32,
    scale: f32,
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> params: DequantParams;
@group(0) @binding(1) var<storage, read> packed: array<u32>;
@group(0) @binding(2) var<storage, read_write> weights: array<f32>;

@compute @workgroup_size(WG_SIZE, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.y * groups.x * WG_SIZE + gid.x;
    if (i >= params.count) {
        return;
    }
    let byte = (packed[i >> 2u] >> (8u * (i & 3u))) & 0xffu;
    let q = bitcast<i32>(byte << 24u) >> 24u;
    weights[i] = f32(q - params.zero_point) * params.scale;
}
