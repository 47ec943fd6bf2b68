//! libvmaf's `psnr_hvs`: PSNR-HVS-M per plane and combined. CPU only for now
//! (both backends compute it on the host, as they do PSNR).

pub mod cpu;

pub use cpu::psnr_hvs;
