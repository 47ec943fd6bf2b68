//! Integer motion on the GPU, bit-exact with `crate::features::motion`:
//! `motion_blur_v` (one invocation per sample) → `motion_blur_h_sad` (one workgroup
//! per row, a u32 SAD per row) → the u64 sum of the row sums and
//! `features::motion::motion_score` on the CPU. The 32-bit arguments for each
//! accumulation are written at the top of the two shaders.

use std::sync::{MutexGuard, PoisonError};

use super::GpuError;
use super::device::GpuContext;
use super::pipelines::{MOTION_BLUR_H_SAD, MOTION_BLUR_V, WORKGROUP_SIZE, plane_bytes, upload_plane, usage};
use super::readback::read_u32;
use crate::features::motion::{motion_extent, motion_score};
use crate::io::Plane;

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
    pub _pad0: u32,
    pub _pad1: u32,
    pub _pad2: u32,
}

/// The buffers and bind groups of one frame size.
struct MotionPlan {
    params: wgpu::Buffer,
    prev: wgpu::Buffer,
    cur: wgpu::Buffer,
    blur_v: wgpu::Buffer,
    row_sad: wgpu::Buffer,
    row_sad_readback: wgpu::Buffer,
    blur_v_group: wgpu::BindGroup,
    blur_h_sad_group: wgpu::BindGroup,
    blur_v_grid: [u32; 3],
    blur_h_sad_grid: [u32; 3],
}

/// Which buffer a run reads back.
#[derive(Clone, Copy)]
enum Output {
    /// `motion_blur_v`'s `w·h` i32 samples (for pass-level tests).
    BlurV,
    /// `motion_blur_h_sad`'s `h` row sums.
    RowSad,
}

/// Runs both passes over the `w x h` area and reads back `output`.
fn run(
    ctx: &GpuContext,
    prev: &Plane,
    cur: &Plane,
    (w, h): (usize, usize),
    bit_depth: u8,
    output: Output,
) -> Result<Vec<u32>, GpuError> {
    let dims = [w, h, prev.width, cur.width];
    ctx.checked("motion", || {
        let plan = ctx.plan("motion", dims, || build_plan(ctx, dims))?;
        let plan: MutexGuard<MotionPlan> = plan.lock().unwrap_or_else(PoisonError::into_inner);
        let params = MotionParams {
            width: w as u32,
            height: h as u32,
            prev_stride: prev.width as u32,
            cur_stride: cur.width as u32,
            shift: if bit_depth <= 8 { 8 } else { u32::from(bit_depth) },
            ..bytemuck::Zeroable::zeroed()
        };
        ctx.queue.write_buffer(&plan.params, 0, bytemuck::bytes_of(&params));
        upload_plane(ctx, &plan.prev, prev, h);
        upload_plane(ctx, &plan.cur, cur, h);
        let mut encoder = ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("motion") });
        ctx.kernel(&MOTION_BLUR_V)?.dispatch(&mut encoder, &plan.blur_v_group, plan.blur_v_grid);
        match output {
            Output::BlurV => {
                // Test-only path: its staging buffer is made on first use.
                let label = "motion.blur_v.readback";
                let staging = ctx.buffer(label, dims, (w * h * 4) as u64, usage::READBACK);
                read_u32(ctx, encoder, &plan.blur_v, w * h, &staging, label)
            }
            Output::RowSad => {
                ctx.kernel(&MOTION_BLUR_H_SAD)?.dispatch(&mut encoder, &plan.blur_h_sad_group, plan.blur_h_sad_grid);
                read_u32(ctx, encoder, &plan.row_sad, h, &plan.row_sad_readback, "motion.row_sad.readback")
            }
        }
    })
}

