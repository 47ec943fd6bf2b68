//! The CPU twin of `shaders/dequant_int8.wgsl`.

/// `count` int8 weights packed four to a word → `f32(q - zero_point) * scale`.
/// The CPU twin of `shaders/dequant_int8.wgsl`, invocation for invocation.
pub fn dequant_int8(packed: &[u32], count: usize, scale: f32, zero_point: i32) -> Vec<f32> {
    (0..count)
        .map(|i| {
            let byte = (packed[i >> 2] >> (8 * (i & 3))) & 0xff;
            // Sign-extend the low byte, as the shader's shift pair does.
            let q = ((byte << 24) as i32) >> 24;
            (q - zero_point) as f32 * scale
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dequant_twin_sign_extends_each_byte() {
        // Bytes 0x80 (-128), 0x7f (127), 0xff (-1), 0x01 (1), little-endian in one word.
        let packed = [0x01ff_7f80_u32];
        assert_eq!(dequant_int8(&packed, 4, 0.5, -1), vec![-63.5, 64.0, 0.0, 1.0]);
        assert_eq!(dequant_int8(&packed, 3, 1.0, 0), vec![-128.0, 127.0, -1.0]);
    }
}
