//! int8 model weights to f32 on the GPU, at model load: the twin of
//! `crate::model::int8::cpu::dequant_int8`, bit for bit (see `shaders/dequant_int8.wgsl`).

use super::cpu;
pub use super::params::DequantParams;
use crate::gpu::buffers::usage;
use crate::gpu::kernel::{Dispatch, SharedStruct, pass, record, shared_struct, wgsl_header};
use crate::gpu::{GpuContext, GpuError, Pass, WORKGROUP_SIZE, oneshot};

/// `shaders/dequant_int8.wgsl`, which declares its own params struct and needs only
/// the workgroup size.
pub const DEQUANT_INT8: Pass = pass!("dequant_int8", [Uniform, Read, ReadWrite], wgsl_header, cpu::dequant_int8);

/// The model passes; with `features::PASSES`, every `shaders/*.wgsl` except
/// `common.wgsl`.
pub const PASSES: [&Pass; 1] = [&DEQUANT_INT8];

/// `DequantParams` as Rust lays it out, for the layout test against the WGSL.
pub fn shared_structs() -> Vec<SharedStruct> {
    vec![shared_struct!(DequantParams { count, zero_point, scale, _pad0 }, &[DEQUANT_INT8.name])]
}

/// `count` weights packed four to a word → `f32(q - zero_point) * scale`.
///
/// One call per layer and model load, so the buffers are made here and dropped
/// (no plan is cached: a model loads once per run).
pub fn dequant_weights(
    ctx: &GpuContext,
    packed: &[u32],
    count: usize,
    scale: f32,
    zero_point: i32,
) -> Result<Vec<f32>, GpuError> {
    Ok(run(ctx, packed, count, scale, zero_point, false)?.0)
}

/// [`dequant_weights`] with the pass replaced by its CPU twin
/// (`gpu::oneshot::run_swapped`), and what the swap saw (the swap test).
#[doc(hidden)]
pub fn dequant_weights_by_twin(
    ctx: &GpuContext,
    packed: &[u32],
    count: usize,
    scale: f32,
    zero_point: i32,
) -> Result<(Vec<f32>, oneshot::Swapped), GpuError> {
    run(ctx, packed, count, scale, zero_point, true)
}

fn run(
    ctx: &GpuContext,
    packed: &[u32],
    count: usize,
    scale: f32,
    zero_point: i32,
    by_twin: bool,
) -> Result<(Vec<f32>, oneshot::Swapped), GpuError> {
    if count == 0 {
        return Ok((Vec::new(), oneshot::Swapped::default()));
    }
    if packed.len() < count.div_ceil(4) {
        return Err(GpuError::Unsupported {
            what: "int8 dequantization",
            reason: format!("{} packed words hold fewer than {count} weights", packed.len()),
        });
    }
    let count32 = u32::try_from(count).map_err(|_| GpuError::Unsupported {
        what: "int8 dequantization",
        reason: format!("{count} weights in one tensor"),
    })?;
    let words = ctx.checked(DEQUANT_INT8.name, || {
        let groups = count.div_ceil(WORKGROUP_SIZE as usize);
        let max = ctx.max_workgroups();
        let (gx, gy) = if groups <= max { (groups, 1) } else { (max, groups.div_ceil(max)) };
        let bytes = (count * 4) as u64;
        let grid = ctx.grid("int8 weights", (count, 1), bytes, [gx, gy, 1])?;
        let params = ctx.buffer("dequant.params", size_of::<DequantParams>() as u64, usage::UNIFORM);
        let input = ctx.buffer("dequant.packed", (packed.len() * 4) as u64, usage::INPUT);
        let output = ctx.buffer("dequant.weights", bytes, usage::OUTPUT);
        let p = DequantParams { count: count32, zero_point, scale, _pad0: 0 };
        ctx.write(&params, 0, bytemuck::bytes_of(&p));
        ctx.write(&input, 0, bytemuck::cast_slice(packed));
        let dispatch = Dispatch::new(ctx, &ctx.kernel(&DEQUANT_INT8)?, &[&params, &input, &output], grid);
        let mut encoder = ctx.encoder("dequant");
        let swapped = if by_twin {
            oneshot::run_swapped(ctx, |_| (), std::slice::from_ref(&dispatch), DEQUANT_INT8.name)?
        } else {
            record(&mut encoder, "dequant", std::slice::from_ref(&dispatch));
            oneshot::Swapped::default()
        };
        Ok((oneshot::read(ctx, encoder, &output, count, "dequant.weights.readback")?, swapped))
    })?;
    let (words, swapped) = words;
    Ok((words.into_iter().map(f32::from_bits).collect(), swapped))
}