fn build_plan(ctx: &GpuContext, dims: [usize; 4]) -> Result<MotionPlan, GpuError> {
    let [w, h, prev_stride, cur_stride] = dims;
    let wg = WORKGROUP_SIZE as usize;
    let (prev_bytes, cur_bytes) = (plane_bytes(prev_stride, h), plane_bytes(cur_stride, h));
    let blur_bytes = (w * h * 4) as u64;
    let largest = prev_bytes.max(cur_bytes).max(blur_bytes);
    let blur_v_grid = ctx.grid("motion", (w, h), largest, [w.div_ceil(wg), h, 1])?;
    let blur_h_sad_grid = ctx.grid("motion", (w, h), largest, [h, 1, 1])?;
    let buffer = |label, bytes, usage| ctx.buffer(label, dims, bytes, usage);
    let params = buffer("motion.params", size_of::<MotionParams>() as u64, usage::UNIFORM);
    let prev_buf = buffer("motion.prev", prev_bytes, usage::INPUT);
    let cur_buf = buffer("motion.cur", cur_bytes, usage::INPUT);
    let blur_v = buffer("motion.blur_v", blur_bytes, usage::OUTPUT);
    let row_sad = buffer("motion.row_sad", (h * 4) as u64, usage::OUTPUT);
    let row_sad_readback = buffer("motion.row_sad.readback", (h * 4) as u64, usage::READBACK);
    let blur_v_group = ctx.kernel(&MOTION_BLUR_V)?.bind(ctx, &[&params, &prev_buf, &cur_buf, &blur_v]);
    let blur_h_sad_group = ctx.kernel(&MOTION_BLUR_H_SAD)?.bind(ctx, &[&params, &blur_v, &row_sad]);
    Ok(MotionPlan {
        params,
        prev: prev_buf,
        cur: cur_buf,
        blur_v,
        row_sad,
        row_sad_readback,
        blur_v_group,
        blur_h_sad_group,
        blur_v_grid,
        blur_h_sad_grid,
    })
}

/// Raw motion (`VMAF_integer_feature_motion_sad_score`) between the previous and the
/// current reference luma plane: the GPU twin of `features::compute_motion_sad`, equal
/// to it bit for bit.
pub fn compute_motion_sad(ctx: &GpuContext, prev: &Plane, cur: &Plane, bit_depth: u8) -> Result<f64, GpuError> {
    let Some((w, h)) = motion_extent(prev, cur) else {
        return Ok(0.0);
    };
    Ok(motion_score(motion_sad(ctx, prev, cur, bit_depth)?, w, h))
}

/// The frame's u64 SAD (before `motion_score`): the CPU sum of the GPU row sums.
pub fn motion_sad(ctx: &GpuContext, prev: &Plane, cur: &Plane, bit_depth: u8) -> Result<u64, GpuError> {
    Ok(motion_row_sads(ctx, prev, cur, bit_depth)?.iter().map(|&r| u64::from(r)).sum())
}

/// `motion_blur_h_sad`'s output: one u32 SAD per row (`features::motion::motion_blur_h_sad`
/// of each row); empty when the planes are empty.
pub fn motion_row_sads(ctx: &GpuContext, prev: &Plane, cur: &Plane, bit_depth: u8) -> Result<Vec<u32>, GpuError> {
    let Some(extent) = motion_extent(prev, cur) else {
        return Ok(Vec::new());
    };
    run(ctx, prev, cur, extent, bit_depth.clamp(8, 16), Output::RowSad)
}

/// `motion_blur_v`'s output, row-major over the `w x h` area
/// (`features::motion::motion_blur_v` of each row).
pub fn motion_blur_v(ctx: &GpuContext, prev: &Plane, cur: &Plane, bit_depth: u8) -> Result<Vec<i32>, GpuError> {
    let Some(extent) = motion_extent(prev, cur) else {
        return Ok(Vec::new());
    };
    let words = run(ctx, prev, cur, extent, bit_depth.clamp(8, 16), Output::BlurV)?;
    Ok(words.into_iter().map(|w| w as i32).collect())
}
