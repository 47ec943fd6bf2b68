//! libvmaf's `float_ssim` and `float_ms_ssim`: SSIM and MS-SSIM of the luma plane
//! in single precision. CPU only
//! for now (both backends compute it on the host, as they do PSNR); `cpu.rs` is
//! written pass by pass so that a WGSL twin can follow it.

pub mod cpu;

pub use cpu::{SsimOptions, float_ms_ssim, float_ssim};
