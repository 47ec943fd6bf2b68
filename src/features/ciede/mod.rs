//! libvmaf's `ciede` (feature `ciede2000`). CPU only for now (both backends
//! compute it on the host, as they do PSNR).

pub mod cpu;

pub use cpu::ciede;
