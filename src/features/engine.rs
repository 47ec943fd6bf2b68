//! The throughput path: every feature of a frame in one submission, several frames in
//! flight.
//!
//! The engine owns [`IN_FLIGHT`] slots. A slot holds the frame's two luma planes on the
//! GPU, one plan per feature bound to them (VIF and ADM per feature set, motion against
//! the previous slot's reference plane, which therefore is never uploaded twice), and a
//! small `MAP_READ` buffer that receives every plan's per-frame result words. Pushing a
//! frame writes its planes into the next slot, records all passes and the result copies
//! into one command buffer, submits it and asks for the map; the CPU returns at once to
//! read and decode the next frame while the GPU works. Only when a slot comes round
//! again does the engine wait for that (oldest) frame, so reading, upload, compute and
//! readback overlap, and a frame reads back a few dozen words.
//!
//! Queue order makes the reuse safe: a slot's planes are rewritten (at the next
//! submission) only after the submissions that read them, including the next frame's
//! motion, which reads them as its previous reference.

use super::adm::gpu::AdmPlan;
use super::motion::gpu::MotionPlan;
use super::vif::gpu::VifPlan;
use super::oneshot::ScalePlan;
use super::{FeatureOptions, FrameFeatures};
use crate::gpu::buffers::{Packing, upload_plane, usage};
use crate::gpu::readback::{Pending, gpu_times, submit_and_map, submit_and_wait};
use crate::gpu::kernel::{Dispatch, record};
use crate::gpu::{Buffer, CommandEncoder, GpuContext, GpuError};
use crate::io::Plane;

/// Frames in flight. Two let the CPU prepare frame n+1 while the GPU runs frame n; a
/// third absorbs jitter in reading and decoding without stalling the GPU.
pub const IN_FLIGHT: usize = 3;

/// A submitted frame whose results are not back yet.
struct InFlight {
    pending: Pending,
    has_motion: bool,
    /// The SAD against the frame two back (motion's five-frame window) was computed.
    has_motion2: bool,
}

struct Slot {
    reference: Buffer,
    distorted: Buffer,
    /// The sets' distinct VIF gain limits, two to a plan (`FeatureEngine::vif_of_set`).
    vif: Vec<VifPlan>,
    adm: Vec<AdmPlan>,
    /// Bound to the previous slot's reference; `None` until that slot exists.
    motion: Option<MotionPlan>,
    /// With the five-frame window: bound to the reference two slots back (frame i−2,
    /// whose slot is rewritten only by the next frame's upload, after this submit).
    motion2: Option<MotionPlan>,
    staging: Buffer,
    words: usize,
    in_flight: Option<InFlight>,
}

impl Slot {
    /// Every dispatch a frame in the steady state records, in run order: VIF and ADM
    /// per feature set, then motion (against frame i−1, then i−2).
    fn dispatches(&self) -> impl Iterator<Item = &Dispatch> {
        let vif = self.vif.iter().map(|p| p.dispatches());
        let adm = self.adm.iter().map(|p| p.dispatches());
        let motion = [&self.motion, &self.motion2].into_iter().flatten().map(|m| m.dispatches());
        vif.chain(adm).chain(motion).flatten().filter(|d| d.runs())
    }
}

/// Which clock [`FeatureEngine::time_passes`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassClock {
    /// The GPU's timestamps around each dispatch.
    Gpu,
    /// Wall time of each dispatch submitted alone (no `TIMESTAMP_QUERY`).
    Wall,
}

/// [`FeatureEngine::frame_cost`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameCost {
    pub dispatches: usize,
    pub upload_bytes: u64,
}

/// Computes [`FrameFeatures`] of a sequence of same-sized frame pairs on one GPU.
pub struct FeatureEngine<'c> {
    ctx: &'c GpuContext,
    slots: Vec<Slot>,
    width: usize,
    height: usize,
    pushed: u64,
    returned: u64,
    /// Motion's five-frame window: each frame also gets the SAD against frame i−2.
    window2: bool,
    /// How the luma planes are uploaded: bytes for 8-bit input.
    packing: Packing,
    /// Per set: its VIF plan in each slot and the gain limit's index in that plan.
    vif_of_set: Vec<(usize, usize)>,
}

impl std::fmt::Debug for FeatureEngine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeatureEngine")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("pushed", &self.pushed)
            .field("returned", &self.returned)
            .finish_non_exhaustive()
    }
}

