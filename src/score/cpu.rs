//! The CPU path: bounded batches of frame pairs, computed in parallel with rayon.

use rayon::prelude::*;

use super::frames::FramePairs;
use super::{Extracted, ScoreError, ScoreOptions};
use crate::features::{self, FeatureOptions, FrameFeatures};
use crate::io::Plane;

/// The CPU path: bounded batches of frame pairs, computed in parallel with rayon.
/// Motion uses each frame's own previous reference, so frames are independent.
pub(super) fn extract(
    mut pairs: FramePairs,
    sets: &[FeatureOptions],
    options: &ScoreOptions,
    progress: &dyn Fn(u64),
) -> Result<Extracted, ScoreError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.max(1))
        .build()
        .map_err(|e| ScoreError::ThreadPool(e.to_string()))?;
    // Bounded memory: at most `batch` frame pairs are held at once.
    let batch_size = (options.threads.max(1) * 2).max(4);
    let mut out = Extracted { frame_numbers: Vec::new(), features: Vec::new(), psnr: Vec::new() };
    let mut previous: Option<Plane> = None;
    loop {
        let mut batch = Vec::with_capacity(batch_size);
        while batch.len() < batch_size {
            match pairs.next()? {
                Some(pair) => batch.push(pair),
                None => break,
            }
        }
        if batch.is_empty() {
            break;
        }
        let computed: Vec<(FrameFeatures, Option<[f64; 3]>)> = pool.install(|| {
            (0..batch.len())
                .into_par_iter()
                .map_init(features::FeatureScratch::default, |scratch, i| {
                    let prev = if i == 0 { previous.as_ref() } else { Some(&batch[i - 1].1.planes[0]) };
                    let (n, r, d) = &batch[i];
                    let depth = r.info.bit_depth;
                    if !super::frames::is_scored(*n, options.subsample) {
                        // Left out of the log: motion only (its neighbours' motion2 needs it).
                        let f = features::motion_only_features(&r.planes[0], prev, depth, sets.len());
                        return (f, options.psnr.then_some([0.0; 3]));
                    }
                    let f = features::frame_features(&r.planes[0], &d.planes[0], prev, depth, sets, scratch);
                    (f, options.psnr.then(|| features::compute_psnr(r, d)))
                })
                .collect()
        });
        previous = batch.last().map(|(_, r, _)| r.planes[0].clone());
        for ((n, _, _), (f, psnr)) in batch.iter().zip(computed) {
            out.push(*n, f, psnr);
        }
        progress(out.features.len() as u64);
    }
    Ok(out)
}

