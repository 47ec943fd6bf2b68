//! PSNR on the GPU, bit-exact with `crate::features::psnr`: `psnr_sse_rows` gives a
//! (lo, hi) u32 pair per row (the exact u64 row sum, see the shader), the CPU adds the
//! rows in u64 and takes the log exactly as `features::compute_psnr` does.

use std::sync::{MutexGuard, PoisonError};

use super::GpuError;
use super::device::GpuContext;
use super::pipelines::{PSNR_SSE_ROWS, plane_bytes, upload_plane, usage};
use super::readback::read_u32;
use crate::io::{Frame, Plane};

/// `PsnrParams` in `shaders/psnr_sse_rows.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct PsnrParams {
    /// The compared area: the smaller of the two planes.
    pub width: u32,
    pub height: u32,
    /// Row pitch, in samples, of each uploaded plane (its `Plane::width`).
    pub a_stride: u32,
    pub b_stride: u32,
}

struct PsnrPlan {
    params: wgpu::Buffer,
    a: wgpu::Buffer,
    b: wgpu::Buffer,
    row_sse: wgpu::Buffer,
    row_sse_readback: wgpu::Buffer,
    group: wgpu::BindGroup,
    grid: [u32; 3],
}

/// Sum of squared differences over the common area of two planes: the GPU twin of
/// `features::psnr::psnr_sse_rows`, equal to it bit for bit.
pub fn psnr_sse_rows(ctx: &GpuContext, a: &Plane, b: &Plane) -> Result<u64, GpuError> {
    let w = a.width.min(b.width);
    let h = a.height.min(b.height);
    if w == 0 || h == 0 || a.data.len() < a.width * h || b.data.len() < b.width * h {
        return Ok(0);
    }
    let dims = [w, h, a.width, b.width];
    let rows = ctx.checked(PSNR_SSE_ROWS.name, || {
        let plan = ctx.plan("psnr", dims, || build_plan(ctx, dims))?;
        let plan: MutexGuard<PsnrPlan> = plan.lock().unwrap_or_else(PoisonError::into_inner);
        let params = PsnrParams { width: w as u32, height: h as u32, a_stride: a.width as u32, b_stride: b.width as u32 };
        ctx.queue.write_buffer(&plan.params, 0, bytemuck::bytes_of(&params));
        upload_plane(ctx, &plan.a, a, h);
        upload_plane(ctx, &plan.b, b, h);
        let mut encoder = ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("psnr") });
        ctx.kernel(&PSNR_SSE_ROWS)?.dispatch(&mut encoder, &plan.group, plan.grid);
        read_u32(ctx, encoder, &plan.row_sse, 2 * h, &plan.row_sse_readback, "psnr.row_sse.readback")
    })?;
    Ok(rows.chunks_exact(2).map(|p| u64::from(p[0]) | (u64::from(p[1]) << 32)).sum())
}

fn build_plan(ctx: &GpuContext, dims: [usize; 4]) -> Result<PsnrPlan, GpuError> {
    let [w, h, a_stride, b_stride] = dims;
    let (a_bytes, b_bytes) = (plane_bytes(a_stride, h), plane_bytes(b_stride, h));
    let grid = ctx.grid("psnr", (w, h), a_bytes.max(b_bytes), [h, 1, 1])?;
    let buffer = |label, bytes, usage| ctx.buffer(label, bytes, usage);
    let params = buffer("psnr.params", size_of::<PsnrParams>() as u64, usage::UNIFORM);
    let a_buf = buffer("psnr.a", a_bytes, usage::INPUT);
    let b_buf = buffer("psnr.b", b_bytes, usage::INPUT);
    let row_sse = buffer("psnr.row_sse", (h * 8) as u64, usage::OUTPUT);
    let row_sse_readback = buffer("psnr.row_sse.readback", (h * 8) as u64, usage::READBACK);
    let group = ctx.kernel(&PSNR_SSE_ROWS)?.bind(ctx, &[&params, &a_buf, &b_buf, &row_sse]);
    Ok(PsnrPlan { params, a: a_buf, b: b_buf, row_sse, row_sse_readback, group, grid })
}

/// PSNR of Y, Cb, Cr: the GPU twin of `features::compute_psnr`.
pub fn compute_psnr(ctx: &GpuContext, reference: &Frame, dist: &Frame) -> Result<[f64; 3], GpuError> {
    let mut out = [0.0; 3];
    for ((slot, a), b) in out.iter_mut().zip(&reference.planes).zip(&dist.planes) {
        let sse = psnr_sse_rows(ctx, a, b)?;
        *slot = crate::features::psnr::psnr_from_sse(sse, a.width * a.height, reference.info.bit_depth);
    }
    Ok(out)
}
