//! Integer motion on the GPU, bit-exact with `crate::features::motion`:
//! `motion_blur_v` (one invocation per sample) → `motion_blur_h_sad` (one workgroup
//! per row: a u32 SAD per row, added into the u64 frame SAD, two words, with atomics)
//! → `features::motion::motion_score` on the CPU. The 32-bit arguments for
//! each accumulation are written at the top of the shaders.
//!
//! [`MotionPlan`] binds to planes already on the GPU (the engine keeps the previous
//! reference there, so it is uploaded once); the functions below it upload two planes
//! themselves (`gpu::oneshot`), for tests and one-off calls.

use super::cpu::{self, motion_extent, motion_score};
pub use super::params::MotionParams;
use crate::features::prelude::wgsl_prelude;
use crate::gpu::buffers::{self, Packing, usage};
use crate::gpu::kernel::{Dispatch, SharedStruct, pass, record, shared_struct};
use crate::gpu::{Buffer, CommandEncoder, GpuContext, GpuError, Pass, WORKGROUP_SIZE, oneshot};
use crate::io::Plane;

/// The passes of one frame size, bound to a previous and a current plane that the
/// caller owns and fills.
pub struct MotionPlan {
    blur_v: Buffer,
    row_sad: Buffer,
    sad: Buffer,
    /// motion_blur_v, motion_blur_h_sad.
    dispatches: [Dispatch; 2],
    height: usize,
}

impl MotionPlan {
    /// Motion over the `w x h` area of `prev` and `cur`, planes uploaded with
    /// `gpu::buffers::upload_plane` with row pitches `prev_stride` and `cur_stride`
    /// samples, packed as `Packing::for_depth(bit_depth)`.
    pub fn new(
        ctx: &GpuContext,
        (w, h): (usize, usize),
        (prev_stride, cur_stride): (usize, usize),
        bit_depth: u8,
        prev: &Buffer,
        cur: &Buffer,
    ) -> Result<MotionPlan, GpuError> {
        let wg = WORKGROUP_SIZE as usize;
        let blur_bytes = (w * h * 4) as u64;
        let packing = Packing::for_depth(bit_depth);
        let largest = packing.plane_bytes(prev_stride.max(cur_stride), h).max(blur_bytes);
        let blur_v_grid = ctx.grid("motion", (w, h), largest, [w.div_ceil(wg), h, 1])?;
        let blur_h_sad_grid = ctx.grid("motion", (w, h), largest, [h, 1, 1])?;
        let params = MotionParams {
            width: w as u32,
            height: h as u32,
            prev_stride: prev_stride as u32,
            cur_stride: cur_stride as u32,
            shift: motion_shift(bit_depth),
            packing: packing.log2(),
            ..bytemuck::Zeroable::zeroed()
        };
        let params_buf = ctx.buffer("motion.params", size_of::<MotionParams>() as u64, usage::UNIFORM);
        ctx.write(&params_buf, 0, bytemuck::bytes_of(&params));
        let blur_v = ctx.buffer("motion.blur_v", blur_bytes, usage::OUTPUT);
        let row_sad = ctx.buffer("motion.row_sad", (h * 4) as u64, usage::OUTPUT);
        let sad = ctx.buffer("motion.sad", 8, usage::ACCUMULATOR);
        let dispatches = [
            Dispatch::new(ctx, &ctx.kernel(&MOTION_BLUR_V)?, &[&params_buf, prev, cur, &blur_v], blur_v_grid),
            Dispatch::new(ctx, &ctx.kernel(&MOTION_BLUR_H_SAD)?, &[&params_buf, &blur_v, &row_sad, &sad], blur_h_sad_grid),
        ];
        Ok(MotionPlan { blur_v, row_sad, sad, dispatches, height: h })
    }

    /// Clears the frame SAD and records the two passes of one frame.
    pub fn encode(&self, _ctx: &GpuContext, encoder: &mut CommandEncoder) -> Result<(), GpuError> {
        buffers::clear(encoder, &self.sad);
        record(encoder, "motion", &self.dispatches);
        Ok(())
    }

    /// The three passes, in run order (what `encode` records).
    pub fn dispatches(&self) -> &[Dispatch] {
        &self.dispatches
    }

    /// The buffer holding the frame's SAD (two words) after [`MotionPlan::encode`].
    pub fn result(&self) -> (&Buffer, usize) {
        (&self.sad, 2)
    }

    /// The frame's u64 SAD from the result words.
    pub fn decode(words: &[u32]) -> u64 {
        u64::from(words[0]) | (u64::from(words[1]) << 32)
    }
}

/// Which buffer a run reads back.
#[derive(Clone, Copy)]
enum Output {
    /// `motion_blur_v`'s `w·h` i32 samples (for pass-level tests).
    BlurV,
    /// `motion_blur_h_sad`'s `h` row sums.
    RowSad,
    /// `motion_blur_h_sad`'s (lo, hi) frame SAD.
    Sad,
}

