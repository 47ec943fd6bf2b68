//! libvmaf integer features: VIF (4 scales), ADM (adm2 + 4 scales), motion,
//! PSNR. All functions are pure functions of their input planes, so frames can be
//! computed in any order on any thread (see `crate::score`).

pub mod adm;
pub mod motion;
pub mod psnr;
pub mod tables;
pub mod vif;

pub use adm::{AdmScratch, compute_adm, compute_adm_with};
pub use motion::{compute_motion_sad, motion2};
pub use psnr::compute_psnr;
pub use vif::{VifScratch, compute_vif, compute_vif_with};

/// Feature parameters (libvmaf defaults: both gain limits 100.0; the NEG
/// model's `*_egl_1` features use 1.0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FeatureOptions {
    pub vif_enhn_gain_limit: f64,
    pub adm_enhn_gain_limit: f64,
}

impl Default for FeatureOptions {
    fn default() -> Self {
        FeatureOptions {
            vif_enhn_gain_limit: 100.0,
            adm_enhn_gain_limit: 100.0,
        }
    }
}

/// Reusable per-thread buffers for the `*_with` feature functions (no large
/// allocations after the first frame; keep one scratch per worker thread).
#[derive(Default)]
pub struct FeatureScratch {
    pub vif: VifScratch,
    pub adm: AdmScratch,
}
