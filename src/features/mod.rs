//! libvmaf integer features: VIF (4 scales), ADM (adm2 + 4 scales), motion,
//! PSNR. Each feature is a folder: `cpu.rs` the scalar reference, one function per
//! pass, and `gpu.rs` the same passes as WGSL (`shaders/<feature>_<pass>.wgsl`),
//! bit-exact with it. The CPU functions are pure functions of their input planes, so
//! frames can be computed in any order on any thread (see `crate::score`);
//! [`engine`] runs every GPU pass of a frame in one submission.
//!
//! Beside them: [`tables`] (every numeric constant, in one home), [`prelude`] (the
//! WGSL generated from it), [`wide`] (the CPU twin of `shaders/common.wgsl`'s
//! 64-bit helpers) and [`softf64`] (VIF's soft binary64).

pub mod adm;
pub mod cambi;
pub mod ciede;
pub mod engine;
pub mod motion;
pub mod name;
pub mod oneshot;
pub mod prelude;
pub mod psnr;
pub mod psnr_hvs;
pub mod softf64;
pub mod speed;
pub mod ssim;
pub mod tables;
pub mod twin;
pub mod vif;
pub mod wide;

use crate::gpu::Pass;
use crate::gpu::kernel::SharedStruct;

pub use adm::{AdmScratch, compute_adm, compute_adm_with};
pub use motion::{compute_motion_sad, motion2, motion_sad};
pub use psnr::compute_psnr;
pub use psnr_hvs::psnr_hvs;
pub use ssim::SsimOptions;
pub use vif::{VifScratch, compute_vif, compute_vif_with};

/// Every feature pass; with `model::int8::gpu::PASSES`, every `shaders/*.wgsl`
/// except `common.wgsl`.
pub const PASSES: [&Pass; 9] = {
    let [m0, m1] = motion::gpu::PASSES;
    let [v0, v1, v2] = vif::gpu::PASSES;
    let [a0, a1, a2, a3] = adm::gpu::PASSES;
    [m0, m1, v0, v1, v2, a0, a1, a2, a3]
};

/// Every params struct the feature passes share with WGSL.
pub fn shared_structs() -> Vec<SharedStruct> {
    [motion::gpu::shared_structs(), vif::gpu::shared_structs(), adm::gpu::shared_structs()].concat()
}

/// Feature parameters (libvmaf defaults: both gain limits 100.0; the NEG
/// model's `*_egl_1` features use 1.0). The other ADM options are libvmaf's
/// `integer_adm` options of the same names (VMAF v1's models set them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FeatureOptions {
    pub vif_enhn_gain_limit: f64,
    pub adm_enhn_gain_limit: f64,
    /// 0: Watson 1997 (default); 2: the Barten–Watson blend (fixed tables).
    pub adm_csf_mode: i32,
    pub adm_norm_view_dist: f64,
    pub adm_ref_display_height: i32,
    pub adm_noise_weight: f64,
    /// adm3 = `max(adm2·dlmw + (1 − aim)·(1 − dlmw), min_val)`.
    pub adm_dlm_weight: f64,
    pub adm_min_val: f64,
}

impl Default for FeatureOptions {
    fn default() -> Self {
        FeatureOptions {
            vif_enhn_gain_limit: 100.0,
            adm_enhn_gain_limit: 100.0,
            adm_csf_mode: 0,
            adm_norm_view_dist: tables::ADM_NORM_VIEW_DIST,
            adm_ref_display_height: tables::ADM_REF_DISPLAY_HEIGHT,
            adm_noise_weight: tables::ADM_NOISE_WEIGHT,
            adm_dlm_weight: adm::ADM3_DLM_WEIGHT,
            adm_min_val: adm::ADM3_MIN_VAL,
        }
    }
}

impl FeatureOptions {
    /// The ADM options all eight VMAF v1 models share (libvmaf's
    /// `model/vmaf_v1.0.16*.json`): CSF mode 2, no enhancement gain, dlm weight 0.7,
    /// min val 0.5, noise weight 0.02, at the default 3 H on 1080 lines; each model
    /// sets its own viewing condition on top.
    pub fn vmaf_v1_adm() -> FeatureOptions {
        FeatureOptions {
            adm_enhn_gain_limit: 1.0,
            adm_csf_mode: 2,
            adm_dlm_weight: 0.7,
            adm_min_val: 0.5,
            adm_noise_weight: 0.02,
            ..FeatureOptions::default()
        }
    }

