//! Integer ADM on the GPU, bit-exact with `crate::features::adm`. Per scale, three
//! dispatches, each the twin of the CPU function of the same name:
//!
//! | pass | grid | writes |
//! |---|---|---|
//! | `adm_dwt_s0` / `adm_dwt_s123` | one invocation per band sample and image (z) | both images' bands a, h, v, d |
//! | `adm_decouple_csf` | one per sample of the filter region | r, a (h, v, d); the CSF of a (the DLM's) and of r (AIM's) |
//! | `adm_rows` | one workgroup per score row | den, DLM num and AIM num totals (atomic u64); the DLM's thr |
//!
//! Each pass does all that depends only on what the previous one wrote: the DWT of
//! both images; the decoupling and the CSF, both per sample; and every row sum (the
//! masking thresholds, read at 3x3 neighbourhoods of the CSF, are computed where they
//! are used instead of stored and read back). libvmaf's AIM reruns CSF and masking
//! with the restored and additive bands swapped; here those are a second set of
//! outputs of the same two passes.
//!
//! Workgroups are `WORKGROUP_SIZE` (64) wide everywhere: a multiple of every
//! vendor's subgroup (32 or 64; lavapipe's 8 lanes fit too), laid along band rows so
//! that neighbouring invocations read neighbouring samples. The per-sample passes use
//! 1-D groups because a 2-D tile would idle at the narrow scale-3 bands (w/16) and
//! their work per sample is small and uniform; the row sums stride one band row
//! with 64 invocations because libvmaf rounds every row sum separately, so a row is
//! the natural unit (scale-3 rows are a few dozen samples: more lanes would idle).
//!
//! The frame's result is 72 u32 words ([`RESULT_WORDS`]): per scale, the exact u64/i64
//! totals of the denominator (h, v, d) then of the DLM's numerator (h, v, d), as
//! (lo, hi) pairs; after the four scales, AIM's numerator totals (h, v, d) per scale;
//! all added with two 32-bit atomics by `adm_rows`' row workgroups. The host turns them into (num, den) with the same
//! `adm_den_finish` / `adm_cm_finish` the CPU path runs. Each shader states its
//! 32-bit exactness argument at the top; the 64-bit helpers are in
//! `shaders/common.wgsl` with CPU twins in [`super::wide`].
//!
//! Gain limits: only integers in `0..=2^31-1` (libvmaf's default 100, the NEG
//! model's 1); for others [`AdmPlan::new`] returns [`GpuError::Unsupported`] and the
//! caller uses the CPU.

pub use super::params::AdmParams;
use super::cpu::{self as cpu, AdmConfig, AdmScales, AdmTrace, Hvd, adm_band_sizes, adm_shifts, adm_trace_mask, region_filter, region_score};
use crate::features::oneshot::{ScalePlan, num_den_once, result_words_by_twin, run_frame, with_plan};
use crate::features::prelude::wgsl_prelude;
use crate::features::tables::*;
use crate::gpu::buffers::{self, Packing, usage};
use std::sync::Arc;

use crate::gpu::kernel::{Dispatch, Kernel, SharedStruct, record, shared_struct, pass};
use crate::gpu::{Buffer, CommandEncoder, GpuContext, GpuError, Pass, WORKGROUP_SIZE, oneshot};
use crate::io::Plane;

/// u32 words of one frame's result: 4 scales × (3 den + 3 num) × (lo, hi), then
/// 4 scales × 3 AIM num × (lo, hi).
pub const RESULT_WORDS: usize = 72;
const SCALE_WORDS: usize = 12;
/// Where AIM's totals start, and their words per scale.
const AIM_WORDS_AT: usize = 4 * SCALE_WORDS;
const AIM_SCALE_WORDS: usize = 6;
/// Dispatches per scale: the DWT, decouple_csf, rows.
const PER_SCALE: usize = 3;

