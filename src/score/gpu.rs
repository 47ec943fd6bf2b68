//! The GPU path: the feature engine with frames in flight, PSNR on the CPU beside it,
//! `check_gpu` against the CPU twin, and the fall-back to the CPU when the GPU fails.

use std::collections::VecDeque;

use super::frames::FramePairs;
use super::{Extracted, HostMetrics, ScoreError, ScoreOptions, set_suffix};
use crate::features::engine::{FeatureEngine, IN_FLIGHT};
use crate::features::{self, FeatureOptions, FrameFeatures};
use crate::gpu::{GpuContext, GpuError};
use crate::io::{Plane, VideoInfo};

/// A frame on the GPU, kept until its features come back: its number, PSNR, the CPU's
/// features when `check_gpu`, and its luma planes, so the CPU can redo it if the GPU
/// fails before it returns.
struct Waiting {
    frame: u64,
    host: HostMetrics,
    want: Option<FrameFeatures>,
    ref_y: Plane,
    dist_y: Plane,
}

/// Frames whose features are final, and the reference luma of the last two: the
/// previous frames of the next CPU computation.
struct Done {
    out: Extracted,
    last_refs: Back,
}

/// The reference luma of the last two frames, newest first.
#[derive(Default)]
struct Back([Option<Plane>; 2]);

impl Back {
    fn push(&mut self, plane: Plane) {
        self.0.swap(0, 1);
        self.0[0] = Some(plane);
    }

    /// A frame's features on the CPU, against these previous frames (the SAD against
    /// the frame two back only with motion's five-frame window).
    fn features(&self, ref_y: &Plane, dist_y: &Plane, info: &VideoInfo, sets: &[FeatureOptions], window2: bool, scratch: &mut features::FeatureScratch) -> FrameFeatures {
        let mut f = features::frame_features(ref_y, dist_y, self.0[0].as_ref(), info.bit_depth, sets, scratch);
        if window2 {
            f.motion_sad2 = self.0[1].as_ref().map(|p| features::motion_sad(p, ref_y, info.bit_depth).unwrap_or(0));
        }
        f
    }
}

impl Done {
    fn accept(&mut self, w: Waiting, got: FrameFeatures, sets: &[FeatureOptions], progress: &dyn Fn(u64)) -> Result<(), ScoreError> {
        if let Some(want) = &w.want {
            check_same(w.frame, &got, want, sets)?;
        }
        self.out.push(w.frame, got, w.host);
        self.last_refs.push(w.ref_y);
        progress(self.out.features.len() as u64);
        Ok(())
    }
}

/// Where the GPU path stands.
enum GpuState<'c> {
    Running(FeatureEngine<'c>),
    /// The GPU failed (device lost, out of memory, …): the rest of the clip runs on the CPU.
    Failed,
}

