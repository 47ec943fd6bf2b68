//! VIF: the scalar reference passes ([`cpu`], which also holds the float steps
//! both backends share; its filters run in vector code from `simd.rs` where the CPU
//! has it) and their WGSL twins ([`gpu`]: params structs, the
//! [`Pass`](crate::gpu::Pass) of each `shaders/vif_*.wgsl`, and the plan that
//! records them). A pass has the same name in both.

pub mod cpu;
pub mod gpu;
pub mod params;
mod simd;

pub use cpu::*;