/// The gain limit as the integer the shader multiplies by, or why it cannot be one.
fn gain_as_i32(gain_limit: f64) -> Result<i32, GpuError> {
    if gain_limit.fract() == 0.0 && (0.0..=f64::from(i32::MAX)).contains(&gain_limit) {
        Ok(gain_limit as i32)
    } else {
        Err(GpuError::Unsupported {
            what: "an ADM enhancement gain limit",
            reason: format!(
                "{gain_limit} is not an integer in 0..=2147483647; the decouple pass reproduces \
                 libvmaf's double `r · gain` exactly only for integers (100 and 1 are)"
            ),
        })
    }
}

fn params_for(scale: usize, band: (usize, usize), src: (usize, usize), bit_depth: u8, gain: i32, cfg: &AdmConfig) -> AdmParams {
    let (bw, bh) = band;
    let f = region_filter(bw, bh);
    let s = region_score(bw, bh);
    let sh = adm_shifts(bw, bh, scale);
    let (dwt_v_add, dwt_v_shift, dwt_h_add, dwt_h_shift) = if scale == 0 {
        let v = if bit_depth <= 8 { 8 } else { u32::from(bit_depth) };
        (1 << (v - 1), v, 32768, 16)
    } else {
        let (va, vs, ha, hs) = ADM_S123_DWT_SHIFTS[scale - 1];
        (va as u32, vs, ha as u32, hs)
    };
    // the CPU's Q32 factors (features::adm::AdmConfig::factors)
    let rf = if scale == 0 { [0; 3] } else { cfg.rf_q32(scale).map(|r| r as u32) };
    AdmParams {
        width: bw as u32,
        height: bh as u32,
        src_width: src.0 as u32,
        src_height: src.1 as u32,
        src_stride: src.0 as u32,
        src_packing: Packing::for_depth(bit_depth).log2(),
        scale: scale as u32,
        dwt_v_add,
        dwt_v_shift,
        dwt_h_add,
        dwt_h_shift,
        filt_top: f.top as u32,
        filt_bottom: f.bottom as u32,
        filt_left: f.left as u32,
        filt_right: f.right as u32,
        score_top: s.top as u32,
        score_bottom: s.bottom as u32,
        score_left: s.left as u32,
        score_right: s.right as u32,
        gain_limit: gain,
        rf_h: rf[0],
        rf_v: rf[1],
        rf_d: rf[2],
        den_sq: sh.den_sq,
        den_cub: sh.den_cub,
        den_row: sh.den_row,
        cm_cub_hv: sh.cm_cub[0],
        cm_cub_d: sh.cm_cub[2],
        cm_row: sh.cm_row,
        result_offset: (scale * SCALE_WORDS) as u32,
        aim_offset: (AIM_WORDS_AT + scale * AIM_SCALE_WORDS) as u32,
        s0_rf_h: cfg.s0[0],
        s0_rf_v: cfg.s0[1],
        s0_rf_d: cfg.s0[2],
        ..bytemuck::Zeroable::zeroed()
    }
}

/// What a plan's DWT reads: the two pixel planes, or nothing, reading the bands
/// another plan's DWT writes.
#[derive(Clone, Copy)]
enum Input<'a> {
    Planes(&'a Buffer, &'a Buffer),
    BandsOf(&'a AdmPlan),
}

/// Intermediates: storage, readable back by the pass-level tests.
const SCRATCH: usage::Usage = usage::ACCUMULATOR;

/// Everything ADM needs for one frame size and option set: buffers, bind groups and
/// grids, built once; [`AdmPlan::encode`] only records dispatches.
pub struct AdmPlan {
    /// The frame's width, height and bit depth (clamped to 8..=16).
    frame: (usize, usize, u8),
    /// Band size per scale; `None` for an empty frame (every result is 0).
    bands: Option<[(usize, usize); 4]>,
    totals: Buffer,
    /// Per scale: the bands (a, h, v, d) of the reference and the distorted image
    /// (shared with the plan whose DWT wrote them, see [`AdmPlan::sharing_bands`]).
    ref_bands: Vec<Buffer>,
    dis_bands: Vec<Buffer>,
    /// Shared by the scales (sized for scale 0): r, a (h, v, d each), csf (csf_a and
    /// csf_f of a, then of r: 12 planes), thr.
    scratch: Vec<Buffer>,
    /// [`PER_SCALE`] per scale, in [`features::adm`](crate::features::adm)'s order.
    dispatches: Vec<Dispatch>,
    /// The options' CSF factors and noise weight: in the params, and in the float
    /// steps after the readback.
    cfg: AdmConfig,
}

