//! The int8 runtime: the tables `build.rs` lowered from an ONNX Runtime dynamically
//! quantized graph (`crate::registry::quant_mlp`), run with burn tensor ops on the
//! same backends as every other model.
//!
//! At load the int8 weights become f32 once: on the GPU backend by
//! `shaders/dequant_int8.wgsl` (`crate::model::int8::gpu`), on the CPU by its twin
//! `model::int8::cpu::dequant_weights`; both give the same bits. Each layer's input is then quantized
//! the way ONNX's `DynamicQuantizeLinear` does it (uint8, scale and zero point from
//! the tensor's min and max) but **per row**, i.e. per frame: a frame's score never
//! depends on which other frames share its batch, and equals ONNX Runtime's for that
//! frame run alone.
//!
//! The weights are dequantized with scale 1, to the integers `q - zero_point`, and
//! the activations kept as the integers `q - zero_point`: their product is then
//! `MatMulInteger`'s exact int32 sum, computed in f32 (every partial sum is an
//! integer below 2^24, which `quant_mlp` checks at build time, so any summation
//! order, fused or not, gives it exactly). The scales follow as in the graph:
//! `sum * (input scale * weight scale) + bias`. Dequantizing with the weight scale
//! first would round each product and move near-ties of the next layer's
//! quantization (one held-out frame moved by 0.02 VMAF that way).

use burn::tensor::{Device, Tensor, TensorData};

use super::{Backend, Regressor, shared_gpu};
use crate::model::ModelError;
use crate::model::int8::{cpu, gpu};
use crate::registry::quant_mlp::QuantMlp;

/// One layer on the device.
struct Layer {
    /// `q - zero_point`, integer-valued.
    weights: Tensor<2>,
    weight_scale: f32,
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
        // The process's one GPU context, the one burn runs on.
        let gpu = match backend {
            Backend::Gpu => Some(shared_gpu()?),
            Backend::Cpu => None,
        };
        let row = |v: &[f32]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [1, v.len()]), device);
        let scaler = (!tables.mean.is_empty()).then(|| (row(&tables.mean), row(&tables.std)));
        let mut layers = Vec::with_capacity(tables.layers.len());
        for l in &tables.layers {
            let count = l.inputs * l.outputs;
            // Scale 1: the integers `q - zero_point` (see the module comment).
            let weights = match &gpu {
                Some(ctx) => gpu::dequant_weights(ctx, &l.packed_weights, count, 1.0, l.weight_zero_point)?,
                None => cpu::dequant_weights(&l.packed_weights, count, 1.0, l.weight_zero_point),
            };
            layers.push(Layer {
                weights: Tensor::<2>::from_data(TensorData::new(weights, [l.inputs, l.outputs]), device),
                weight_scale: l.weight_scale,
                bias: row(&l.bias),
                relu: l.relu,
            });
        }
        Ok(Box::new(Int8Regressor { scaler, layers, clip: tables.clip }))
    }
}

/// `DynamicQuantizeLinear`, row by row: per row, the range
/// `[min(0, min x), max(0, max x)]` maps onto 0..=255 with
/// `scale = (hi - lo) / 255` (1 for a row of zeros, as ONNX Runtime does),
/// `zero_point = round(clamp(-lo / scale, 0, 255))` and
/// `q = clamp(round(x / scale) + zero_point, 0, 255)`, rounding half to even.
/// Returns `q - zero_point` (integer-valued, what `MatMulInteger` multiplies) and
/// the scale of each row, `[rows, 1]`.
pub fn quantize_rows(x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
    let lo = x.clone().min_dim(1).clamp_max(0.0);
    let hi = x.clone().max_dim(1).clamp_min(0.0);
    let scale = (hi - lo.clone()).div_scalar(255.0);
    let scale = scale.clone().mask_fill(scale.equal_elem(0.0), 1.0);
    let zero_point = lo.neg().div(scale.clone()).clamp(0.0, 255.0).round();
    let q = (x.div(scale.clone()).round() + zero_point.clone()).clamp(0.0, 255.0);
    (q - zero_point, scale)
}

impl Regressor for Int8Regressor {
    fn forward_scores(&self, features: Tensor<2>) -> Tensor<1> {
        let rows = features.dims()[0];
        let mut x = features;
        if let Some((mean, std)) = &self.scaler {
            x = (x - mean.clone()).div(std.clone());
        }
        for layer in &self.layers {
            let (q, scale) = quantize_rows(x);
            x = q.matmul(layer.weights.clone()) * scale.mul_scalar(layer.weight_scale) + layer.bias.clone();
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

    /// ONNX's DynamicQuantizeLinear on one row, in plain f32 arithmetic, as ONNX
    /// Runtime computes it: `(q - zero_point, scale)`.
    fn reference_row(x: &[f32]) -> (Vec<f32>, f32) {
        let lo = x.iter().copied().fold(0.0f32, f32::min);
        let hi = x.iter().copied().fold(0.0f32, f32::max);
        let scale = if hi == lo { 1.0 } else { (hi - lo) / 255.0 };
        let zp = (-lo / scale).clamp(0.0, 255.0).round_ties_even();
        (x.iter().map(|&v| ((v / scale).round_ties_even() + zp).clamp(0.0, 255.0) - zp).collect(), scale)
    }

    #[test]
    fn quantize_rows_is_dynamic_quantize_linear_per_row_on_ndarray() {
        #[expect(deprecated, reason = "ndarray is the CPU backend until flex is evaluated")]
        let device = Device::ndarray();
        let mut state = 0x1234_5678_u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        };
        let width = 9;
        let mut rows: Vec<Vec<f32>> = (0..40).map(|i| (0..width).map(|_| next() * (i as f32 + 0.5)).collect()).collect();
        rows.push(vec![0.0; width]); // scale 1, all zeros
        rows.push(vec![3.0; width]); // all positive: zero point 0
        rows.push(vec![-2.0; width]); // all negative: zero point 255
        // Exact ties: max 255 gives scale 1, so x / scale = x.
        rows.push(vec![255.0, 0.5, 1.5, 2.5, 100.5, 0.0, 7.0, 3.5, 254.5]);
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        let x = Tensor::<2>::from_data(TensorData::new(flat, [rows.len(), width]), &device);
        let (q, scale) = quantize_rows(x);
        let got_q: Vec<f32> = q.into_data().try_to_vec::<f32>().unwrap();
        let got_scale: Vec<f32> = scale.into_data().try_to_vec::<f32>().unwrap();
        let expected: Vec<(Vec<f32>, f32)> = rows.iter().map(|r| reference_row(r)).collect();
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        let want_q: Vec<f32> = expected.iter().flat_map(|(q, _)| q.clone()).collect();
        let want_scale: Vec<f32> = expected.iter().map(|(_, s)| *s).collect();
        assert_eq!(bits(&got_q), bits(&want_q));
        assert_eq!(bits(&got_scale), bits(&want_scale));
        // Ties went to even: 0.5 → 0, 1.5 → 2, 2.5 → 2, 100.5 → 100, 254.5 → 254.
        let tie_row = &got_q[got_q.len() - width..];
        assert_eq!(tie_row, &[255.0, 0.0, 2.0, 2.0, 100.0, 0.0, 7.0, 4.0, 254.0]);
    }
}
