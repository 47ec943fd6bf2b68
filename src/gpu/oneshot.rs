//! One-call runs, for tests and spot checks: build a feature's plan over two fresh
//! input buffers holding the `w x h` top-left of two planes, record, read back, drop
//! everything. Nothing is cached (pipelines aside, which the context keeps): the
//! throughput path is the feature engine, which builds its plans once per clip.

use super::GpuError;
use super::kernel::{Binding, Dispatch, record};
use super::buffers::{Packing, upload_cropped, usage};
use super::device::GpuContext;
use super::readback::read_u32;
use crate::io::Plane;

/// Two input planes on the GPU, row pitch `w`, packed as `packing`, filled from
/// `reference` and `distorted`.
pub(crate) struct Planes {
    pub reference: wgpu::Buffer,
    pub distorted: wgpu::Buffer,
}

/// Uploads the `w x h` area of both planes into new buffers, builds a plan over them
/// with `build` and runs `f` on it, inside the context's error scopes (`label` names
/// the run in errors).
pub(crate) fn with_planes<P, T>(
    ctx: &GpuContext,
    label: &'static str,
    (reference, distorted): (&Plane, &Plane),
    (w, h): (usize, usize),
    packing: Packing,
    build: impl FnOnce(&Planes) -> Result<P, GpuError>,
    f: impl FnOnce(&P) -> Result<T, GpuError>,
) -> Result<T, GpuError> {
    ctx.checked(label, || {
        let planes = Planes {
            reference: ctx.buffer("oneshot.reference", packing.plane_bytes(w, h), usage::INPUT),
            distorted: ctx.buffer("oneshot.distorted", packing.plane_bytes(w, h), usage::INPUT),
        };
        upload_cropped(ctx, &planes.reference, reference, (w, h), packing)?;
        upload_cropped(ctx, &planes.distorted, distorted, (w, h), packing)?;
        let plan = build(&planes)?;
        f(&plan)
    })
}

/// Submits `encoder` and returns the first `words` u32 of `src`, through a staging
/// buffer made for this call.
pub(crate) fn read(
    ctx: &GpuContext,
    encoder: wgpu::CommandEncoder,
    src: &wgpu::Buffer,
    words: usize,
    label: &'static str,
) -> Result<Vec<u32>, GpuError> {
    let staging = ctx.buffer(label, (words * 4) as u64, usage::READBACK);
    read_u32(ctx, encoder, src, words, &staging, label)
}

/// What [`run_swapped`] saw.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swapped {
    /// Dispatches the CPU twin replaced.
    pub replaced: usize,
    /// Where the twin's output differed from the pass's own on the same input:
    /// (dispatch index, binding, first differing word).
    pub differences: Vec<(usize, usize, usize)>,
}

/// Runs `dispatches` in order with every dispatch of the pass named `swap` replaced by
/// that pass's CPU twin ([`Pass::twin`](super::Pass)). At each such dispatch the GPU
/// work before it is submitted and its buffers are read back in binding order; the
/// pass itself then runs once on the GPU (its `ReadWrite` outputs are kept for
/// comparison and the buffers restored), the twin runs on the words read, and its
/// outputs are written back before the GPU goes on. `before` records what the chain
/// needs first (clearing accumulators). The caller reads the chain's result as usual.
pub fn run_swapped(
    ctx: &GpuContext,
    before: impl FnOnce(&mut wgpu::CommandEncoder),
    dispatches: &[Dispatch],
    swap: &str,
) -> Result<Swapped, GpuError> {
    let read_all = |b: &wgpu::Buffer| read(ctx, ctx.encoder("swap"), b, (b.size() / 4) as usize, "swap.readback");
    ctx.checked("swap", || {
        let mut encoder = ctx.encoder("swap");
        before(&mut encoder);
        let mut out = Swapped::default();
        for (i, d) in dispatches.iter().enumerate() {
            let pass = d.pass();
            if pass.name != swap {
                record(&mut encoder, "swap", std::slice::from_ref(d));
                continue;
            }
            ctx.submit(std::mem::replace(&mut encoder, ctx.encoder("swap")));
            let mut words = d.buffers.iter().map(read_all).collect::<Result<Vec<_>, _>>()?;
            let outputs: Vec<usize> = (0..words.len()).filter(|&k| pass.bindings[k] == Binding::ReadWrite).collect();
            // The pass on the GPU, on these same inputs; then its outputs undone.
            let mut gpu = ctx.encoder("swap");
            record(&mut gpu, "swap", std::slice::from_ref(d));
            ctx.submit(gpu);
            let gpu_out = outputs.iter().map(|&k| read_all(&d.buffers[k])).collect::<Result<Vec<_>, _>>()?;
            (pass.twin)(&mut words);
            for (&k, gpu_words) in outputs.iter().zip(&gpu_out) {
                if let Some(at) = words[k].iter().zip(gpu_words).position(|(a, b)| a != b) {
                    out.differences.push((i, k, at));
                }
                ctx.write(&d.buffers[k], 0, bytemuck::cast_slice(&words[k]));
            }
            out.replaced += 1;
        }
        ctx.submit(encoder);
        Ok(out)
    })
}