impl AdmPlan {
    /// `reference` / `distorted`: luma of `width x height` with row pitch `width`,
    /// packed as `Packing::for_depth(bit_depth)` (what `gpu::buffers::upload_plane`
    /// writes for a Plane of that width). Built once per clip.
    pub fn new(
        ctx: &GpuContext,
        width: usize,
        height: usize,
        bit_depth: u8,
        options: &crate::features::FeatureOptions,
        reference: &Buffer,
        distorted: &Buffer,
    ) -> Result<AdmPlan, GpuError> {
        Self::build(ctx, (width, height, bit_depth), options, Input::Planes(reference, distorted))
    }

    /// ADM with other `options` (another gain limit: the NEG set) over the frame
    /// `first` analyses, reading the DWT bands `first` writes instead of computing
    /// them again: two dispatches per scale. Record it after `first` (the engine
    /// records its plans in order); it keeps `first`'s band buffers alive.
    pub fn sharing_bands(
        ctx: &GpuContext,
        options: &crate::features::FeatureOptions,
        first: &AdmPlan,
    ) -> Result<AdmPlan, GpuError> {
        Self::build(ctx, first.frame, options, Input::BandsOf(first))
    }

    fn build(
        ctx: &GpuContext,
        (width, height, bit_depth): (usize, usize, u8),
        options: &crate::features::FeatureOptions,
        input: Input,
    ) -> Result<AdmPlan, GpuError> {
        let gain = gain_as_i32(options.adm_enhn_gain_limit)?;
        let cfg = AdmConfig::new(options).map_err(|reason| GpuError::Unsupported { what: "these ADM options", reason })?;
        let bit_depth = bit_depth.clamp(8, 16);
        let totals = ctx.buffer("adm.totals", (RESULT_WORDS * 4) as u64, SCRATCH);
        let frame = (width, height, bit_depth);
        let (ref_bands, dis_bands, dispatches, scratch) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut plan = AdmPlan { frame, bands: None, totals, ref_bands, dis_bands, scratch, dispatches, cfg };
        if width == 0 || height == 0 {
            return Ok(plan);
        }
        let sizes = adm_band_sizes(width, height);
        let n0 = (sizes[0].0 * sizes[0].1) as u64;
        // The largest binding: the scale-0 bands buffer (4 planes) or an input plane.
        // Shader indices are u32 words, so no binding may pass 2^32 bytes either.
        let largest = (16 * n0).max(Packing::for_depth(bit_depth).plane_bytes(width, height));
        if largest > u64::from(u32::MAX) {
            let limit = format!("a {largest}-byte storage buffer, max {} for u32 indexing", u32::MAX);
            return Err(GpuError::TooLarge { what: "ADM", width, height, limit });
        }
        let grid = |groups: [usize; 3]| ctx.grid("ADM", (width, height), largest, groups);
        let wg = WORKGROUP_SIZE as usize;
        // Params and grids first: nothing is allocated for a frame the device cannot take.
        let mut scales = Vec::with_capacity(4);
        for (s, &(bw, bh)) in sizes.iter().enumerate() {
            let src = if s == 0 { (width, height) } else { sizes[s - 1] };
            let p = params_for(s, (bw, bh), src, bit_depth, gain, &plan.cfg);
            let filt = [(p.filt_right - p.filt_left) as usize, (p.filt_bottom - p.filt_top) as usize];
            let band_grid = grid([bw.div_ceil(wg), bh, 2])?;
            let filt_grid = grid([filt[0].div_ceil(wg), filt[1], 1])?;
            let rows_grid = grid([(p.score_bottom - p.score_top) as usize, 1, 1])?;
            scales.push((p, band_grid, filt_grid, rows_grid));
        }
        match input {
            Input::Planes(..) => {
                for &(bw, bh) in &sizes {
                    let bytes = (bw * bh) as u64 * 16;
                    plan.ref_bands.push(ctx.buffer("adm.ref_bands", bytes, SCRATCH));
                    plan.dis_bands.push(ctx.buffer("adm.dis_bands", bytes, SCRATCH));
                }
            }
            Input::BandsOf(first) => {
                plan.ref_bands.clone_from(&first.ref_bands);
                plan.dis_bands.clone_from(&first.dis_bands);
            }
        }
        for (label, planes) in [("adm.r", 3), ("adm.a", 3), ("adm.csf", 12), ("adm.thr", 1)] {
            plan.scratch.push(ctx.buffer(label, 4 * planes * n0, SCRATCH));
        }
        let [r, a, csf, thr] = [0, 1, 2, 3].map(|i| &plan.scratch[i]);
        let dwt_s0 = ctx.kernel(&ADM_DWT_S0)?;
        let dwt_s123 = ctx.kernel(&ADM_DWT_S123)?;
        let decouple_csf = ctx.kernel(&ADM_DECOUPLE_CSF)?;
        let rows = ctx.kernel(&ADM_ROWS)?;
        let mut dispatches = Vec::with_capacity(4 * PER_SCALE);
        for (s, (p, band_grid, filt_grid, rows_grid)) in scales.into_iter().enumerate() {
            let params = ctx.buffer("adm.params", size_of::<AdmParams>() as u64, usage::UNIFORM);
            ctx.write(&params, 0, bytemuck::bytes_of(&p));
            let (rb, db) = (&plan.ref_bands[s], &plan.dis_bands[s]);
            let mut push = |kernel: &Arc<Kernel>, buffers: &[&Buffer], grid: [u32; 3]| {
                dispatches.push(Dispatch::new(ctx, kernel, buffers, grid));
            };
            match input {
                Input::Planes(reference, distorted) if s == 0 => {
                    push(&dwt_s0, &[&params, reference, distorted, rb, db], band_grid);
                }
                Input::Planes(..) => {
                    push(&dwt_s123, &[&params, &plan.ref_bands[s - 1], &plan.dis_bands[s - 1], rb, db], band_grid);
                }
                Input::BandsOf(_) => {}
            }
            push(&decouple_csf, &[&params, rb, db, r, a, csf], filt_grid);
            push(&rows, &[&params, rb, r, a, csf, thr, &plan.totals], rows_grid);
        }
        plan.dispatches = dispatches;
        plan.bands = Some(sizes);
        Ok(plan)
    }

