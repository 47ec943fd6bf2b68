//! One-call runs, for tests and spot checks: build a feature's plan over two fresh
//! input buffers holding the `w x h` top-left of two planes, record, read back, drop
//! everything. Nothing is cached (pipelines aside, which the context keeps): the
//! throughput path is the feature engine, which builds its plans once per clip.

use super::GpuError;
use super::buffers::{plane_bytes, upload_cropped, usage};
use super::device::GpuContext;
use super::readback::read_u32;
use crate::io::Plane;

/// Two input planes on the GPU, row pitch `w`, filled from `reference` and `distorted`.
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
    build: impl FnOnce(&Planes) -> Result<P, GpuError>,
    f: impl FnOnce(&P) -> Result<T, GpuError>,
) -> Result<T, GpuError> {
    ctx.checked(label, || {
        let planes = Planes {
            reference: ctx.buffer("oneshot.reference", plane_bytes(w, h), usage::INPUT),
            distorted: ctx.buffer("oneshot.distorted", plane_bytes(w, h), usage::INPUT),
        };
        upload_cropped(ctx, &planes.reference, reference, (w, h));
        upload_cropped(ctx, &planes.distorted, distorted, (w, h));
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
