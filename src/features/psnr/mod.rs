//! PSNR: CPU only. On the GPU path it is computed on the CPU beside the GPU's VIF,
//! ADM and motion (see `score::gpu`).

pub mod cpu;

pub use cpu::*;