/// The GPU path: a reader thread decodes frames ahead while the engine keeps
/// [`IN_FLIGHT`] frames on the GPU. PSNR (when asked) is computed on the
/// CPU meanwhile. With `check_gpu`, every frame is also computed on the CPU and the
/// first difference is an error naming the frame, the feature and both values.
///
/// If the GPU fails mid-run, the run goes on: the frames it had not returned and every
/// later frame are computed on the CPU (with the same previous-frame rule, so the
/// numbers are those of an all-CPU run), and one warning says where it happened; it is
/// also kept in the table's `notes` for the log.
pub(super) fn extract(
    pairs: FramePairs,
    ctx: &GpuContext,
    info: &VideoInfo,
    sets: &[FeatureOptions],
    options: &ScoreOptions,
    progress: &dyn Fn(u64),
) -> Result<(Extracted, Vec<String>), ScoreError> {
    let mut notes = Vec::new();
    // Decoded pairs queued ahead of the engine: as many as keep it fed (two per frame
    // in flight), fewer when the memory limit says so.
    let queue = super::budget::plan_gpu(info, 2 * IN_FLIGHT, IN_FLIGHT, options.memory_limit)?.pairs;
    let window2 = options.motion.iter().any(|m| m.five_frame_window);
    let mut state = match FeatureEngine::with_window(ctx, info.width, info.height, info.bit_depth, sets, window2) {
        Ok(engine) => GpuState::Running(engine),
        // Out of memory for this frame size, say: the whole clip on the CPU.
        Err(e) => {
            let note = format!("warning: the GPU {} cannot run this clip ({e}); computing on the CPU", ctx.adapter_summary().name);
            eprintln!("{note}");
            notes.push(note);
            GpuState::Failed
        }
    };
    let mut waiting: VecDeque<Waiting> = VecDeque::new();
    let mut check_scratch = features::FeatureScratch::with_isa(options.simd);
    let mut cpu_scratch = features::FeatureScratch::with_isa(options.simd);
    let mut check_previous = Back::default();
    let mut done = Done { out: Extracted { frame_numbers: Vec::new(), features: Vec::new(), host: Vec::new() }, last_refs: Back::default() };
    // The CPU takes over every frame still waiting (after a GPU failure).
    let mut drain = |waiting: &mut VecDeque<Waiting>, done: &mut Done| {
        while let Some(w) = waiting.pop_front() {
            let got = done.last_refs.features(&w.ref_y, &w.dist_y, info, sets, window2, &mut cpu_scratch);
            done.accept(w, got, sets, progress)?;
        }
        Ok::<(), ScoreError>(())
    };
    // The GPU failed: one warning, kept for the log too, then the CPU for the rest.
    let mut fail_over = |state: &mut GpuState, error: GpuError, waiting: &VecDeque<Waiting>, done: &Done| {
        let from = waiting.front().map_or(done.out.frame_numbers.len() as u64, |w| w.frame);
        let note = format!(
            "warning: the GPU {} failed at frame {from} ({error}); frames from {from} on are computed on the CPU",
            ctx.adapter_summary().name
        );
        eprintln!("{note}");
        notes.push(note);
        *state = GpuState::Failed;
    };
    std::thread::scope(|scope| {
        let rx = pairs.read_ahead(scope, queue);
        for item in rx {
            let (frame, r, d) = item?;
            let host = HostMetrics::of(&r, &d, options, super::frames::is_scored(frame, options.subsample))?;
            let want = options.check_gpu.then(|| check_previous.features(&r.planes[0], &d.planes[0], info, sets, window2, &mut check_scratch));
            let [ref_y, ..] = r.planes;
            let [dist_y, ..] = d.planes;
            if options.check_gpu {
                check_previous.push(ref_y.clone());
            }
            let w = Waiting { frame, host, want, ref_y, dist_y };
            match &mut state {
                GpuState::Running(engine) => match engine.push(&w.ref_y, &w.dist_y) {
                    Ok(finished) => {
                        waiting.push_back(w);
                        if let Some(got) = finished {
                            let oldest = waiting.pop_front().expect("one waiting entry per frame on the GPU");
                            done.accept(oldest, got, sets, progress)?;
                        }
                    }
                    Err(e) => {
                        waiting.push_back(w);
                        fail_over(&mut state, e, &waiting, &done);
                        drain(&mut waiting, &mut done)?;
                    }
                },
                GpuState::Failed => {
                    waiting.push_back(w);
                    drain(&mut waiting, &mut done)?;
                }
            }
        }
        if let GpuState::Running(engine) = &mut state {
            match engine.finish() {
                Ok(finished) => {
                    for got in finished {
                        let oldest = waiting.pop_front().expect("one waiting entry per frame on the GPU");
                        done.accept(oldest, got, sets, progress)?;
                    }
                }
                Err(e) => {
                    fail_over(&mut state, e, &waiting, &done);
                    drain(&mut waiting, &mut done)?;
                }
            }
        }
        Ok::<(), ScoreError>(())
    })?;
    Ok((done.out, notes))
}

/// `--check-gpu`: the first field in which the GPU's frame differs from the CPU's.
fn check_same(frame: u64, gpu: &FrameFeatures, cpu: &FrameFeatures, sets: &[FeatureOptions]) -> Result<(), ScoreError> {
    let differ = |what: String, g: String, c: String| ScoreError::GpuMismatch { frame, what, gpu: g, cpu: c };
    for (s, set) in sets.iter().enumerate() {
        let suffix = set_suffix(set);
        for (name, g, c) in [("vif", &gpu.vif[s], &cpu.vif[s]), ("adm", &gpu.adm[s].num_den, &cpu.adm[s].num_den)] {
            for k in 0..4 {
                for (part, gv, cv) in [("num", g[k].0, c[k].0), ("den", g[k].1, c[k].1)] {
                    if gv.to_bits() != cv.to_bits() {
                        return Err(differ(format!("{name}_{part}_scale{k}{suffix}"), gv.to_string(), cv.to_string()));
                    }
                }
            }
        }
        for (k, (gv, cv)) in gpu.adm[s].aim.iter().zip(&cpu.adm[s].aim).enumerate() {
            if gv.to_bits() != cv.to_bits() {
                return Err(differ(format!("aim_num_scale{k}{suffix}"), gv.to_string(), cv.to_string()));
            }
        }
    }
    if gpu.motion_sad != cpu.motion_sad {
        return Err(differ("motion SAD".to_owned(), format!("{:?}", gpu.motion_sad), format!("{:?}", cpu.motion_sad)));
    }
    if gpu.motion_sad2 != cpu.motion_sad2 {
        return Err(differ("motion SAD two frames back".to_owned(), format!("{:?}", gpu.motion_sad2), format!("{:?}", cpu.motion_sad2)));
    }
    Ok(())
}

