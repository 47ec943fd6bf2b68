//! Tier 1: `shaders/dequant_int8.wgsl` against its CPU twin `model::int8::dequant_int8`,
//! bit for bit, on fixed-seed packed weights; and the twin against the ONNX
//! `DequantizeLinear` definition written out here in plain arithmetic.

mod common;

use common::Rng;
use tinyvmaf_gpu::model::int8::gpu as dequant;
use tinyvmaf_gpu::model::int8::dequant_weights;

fn random_case(rng: &mut Rng, count: usize) -> (Vec<u32>, f32, i32) {
    let packed: Vec<u32> = (0..count.div_ceil(4)).map(|_| rng.next() as u32).collect();
    // Scales over many binades, zero points over the whole int8 range.
    let scale = f32::from_bits(0x3000_0000 + (rng.below(0x0e00_0000) as u32));
    let zero_point = rng.below(256) as i32 - 128;
    (packed, scale, zero_point)
}

#[test]
fn cpu_twin_is_onnx_dequantize_linear() {
    let mut rng = Rng(11);
    for count in [1, 3, 4, 5, 64, 383] {
        let (packed, scale, zp) = random_case(&mut rng, count);
        let bytes: Vec<u8> = packed.iter().flat_map(|w| w.to_le_bytes()).collect();
        let expected: Vec<f32> = bytes[..count].iter().map(|&b| (i32::from(b as i8) - zp) as f32 * scale).collect();
        assert_eq!(dequant_weights(&packed, count, scale, zp), expected, "count {count}");
    }
}

#[test]
fn dequant_int8_shader_equals_its_cpu_twin() {
    let Some(ctx) = common::shared_ctx("dequant_int8") else { return };
    let mut rng = Rng(5);
    // Odd counts, a count that is not a multiple of 4 or of the workgroup, one
    // larger than a single workgroup row, and the extremes of int8 and scale.
    let mut cases: Vec<(Vec<u32>, usize, f32, i32)> = [1usize, 2, 7, 63, 64, 65, 1000, 4097, 70_001]
        .iter()
        .map(|&n| {
            let (p, s, z) = random_case(&mut rng, n);
            (p, n, s, z)
        })
        .collect();
    cases.push((vec![0x7f80_017f; 4], 16, 1.0, 127));
    cases.push((vec![0x8080_8080; 2], 8, f32::MAX, -128));
    cases.push((vec![0x01ff_7f80; 3], 12, f32::MIN_POSITIVE, 0));
    for (packed, count, scale, zp) in &cases {
        let gpu = dequant::dequant_weights(ctx, packed, *count, *scale, *zp).unwrap();
        let cpu = dequant_weights(packed, *count, *scale, *zp);
        let gpu_bits: Vec<u32> = gpu.iter().map(|v| v.to_bits()).collect();
        let cpu_bits: Vec<u32> = cpu.iter().map(|v| v.to_bits()).collect();
        assert_eq!(gpu_bits, cpu_bits, "count {count} scale {scale:e} zero point {zp}");
    }
    println!("dequant_int8: {} cases bit-identical on {}", cases.len(), ctx.adapter_summary().name);
}

#[test]
fn too_few_packed_words_is_an_error_not_a_panic() {
    let Some(ctx) = common::shared_ctx("dequant_int8") else { return };
    let err = dequant::dequant_weights(ctx, &[0u32; 2], 9, 1.0, 0).unwrap_err();
    assert!(err.to_string().contains("fewer than 9 weights"), "{err}");
}