impl<'c> FeatureEngine<'c> {
    /// Plans for `width x height` luma at `bit_depth` for every entry of `sets` in
    /// each slot: one VIF plan for (up to) two gain limits, one ADM plan per set (the
    /// second and later reading the first's DWT). Everything is allocated here,
    /// nothing per frame.
    pub fn new(
        ctx: &'c GpuContext,
        width: usize,
        height: usize,
        bit_depth: u8,
        sets: &[FeatureOptions],
    ) -> Result<Self, GpuError> {
        Self::with_window(ctx, width, height, bit_depth, sets, false)
    }

    /// [`Self::new`], and with `five_frame_window` each frame's SAD against the frame
    /// two back as well (`FrameFeatures::motion_sad2`, motion's five-frame window).
    pub fn with_window(
        ctx: &'c GpuContext,
        width: usize,
        height: usize,
        bit_depth: u8,
        sets: &[FeatureOptions],
        five_frame_window: bool,
    ) -> Result<Self, GpuError> {
        // Sets with the same VIF gain limit (compared as bits) share its statistic;
        // the distinct limits go two to a plan, which computes all else once.
        let mut vif_limits: Vec<f64> = Vec::new();
        let vif_of_set = sets
            .iter()
            .map(|set| {
                let limit = set.vif_enhn_gain_limit;
                let i = vif_limits.iter().position(|l| l.to_bits() == limit.to_bits()).unwrap_or_else(|| {
                    vif_limits.push(limit);
                    vif_limits.len() - 1
                });
                (i / 2, i % 2)
            })
            .collect();
        let slots = ctx.checked("engine", || {
            let bytes = Packing::for_depth(bit_depth).plane_bytes(width, height);
            let mut slots: Vec<Slot> = Vec::with_capacity(IN_FLIGHT);
            for _ in 0..IN_FLIGHT {
                let reference = ctx.buffer("engine.reference", bytes, usage::INPUT);
                let distorted = ctx.buffer("engine.distorted", bytes, usage::INPUT);
                let mut vif: Vec<VifPlan> = Vec::new();
                for limits in vif_limits.chunks(2) {
                    vif.push(VifPlan::with_gains(ctx, width, height, bit_depth, limits, &reference, &distorted)?);
                }
                let mut adm: Vec<AdmPlan> = Vec::new();
                for set in sets {
                    let (r, d) = (&reference, &distorted);
                    // Sets after the first read the first's DWT bands (only the gain
                    // limit, and so the decoupling, differs).
                    adm.push(match adm.first() {
                        Some(first) => AdmPlan::sharing_bands(ctx, set, first)?,
                        None => AdmPlan::new(ctx, width, height, bit_depth, set, r, d)?,
                    });
                }
                let motion_words = if five_frame_window { 4 } else { 2 };
                let words = vif.iter().map(|p| p.result().1).chain(adm.iter().map(|p| p.result().1)).sum::<usize>() + motion_words;
                let staging = ctx.buffer("engine.staging", (words * 4) as u64, usage::READBACK);
                slots.push(Slot { reference, distorted, vif, adm, motion: None, motion2: None, staging, words, in_flight: None });
            }
            // Slot i's motion reads slot i-1's reference as the previous frame.
            for i in 0..IN_FLIGHT {
                let prev = &slots[(i + IN_FLIGHT - 1) % IN_FLIGHT].reference;
                let plan = MotionPlan::new(ctx, (width, height), (width, width), bit_depth, prev, &slots[i].reference)?;
                slots[i].motion = Some(plan);
                if five_frame_window {
                    let prev2 = &slots[(i + IN_FLIGHT - 2) % IN_FLIGHT].reference;
                    let plan = MotionPlan::new(ctx, (width, height), (width, width), bit_depth, prev2, &slots[i].reference)?;
                    slots[i].motion2 = Some(plan);
                }
            }
            Ok(slots)
        })?;
        let packing = Packing::for_depth(bit_depth);
        Ok(FeatureEngine { ctx, slots, width, height, pushed: 0, returned: 0, window2: five_frame_window, packing, vif_of_set })
    }

