//! The CPU path: worker threads take frame pairs from a bounded queue as they come
//! free, and the results are put back in frame order.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use super::budget::{self, human_bytes};
use super::frames::FramePairs;
use super::{Extracted, HostMetrics, ScoreError, ScoreOptions};
use crate::features::{self, FeatureOptions, FeatureScratch, FrameFeatures};
use crate::io::{Frame, VideoInfo};

/// A decoded frame that goes back to the reader when its last user drops it, so the
/// next frames decode into its buffers ([`FramePairs::next_reusing`]).
struct Recycled {
    frame: Option<Frame>,
    home: Sender<Frame>,
}

impl Recycled {
    fn new(frame: Frame, home: &Sender<Frame>) -> Self {
        Recycled { frame: Some(frame), home: home.clone() }
    }
}

impl Deref for Recycled {
    type Target = Frame;
    fn deref(&self) -> &Frame {
        self.frame.as_ref().expect("a recycled frame is taken only when dropped")
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        if let Some(frame) = self.frame.take() {
            // The reader may have stopped; then the frame is simply freed.
            let _ = self.home.send(frame);
        }
    }
}

/// One pair for a worker, with the references motion compares it with: the previous
/// frame's, and the one before that (for motion's five-frame window). A reference
/// frame is shared by the three jobs that read it.
struct Job {
    frame: u64,
    reference: Arc<Recycled>,
    distorted: Recycled,
    back: [Option<Arc<Recycled>>; 2],
}

/// The CPU path. A reader thread decodes pairs (into the buffers of frames the workers
/// are done with) and queues them; each worker takes the next pair as soon as it is
/// free, so no worker waits for another (no batches ending in a barrier); this thread
/// puts the results back in frame order. Motion reads the previous frames' references,
/// which the jobs share, so frames are independent. The workers and the queue come from
/// the memory budget ([`budget::plan_cpu`]); when it allows fewer workers than
/// `--threads`, a note says so.
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
    // Pairs queued for the workers; the others in the budget are being computed.
    let queue = plan.pairs.saturating_sub(plan.workers);
    let five_frame_window = options.motion.iter().any(|m| m.five_frame_window);
    let mut out = Extracted { frame_numbers: Vec::new(), features: Vec::new(), host: Vec::new() };
    // Set when this thread stops on an error: the workers then skip what is queued.
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| -> Result<(), ScoreError> {
        let (job_tx, job_rx) = mpsc::sync_channel::<Result<Job, ScoreError>>(queue);
        let (done_tx, done_rx) = mpsc::channel::<(u64, Computed)>();
        scope.spawn(move || read_jobs(pairs, job_tx));
        let jobs = Arc::new(Mutex::new(job_rx));
        for _ in 0..plan.workers {
            let (jobs, done_tx, stop) = (Arc::clone(&jobs), done_tx.clone(), &stop);
            scope.spawn(move || {
                // One scratch per worker for the whole clip: allocated on the first frame
                // and reused.
                let mut scratch = FeatureScratch::with_isa(options.simd);
                loop {
                    // The lock is held only while waiting for the next job.
                    let next = jobs.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).recv();
                    let Ok(job) = next else { break };
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let (frame, result) = match job {
                        Ok(job) => (job.frame, compute(&job, sets, options, five_frame_window, &mut scratch)),
                        // The reader's error ends the run; keyed after every frame, it is
                        // reported once no earlier result waits to be handed on.
                        Err(e) => (u64::MAX, Err(e)),
                    };
                    if done_tx.send((frame, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let result = in_frame_order(done_rx, &mut out, progress);
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        result
    })?;
    Ok((out, notes))
}

/// The reader thread: reads the pairs, decoding into frames the workers are done with,
/// and queues them as jobs (an error is the last item). A closed queue (the workers
/// stopped) stops it.
fn read_jobs(mut pairs: FramePairs, jobs: mpsc::SyncSender<Result<Job, ScoreError>>) {
    let (home, spares): (Sender<Frame>, Receiver<Frame>) = mpsc::channel();
    let mut back: [Option<Arc<Recycled>>; 2] = [None, None];
    loop {
        let job = match pairs.next_reusing([spares.try_recv().ok(), spares.try_recv().ok()]) {
            Ok(Some((frame, r, d))) => {
                let reference = Arc::new(Recycled::new(r, &home));
                let job = Job { frame, reference: Arc::clone(&reference), distorted: Recycled::new(d, &home), back: back.clone() };
                back = [Some(reference), back[0].take()];
                Ok(job)
            }
            Ok(None) => break,
            Err(e) => Err(e),
        };
        let failed = job.is_err();
        if jobs.send(job).is_err() || failed {
            break;
        }
    }
}

/// A frame's features and host metrics, or why it has none.
type Computed = Result<(FrameFeatures, HostMetrics), ScoreError>;

/// Hands the workers' results on in frame order (they arrive in any order) until the
/// workers are done or a result is an error.
fn in_frame_order(
    done: Receiver<(u64, Computed)>,
    out: &mut Extracted,
    progress: &dyn Fn(u64),
) -> Result<(), ScoreError> {
    let mut pending = BTreeMap::new();
    for (frame, result) in done {
        pending.insert(frame, result);
        while let Some(entry) = pending.first_entry() {
            if entry.key() != &(out.frame_numbers.len() as u64) && entry.key() != &u64::MAX {
                break;
            }
            let (frame, (f, host)) = (*entry.key(), entry.remove()?);
            out.push(frame, f, host);
            progress(out.features.len() as u64);
        }
    }
    Ok(())
}

/// One job's features and host metrics.
fn compute(
    job: &Job,
    sets: &[FeatureOptions],
    options: &ScoreOptions,
    five_frame_window: bool,
    scratch: &mut FeatureScratch,
) -> Computed {
    let (r, d) = (&**job.reference, &*job.distorted);
    let depth = r.info.bit_depth;
    let prev = job.back[0].as_ref().map(|f| &f.planes[0]);
    let scored = super::frames::is_scored(job.frame, options.subsample);
    let mut f = if scored {
        features::frame_features(&r.planes[0], &d.planes[0], prev, depth, sets, scratch)
    } else {
        // Left out of the log: motion only (its neighbours' motion2 needs it).
        features::motion_only_features(&r.planes[0], prev, depth, sets.len())
    };
    if five_frame_window {
        f.motion_sad2 = job.back[1].as_ref().map(|p| features::motion_sad(&p.planes[0], &r.planes[0], depth).unwrap_or(0));
    }
    Ok((f, HostMetrics::of(r, d, options, scored)?))
}
