//! Integer VIF (4 scales) on the GPU, bit-exact with `crate::features::vif`.
//!
//! Per scale s (size halved each time; a scale whose size reaches 0 is skipped and
//! reports (0, 0), as on the CPU):
//!
//! 1. `vif_downsample` (s >= 1): low-pass + 2:1 decimation of both images of scale s-1;
//! 2. `vif_filter`: vertical then horizontal Gaussian of x, y, x², y², x·y (products
//!    formed in-pass, the vertical results kept in workgroup memory) and σ1², σ2², σ12
//!    per pixel;
//! 3. `vif_stats`: the per-pixel statistic (its f64 part in soft binary64, see
//!    `features::softf64`), summed per row and added into 8 words per scale.
//!
//! All of one frame is recorded into the caller's encoder ([`VifPlan::encode`]); the
//! only readback is [`VifPlan::result`]'s 32 words, which [`VifPlan::decode`] turns into
//! the per-scale (num, den) with the CPU's own final step (`features::vif::vif_finish`).
//! The 32-bit / exactness argument of each pass is at the top of its shader.

use super::cpu::{self, VifPartial, vif_finish};
pub use super::params::VifParams;
use super::params::packed_taps;
use crate::features::oneshot::{ScalePlan, num_den_once, result_words_by_twin, with_plan};
use crate::features::prelude::wgsl_prelude;
use crate::features::softf64::GainClamp;
use crate::features::tables::{vif_log2_table, vif_taps};
use crate::gpu::buffers::{Packing, usage};
use crate::gpu::kernel::{Dispatch, ShaderOptions, SharedStruct, pass, record, shared_struct};
use crate::gpu::{Buffer, CommandEncoder, GpuContext, GpuError, Pass, WORKGROUP_SIZE, oneshot};
use crate::io::Plane;

/// Words per scale total: num_log, den_log, num_nonlog, count as (lo, hi) pairs.
const PARTIAL_WORDS: usize = 8;
/// Words of [`VifPlan::result`].
pub const RESULT_WORDS: usize = 4 * PARTIAL_WORDS;

/// Offset of scale `s`'s taps in `VifParams::taps` (scales 0..3 back to back).
fn taps_offset(s: usize) -> u32 {
    (0..s).map(|i| vif_taps(i).len() as u32).sum()
}

/// One computed scale: its geometry and buffers.
struct Scale {
    width: usize,
    height: usize,
    params: Buffer,
    /// Packed images of scales >= 1 (row pitch `stride`); scale 0 reads the caller's.
    images: Option<(Buffer, Buffer)>,
    stride: usize,
}

/// The buffers and dispatches of VIF for one frame size, bit depth and gain limit,
/// bound to the caller's two input buffers. Nothing is allocated per frame.
pub struct VifPlan {
    scales: Vec<Scale>,
    /// Every pass of every scale in run order; scale `s`'s are
    /// `dispatches[scale_ends[s - 1]..scale_ends[s]]` (its downsample first).
    dispatches: Vec<Dispatch>,
    scale_ends: Vec<usize>,
    sigma: Buffer,
    /// The scales' totals per gain limit, which `vif_stats` adds into: cleared
    /// before each frame.
    result: Buffer,
    result_words: usize,
}

impl std::fmt::Debug for VifPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sizes: Vec<(usize, usize)> = self.scales.iter().map(|s| (s.width, s.height)).collect();
        f.debug_struct("VifPlan").field("scales", &sizes).finish_non_exhaustive()
    }
}

impl VifPlan {
    /// `reference` / `distorted`: luma of `width x height` with row pitch `width`,
    /// packed as `Packing::for_depth(bit_depth)` (what `gpu::buffers::upload_plane`
    /// writes for a Plane of that width).
    /// Built once per clip; the parameters and the log2 table are queued for upload
    /// here and land with the next submit.
    pub fn new(
        ctx: &GpuContext,
        width: usize,
        height: usize,
        bit_depth: u8,
        gain_limit: f64,
        reference: &Buffer,
        distorted: &Buffer,
    ) -> Result<VifPlan, GpuError> {
        Self::with_gains(ctx, width, height, bit_depth, &[gain_limit], reference, distorted)
    }