    /// Submits one frame pair (luma planes of the engine's size). Returns the oldest
    /// frame's features when its slot had to be freed for this one; [`Self::finish`]
    /// returns the rest. Frames come back in the order they were pushed.
    pub fn push(&mut self, ref_y: &Plane, dist_y: &Plane) -> Result<Option<FrameFeatures>, GpuError> {
        let (w, h, packing) = (self.width, self.height, self.packing);
        if (ref_y.width, ref_y.height, dist_y.width, dist_y.height) != (w, h, w, h) {
            return Err(GpuError::Device {
                pass: "engine",
                message: format!(
                    "frame of {}x{} / {}x{} pushed into an engine for {w}x{h}",
                    ref_y.width, ref_y.height, dist_y.width, dist_y.height
                ),
            });
        }
        let index = (self.pushed % IN_FLIGHT as u64) as usize;
        let done = match self.slots[index].in_flight.is_some() {
            true => Some(self.collect(index)?),
            false => None,
        };
        let ctx = self.ctx;
        let has_motion = self.pushed > 0;
        let has_motion2 = self.window2 && self.pushed > 1;
        let slot = &mut self.slots[index];
        ctx.checked("engine", || {
            upload_plane(ctx, &slot.reference, ref_y, h, packing)?;
            upload_plane(ctx, &slot.distorted, dist_y, h, packing)?;
            let mut encoder = ctx.encoder("frame");
            let mut offset = 0u64;
            for plan in slot.vif.iter().map(|p| p as &dyn ScalePlan).chain(slot.adm.iter().map(|p| p as &dyn ScalePlan)) {
                plan.encode(ctx, &mut encoder)?;
                let (buffer, words) = plan.result();
                encoder.copy_buffer_to_buffer(buffer, 0, &slot.staging, offset, (words * 4) as u64);
                offset += (words * 4) as u64;
            }
            // The SAD against frame i−1, then (five-frame window) against frame i−2.
            let motions = [(has_motion, &slot.motion), (has_motion2, &slot.motion2)];
            for motion in motions.iter().filter(|(on, _)| *on).map(|(_, m)| m.as_ref().expect("a motion plan per slot")) {
                motion.encode(ctx, &mut encoder)?;
                let (buffer, words) = motion.result();
                encoder.copy_buffer_to_buffer(buffer, 0, &slot.staging, offset, (words * 4) as u64);
                offset += (words * 4) as u64;
            }
            let pending = submit_and_map(ctx, encoder, &slot.staging, slot.words, "engine.staging");
            slot.in_flight = Some(InFlight { pending, has_motion, has_motion2 });
            Ok(())
        })?;
        self.pushed += 1;
        Ok(done)
    }

    /// What a frame in the steady state costs the GPU (the first has no motion pass,
    /// the second none against frame i−2): compute dispatches recorded, and bytes
    /// uploaded (the two luma planes, one byte a sample for 8-bit input, else two;
    /// nothing else is sent per frame).
    pub fn frame_cost(&self) -> FrameCost {
        let upload_bytes = 2 * self.packing.plane_bytes(self.width, self.height);
        FrameCost { dispatches: self.slots[0].dispatches().count(), upload_bytes }
    }

    /// Waits for every frame still in flight and returns their features, oldest first.
    pub fn finish(&mut self) -> Result<Vec<FrameFeatures>, GpuError> {
        let mut out = Vec::new();
        while self.returned < self.pushed {
            let index = (self.returned % IN_FLIGHT as u64) as usize;
            out.push(self.collect(index)?);
        }
        Ok(out)
    }

    /// A per-pass-group breakdown for benchmarks: the wall-clock seconds of one frame's
    /// upload, VIF, ADM (each feature set) and motion, each submitted alone and waited
    /// for, the median of `reps` runs after a warm-up. A group's time therefore includes
    /// one submit-and-wait (tens of microseconds), which the pipelined engine hides.
    /// Call it with no frame in flight.
    pub fn time_groups(&mut self, ref_y: &Plane, dist_y: &Plane, reps: usize) -> Result<Vec<(String, f64)>, GpuError> {
        self.finish()?;
        let ctx = self.ctx;
        let (h, packing) = (self.height, self.packing);
        let slot = &self.slots[0];
        let run = |label: &str, f: &dyn Fn(&mut CommandEncoder) -> Result<(), GpuError>| {
            Ok::<(String, f64), GpuError>((label.to_owned(), median_submit(ctx, reps, f)?))
        };
        let mut out = vec![run("upload", &|_| {
            upload_plane(ctx, &slot.reference, ref_y, h, packing)?;
            upload_plane(ctx, &slot.distorted, dist_y, h, packing)?;
            Ok(())
        })?];
        for (s, plan) in slot.vif.iter().enumerate() {
            out.push(run(&format!("vif (plan {s})"), &|e| plan.encode(ctx, e))?);
        }
        for (s, plan) in slot.adm.iter().enumerate() {
            out.push(run(&format!("adm (set {s})"), &|e| plan.encode(ctx, e))?);
        }
        let motion = slot.motion.as_ref().expect("every slot has a motion plan");
        out.push(run("motion", &|e| motion.encode(ctx, e))?);
        Ok(out)
    }

