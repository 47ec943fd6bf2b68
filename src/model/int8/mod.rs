//! int8 models' weights: the tables `build.rs` lowered from an ONNX Runtime
//! dynamically quantized graph (`crate::registry::quant_mlp`), four int8 weights to a
//! u32, become f32 once, at model load: on the GPU by `shaders/dequant_int8.wgsl`
//! ([`gpu`]), on the CPU by its twin ([`cpu`]); both give the same bits. The layers
//! then run with burn tensor ops (`model::backend::int8`).

pub mod cpu;
pub mod gpu;
pub mod params;

pub use cpu::dequant_weights;
pub use crate::registry::quant_mlp::{QuantLayer, QuantMlp};