    /// [`VifPlan::new`] for one or two gain limits (the default set's and the NEG
    /// set's): everything but the gain-limited part of `vif_stats` is computed once.
    /// The result holds [`RESULT_WORDS`] per limit, in order ([`VifPlan::decode_gain`]).
    pub fn with_gains(
        ctx: &GpuContext,
        width: usize,
        height: usize,
        bit_depth: u8,
        gain_limits: &[f64],
        reference: &Buffer,
        distorted: &Buffer,
    ) -> Result<VifPlan, GpuError> {
        ctx.checked("vif", || {
            if !(1..=2).contains(&gain_limits.len()) {
                return Err(GpuError::Unsupported {
                    what: "VIF gain limits",
                    reason: format!("{} limits in one plan; one or two are computed together", gain_limits.len()),
                });
            }
            let bit_depth = bit_depth.clamp(8, 16);
            // Scale sizes: halved until a side reaches 0 (then that scale and the rest are
            // skipped); none at all for an empty frame.
            let mut dims = Vec::new();
            let (mut w, mut h) = (width, height);
            while dims.len() < 4 && w > 0 && h > 0 {
                dims.push((w, h));
                (w, h) = (w / 2, h / 2);
            }
            let input = Packing::for_depth(bit_depth);
            let input_bytes = input.plane_bytes(width, height);
            // Every storage buffer is at most 12 bytes per scale-0 pixel (`sq`, `sigma`).
            let pixels = (width as u64) * (height as u64);
            let largest = (pixels * 12).max(input_bytes);
            let check = |groups: [usize; 3]| ctx.grid("vif", (width, height), largest, groups);
            let wg = WORKGROUP_SIZE as usize;
            if !dims.is_empty() {
                // The largest grids, before any allocation.
                check([width.div_ceil(wg), height, 1])?;
                check([height, 1, 1])?;
            }
            if !dims.is_empty() && (reference.size() < input_bytes || distorted.size() < input_bytes) {
                return Err(GpuError::Device {
                    pass: "vif",
                    message: format!(
                        "input buffers of {} and {} bytes, a {width}x{height} plane needs {input_bytes}",
                        reference.size(),
                        distorted.size()
                    ),
                });
            }
            let [k_down, k_filter, k_stats] = [&VIF_DOWNSAMPLE, &VIF_FILTER, &VIF_STATS].map(|p| ctx.kernel(p));
            let (k_down, k_filter, k_stats) = (k_down?, k_filter?, k_stats?);
            let sigma = ctx.buffer("vif.sigma", pixels * 12, usage::OUTPUT);
            let result_words = RESULT_WORDS * gain_limits.len();
            let result = ctx.buffer("vif.result", (result_words * 4) as u64, usage::ACCUMULATOR);
            let log2 = ctx.buffer("vif.log2_table", 65536 * 2, usage::INPUT);
            ctx.write(&log2, 0, bytemuck::cast_slice(&vif_log2_table()[..]));
            let gain = GainClamp::new(gain_limits[0]);
            // A lone limit leaves the second's fields unread (`gains` 1).
            let gain2 = GainClamp::new(gain_limits.get(1).copied().unwrap_or(f64::NAN));

            let mut scales: Vec<Scale> = Vec::with_capacity(dims.len());
            let mut dispatches = Vec::with_capacity(5 * dims.len());
            let mut scale_ends = Vec::with_capacity(dims.len());
            for (s, &(w, h)) in dims.iter().enumerate() {
                // Downsampled images get an even row pitch: one output word per invocation.
                let stride = if s == 0 { w } else { w.next_multiple_of(2) };
                let (ow, oh) = dims.get(s + 1).copied().unwrap_or((0, 0));
                let params = VifParams {
                    width: w as u32,
                    height: h as u32,
                    stride: stride as u32,
                    scale: s as u32,
                    taps_offset: taps_offset(s),
                    taps_len: vif_taps(s).len() as u32,
                    shift_mu: if s == 0 { u32::from(bit_depth) } else { 16 },
                    shift_sq: if s == 0 { 2 * (u32::from(bit_depth) - 8) } else { 16 },
                    narrow: u32::from(s == 0 && bit_depth == 8),
                    out_width: ow as u32,
                    out_height: oh as u32,
                    out_stride: ow.next_multiple_of(2) as u32,
                    down_taps_offset: taps_offset((s + 1).min(3)),
                    down_taps_len: vif_taps((s + 1).min(3)).len() as u32,
                    down_shift: if s == 0 { u32::from(bit_depth) } else { 16 },
                    gain_mode: gain.mode,
                    gain_lo: gain.limit[0],
                    gain_hi: gain.limit[1],
                    gain_sq_lo: gain.limit_sq[0],
                    gain_sq_hi: gain.limit_sq[1],
                    gains: gain_limits.len() as u32,
                    gain2_mode: gain2.mode,
                    gain2_lo: gain2.limit[0],
                    gain2_hi: gain2.limit[1],
                    gain2_sq_lo: gain2.limit_sq[0],
                    gain2_sq_hi: gain2.limit_sq[1],
                    packing: if s == 0 { input.log2() } else { Packing::Halves.log2() },
                    taps: packed_taps(),
                    ..bytemuck::Zeroable::zeroed()
                };
                let params_buf = ctx.buffer("vif.params", size_of::<VifParams>() as u64, usage::UNIFORM);
                ctx.write(&params_buf, 0, bytemuck::bytes_of(&params));
                let images = (s > 0).then(|| {
                    let bytes = Packing::Halves.plane_bytes(stride, h);
                    (ctx.buffer("vif.ref_scaled", bytes, usage::OUTPUT), ctx.buffer("vif.dis_scaled", bytes, usage::OUTPUT))
                });
                if let (1.., Some((r_out, d_out))) = (s, &images) {
                    let prev = &scales[s - 1];
                    let (r_in, d_in) = prev.images.as_ref().map_or((reference, distorted), |(r, d)| (r, d));
                    let grid = check([w.div_ceil(2).div_ceil(wg), h, 1])?;
                    dispatches.push(Dispatch::new(ctx, &k_down, &[&prev.params, r_in, d_in, r_out, d_out], grid));
                }
                let (r_img, d_img) = images.as_ref().map_or((reference, distorted), |(r, d)| (r, d));
                let (pixel_grid, row_grid) = (check([w.div_ceil(wg), h, 1])?, check([h, 1, 1])?);
                dispatches.push(Dispatch::new(ctx, &k_filter, &[&params_buf, r_img, d_img, &sigma], pixel_grid));
                dispatches.push(Dispatch::new(ctx, &k_stats, &[&params_buf, &sigma, &log2, &result], row_grid));
                scale_ends.push(dispatches.len());
                scales.push(Scale { width: w, height: h, params: params_buf, images, stride });
            }
            Ok(VifPlan { scales, dispatches, scale_ends, sigma, result, result_words })
        })
    }

