//! The params struct motion's passes and their CPU twins share.

/// `MotionParams` in `shaders/motion_blur_v.wgsl` and `shaders/motion_blur_h_sad.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct MotionParams {
    /// The compared area (`features::motion::motion_extent`).
    pub width: u32,
    pub height: u32,
    /// Row pitch, in samples, of each uploaded plane (its `Plane::width`).
    pub prev_stride: u32,
    pub cur_stride: u32,
    /// Vertical rounding shift: 8 for 8-bit input, else the bit depth.
    pub shift: u32,
    /// `gpu::buffers::Packing::log2` of both planes.
    pub packing: u32,
    pub _pad1: u32,
    pub _pad2: u32,
}