    /// Clears the totals and records the first `count` dispatches, in one compute pass
    /// (wgpu orders the storage writes and reads of consecutive dispatches).
    fn encode_first(&self, encoder: &mut CommandEncoder, count: usize) {
        self.clear(encoder);
        record(encoder, "adm", &self.dispatches[..count]);
    }
}

impl ScalePlan for AdmPlan {
    fn label(&self) -> &'static str {
        "adm"
    }

    fn dispatches(&self) -> &[Dispatch] {
        &self.dispatches
    }

    /// Zeroes the totals the passes add into.
    fn clear(&self, encoder: &mut CommandEncoder) {
        buffers::clear(encoder, &self.totals);
    }

    fn result(&self) -> (&Buffer, usize) {
        (&self.totals, RESULT_WORDS)
    }

    /// Missing words (a slice shorter than [`RESULT_WORDS`]) read as 0.
    fn decode(&self, words: &[u32]) -> [(f32, f32); 4] {
        self.decode_scales(words).num_den
    }
}

impl AdmPlan {
    /// DLM's (num, den) and AIM's numerator per scale from a frame's result words
    /// (missing words read as 0), with the CPU's float steps.
    pub fn decode_scales(&self, words: &[u32]) -> AdmScales {
        let Some(sizes) = self.bands else {
            return AdmScales::default();
        };
        let pair = |i: usize| {
            let w = |i: usize| u64::from(words.get(i).copied().unwrap_or(0));
            w(i) | (w(i + 1) << 32)
        };
        let num_den = std::array::from_fn(|s| {
            let (bw, bh) = sizes[s];
            let base = s * SCALE_WORDS;
            let den: [u64; 3] = std::array::from_fn(|b| pair(base + 2 * b));
            let num: [i64; 3] = std::array::from_fn(|b| pair(base + 6 + 2 * b) as i64);
            (cpu::adm_cm_finish_with(num, bw, bh, s, &self.cfg), cpu::adm_den_finish_with(den, bw, bh, s, &self.cfg))
        });
        let aim = std::array::from_fn(|s| {
            let (bw, bh) = sizes[s];
            let base = AIM_WORDS_AT + s * AIM_SCALE_WORDS;
            cpu::adm_aim_finish(std::array::from_fn(|b| pair(base + 2 * b) as i64), bw, bh, s)
        });
        AdmScales { num_den, aim }
    }
}