/// Uploads both planes, runs the passes over the `w x h` area up to the one that
/// writes `output` (with the pass named `swap` replaced by its CPU twin, if any) and
/// reads `output` back.
fn run(
    ctx: &GpuContext,
    prev: &Plane,
    cur: &Plane,
    (w, h): (usize, usize),
    bit_depth: u8,
    output: Output,
    swap: Option<&str>,
) -> Result<(Vec<u32>, oneshot::Swapped), GpuError> {
    let build = |planes: &oneshot::Planes| {
        MotionPlan::new(ctx, (w, h), (w, w), bit_depth, &planes.reference, &planes.distorted)
    };
    oneshot::with_planes(ctx, "motion", (prev, cur), (w, h), Packing::for_depth(bit_depth), build, |p| {
        let (count, src, words) = match output {
            Output::BlurV => (1, &p.blur_v, w * h),
            Output::RowSad => (2, &p.row_sad, p.height),
            Output::Sad => (2, &p.sad, 2),
        };
        let mut encoder = ctx.encoder("motion");
        let swapped = match swap {
            Some(pass) => oneshot::run_swapped(ctx, |e| buffers::clear(e, &p.sad), &p.dispatches[..count], pass)?,
            None => {
                buffers::clear(&mut encoder, &p.sad);
                record(&mut encoder, "motion", &p.dispatches[..count]);
                oneshot::Swapped::default()
            }
        };
        Ok((oneshot::read(ctx, encoder, src, words, "motion.readback")?, swapped))
    })
}

/// The frame's u64 SAD with the pass named `pass` run by its CPU twin in the GPU chain
/// (`gpu::oneshot::run_swapped`), and what the swap saw (the swap test).
#[doc(hidden)]
pub fn motion_sad_by_twin(
    ctx: &GpuContext,
    prev: &Plane,
    cur: &Plane,
    bit_depth: u8,
    pass: &str,
) -> Result<(u64, oneshot::Swapped), GpuError> {
    let Some(extent) = motion_extent(prev, cur) else {
        return Ok((0, oneshot::Swapped::default()));
    };
    let (words, swapped) = run(ctx, prev, cur, extent, bit_depth, Output::Sad, Some(pass))?;
    Ok((MotionPlan::decode(&words), swapped))
}

/// `motion_blur_v`'s shift: 8 for 8-bit input, else the bit depth.
fn motion_shift(bit_depth: u8) -> u32 {
    let bit_depth = bit_depth.clamp(8, 16);
    if bit_depth <= 8 { 8 } else { u32::from(bit_depth) }
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

/// The frame's u64 SAD (before `motion_score`), summed on the GPU (`motion_blur_h_sad`).
pub fn motion_sad(ctx: &GpuContext, prev: &Plane, cur: &Plane, bit_depth: u8) -> Result<u64, GpuError> {
    let Some(extent) = motion_extent(prev, cur) else {
        return Ok(0);
    };
    Ok(MotionPlan::decode(&run(ctx, prev, cur, extent, bit_depth, Output::Sad, None)?.0))
}

/// `motion_blur_h_sad`'s output: one u32 SAD per row (`features::motion::motion_blur_h_sad`
/// of each row); empty when the planes are empty.
pub fn motion_row_sads(ctx: &GpuContext, prev: &Plane, cur: &Plane, bit_depth: u8) -> Result<Vec<u32>, GpuError> {
    let Some(extent) = motion_extent(prev, cur) else {
        return Ok(Vec::new());
    };
    Ok(run(ctx, prev, cur, extent, bit_depth, Output::RowSad, None)?.0)
}

/// `motion_blur_v`'s output, row-major over the `w x h` area
/// (`features::motion::motion_blur_v` of each row).
pub fn motion_blur_v(ctx: &GpuContext, prev: &Plane, cur: &Plane, bit_depth: u8) -> Result<Vec<i32>, GpuError> {
    let Some(extent) = motion_extent(prev, cur) else {
        return Ok(Vec::new());
    };
    let words = run(ctx, prev, cur, extent, bit_depth, Output::BlurV, None)?.0;
    Ok(words.into_iter().map(|w| w as i32).collect())
}

// ---- the passes (the WGSL files, their bindings in order) ----

pub const MOTION_BLUR_V: Pass = pass!("motion_blur_v", [Uniform, Read, Read, ReadWrite], wgsl_prelude, cpu::motion_blur_v);
pub const MOTION_BLUR_H_SAD: Pass =
    pass!("motion_blur_h_sad", [Uniform, Read, ReadWrite, ReadWrite], wgsl_prelude, cpu::motion_blur_h_sad);

/// The motion passes, in the order they run.
pub const PASSES: [&Pass; 2] = [&MOTION_BLUR_V, &MOTION_BLUR_H_SAD];

/// `MotionParams` as Rust lays it out, for the layout test against the WGSL.
pub fn shared_structs() -> Vec<SharedStruct> {
    vec![shared_struct!(
        MotionParams { width, height, prev_stride, cur_stride, shift, packing, _pad1, _pad2 },
        &[MOTION_BLUR_V.name, MOTION_BLUR_H_SAD.name]
    )]
}