    /// The passes of scale `s` (its downsample included). Scales run in order: they
    /// share the `mu`, `sq` and `sigma` buffers.
    fn encode_scale(&self, encoder: &mut CommandEncoder, s: usize) {
        let start = if s == 0 { 0 } else { self.scale_ends[s - 1] };
        record(encoder, "vif", &self.dispatches[start..self.scale_ends[s]]);
    }
}

/// A (lo, hi) pair as the i64 it holds.
fn pair(lo: u32, hi: u32) -> i64 {
    ((u64::from(hi) << 32) | u64::from(lo)) as i64
}

/// One 8-word record (row partial or scale total).
fn partial_of(t: &[u32]) -> VifPartial {
    VifPartial {
        num_log: pair(t[0], t[1]),
        den_log: pair(t[2], t[3]),
        num_nonlog: pair(t[4], t[5]),
        count: pair(t[6], t[7]),
    }
}

impl ScalePlan for VifPlan {
    fn label(&self) -> &'static str {
        "vif"
    }

    fn dispatches(&self) -> &[Dispatch] {
        &self.dispatches
    }

    /// Zeroes the totals `vif_stats` adds into.
    fn clear(&self, encoder: &mut CommandEncoder) {
        crate::gpu::buffers::clear(encoder, &self.result);
    }

    /// 8 words per scale and gain limit (see [`VifPlan::decode_gain`]).
    fn result(&self) -> (&Buffer, usize) {
        (&self.result, self.result_words)
    }

    /// The first gain limit's (num, den) per scale ([`VifPlan::decode_gain`]).
    fn decode(&self, words: &[u32]) -> [(f32, f32); 4] {
        self.decode_gain(words, 0)
    }
}

impl VifPlan {
    /// Gain limit `k`'s (num, den) per scale from the result words. Scales the plan
    /// does not compute (size 0), and words missing from a short slice, give (0, 0).
    pub fn decode_gain(&self, words: &[u32], k: usize) -> [(f32, f32); 4] {
        let mut out = [(0.0, 0.0); 4];
        for (s, slot) in out.iter_mut().enumerate().take(self.scales.len()) {
            let at = k * RESULT_WORDS + s * PARTIAL_WORDS;
            if let Some(t) = words.get(at..at + PARTIAL_WORDS) {
                *slot = vif_finish(&partial_of(t));
            }
        }
        out
    }
}

/// A plan over a one-shot run's planes (`features::oneshot::with_plan`).
fn builder<'a>(
    ctx: &'a GpuContext,
    gain_limits: &'a [f64],
) -> impl FnOnce((usize, usize), u8, &oneshot::Planes) -> Result<VifPlan, GpuError> + 'a {
    move |(w, h), depth, p| VifPlan::with_gains(ctx, w, h, depth, gain_limits, &p.reference, &p.distorted)
}