/// A plan over a one-shot run's planes (`features::oneshot::with_plan`).
fn builder(
    ctx: &GpuContext,
    options: crate::features::FeatureOptions,
) -> impl FnOnce((usize, usize), u8, &oneshot::Planes) -> Result<AdmPlan, GpuError> + '_ {
    move |(w, h), depth, p| AdmPlan::new(ctx, w, h, depth, &options, &p.reference, &p.distorted)
}

/// The default ADM options with gain limit `gain_limit`.
fn with_gain(gain_limit: f64) -> crate::features::FeatureOptions {
    crate::features::FeatureOptions { adm_enhn_gain_limit: gain_limit, ..Default::default() }
}

/// Convenience for tests and the self-test: upload, encode, read back, decode.
pub fn compute_adm_num_den(
    ctx: &GpuContext,
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
) -> Result<[(f32, f32); 4], GpuError> {
    gain_as_i32(gain_limit)?;
    num_den_once(ctx, "adm", (ref_y, dist_y), bit_depth, builder(ctx, with_gain(gain_limit)))
}

/// The raw result words of one frame with the pass named `swap` run by its CPU twin
/// in the GPU chain (`None`: all on the GPU), and what the swap saw (the swap test).
#[doc(hidden)]
pub fn adm_result_words_by_twin(
    ctx: &GpuContext,
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
    swap: Option<&str>,
) -> Result<(Vec<u32>, oneshot::Swapped), GpuError> {
    gain_as_i32(gain_limit)?;
    result_words_by_twin(ctx, "adm", (ref_y, dist_y), bit_depth, builder(ctx, with_gain(gain_limit)), swap)
}

/// DLM's (num, den) and AIM's numerator per scale on the GPU: the twin of
/// `features::adm::compute_adm_scales`.
pub fn compute_adm_scales(
    ctx: &GpuContext,
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
) -> Result<AdmScales, GpuError> {
    compute_adm_scales_with(ctx, ref_y, dist_y, bit_depth, &with_gain(gain_limit))
}

/// [`compute_adm_scales`] with any ADM options (CSF mode 2, the viewing condition,
/// the noise weight): the twin of `features::adm::compute_adm_scales_with`.
pub fn compute_adm_scales_with(
    ctx: &GpuContext,
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    options: &crate::features::FeatureOptions,
) -> Result<AdmScales, GpuError> {
    gain_as_i32(options.adm_enhn_gain_limit)?;
    let scales = with_plan(ctx, "adm", (ref_y, dist_y), bit_depth, builder(ctx, *options), |plan| {
        Ok(plan.decode_scales(&run_frame(ctx, plan, None)?.0))
    })?;
    Ok(scales.unwrap_or_default())
}

/// adm2 and adm_scale0..3 on the GPU: the twin of `features::compute_adm`.
pub fn compute_adm(
    ctx: &GpuContext,
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
) -> Result<(f64, [f64; 4]), GpuError> {
    let nd = compute_adm_num_den(ctx, ref_y, dist_y, bit_depth, gain_limit)?;
    Ok(cpu::adm_scores(&nd, ref_y.width, ref_y.height))
}

