//! The one way results come back from the GPU: copy storage words into a `MAP_READ`
//! staging buffer at the end of the caller's command encoder, submit, ask for the map
//! ([`submit_and_map`]), and later wait for that submission and take the words
//! ([`Pending::wait`]). The feature engine keeps several frames between the two steps;
//! [`read_u32`] does both at once. Timing reads come back the same way: [`gpu_times`]
//! reads the GPU's own timestamps of each dispatch.

use std::sync::mpsc;

use super::GpuError;
use super::buffers::usage;
use super::device::GpuContext;
use super::kernel::Dispatch;

/// A submitted command buffer whose staging buffer is being mapped.
#[derive(Debug)]
pub(crate) struct Pending {
    submission: wgpu::SubmissionIndex,
    mapped: mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>,
    words: usize,
    label: &'static str,
}

/// Submits `encoder` and asks for the first `words` u32 of `staging` (a
/// `MAP_READ | COPY_DST` buffer the caller owns and has copied its results into) to be
/// mapped once the GPU is done.
pub(crate) fn submit_and_map(
    ctx: &GpuContext,
    encoder: wgpu::CommandEncoder,
    staging: &wgpu::Buffer,
    words: usize,
    label: &'static str,
) -> Pending {
    let submission = ctx.queue.submit([encoder.finish()]);
    let (tx, mapped) = mpsc::channel();
    if words > 0 {
        staging.slice(..(words * 4) as u64).map_async(wgpu::MapMode::Read, move |r| {
            // The receiver lives in `Pending` until it is waited for; a failed send
            // only means it is gone.
            let _ = tx.send(r);
        });
    } else {
        let _ = tx.send(Ok(()));
    }
    Pending { submission, mapped, words, label }
}

impl Pending {
    /// Waits for the submission and returns the mapped words (unmapping `staging`, the
    /// buffer given to [`submit_and_map`]).
    pub(crate) fn wait(self, ctx: &GpuContext, staging: &wgpu::Buffer) -> Result<Vec<u32>, GpuError> {
        let failed = |message: String| GpuError::Readback { label: self.label, message };
        ctx.device
            .poll(wgpu::PollType::Wait { submission_index: Some(self.submission), timeout: None })
            .map_err(|e| failed(e.to_string()))?;
        self.mapped
            .recv()
            .map_err(|_| failed("the map callback never ran".to_owned()))?
            .map_err(|e| failed(e.to_string()))?;
        if self.words == 0 {
            return Ok(Vec::new());
        }
        let slice = staging.slice(..(self.words * 4) as u64);
        let out = {
            let view = slice.get_mapped_range().map_err(|e| failed(e.to_string()))?;
            view.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect()
        };
        staging.unmap();
        Ok(out)
    }
}

/// Submits `encoder` after appending a copy of the first `words` u32 of `src` into
/// `staging` (a `MAP_READ | COPY_DST` buffer the caller owns), waits for the GPU and
/// returns the words. One submit and one wait per call.
pub(crate) fn read_u32(
    ctx: &GpuContext,
    mut encoder: wgpu::CommandEncoder,
    src: &wgpu::Buffer,
    words: usize,
    staging: &wgpu::Buffer,
    label: &'static str,
) -> Result<Vec<u32>, GpuError> {
    if words > 0 {
        encoder.copy_buffer_to_buffer(src, 0, staging, 0, (words * 4) as u64);
    }
    submit_and_map(ctx, encoder, staging, words, label).wait(ctx, staging)
}

/// Submits `encoder` and waits until the GPU has run it (for timing single passes).
pub(crate) fn submit_and_wait(ctx: &GpuContext, encoder: wgpu::CommandEncoder, label: &'static str) -> Result<(), GpuError> {
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.device
        .poll(wgpu::PollType::Wait { submission_index: Some(submission), timeout: None })
        .map(|_| ())
        .map_err(|e| GpuError::Device { pass: label, message: e.to_string() })
}

/// The GPU time, in seconds, of each of `dispatches` (in order, one submission, each
/// in its own compute pass between two timestamps, so it runs after the previous one
/// finished); `None` when the device has no `TIMESTAMP_QUERY`. Empty grids count 0.
pub(crate) fn gpu_times(ctx: &GpuContext, dispatches: &[&Dispatch]) -> Result<Option<Vec<f64>>, GpuError> {
    if !ctx.device.features().contains(wgpu::Features::TIMESTAMP_QUERY) {
        return Ok(None);
    }
    let count = u32::try_from(2 * dispatches.len()).map_err(|_| GpuError::Device {
        pass: "timing",
        message: format!("{} dispatches to time in one submission", dispatches.len()),
    })?;
    if count == 0 {
        return Ok(Some(Vec::new()));
    }
    ctx.checked("timing", || {
        let set = ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("timing"),
            ty: wgpu::QueryType::Timestamp,
            count,
        });
        let bytes = u64::from(count) * 8;
        let resolved = ctx.buffer("timing.resolved", bytes, wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC);
        let staging = ctx.buffer("timing.staging", bytes, usage::READBACK);
        let mut encoder = ctx.encoder("timing");
        for (i, d) in (0u32..).zip(dispatches) {
            let timestamp_writes = wgpu::ComputePassTimestampWrites {
                query_set: &set,
                beginning_of_pass_write_index: Some(2 * i),
                end_of_pass_write_index: Some(2 * i + 1),
            };
            let mut pass = encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("timing"), timestamp_writes: Some(timestamp_writes) });
            if d.runs() {
                pass.set_pipeline(&d.kernel.pipeline);
                pass.set_bind_group(0, &d.group, &[]);
                pass.dispatch_workgroups(d.grid[0], d.grid[1], d.grid[2]);
            }
        }
        encoder.resolve_query_set(&set, 0..count, &resolved, 0);
        let words = read_u32(ctx, encoder, &resolved, 2 * count as usize, &staging, "timing")?;
        let ticks: Vec<u64> = words.chunks_exact(2).map(|w| u64::from(w[0]) | u64::from(w[1]) << 32).collect();
        // Nanoseconds per tick.
        let period = f64::from(ctx.queue.get_timestamp_period());
        Ok(Some(ticks.chunks_exact(2).map(|t| t[1].saturating_sub(t[0]) as f64 * period * 1e-9).collect()))
    })
}