/// Convenience for tests and the self-test: upload, encode, read back, decode.
/// Equal bit for bit to `features::vif::compute_vif_num_den`.
pub fn compute_vif_num_den(
    ctx: &GpuContext,
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
) -> Result<[(f32, f32); 4], GpuError> {
    num_den_once(ctx, "vif", (ref_y, dist_y), bit_depth, builder(ctx, &[gain_limit]))
}

/// The raw result words of one frame of a plan for `gain_limits` (one or two) with
/// the pass named `swap` run by its CPU twin in the GPU chain (`None`: all on the
/// GPU), and what the swap saw (the swap test).
#[doc(hidden)]
pub fn vif_result_words_by_twin(
    ctx: &GpuContext,
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limits: &[f64],
    swap: Option<&str>,
) -> Result<(Vec<u32>, oneshot::Swapped), GpuError> {
    result_words_by_twin(ctx, "vif", (ref_y, dist_y), bit_depth, builder(ctx, gain_limits), swap)
}

/// Every scale's intermediates, and the final per-scale (num, den).
pub type GpuVifTrace = (Vec<GpuVifScaleTrace>, [(f32, f32); 4]);

/// The intermediates of one scale as the GPU computed them (pass-level tests; the CPU
/// side is `features::vif::VifScaleTrace`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GpuVifScaleTrace {
    pub width: usize,
    pub height: usize,
    /// `vif_downsample`'s output for scales >= 1 (row-major `width x height`); empty
    /// for scale 0, whose images are the input planes.
    pub reference: Vec<u16>,
    pub distorted: Vec<u16>,
    /// `vif_filter`'s output: σ1², σ2², σ12, each row-major `width x height`.
    pub sigmas: [Vec<i32>; 3],
    /// `vif_stats`' output: the scale's totals.
    pub total: VifPartial,
}

/// Every pass's output of [`compute_vif_num_den`], read back scale by scale (one
/// submit per scale: slow, for tests), and the decoded result.
pub fn vif_trace(
    ctx: &GpuContext,
    ref_y: &Plane,
    dist_y: &Plane,
    bit_depth: u8,
    gain_limit: f64,
) -> Result<GpuVifTrace, GpuError> {
    let trace = with_plan(ctx, "vif", (ref_y, dist_y), bit_depth, builder(ctx, &[gain_limit]), |plan| {
        let read = |enc: CommandEncoder, buffer: &Buffer, words: usize| {
            oneshot::read(ctx, enc, buffer, words, "vif.trace.readback")
        };
        let mut out = Vec::new();
        for s in 0..plan.scales.len() {
            // Scales 0..=s again (the sigma buffer is shared between scales).
            let mut enc = ctx.encoder("vif");
            for t in 0..=s {
                plan.encode_scale(&mut enc, t);
            }
            let scale = &plan.scales[s];
            let (w, h) = (scale.width, scale.height);
            let sig = read(enc, &plan.sigma, 3 * w * h)?;
            let mut trace = GpuVifScaleTrace { width: w, height: h, ..Default::default() };
            for (k, plane) in trace.sigmas.iter_mut().enumerate() {
                *plane = sig.iter().skip(k).step_by(3).map(|&v| v as i32).collect();
            }
            if let Some((r, d)) = &scale.images {
                let words = (scale.stride * h).div_ceil(2);
                for (buffer, dst) in [(r, &mut trace.reference), (d, &mut trace.distorted)] {
                    let packed = read(ctx.encoder("vif"), buffer, words)?;
                    let samples: Vec<u16> = packed.iter().flat_map(|&v| [v as u16, (v >> 16) as u16]).collect();
                    *dst = samples.chunks(scale.stride).take(h).flat_map(|row| row[..w].to_vec()).collect();
                }
            }
            out.push(trace);
        }
        // Every scale's totals, after one full frame.
        let mut enc = ctx.encoder("vif");
        plan.encode(ctx, &mut enc)?;
        let (buffer, words) = plan.result();
        let result = read(enc, buffer, words)?;
        for (trace, record) in out.iter_mut().zip(result.chunks_exact(PARTIAL_WORDS)) {
            trace.total = partial_of(record);
        }
        Ok((out, plan.decode(&result)))
    })?;
    Ok(trace.unwrap_or_default())
}

