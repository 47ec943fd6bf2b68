//! One frame through a fresh plan, for tests and spot checks (the throughput path is
//! `engine`): the planes uploaded for the call, a plan built over them, its result read
//! back; optionally with one pass run by its CPU twin (`gpu::oneshot::run_swapped`).

use super::motion::cpu::motion_extent;
use crate::gpu::kernel::{Dispatch, record};
use crate::gpu::buffers::Packing;
use crate::gpu::oneshot::{self, Swapped};
use crate::gpu::{Buffer, CommandEncoder, GpuContext, GpuError};
use crate::io::Plane;

/// A per-scale feature plan (VIF, ADM), as the engine and the one-shot runs use it:
/// its dispatches in run order, what must be recorded before them, where the
/// per-frame result words land, and how they become the per-scale `(num, den)` the
/// CPU twin returns. Recording a frame is the same for every plan ([`ScalePlan::encode`]).
pub trait ScalePlan: Send {
    /// The name the plan's compute pass is recorded under.
    fn label(&self) -> &'static str;
    /// Every pass of one frame, in run order.
    fn dispatches(&self) -> &[Dispatch];
    /// What a frame records before the passes (clearing accumulators).
    fn clear(&self, _encoder: &mut CommandEncoder) {}
    /// The storage buffer (usage includes COPY_SRC) holding the per-frame result
    /// words, and how many u32.
    fn result(&self) -> (&Buffer, usize);
    /// Per-scale (num, den) from the result words, equal bit for bit to the CPU
    /// twin's; missing words read as 0.
    fn decode(&self, words: &[u32]) -> [(f32, f32); 4];
    /// Records every pass of one frame into `encoder`, in one compute pass (wgpu
    /// orders the storage writes and reads of consecutive dispatches); no submit, no
    /// readback.
    fn encode(&self, _ctx: &GpuContext, encoder: &mut CommandEncoder) -> Result<(), GpuError> {
        self.clear(encoder);
        record(encoder, self.label(), self.dispatches());
        Ok(())
    }
}

/// Runs `f` on a fresh plan over the common extent of two planes, uploaded for this
/// call (`gpu::oneshot`; tests and spot checks, not the throughput path). `build`
/// gets the extent, the bit depth clamped to 8..=16 and the uploaded planes. `None`
/// when the planes share no pixel (every feature scores such a pair 0).
pub(crate) fn with_plan<P, T>(
    ctx: &GpuContext,
    label: &'static str,
    (ref_y, dist_y): (&Plane, &Plane),
    bit_depth: u8,
    build: impl FnOnce((usize, usize), u8, &oneshot::Planes) -> Result<P, GpuError>,
    f: impl FnOnce(&P) -> Result<T, GpuError>,
) -> Result<Option<T>, GpuError> {
    let Some(extent) = motion_extent(ref_y, dist_y) else {
        return Ok(None);
    };
    let bit_depth = bit_depth.clamp(8, 16);
    let packing = Packing::for_depth(bit_depth);
    oneshot::with_planes(ctx, label, (ref_y, dist_y), extent, packing, |p| build(extent, bit_depth, p), f).map(Some)
}

/// One frame through a fresh per-scale plan ([`with_plan`]): record, read the result
/// words back, decode. Zeros when the planes share no pixel.
pub(crate) fn num_den_once<P: ScalePlan>(
    ctx: &GpuContext,
    label: &'static str,
    planes: (&Plane, &Plane),
    bit_depth: u8,
    build: impl FnOnce((usize, usize), u8, &oneshot::Planes) -> Result<P, GpuError>,
) -> Result<[(f32, f32); 4], GpuError> {
    let nd = with_plan(ctx, label, planes, bit_depth, build, |plan| {
        let (words, _) = run_frame(ctx, plan, None)?;
        Ok(plan.decode(&words))
    })?;
    Ok(nd.unwrap_or([(0.0, 0.0); 4]))
}

/// One frame through a fresh per-scale plan with every dispatch of the pass named
/// `swap` run by its CPU twin (`gpu::oneshot::run_swapped`; `None`: all on the GPU):
/// the raw result words, and what the swap saw.
pub(crate) fn result_words_by_twin<P: ScalePlan>(
    ctx: &GpuContext,
    label: &'static str,
    planes: (&Plane, &Plane),
    bit_depth: u8,
    build: impl FnOnce((usize, usize), u8, &oneshot::Planes) -> Result<P, GpuError>,
    swap: Option<&str>,
) -> Result<(Vec<u32>, Swapped), GpuError> {
    Ok(with_plan(ctx, label, planes, bit_depth, build, |plan| run_frame(ctx, plan, swap))?.unwrap_or_default())
}

/// Runs one frame of `plan` (the pass named `swap` by its CPU twin, if any) and reads
/// its result words back.
pub(crate) fn run_frame<P: ScalePlan>(ctx: &GpuContext, plan: &P, swap: Option<&str>) -> Result<(Vec<u32>, Swapped), GpuError> {
    let label = plan.label();
    let swapped = match swap {
        Some(pass) => oneshot::run_swapped(ctx, |e| plan.clear(e), plan.dispatches(), pass)?,
        None => {
            let mut encoder = ctx.encoder(label);
            plan.encode(ctx, &mut encoder)?;
            ctx.submit(encoder);
            Swapped::default()
        }
    };
    let (buffer, words) = plan.result();
    Ok((oneshot::read(ctx, ctx.encoder(label), buffer, words, "oneshot.result.readback")?, swapped))
}
