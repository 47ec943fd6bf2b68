//! The params struct VIF's passes and their CPU twins share.

use crate::features::tables::vif_taps;

/// `VifParams` in `shaders/vif_*.wgsl`: one per scale, shared by every VIF pass.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct VifParams {
    /// This scale's image size and row pitch (samples) of its packed input images.
    pub width: u32,
    pub height: u32,
    pub stride: u32,
    pub scale: u32,
    /// This scale's taps: `taps[taps_offset..taps_offset + taps_len]` (flattened).
    pub taps_offset: u32,
    pub taps_len: u32,
    /// Rounding shifts of the vertical pass (mu; squares), `features::vif::vshifts`.
    pub shift_mu: u32,
    pub shift_sq: u32,
    /// 1 for 8-bit input at scale 0 (products kept as u16, sums unshifted).
    pub narrow: u32,
    /// `vif_stats`: 0, every row adds into this scale's totals (at `8 · scale`); 1,
    /// row y into its own 8 words at `8 · (scale + y)` (`vif_stats_rows`).
    pub row_records: u32,
    /// The next scale (`vif_downsample` from this one): size, row pitch (even), taps,
    /// vertical shift.
    pub out_width: u32,
    pub out_height: u32,
    pub out_stride: u32,
    pub down_taps_offset: u32,
    pub down_taps_len: u32,
    pub down_shift: u32,
    /// `features::softf64::GainClamp`: mode, the limit's bits, the bits of limit².
    pub gain_mode: u32,
    pub gain_lo: u32,
    pub gain_hi: u32,
    pub gain_sq_lo: u32,
    pub gain_sq_hi: u32,
    /// `gpu::buffers::Packing::log2` of this scale's input images (scale 0: the
    /// uploaded planes, bytes for 8-bit; later scales: `vif_downsample`'s u16 pairs).
    pub packing: u32,
    /// `vif_stats`: how many gain limits it computes the statistic for, 1 or 2; the
    /// second's clamp (as `gain_*`) is `gain2_*`.
    pub gains: u32,
    pub gain2_mode: u32,
    pub gain2_lo: u32,
    pub gain2_hi: u32,
    pub gain2_sq_lo: u32,
    pub gain2_sq_hi: u32,
    /// The taps of scales 0..3 back to back, four to a row ([`packed_taps`]). They
    /// live here, in uniform memory, because a WGSL `const` array indexed at run time
    /// is copied into function memory at every access (naga 30's SPIR-V), which made
    /// the filter passes 3-5x slower on lavapipe.
    pub taps: [[u32; 4]; TAP_ROWS],
}

/// Rows of four in [`VifParams::taps`]: 17 + 9 + 5 + 3 = 34 taps.
pub const TAP_ROWS: usize = 9;

/// The taps of scales 0..3 back to back (from `features::tables`, their one home),
/// zero-padded to [`TAP_ROWS`] rows of four.
pub fn packed_taps() -> [[u32; 4]; TAP_ROWS] {
    let mut rows = [[0; 4]; TAP_ROWS];
    for (i, &t) in (0..4).flat_map(vif_taps).enumerate() {
        rows[i / 4][i % 4] = u32::from(t);
    }
    rows
}