/// `vif_stats` alone on given σ1², σ2², σ12 (`sigmas` interleaved, 3 per pixel,
/// row-major `width x height`): one partial per row, the GPU twin of
/// `features::vif::vif_stats` on each row. For testing the soft-f64 arithmetic on
/// chosen inputs.
pub fn vif_stats_rows(
    ctx: &GpuContext,
    width: usize,
    height: usize,
    sigmas: &[i32],
    gain_limit: f64,
) -> Result<Vec<VifPartial>, GpuError> {
    if width == 0 || height == 0 {
        return Ok(Vec::new());
    }
    if sigmas.len() < 3 * width * height {
        return Err(GpuError::Device {
            pass: VIF_STATS.name,
            message: format!("{} sigma values for {width}x{height} pixels", sigmas.len()),
        });
    }
    ctx.checked(VIF_STATS.name, || {
        let bytes = (3 * width * height * 4) as u64;
        let grid = ctx.grid("vif_stats", (width, height), bytes, [height, 1, 1])?;
        let params = ctx.buffer("vif.stats.params", size_of::<VifParams>() as u64, usage::UNIFORM);
        let sigma = ctx.buffer("vif.stats.sigma", bytes, usage::INPUT);
        // Zeroed at creation: each row adds into its own record.
        let partials = ctx.buffer("vif.stats.partials", (height * PARTIAL_WORDS * 4) as u64, usage::ACCUMULATOR);
        let log2 = ctx.buffer("vif.log2_table", 65536 * 2, usage::INPUT);
        ctx.write(&log2, 0, bytemuck::cast_slice(&vif_log2_table()[..]));
        let group = ctx.kernel(&VIF_STATS)?.bind(ctx, &[&params, &sigma, &log2, &partials]);
        let gain = GainClamp::new(gain_limit);
        let values = VifParams {
            width: width as u32,
            height: height as u32,
            stride: width as u32,
            row_records: 1,
            gains: 1,
            gain_mode: gain.mode,
            gain_lo: gain.limit[0],
            gain_hi: gain.limit[1],
            gain_sq_lo: gain.limit_sq[0],
            gain_sq_hi: gain.limit_sq[1],
            ..bytemuck::Zeroable::zeroed()
        };
        ctx.write(&params, 0, bytemuck::bytes_of(&values));
        ctx.write(&sigma, 0, bytemuck::cast_slice(&sigmas[..3 * width * height]));
        let mut enc = ctx.encoder("vif");
        ctx.kernel(&VIF_STATS)?.dispatch(&mut enc, &group, grid);
        let words = oneshot::read(ctx, enc, &partials, height * PARTIAL_WORDS, "vif.stats.readback")?;
        Ok(words.chunks_exact(PARTIAL_WORDS).map(partial_of).collect())
    })
}

// ---- the passes (the WGSL files, their bindings in order) ----

/// The prelude of every VIF pass: the common one and `vif_tap`, the taps' accessor
/// (every VIF pass binds its [`VifParams`] as `params`).
pub fn vif_prelude(options: ShaderOptions) -> String {
    wgsl_prelude(options)
        + "// Tap i of `VifParams::taps` (scales 0..3 back to back, four to a row).\n\
           fn vif_tap(i: u32) -> u32 {\n    return params.taps[i >> 2u][i & 3u];\n}\n"
}

pub const VIF_FILTER: Pass = pass!("vif_filter", [Uniform, Read, Read, ReadWrite], vif_prelude, cpu::vif_filter);
pub const VIF_STATS: Pass = pass!("vif_stats", [Uniform, Read, Read, ReadWrite], vif_prelude, cpu::vif_stats);
pub const VIF_DOWNSAMPLE: Pass = pass!("vif_downsample", [Uniform, Read, Read, ReadWrite, ReadWrite], vif_prelude, cpu::vif_downsample);

/// The vif passes, in the order they run.
pub const PASSES: [&Pass; 3] = [&VIF_FILTER, &VIF_STATS, &VIF_DOWNSAMPLE];

/// `VifParams` as Rust lays it out, for the layout test against the WGSL.
pub fn shared_structs() -> Vec<SharedStruct> {
    vec![shared_struct!(
        VifParams {
            width,
            height,
            stride,
            scale,
            taps_offset,
            taps_len,
            shift_mu,
            shift_sq,
            narrow,
            row_records,
            out_width,
            out_height,
            out_stride,
            down_taps_offset,
            down_taps_len,
            down_shift,
            gain_mode,
            gain_lo,
            gain_hi,
            gain_sq_lo,
            gain_sq_hi,
            packing,
            gains,
            gain2_mode,
            gain2_lo,
            gain2_hi,
            gain2_sq_lo,
            gain2_sq_hi,
            taps,
        },
        &[VIF_FILTER.name, VIF_STATS.name, VIF_DOWNSAMPLE.name]
    )]
}