    /// A per-pass breakdown for benchmarks: the time of each dispatch of one frame
    /// (median of `reps` runs after a warm-up), summed per pass name over its scales
    /// and feature sets, in run order; seconds. Where the device has timestamps
    /// (`PassClock::Gpu`) they are the GPU's own, of the frame's dispatches recorded
    /// in one submission; elsewhere (`PassClock::Wall`) each dispatch is submitted
    /// alone and waited for, so its time includes a submit-and-wait. Call it with no
    /// frame in flight.
    pub fn time_passes(&mut self, ref_y: &Plane, dist_y: &Plane, reps: usize) -> Result<(PassClock, Vec<(String, f64)>), GpuError> {
        self.finish()?;
        let ctx = self.ctx;
        let slot = &self.slots[0];
        upload_plane(ctx, &slot.reference, ref_y, self.height, self.packing)?;
        upload_plane(ctx, &slot.distorted, dist_y, self.height, self.packing)?;
        let dispatches: Vec<&Dispatch> = slot.dispatches().collect();
        // In run order: every dispatch finds the buffers its predecessors wrote.
        let (clock, times) = match gpu_times(ctx, &dispatches)? {
            Some(_) => {
                let mut runs = Vec::with_capacity(reps.max(1));
                for _ in 0..reps.max(1) {
                    runs.push(gpu_times(ctx, &dispatches)?.unwrap_or_default());
                }
                let median = |i: usize| {
                    let mut v: Vec<f64> = runs.iter().map(|r| r[i]).collect();
                    v.sort_by(f64::total_cmp);
                    v[v.len() / 2]
                };
                (PassClock::Gpu, (0..dispatches.len()).map(median).collect::<Vec<f64>>())
            }
            None => {
                let mut times = Vec::with_capacity(dispatches.len());
                for &dispatch in &dispatches {
                    times.push(median_submit(ctx, reps, &|e| {
                        record(e, "timing", std::slice::from_ref(dispatch));
                        Ok(())
                    })?);
                }
                (PassClock::Wall, times)
            }
        };
        let mut out: Vec<(String, f64)> = Vec::new();
        for (dispatch, seconds) in dispatches.iter().zip(times) {
            let name = dispatch.pass().name;
            match out.iter_mut().find(|(n, _)| n == name) {
                Some((_, total)) => *total += seconds,
                None => out.push((name.to_owned(), seconds)),
            }
        }
        Ok((clock, out))
    }

    /// Waits for the frame in slot `index` (the oldest in flight) and decodes it.
    fn collect(&mut self, index: usize) -> Result<FrameFeatures, GpuError> {
        let ctx = self.ctx;
        let slot = &mut self.slots[index];
        let flight = slot.in_flight.take().expect("collect is called on a slot in flight");
        let words = flight.pending.wait(ctx, &slot.staging)?;
        let mut rest = &words[..];
        // Each plan's words in turn, decoded as (num, den) and, for ADM, with AIM.
        let mut take = |plan: &dyn ScalePlan| {
            let (head, tail) = rest.split_at(plan.result().1);
            rest = tail;
            (plan.decode(head), head)
        };
        let vif_words: Vec<&[u32]> = slot.vif.iter().map(|p| take(p).1).collect();
        let vif = self.vif_of_set.iter().map(|&(p, k)| slot.vif[p].decode_gain(vif_words[p], k)).collect();
        let adm = slot.adm.iter().map(|p| p.decode_scales(take(p).1)).collect();
        let motion_sad = flight.has_motion.then(|| MotionPlan::decode(rest));
        let motion_sad2 = flight.has_motion2.then(|| MotionPlan::decode(&rest[2..]));
        self.returned += 1;
        Ok(FrameFeatures { vif, adm, motion_sad, motion_sad2 })
    }
}

/// The median wall time in seconds of `reps` (at least 1) runs of what `record`
/// records, each submitted alone and waited for, after one warm-up run.
fn median_submit(
    ctx: &GpuContext,
    reps: usize,
    record: &dyn Fn(&mut CommandEncoder) -> Result<(), GpuError>,
) -> Result<f64, GpuError> {
    let reps = reps.max(1);
    let mut times = Vec::with_capacity(reps);
    for rep in 0..=reps {
        let start = std::time::Instant::now();
        let mut encoder = ctx.encoder("timing");
        record(&mut encoder)?;
        submit_and_wait(ctx, encoder, "engine")?;
        if rep > 0 {
            times.push(start.elapsed().as_secs_f64());
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}