    /// The default options with both enhancement gain limits `limit` (the NEG models' set at 1.0).
    pub fn egl(limit: f64) -> FeatureOptions {
        FeatureOptions { vif_enhn_gain_limit: limit, adm_enhn_gain_limit: limit, ..Default::default() }
    }

    /// Whether the ADM options other than the gain limit are libvmaf's defaults
    /// (what the GPU passes compute).
    pub fn adm_is_default_model(&self) -> bool {
        let d = FeatureOptions::default();
        FeatureOptions { vif_enhn_gain_limit: d.vif_enhn_gain_limit, adm_enhn_gain_limit: d.adm_enhn_gain_limit, ..*self } == d
    }

    /// Sets one of libvmaf's `integer_adm` options by its name or alias (`adm_csf_mode`
    /// or `csf`, …), as `--adm=NAME=VALUE:…` gives it; libvmaf's ranges apply.
    pub fn set_adm_option(&mut self, option: &str, value: &str) -> Result<(), String> {
        let number = |min: f64, max: f64| -> Result<f64, String> {
            let v = value.parse::<f64>().map_err(|_| format!("adm option {option}: {value:?} is not a number"))?;
            if (min..=max).contains(&v) { Ok(v) } else { Err(format!("adm option {option}: {v} is outside [{min}, {max}]")) }
        };
        let int = |min: i32, max: i32| -> Result<i32, String> {
            let v = value.parse::<i32>().map_err(|_| format!("adm option {option}: {value:?} is not an integer"))?;
            if (min..=max).contains(&v) { Ok(v) } else { Err(format!("adm option {option}: {v} is outside [{min}, {max}]")) }
        };
        match option {
            "adm_enhn_gain_limit" | "egl" => self.adm_enhn_gain_limit = number(1.0, 100.0)?,
            "adm_csf_mode" | "csf" => self.adm_csf_mode = int(0, 3)?,
            "adm_norm_view_dist" | "nvd" => self.adm_norm_view_dist = number(0.75, 24.0)?,
            "adm_ref_display_height" | "rdh" => self.adm_ref_display_height = int(1, 4320)?,
            "adm_noise_weight" | "nw" => self.adm_noise_weight = number(0.0, 1500.0)?,
            "adm_dlm_weight" | "dlmw" => self.adm_dlm_weight = number(0.0, 1.0)?,
            "adm_min_val" | "min" => self.adm_min_val = number(0.0, 1.0)?,
            _ => return Err(format!("adm has no option {option:?} here")),
        }
        Ok(())
    }

    /// libvmaf's key options of `integer_adm` for these options (see [`name::key`]).
    pub fn adm_key_options(&self) -> Vec<name::KeyOption> {
        use name::KeyOption as K;
        let d = FeatureOptions::default();
        vec![
            K::double("adm_enhn_gain_limit", "egl", self.adm_enhn_gain_limit, d.adm_enhn_gain_limit),
            K::int("adm_csf_mode", "csf", self.adm_csf_mode.into(), d.adm_csf_mode.into()),
            K::double("adm_norm_view_dist", "nvd", self.adm_norm_view_dist, d.adm_norm_view_dist),
            K::int("adm_ref_display_height", "rdh", self.adm_ref_display_height.into(), d.adm_ref_display_height.into()),
            K::double("adm_noise_weight", "nw", self.adm_noise_weight, d.adm_noise_weight),
            K::double("adm_dlm_weight", "dlmw", self.adm_dlm_weight, d.adm_dlm_weight),
            K::double("adm_min_val", "min", self.adm_min_val, d.adm_min_val),
        ]
    }
}

/// Reusable per-thread buffers for the `*_with` feature functions (no large
/// allocations after the first frame; keep one scratch per worker thread).
#[derive(Default)]
pub struct FeatureScratch {
    pub vif: VifScratch,
    pub adm: AdmScratch,
}

