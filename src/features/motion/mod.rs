//! MOTION: the scalar reference passes ([`cpu`], which also holds the float steps
//! both backends share) and their WGSL twins ([`gpu`]: the
//! [`Pass`](crate::gpu::Pass) of each `shaders/motion_*.wgsl`, and the plan that
//! records them), over the params struct both read ([`params`]). A pass has the same
//! name in both, and the CPU function takes the shader's bindings in order.

pub mod cpu;
pub mod gpu;
pub mod params;

pub use cpu::*;
