//! The one way results come back from the GPU: copy a storage buffer into a
//! `MAP_READ` staging buffer at the end of the caller's command encoder, submit, wait,
//! and return the words. One submit and one wait per call.

use std::sync::mpsc;

use super::GpuError;
use super::device::GpuContext;

/// Submits `encoder` after appending a copy of the first `words` u32 of `src` into
/// `staging` (a `MAP_READ | COPY_DST` buffer of the caller's plan, whose lock the
/// caller holds), waits for the GPU and returns the words.
pub(crate) fn read_u32(
    ctx: &GpuContext,
    mut encoder: wgpu::CommandEncoder,
    src: &wgpu::Buffer,
    words: usize,
    staging_buffer: &wgpu::Buffer,
    label: &'static str,
) -> Result<Vec<u32>, GpuError> {
    let bytes = (words * 4) as u64;
    let failed = |message: String| GpuError::Readback { label, message };
    if words == 0 {
        ctx.queue.submit([encoder.finish()]);
        return Ok(Vec::new());
    }
    encoder.copy_buffer_to_buffer(src, 0, staging_buffer, 0, bytes);
    ctx.queue.submit([encoder.finish()]);
    let slice = staging_buffer.slice(..bytes);
    let (tx, rx) = mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |r| {
        // The receiver outlives the poll below; a failed send only means it is gone.
        let _ = tx.send(r);
    });
    ctx.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| failed(e.to_string()))?;
    rx.recv()
        .map_err(|_| failed("the map callback never ran".to_owned()))?
        .map_err(|e| failed(e.to_string()))?;
    let out = {
        let view = slice.get_mapped_range().map_err(|e| failed(e.to_string()))?;
        view.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect()
    };
    staging_buffer.unmap();
    Ok(out)
}
