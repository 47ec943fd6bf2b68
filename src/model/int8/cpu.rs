//! The CPU twin of `shaders/dequant_int8.wgsl`.

use super::params::DequantParams;

/// `count` int8 weights packed four to a word → `f32(q - zero_point) * scale`.
/// The CPU twin of `shaders/dequant_int8.wgsl`, invocation for invocation.
pub fn dequant_weights(packed: &[u32], count: usize, scale: f32, zero_point: i32) -> Vec<f32> {
    (0..count)
        .map(|i| {
            let byte = (packed[i >> 2] >> (8 * (i & 3))) & 0xff;
            // Sign-extend the low byte, as the shader's shift pair does.
            let q = ((byte << 24) as i32) >> 24;
            (q - zero_point) as f32 * scale
        })
        .collect()
}

/// `shaders/dequant_int8.wgsl` over its bindings: params, packed, weights (f32 bits).
pub fn dequant_int8(b: &mut [Vec<u32>]) {
    let [params, packed, weights] = b else { panic!("dequant_int8 binds 3 buffers") };
    let p: DequantParams = bytemuck::pod_read_unaligned(&bytemuck::cast_slice::<u32, u8>(params)[..size_of::<DequantParams>()]);
    let out = dequant_weights(packed, p.count as usize, p.scale, p.zero_point);
    for (w, v) in weights.iter_mut().zip(out) {
        *w = v.to_bits();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dequant_twin_sign_extends_each_byte() {
        // Bytes 0x80 (-128), 0x7f (127), 0xff (-1), 0x01 (1), little-endian in one word.
        let packed = [0x01ff_7f80_u32];
        assert_eq!(dequant_weights(&packed, 4, 0.5, -1), vec![-63.5, 64.0, 0.0, 1.0]);
        assert_eq!(dequant_weights(&packed, 3, 1.0, 0), vec![-128.0, 127.0, -1.0]);
    }
}
