//! libvmaf's `float_ssim`: SSIM of the luma plane in single precision. CPU only
//! for now (both backends compute it on the host, as they do PSNR); `cpu.rs` is
//! written pass by pass so that a WGSL twin can follow it.

pub mod cpu;

pub use cpu::{SsimOptions, float_ssim};