/// Upper bound of a [`FeatureScratch`]'s heap after any frame of `width x height`,
/// in bytes: what the memory budget (`crate::score::budget`) reserves per worker.
/// ADM's scale-0 bands dominate: the reference's and distorted's four bands, the
/// decoupled and additive bands, their CSF-weighted copies and the masking
/// threshold, each a quarter-size i32 plane (≈ 22 bytes per pixel); VIF's
/// half-size images add 2. `features::tests::scratch_bound_holds` checks it against
/// the measured heap.
pub fn scratch_bytes_bound(width: usize, height: usize) -> u64 {
    const PER_PIXEL: u64 = 26;
    // Row buffers (a few rows of a few planes) and the per-row partial sums.
    const PER_ROW_AND_COLUMN: u64 = 1024;
    PER_PIXEL * (width * height) as u64 + PER_ROW_AND_COLUMN * (width + height) as u64 + (1 << 16)
}

impl FeatureScratch {
    /// An empty scratch whose kernels run at `isa`.
    pub fn with_isa(isa: crate::simd::Isa) -> Self {
        FeatureScratch { vif: VifScratch::with_isa(isa), adm: AdmScratch::with_isa(isa) }
    }

    /// The bytes its buffers hold on the heap now (their capacities).
    pub fn heap_bytes(&self) -> u64 {
        self.vif.heap_bytes() + self.adm.heap_bytes()
    }
}

/// Bytes held on the heap by a vector (its capacity, not its length).
pub(crate) fn vec_bytes<T>(v: &Vec<T>) -> u64 {
    (v.capacity() * std::mem::size_of::<T>()) as u64
}

/// One frame's integer features as both backends produce them, before any float
/// score: per feature set (in the order asked for) the VIF and ADM `(num, den)` of each
/// scale and ADM's AIM numerators, and the SAD of the reference against the previous scored reference (`None`
/// for the first frame). `crate::score` turns these into libvmaf's feature values, so
/// the CPU and GPU paths share every float step after the integer part.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameFeatures {
    pub vif: Vec<[(f32, f32); 4]>,
    pub adm: Vec<adm::AdmScales>,
    pub motion_sad: Option<u64>,
    /// The SAD of the reference against the scored reference two frames back, for
    /// motion's five-frame window (`None` unless a motion option set asks for it,
    /// and for the first two frames).
    pub motion_sad2: Option<u64>,
}

/// [`FrameFeatures`] of one frame pair on the CPU.
pub fn frame_features(
    ref_y: &crate::io::Plane,
    dist_y: &crate::io::Plane,
    previous_ref_y: Option<&crate::io::Plane>,
    bit_depth: u8,
    sets: &[FeatureOptions],
    scratch: &mut FeatureScratch,
) -> FrameFeatures {
    // Sets that differ only in their ADM options share one VIF computation.
    let mut vif: Vec<[(f32, f32); 4]> = Vec::with_capacity(sets.len());
    for (k, o) in sets.iter().enumerate() {
        let v = match sets[..k].iter().position(|e| e.vif_enhn_gain_limit == o.vif_enhn_gain_limit) {
            Some(earlier) => vif[earlier],
            None => vif::compute_vif_num_den_with(ref_y, dist_y, bit_depth, o.vif_enhn_gain_limit, &mut scratch.vif),
        };
        vif.push(v);
    }
    let adm = sets
        .iter()
        .map(|o| {
            // `score` checks every set before the first frame; an invalid one here is a caller's bug.
            let cfg = adm::AdmConfig::new(o).unwrap_or_else(|why| panic!("ADM options: {why}"));
            adm::compute_adm_scales_with(ref_y, dist_y, bit_depth, &cfg, &mut scratch.adm)
        })
        .collect();
    let motion_sad = previous_ref_y.map(|prev| motion::motion_sad_at(scratch.vif.isa, prev, ref_y, bit_depth).unwrap_or(0));
    FrameFeatures { vif, adm, motion_sad, motion_sad2: None }
}

/// The features of a frame that `--subsample` leaves out of the log: only motion
/// (the temporal feature, needed for its neighbours' motion2), as libvmaf runs only
/// its temporal extractors on such frames; VIF and ADM read as (0, 0) for `sets`
/// feature sets and are never written.
pub fn motion_only_features(
    ref_y: &crate::io::Plane,
    previous_ref_y: Option<&crate::io::Plane>,
    bit_depth: u8,
    sets: usize,
) -> FrameFeatures {
    let motion_sad = previous_ref_y.map(|prev| motion_sad(prev, ref_y, bit_depth).unwrap_or(0));
    FrameFeatures { vif: vec![[(0.0, 0.0); 4]; sets], adm: vec![adm::AdmScales::default(); sets], motion_sad, motion_sad2: None }
}
