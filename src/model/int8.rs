//! int8 models: the tables `build.rs` lowered from an ONNX Runtime dynamically
//! quantized graph (`crate::registry::quant_mlp`), run with burn tensor ops on the
//! same backends as every other model.
//!
//! At load the int8 weights become f32 once: on the GPU backend by
//! `shaders/dequant_int8.wgsl` (`crate::gpu::dequant`), on the CPU by its twin
//! [`dequant_int8`]; both give the same bits. Each layer's input is then quantized
//! the way ONNX's `DynamicQuantizeLinear` does it (uint8, scale and zero point from
//! the tensor's min and max) but **per row**, i.e. per frame: a frame's score never
//! depends on which other frames share its batch, and equals ONNX Runtime's for that
//! frame run alone. The `MatMulInteger` that follows is computed on the dequantized
//! values in f32, which differs from ONNX Runtime's int32 sum only by f32 rounding.

use burn::tensor::{Device, Tensor, TensorData};

use super::{Backend, ModelError, Regressor};
pub use crate::registry::quant_mlp::{QuantLayer, QuantMlp};

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

/// One layer on the device.
struct Layer {
    weights: Tensor<2>,
    bias: Tensor<2>,
    relu: bool,
}

/// The int8 runtime for one model.
pub struct Int8Regressor {
    /// `[1, inputs]` each; `None` without a scaler.
    scaler: Option<(Tensor<2>, Tensor<2>)>,
    layers: Vec<Layer>,
    clip: Option<(f32, f32)>,
}

impl Int8Regressor {
    /// Dequantizes `tables`' weights on `backend` and puts the model on `device`.
    pub fn build(tables: QuantMlp, device: &Device, backend: Backend) -> Result<Box<dyn Regressor>, ModelError> {
        let gpu = match backend {
            Backend::Gpu => Some(crate::gpu::GpuContext::new(&crate::gpu::DeviceOptions::default())?),
            Backend::Cpu => None,
        };
        let row = |v: &[f32]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [1, v.len()]), device);
        let scaler = (!tables.mean.is_empty()).then(|| (row(&tables.mean), row(&tables.std)));
        let mut layers = Vec::with_capacity(tables.layers.len());
        for l in &tables.layers {
            let count = l.inputs * l.outputs;
            let weights = match &gpu {
                Some(ctx) => crate::gpu::dequant::dequant_int8(ctx, &l.packed_weights, count, l.weight_scale, l.weight_zero_point)?,
                None => dequant_int8(&l.packed_weights, count, l.weight_scale, l.weight_zero_point),
            };
            layers.push(Layer {
                weights: Tensor::<2>::from_data(TensorData::new(weights, [l.inputs, l.outputs]), device),
                bias: row(&l.bias),
                relu: l.relu,
            });
        }
        Ok(Box::new(Int8Regressor { scaler, layers, clip: tables.clip }))
    }
}

/// `DynamicQuantizeLinear` then its dequantization, row by row: per row, the range
/// `[min(0, min x), max(0, max x)]` maps onto 0..=255 with
/// `scale = (hi - lo) / 255`, `zero_point = round(clamp(-lo / scale, 0, 255))` and
/// `q = clamp(round(x / scale) + zero_point, 0, 255)` (rounding half to even, as
/// ONNX Runtime does); the result is `(q - zero_point) * scale`. A row of zeros has
/// scale 0 and stays zeros.
pub fn quantize_rows(x: Tensor<2>) -> Tensor<2> {
    let lo = x.clone().min_dim(1).clamp_max(0.0);
    let hi = x.clone().max_dim(1).clamp_min(0.0);
    let scale = (hi - lo.clone()).div_scalar(255.0);
    // Scale 0 only when the row is all zeros; dividing by 1 there keeps it zeros.
    let safe = scale.clone().mask_fill(scale.equal_elem(0.0), 1.0);
    let zero_point = lo.neg().div(safe.clone()).clamp(0.0, 255.0).round();
    let q = (x.div(safe.clone()).round() + zero_point.clone()).clamp(0.0, 255.0);
    (q - zero_point).mul(safe)
}

impl Regressor for Int8Regressor {
    fn forward_scores(&self, features: Tensor<2>) -> Tensor<1> {
        let rows = features.dims()[0];
        let mut x = features;
        if let Some((mean, std)) = &self.scaler {
            x = (x - mean.clone()).div(std.clone());
        }
        for layer in &self.layers {
            x = quantize_rows(x).matmul(layer.weights.clone()) + layer.bias.clone();
            if layer.relu {
                x = burn::tensor::activation::relu(x);
            }
        }
        if let Some((lo, hi)) = self.clip {
            x = x.clamp(lo, hi);
        }
        x.reshape([rows])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ONNX's DynamicQuantizeLinear followed by its dequantization, on one row, in
    /// plain f32 arithmetic: the definition `quantize_rows` implements with tensors.
    fn reference_row(x: &[f32]) -> Vec<f32> {
        let lo = x.iter().copied().fold(0.0f32, f32::min);
        let hi = x.iter().copied().fold(0.0f32, f32::max);
        let scale = (hi - lo) / 255.0;
        if scale == 0.0 {
            return vec![0.0; x.len()];
        }
        let zp = (-lo / scale).clamp(0.0, 255.0).round_ties_even();
        x.iter().map(|&v| (((v / scale).round_ties_even() + zp).clamp(0.0, 255.0) - zp) * scale).collect()
    }

    #[test]
    fn quantize_rows_is_dynamic_quantize_linear_per_row_on_ndarray() {
        #[allow(deprecated)]
        let device = Device::ndarray();
        let mut state = 0x1234_5678_u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        };
        let width = 9;
        let mut rows: Vec<Vec<f32>> = (0..40).map(|i| (0..width).map(|_| next() * (i as f32 + 0.5)).collect()).collect();
        rows.push(vec![0.0; width]); // scale 0
        rows.push(vec![3.0; width]); // all positive: zero point 0
        rows.push(vec![-2.0; width]); // all negative: zero point 255
        rows.push((0..width).map(|i| i as f32 * 0.5).collect()); // ties
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        let x = Tensor::<2>::from_data(TensorData::new(flat, [rows.len(), width]), &device);
        let got: Vec<f32> = quantize_rows(x).into_data().try_to_vec::<f32>().unwrap();
        let expected: Vec<f32> = rows.iter().flat_map(|r| reference_row(r)).collect();
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&expected));
    }

    #[test]
    fn dequant_twin_sign_extends_each_byte() {
        // Bytes 0x80 (-128), 0x7f (127), 0xff (-1), 0x01 (1), little-endian in one word.
        let packed = [0x01ff_7f80_u32];
        assert_eq!(dequant_int8(&packed, 4, 0.5, -1), vec![-63.5, 64.0, 0.0, 1.0]);
        assert_eq!(dequant_int8(&packed, 3, 1.0, 0), vec![-128.0, 127.0, -1.0]);
    }
}
