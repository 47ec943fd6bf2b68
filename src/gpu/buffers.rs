//! Buffers: made once by the plan that owns them (two plans of the same size, such
//! as the frames in flight of the feature engine, never share one), sized and checked
//! against the device's limits, and planes uploaded without a CPU copy.

use super::GpuError;
use super::device::GpuContext;
use crate::io::Plane;

impl GpuContext {
    /// A new buffer of at least `bytes` bytes, rounded up to a multiple of 4 (at least
    /// 4), as wgpu requires for copies and bindings. Plans make their buffers once, when
    /// they are built, and own them: two plans of the same size (the frames in flight of
    /// `features::engine`) must never share one.
    pub(crate) fn buffer(&self, label: &'static str, bytes: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(4).next_multiple_of(4),
            usage,
            mapped_at_creation: false,
        })
    }

    /// The workgroup grid `groups`, once the largest storage buffer (`bytes`) and the
    /// grid are known to fit this device; otherwise an error naming the frame size
    /// (rather than a validation error from inside wgpu).
    pub(crate) fn grid(
        &self,
        what: &'static str,
        (width, height): (usize, usize),
        bytes: u64,
        groups: [usize; 3],
    ) -> Result<[u32; 3], GpuError> {
        let limits = self.device.limits();
        let too_large = |limit: String| GpuError::TooLarge { what, width, height, limit };
        let max_bytes = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
        if bytes > max_bytes {
            return Err(too_large(format!("a {bytes}-byte storage buffer, max {max_bytes}")));
        }
        let max = limits.max_compute_workgroups_per_dimension;
        let fit = |g: usize| u32::try_from(g).ok().filter(|&g| g <= max);
        match groups.map(fit) {
            [Some(x), Some(y), Some(z)] => Ok([x, y, z]),
            _ => Err(too_large(format!("{groups:?} workgroups, max {max} per dimension"))),
        }
    }
}


impl GpuContext {
    /// Queues a write of `bytes` at `offset` of `buffer`; it lands at the next submit.
    pub(crate) fn write(&self, buffer: &wgpu::Buffer, offset: u64, bytes: &[u8]) {
        self.queue.write_buffer(buffer, offset, bytes);
    }

    /// A command encoder to record passes into.
    pub(crate) fn encoder(&self, label: &'static str) -> wgpu::CommandEncoder {
        self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    /// Submits `encoder` without waiting (results come back through `gpu::readback`).
    pub(crate) fn submit(&self, encoder: wgpu::CommandEncoder) {
        self.queue.submit([encoder.finish()]);
    }

    /// The device's per-dimension workgroup limit.
    pub(crate) fn max_workgroups(&self) -> usize {
        self.device.limits().max_compute_workgroups_per_dimension as usize
    }
}

/// Bytes of `rows` rows of `stride` samples as packed u16 pairs ([`upload_plane`]).
pub(crate) fn plane_bytes(stride: usize, rows: usize) -> u64 {
    ((stride * rows).div_ceil(2) * 4) as u64
}

/// Uploads the first `rows` rows of `plane` as packed u16 pairs (sample 2k in the low
/// half of word k: the bytes of a little-endian `[u16]`, which is what the GPU reads on
/// every (little-endian) host wgpu supports). Planes are not copied on the CPU.
pub(crate) fn upload_plane(ctx: &GpuContext, buffer: &wgpu::Buffer, plane: &Plane, rows: usize) {
    let samples = &plane.data[..plane.width * rows];
    let even = samples.len() & !1;
    if even > 0 {
        ctx.queue.write_buffer(buffer, 0, bytemuck::cast_slice(&samples[..even]));
    }
    if let Some(&last) = samples.get(even) {
        ctx.queue.write_buffer(buffer, (even * 2) as u64, &u32::from(last).to_le_bytes());
    }
}

/// The usages of the buffers the passes use. Every buffer a pass binds can also be
/// copied out and written: `gpu::oneshot::run_swapped` reads a pass's bindings and
/// writes its twin's outputs back (copy usages change nothing about the passes).
pub(crate) mod usage {
    use wgpu::BufferUsages as U;
    /// How a buffer may be used.
    pub type Usage = U;
    const COPY: U = U::COPY_SRC.union(U::COPY_DST);
    pub const UNIFORM: U = U::UNIFORM.union(COPY);
    pub const INPUT: U = U::STORAGE.union(COPY);
    pub const OUTPUT: U = U::STORAGE.union(COPY);
    pub const READBACK: U = U::MAP_READ.union(U::COPY_DST);
    /// Intermediates that only passes read and write.
    pub const SCRATCH: U = U::STORAGE.union(COPY);
    /// An output the encoder clears before the passes add into it.
    pub const ACCUMULATOR: U = OUTPUT;
}


/// Uploads the `w x h` top-left of `plane` with row pitch `w` (copying only when the
/// plane is wider).
pub(crate) fn upload_cropped(ctx: &GpuContext, buffer: &wgpu::Buffer, plane: &Plane, (w, h): (usize, usize)) {
    if plane.width == w {
        upload_plane(ctx, buffer, plane, h);
    } else {
        let data = plane.data.chunks(plane.width).take(h).flat_map(|row| row[..w].iter().copied()).collect();
        upload_plane(ctx, buffer, &Plane { width: w, height: h, data }, h);
    }
}

/// Records zeroing the whole of `buffer` (an [`usage::ACCUMULATOR`]).
pub(crate) fn clear(encoder: &mut wgpu::CommandEncoder, buffer: &wgpu::Buffer) {
    encoder.clear_buffer(buffer, 0, None);
}
