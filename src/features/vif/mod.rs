//! VIF: the scalar reference passes ([`cpu`], which also holds the float steps
//! both backends share) and their WGSL twins ([`gpu`]: params structs, the
//! [`Pass`](crate::gpu::Pass) of each `shaders/vif_*.wgsl`, and the plan that
//! records them). A pass has the same name in both.

pub mod cpu;
pub mod gpu;
pub mod params;

pub use cpu::*;
