//! The params struct of `shaders/dequant_int8.wgsl` and its CPU twin.

/// `DequantParams` in `shaders/dequant_int8.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct DequantParams {
    pub count: u32,
    pub zero_point: i32,
    pub scale: f32,
    pub _pad0: u32,
}
