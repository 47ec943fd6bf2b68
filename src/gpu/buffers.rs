//! Buffers: made once by the plan that owns them (plans of different frames in
//! flight never share one; plans of one frame may read another's), sized and checked
//! against the device's limits, and planes uploaded with one CPU copy, into the
//! queue's staging memory (8-bit samples narrowed to bytes on the way, [`Packing`]).

use super::GpuError;
use super::device::GpuContext;
use crate::io::Plane;

impl GpuContext {
    /// A new buffer of at least `bytes` bytes, rounded up to a multiple of 4 (at least
    /// 4), as wgpu requires for copies and bindings. Plans make their buffers once, when
    /// they are built, and own them: the plans of two frames in flight must never share
    /// one.
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

/// How an input plane's samples sit in the u32 words of its GPU buffer: sample `i` in
/// word `i >> log2`, bits `(i mod n)·(32/n)..`, n = 2^log2 samples per word (the bytes
/// of a little-endian `[u8]` or `[u16]`, which is what the GPU reads on every
/// little-endian host wgpu supports). `unpack_sample` in shaders/common.wgsl reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// One byte per sample: 8-bit input, half the bytes to upload and to read.
    Bytes,
    /// Two bytes per sample: 9- to 16-bit input.
    Halves,
}

impl Packing {
    /// The packing of input planes of `bit_depth`.
    pub fn for_depth(bit_depth: u8) -> Packing {
        if bit_depth <= 8 { Packing::Bytes } else { Packing::Halves }
    }

    /// log2 of the samples per word: what the passes' params carry.
    pub fn log2(self) -> u32 {
        match self {
            Packing::Bytes => 2,
            Packing::Halves => 1,
        }
    }

    /// Bytes of `rows` rows of `stride` samples, whole words.
    pub fn plane_bytes(self, stride: usize, rows: usize) -> u64 {
        ((stride * rows).div_ceil(1 << self.log2()) * 4) as u64
    }
}

/// Uploads the first `rows` rows of `plane` (row pitch `plane.width`) packed as
/// `packing` says, written straight into the queue's staging memory: one copy on the
/// CPU, narrowing 8-bit samples on the way. A sample above 255 cannot be sent as a
/// byte: `Bytes` refuses such a plane (no 8-bit reader produces one) rather than send
/// other numbers than the CPU path would see.
pub(crate) fn upload_plane(
    ctx: &GpuContext,
    buffer: &wgpu::Buffer,
    plane: &Plane,
    rows: usize,
    packing: Packing,
) -> Result<(), GpuError> {
    let samples = &plane.data[..plane.width * rows];
    let Some(size) = wgpu::BufferSize::new(packing.plane_bytes(samples.len(), 1)) else {
        return Ok(());
    };
    if packing == Packing::Bytes && samples.iter().fold(0, |acc, &s| acc | s) > 0xff {
        return Err(GpuError::Unsupported {
            what: "an 8-bit plane with a sample above 255",
            reason: "8-bit planes are sent to the GPU one byte a sample".into(),
        });
    }
    let Some(mut view) = ctx.queue.write_buffer_with(buffer, 0, size) else {
        return Ok(()); // wgpu reports the invalid write through the context's error scope
    };
    let mut out = view.slice(..);
    match packing {
        Packing::Halves => {
            let bytes: &[u8] = bytemuck::cast_slice(samples);
            out.slice(..bytes.len()).copy_from_slice(bytes);
            out.slice(bytes.len()..).fill(0);
        }
        Packing::Bytes => {
            // Narrowed a block at a time through a buffer the compiler vectorises.
            const BLOCK: usize = 4096;
            let mut narrow = [0u8; BLOCK];
            for (k, block) in samples.chunks(BLOCK).enumerate() {
                for (n, &s) in narrow.iter_mut().zip(block) {
                    *n = s as u8;
                }
                out.slice(k * BLOCK..k * BLOCK + block.len()).copy_from_slice(&narrow[..block.len()]);
            }
            out.slice(samples.len()..).fill(0);
        }
    }
    Ok(())
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
    /// An output the encoder clears before the passes add into it.
    pub const ACCUMULATOR: U = OUTPUT;
}


/// Uploads the `w x h` top-left of `plane` with row pitch `w` (copying only when the
/// plane is wider).
pub(crate) fn upload_cropped(
    ctx: &GpuContext,
    buffer: &wgpu::Buffer,
    plane: &Plane,
    (w, h): (usize, usize),
    packing: Packing,
) -> Result<(), GpuError> {
    if plane.width == w {
        upload_plane(ctx, buffer, plane, h, packing)
    } else {
        let data = plane.data.chunks(plane.width).take(h).flat_map(|row| row[..w].iter().copied()).collect();
        upload_plane(ctx, buffer, &Plane { width: w, height: h, data }, h, packing)
    }
}

/// Records zeroing the whole of `buffer` (an [`usage::ACCUMULATOR`]).
pub(crate) fn clear(encoder: &mut wgpu::CommandEncoder, buffer: &wgpu::Buffer) {
    encoder.clear_buffer(buffer, 0, None);
}
