//! The CPU path: bounded batches of frame pairs, computed in parallel with rayon.

use std::sync::Mutex;

use rayon::prelude::*;

use super::budget::{self, human_bytes};
use super::frames::FramePairs;
use super::{Extracted, HostMetrics, ScoreError, ScoreOptions};
use crate::features::{self, FeatureOptions, FeatureScratch, FrameFeatures};
use crate::io::{Plane, VideoInfo};

/// The CPU path: bounded batches of frame pairs, computed in parallel with rayon.
/// Motion uses each frame's own previous reference, so frames are independent. The
/// workers and the batch size come from the memory budget ([`budget::plan_cpu`]);
/// when it allows fewer workers than `--threads`, a note says so.
pub(super) fn extract(
    pairs: FramePairs,
    info: &VideoInfo,
    sets: &[FeatureOptions],
    options: &ScoreOptions,
    progress: &dyn Fn(u64),
) -> Result<(Extracted, Vec<String>), ScoreError> {
    let threads = options.threads.max(1);
    let plan = budget::plan_cpu(info, threads, options.memory_limit)?;
    let mut notes = Vec::new();
    if plan.workers < threads {
        let note = format!(
            "note: frames of {}x{} under the memory limit of {} leave room for {} worker thread(s) of the {threads} asked (about {} at peak)",
            info.width,
            info.height,
            human_bytes(options.memory_limit),
            plan.workers,
            human_bytes(plan.peak)
        );
        eprintln!("{note}");
        notes.push(note);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.workers)
        .build()
        .map_err(|e| ScoreError::ThreadPool(e.to_string()))?;
    // One scratch per worker for the whole clip: its buffers are allocated on the
    // first frame and reused, not re-created (and re-zeroed) per rayon job.
    let scratches: Vec<Mutex<FeatureScratch>> = (0..plan.workers).map(|_| Mutex::new(FeatureScratch::with_isa(options.simd))).collect();
    // A reader thread decodes the next pairs while the workers compute a batch: half
    // the pairs the budget allows are computed, the other half queue (the reader
    // holds one more while it waits, which the budget counts).
    let batch_size = plan.pairs.div_ceil(2);
    let queue = plan.pairs - batch_size;
    let mut out = Extracted { frame_numbers: Vec::new(), features: Vec::new(), host: Vec::new() };
    // The last two references of the previous batch (the older first).
    let mut previous: Vec<Plane> = Vec::new();
    let five_frame_window = options.motion.iter().any(|m| m.five_frame_window);
    std::thread::scope(|scope| -> Result<(), ScoreError> {
        let rx = pairs.read_ahead(scope, queue);
        loop {
            let mut batch = Vec::with_capacity(batch_size);
            while batch.len() < batch_size {
                match rx.recv() {
                    Ok(pair) => batch.push(pair?),
                    Err(_) => break,
                }
            }
            if batch.is_empty() {
                break;
            }
            let computed: Vec<(FrameFeatures, Result<HostMetrics, ScoreError>)> = pool.install(|| {
                (0..batch.len())
                    .into_par_iter()
                    .map(|i| {
                        // The reference `k` frames back (1 or 2), from this batch or the previous one.
                        let back = |k: usize| -> Option<&Plane> {
                            if i >= k { Some(&batch[i - k].1.planes[0]) } else { previous.iter().rev().nth(k - i - 1) }
                        };
                        let prev = back(1);
                        let (n, r, d) = &batch[i];
                        let depth = r.info.bit_depth;
                        let sad2 = |f: &mut FrameFeatures| {
                            if five_frame_window {
                                f.motion_sad2 = back(2).map(|p| features::motion_sad(p, &r.planes[0], depth).unwrap_or(0));
                            }
                        };
                        if !super::frames::is_scored(*n, options.subsample) {
                            // Left out of the log: motion only (its neighbours' motion2 needs it).
                            let mut f = features::motion_only_features(&r.planes[0], prev, depth, sets.len());
                            sad2(&mut f);
                            return (f, HostMetrics::of(r, d, options, false));
                        }
                        // The pool's threads are numbered 0..workers, one scratch each, so
                        // the lock is never contended.
                        let worker = rayon::current_thread_index().unwrap_or(0);
                        let mut scratch = scratches[worker].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                        let mut f = features::frame_features(&r.planes[0], &d.planes[0], prev, depth, sets, &mut scratch);
                        sad2(&mut f);
                        (f, HostMetrics::of(r, d, options, true))
                    })
                    .collect()
            });
            let last: Vec<Plane> = batch.iter().rev().take(2).rev().map(|(_, r, _)| r.planes[0].clone()).collect();
            previous = if last.len() >= 2 { last } else { previous.pop().into_iter().chain(last).collect() };
            for ((n, _, _), (f, host)) in batch.iter().zip(computed) {
                out.push(*n, f, host?);
            }
            progress(out.features.len() as u64);
        }
        Ok(())
    })?;
    Ok((out, notes))
}