/// Reads the first `words` u32 of `buffer` after everything submitted so far.
fn read_words(ctx: &GpuContext, buffer: &Buffer, words: usize) -> Result<Vec<u32>, GpuError> {
    oneshot::read(ctx, ctx.encoder("adm.trace"), buffer, words, "adm.trace.readback")
}

fn planes<const N: usize>(words: &[u32], n: usize) -> [Vec<i32>; N] {
    std::array::from_fn(|b| words[b * n..(b + 1) * n].iter().map(|&v| v as i32).collect())
}

/// Every intermediate of every scale, read back from the GPU: the twin of
/// `features::adm::compute_adm_trace` (pass-level tests; slow: one submission per scale).
#[doc(hidden)]
pub fn compute_adm_trace(
    ctx: &GpuContext,
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
) -> Result<Vec<AdmTrace>, GpuError> {
    gain_as_i32(gain_limit)?;
    let trace = with_plan(ctx, "adm", (ref_y, dist_y), bit_depth, builder(ctx, with_gain(gain_limit)), |plan| {
        let Some(sizes) = plan.bands else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (s, &(bw, bh)) in sizes.iter().enumerate() {
            // r, a, csf and thr are shared by the scales: stop after this one.
            let mut encoder = ctx.encoder("adm");
            plan.encode_first(&mut encoder, PER_SCALE * (s + 1));
            ctx.submit(encoder);
            let n = bw * bh;
            let mask = |p: [Vec<i32>; 3]| p.map(|v| adm_trace_mask(&v, bw, bh, false));
            let (r, a) = (mask(planes(&read_words(ctx, &plan.scratch[0], 3 * n)?, n)), mask(planes(&read_words(ctx, &plan.scratch[1], 3 * n)?, n)));
            // The DLM's CSF: the first six of the csf planes.
            let csf: [Vec<i32>; 6] = planes(&read_words(ctx, &plan.scratch[2], 6 * n)?, n);
            let [ca_h, ca_v, ca_d, cf_h, cf_v, cf_d] = csf;
            let (csf_a, csf_f) = (mask([ca_h, ca_v, ca_d]), mask([cf_h, cf_v, cf_d]));
            let thr: [Vec<i32>; 1] = planes(&read_words(ctx, &plan.scratch[3], n)?, n);
            let totals = read_words(ctx, &plan.totals, RESULT_WORDS)?;
            let pair = |i: usize| u64::from(totals[i]) | (u64::from(totals[i + 1]) << 32);
            out.push(AdmTrace {
                w: bw,
                h: bh,
                ref_bands: planes(&read_words(ctx, &plan.ref_bands[s], 4 * n)?, n),
                dis_bands: planes(&read_words(ctx, &plan.dis_bands[s], 4 * n)?, n),
                r,
                a,
                csf_a,
                csf_f,
                thr: adm_trace_mask(&thr[0], bw, bh, true),
                den_acc: std::array::from_fn(|b| pair(s * SCALE_WORDS + 2 * b)),
                num_acc: std::array::from_fn(|b| pair(s * SCALE_WORDS + 6 + 2 * b) as i64),
            });
        }
        Ok(out)
    })?;
    Ok(trace.unwrap_or_default())
}

