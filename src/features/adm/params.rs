//! The params struct ADM's passes and their CPU twins share.

/// `AdmParams` in every `shaders/adm_*.wgsl`: one per scale, written once per plan.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct AdmParams {
    /// Band size of this scale (the DWT's output).
    pub width: u32,
    pub height: u32,
    /// The DWT's input: the pixel plane (scale 0) or the previous scale's band a.
    pub src_width: u32,
    pub src_height: u32,
    /// Row pitch of the DWT's input, in samples.
    pub src_stride: u32,
    /// Scale 0: `gpu::buffers::Packing::log2` of the pixel planes.
    pub src_packing: u32,
    pub scale: u32,
    /// DWT rounding: vertical add and shift, horizontal add and shift.
    pub dwt_v_add: u32,
    pub dwt_v_shift: u32,
    pub dwt_h_add: u32,
    pub dwt_h_shift: u32,
    /// `features::adm::region_filter` (decouple, CSF), `[top, bottom) x [left, right)`.
    pub filt_top: u32,
    pub filt_bottom: u32,
    pub filt_left: u32,
    pub filt_right: u32,
    /// `features::adm::region_score` (threshold and both sums).
    pub score_top: u32,
    pub score_bottom: u32,
    pub score_left: u32,
    pub score_right: u32,
    /// The enhancement gain limit, an integer (see [`AdmPlan::new`]).
    pub gain_limit: i32,
    /// Scales 1..3: the CSF factors in Q32 (h, v, d), as the CPU rounds them.
    pub rf_h: u32,
    pub rf_v: u32,
    pub rf_d: u32,
    /// `features::adm::AdmShifts` of this band.
    pub den_sq: u32,
    pub den_cub: u32,
    pub den_row: u32,
    pub cm_cub_hv: u32,
    pub cm_cub_d: u32,
    pub cm_row: u32,
    /// First word of this scale's totals in the result buffer.
    pub result_offset: u32,
    /// Scale 0: the integer CSF factors (h, v, d) of [`AdmConfig::s0`](super::AdmConfig).
    pub s0_rf_h: i32,
    pub s0_rf_v: i32,
    pub s0_rf_d: i32,
    /// First word of this scale's AIM totals in the result buffer.
    pub aim_offset: u32,
    pub _pad1: u32,
    pub _pad2: u32,
}