/// `adm_decouple_csf` alone on given detail bands (h, v, d) of a `w x h` band at
/// `scale`: the twin of `features::adm::adm_decouple_bands` (pass-level tests with
/// values no image produces). Returns (r, a), masked to the filter region.
#[doc(hidden)]
pub fn adm_decouple_bands(
    ctx: &GpuContext,
    o: &[Vec<i32>; 3],
    t: &[Vec<i32>; 3],
    (w, h): (usize, usize),
    scale: usize,
    gain_limit: f64,
) -> Result<(Hvd, Hvd), GpuError> {
    let gain = gain_as_i32(gain_limit)?;
    let n = w * h;
    if n == 0 || [o, t].iter().any(|hvd| hvd.iter().any(|p| p.len() < n)) {
        return Ok(Default::default());
    }
    ctx.checked("adm_decouple", || {
        let p = params_for(scale.min(3), (w, h), (w, h), 8, gain, &AdmConfig::default());
        let params = ctx.buffer("adm.params", size_of::<AdmParams>() as u64, usage::UNIFORM);
        ctx.write(&params, 0, bytemuck::bytes_of(&p));
        let upload = |hvd: &[Vec<i32>; 3]| {
            let buffer = ctx.buffer("adm.bands", (16 * n) as u64, SCRATCH);
            for (b, plane) in hvd.iter().enumerate() {
                ctx.write(&buffer, (4 * n * (b + 1)) as u64, bytemuck::cast_slice(&plane[..n]));
            }
            buffer
        };
        let (rb, db) = (upload(o), upload(t));
        let r = ctx.buffer("adm.r", (12 * n) as u64, SCRATCH);
        let a = ctx.buffer("adm.a", (12 * n) as u64, SCRATCH);
        let csf = ctx.buffer("adm.csf", (48 * n) as u64, SCRATCH);
        let wg = WORKGROUP_SIZE as usize;
        let fw = (p.filt_right - p.filt_left) as usize;
        let fh = (p.filt_bottom - p.filt_top) as usize;
        let grid = ctx.grid("ADM bands", (w, h), (16 * n) as u64, [fw.div_ceil(wg), fh, 1])?;
        let kernel = ctx.kernel(&ADM_DECOUPLE_CSF)?;
        let group = kernel.bind(ctx, &[&params, &rb, &db, &r, &a, &csf]);
        let mut encoder = ctx.encoder("adm");
        kernel.dispatch(&mut encoder, &group, grid);
        ctx.submit(encoder);
        let mask = |words: Vec<u32>| planes::<3>(&words, n).map(|v| adm_trace_mask(&v, w, h, false));
        Ok((mask(read_words(ctx, &r, 3 * n)?), mask(read_words(ctx, &a, 3 * n)?)))
    })
}

// ---- the passes (the WGSL files, their bindings in order) ----

pub const ADM_DWT_S0: Pass = pass!("adm_dwt_s0", [Uniform, Read, Read, ReadWrite, ReadWrite], wgsl_prelude, cpu::adm_dwt_s0);
pub const ADM_DWT_S123: Pass =
    pass!("adm_dwt_s123", [Uniform, Read, Read, ReadWrite, ReadWrite], wgsl_prelude, cpu::adm_dwt_s123);
pub const ADM_DECOUPLE_CSF: Pass =
    pass!("adm_decouple_csf", [Uniform, Read, Read, ReadWrite, ReadWrite, ReadWrite], wgsl_prelude, cpu::adm_decouple_csf);
pub const ADM_ROWS: Pass =
    pass!("adm_rows", [Uniform, Read, Read, Read, Read, ReadWrite, ReadWrite], wgsl_prelude, cpu::adm_rows);

/// The ADM passes, in the order one scale runs them.
pub const PASSES: [&Pass; 4] = [&ADM_DWT_S0, &ADM_DWT_S123, &ADM_DECOUPLE_CSF, &ADM_ROWS];

/// `AdmParams` as Rust lays it out, for the layout test against the WGSL.
pub fn shared_structs() -> Vec<SharedStruct> {
    vec![shared_struct!(
        AdmParams {
            width,
            height,
            src_width,
            src_height,
            src_stride,
            src_packing,
            scale,
            dwt_v_add,
            dwt_v_shift,
            dwt_h_add,
            dwt_h_shift,
            filt_top,
            filt_bottom,
            filt_left,
            filt_right,
            score_top,
            score_bottom,
            score_left,
            score_right,
            gain_limit,
            rf_h,
            rf_v,
            rf_d,
            den_sq,
            den_cub,
            den_row,
            cm_cub_hv,
            cm_cub_d,
            cm_row,
            result_offset,
            s0_rf_h,
            s0_rf_v,
            s0_rf_d,
            aim_offset,
            _pad1,
            _pad2,
        },
        &[ADM_DWT_S0.name, ADM_DWT_S123.name, ADM_DECOUPLE_CSF.name, ADM_ROWS.name]
    )]
}
