//! The pass table and what is built from it: one compute pipeline per pass (built on
//! first use, with an explicit bind-group layout: the signature between CPU and GPU),
//! buffers owned by the plan that made them, and a cache of per-resolution plans for the
//! one-call functions (the buffers and bind groups of one pass group at one frame size,
//! behind one lock). Per call, only uploads, dispatches and one readback happen. The
//! plan cache grows by one entry per distinct frame size and lives as long as the
//! context; `gpu::engine` builds its own plans per clip instead.
//!
//! Shader sources are `shaders/<pass>.wgsl` behind a generated prelude: the numeric
//! constants from `crate::features::tables` (their one home) and `shaders/common.wgsl`.

use std::any::Any;
use std::borrow::Cow;
use std::collections::HashMap;
use std::mem::{offset_of, size_of};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::GpuError;
use super::adm::AdmParams;
use super::dequant::DequantParams;
use super::device::GpuContext;
use super::motion::MotionParams;
use super::psnr::PsnrParams;
use super::vif::VifParams;
use crate::features::tables::{MOTION_TAPS, VIF_EPS, VIF_SIGMA_NSQ, vif_taps};
use crate::io::Plane;

/// Invocations per workgroup of every pass (`WG_SIZE` in WGSL; a power of two).
pub const WORKGROUP_SIZE: u32 = 64;

/// How a pass sees one of its buffers, in binding order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// `var<uniform>`: the pass's `#[repr(C)]` params struct.
    Uniform,
    /// `var<storage, read>`.
    Read,
    /// `var<storage, read_write>`.
    ReadWrite,
}

/// One compute pass: the WGSL file `shaders/{name}.wgsl` with entry point `main`,
/// its CPU twin of the same name, and its bindings (group 0, in order).
#[derive(Debug)]
pub struct Pass {
    pub name: &'static str,
    /// The file's text, without the prelude (see [`Pass::source`]).
    pub file: &'static str,
    pub bindings: &'static [Binding],
}

impl Pass {
    /// What is compiled: the generated prelude followed by the pass file.
    pub fn source(&self) -> String {
        format!("{}\n// ---- shaders/{}.wgsl ----\n{}", wgsl_prelude(), self.name, self.file)
    }
}

/// `shaders/common.wgsl`: helpers every pass may call.
pub const COMMON_WGSL: &str = include_str!("../../shaders/common.wgsl");

pub const MOTION_BLUR_V: Pass = Pass {
    name: "motion_blur_v",
    file: include_str!("../../shaders/motion_blur_v.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::Read, Binding::ReadWrite],
};
pub const MOTION_BLUR_H_SAD: Pass = Pass {
    name: "motion_blur_h_sad",
    file: include_str!("../../shaders/motion_blur_h_sad.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::ReadWrite],
};
pub const MOTION_SAD_SUM: Pass = Pass {
    name: "motion_sad_sum",
    file: include_str!("../../shaders/motion_sad_sum.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::ReadWrite],
};
pub const PSNR_SSE_ROWS: Pass = Pass {
    name: "psnr_sse_rows",
    file: include_str!("../../shaders/psnr_sse_rows.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::Read, Binding::ReadWrite],
};

pub const VIF_FILTER_V: Pass = Pass {
    name: "vif_filter_v",
    file: include_str!("../../shaders/vif_filter_v.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::Read, Binding::ReadWrite, Binding::ReadWrite],
};
pub const VIF_SIGMAS: Pass = Pass {
    name: "vif_sigmas",
    file: include_str!("../../shaders/vif_sigmas.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::Read, Binding::ReadWrite],
};
pub const VIF_STATS: Pass = Pass {
    name: "vif_stats",
    file: include_str!("../../shaders/vif_stats.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::Read, Binding::ReadWrite],
};
pub const VIF_REDUCE: Pass = Pass {
    name: "vif_reduce",
    file: include_str!("../../shaders/vif_reduce.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::ReadWrite],
};
pub const VIF_DOWNSAMPLE: Pass = Pass {
    name: "vif_downsample",
    file: include_str!("../../shaders/vif_downsample.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::Read, Binding::ReadWrite, Binding::ReadWrite],
};

pub const ADM_DWT_S0: Pass = Pass {
    name: "adm_dwt_s0",
    file: include_str!("../../shaders/adm_dwt_s0.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::ReadWrite],
};
pub const ADM_DWT_S123: Pass = Pass {
    name: "adm_dwt_s123",
    file: include_str!("../../shaders/adm_dwt_s123.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::ReadWrite],
};
pub const ADM_DECOUPLE: Pass = Pass {
    name: "adm_decouple",
    file: include_str!("../../shaders/adm_decouple.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::Read, Binding::ReadWrite, Binding::ReadWrite],
};
pub const ADM_CSF_DEN: Pass = Pass {
    name: "adm_csf_den",
    file: include_str!("../../shaders/adm_csf_den.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::ReadWrite],
};
pub const ADM_CSF: Pass = Pass {
    name: "adm_csf",
    file: include_str!("../../shaders/adm_csf.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::ReadWrite, Binding::ReadWrite],
};
pub const ADM_CM_THR: Pass = Pass {
    name: "adm_cm_thr",
    file: include_str!("../../shaders/adm_cm_thr.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::Read, Binding::ReadWrite],
};
pub const ADM_CM: Pass = Pass {
    name: "adm_cm",
    file: include_str!("../../shaders/adm_cm.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::Read, Binding::ReadWrite],
};
pub const DEQUANT_INT8: Pass = Pass {
    name: "dequant_int8",
    file: include_str!("../../shaders/dequant_int8.wgsl"),
    bindings: &[Binding::Uniform, Binding::Read, Binding::ReadWrite],
};

/// The ADM passes, in the order one scale runs them.
pub const ADM_PASSES: [&Pass; 7] =
    [&ADM_DWT_S0, &ADM_DWT_S123, &ADM_DECOUPLE, &ADM_CSF_DEN, &ADM_CSF, &ADM_CM_THR, &ADM_CM];

/// Every pass; each `shaders/*.wgsl` except `common.wgsl` is one of them.
pub const PASSES: &[&Pass] = &[
    &MOTION_BLUR_V,
    &MOTION_BLUR_H_SAD,
    &MOTION_SAD_SUM,
    &PSNR_SSE_ROWS,
    &VIF_FILTER_V,
    &VIF_SIGMAS,
    &VIF_STATS,
    &VIF_REDUCE,
    &VIF_DOWNSAMPLE,
    &ADM_DWT_S0,
    &ADM_DWT_S123,
    &ADM_DECOUPLE,
    &ADM_CSF_DEN,
    &ADM_CSF,
    &ADM_CM_THR,
    &ADM_CM,
    &DEQUANT_INT8,
];

/// Constants generated from `crate::features::tables`, then `shaders/common.wgsl`.
pub fn wgsl_prelude() -> String {
    let list = |v: &[i32]| v.iter().map(|t| format!("{t}i")).collect::<Vec<_>>().join(", ");
    // VIF: the taps of scales 0..3 back to back (`VifParams::taps_offset` indexes them).
    let vif_taps: Vec<String> = (0..4).flat_map(vif_taps).map(|t| format!("{t}u")).collect();
    let eps = VIF_EPS.to_bits();
    format!(
        "// ---- generated by src/gpu/pipelines.rs from src/features/tables.rs ----\n\
         const WG_SIZE: u32 = {WORKGROUP_SIZE}u;\n\
         const MOTION_TAPS = array<i32, {}>({});\n\
         const VIF_TAPS = array<u32, {}>({});\n\
         const VIF_SIGMA_NSQ: i32 = {VIF_SIGMA_NSQ}i;\n\
         const VIF_EPS_BITS = vec2<u32>({}u, {}u);\n\
         {}\
         // ---- shaders/common.wgsl ----\n{COMMON_WGSL}",
        MOTION_TAPS.len(),
        list(&MOTION_TAPS),
        vif_taps.len(),
        vif_taps.join(", "),
        eps as u32,
        (eps >> 32) as u32,
        super::adm::wgsl_constants(),
    )
}

/// A `#[repr(C)]` struct that WGSL declares under the same name: its Rust size and
/// member offsets, which the tier-0 test compares with naga's layout of the WGSL.
#[derive(Debug, Clone)]
pub struct SharedStruct {
    pub name: &'static str,
    pub size: usize,
    pub members: Vec<(&'static str, usize)>,
    /// The passes that declare it.
    pub passes: &'static [&'static str],
}

macro_rules! shared_struct {
    ($ty:ident { $($field:ident),* $(,)? }, $passes:expr) => {
        SharedStruct {
            name: stringify!($ty),
            size: size_of::<$ty>(),
            members: vec![$((stringify!($field), offset_of!($ty, $field))),*],
            passes: $passes,
        }
    };
}

/// Every struct shared between Rust and WGSL.
pub fn shared_structs() -> Vec<SharedStruct> {
    vec![
        shared_struct!(
            MotionParams { width, height, prev_stride, cur_stride, shift, _pad0, _pad1, _pad2 },
            &[MOTION_BLUR_V.name, MOTION_BLUR_H_SAD.name, MOTION_SAD_SUM.name]
        ),
        shared_struct!(PsnrParams { width, height, a_stride, b_stride }, &[PSNR_SSE_ROWS.name]),
        shared_struct!(DequantParams { count, zero_point, scale, _pad0 }, &[DEQUANT_INT8.name]),
        shared_struct!(
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
                row_offset,
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
                _pad0,
                _pad1,
                _pad2,
            },
            &[VIF_FILTER_V.name, VIF_SIGMAS.name, VIF_STATS.name, VIF_REDUCE.name, VIF_DOWNSAMPLE.name]
        ),
        shared_struct!(
            AdmParams {
                width,
                height,
                src_width,
                src_height,
                src_stride,
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
                _pad0,
                _pad1,
                _pad2,
            },
            &[
                ADM_DWT_S0.name,
                ADM_DWT_S123.name,
                ADM_DECOUPLE.name,
                ADM_CSF_DEN.name,
                ADM_CSF.name,
                ADM_CM_THR.name,
                ADM_CM.name,
            ]
        ),
    ]
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded maps stay consistent even if a holder panicked.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A built pass: its bind-group layout and pipeline.
pub(crate) struct Kernel {
    pub pass: &'static Pass,
    pub layout: wgpu::BindGroupLayout,
    pub pipeline: wgpu::ComputePipeline,
}

impl Kernel {
    fn build(ctx: &GpuContext, pass: &'static Pass) -> Result<Kernel, GpuError> {
        let device = &ctx.device;
        let entries: Vec<wgpu::BindGroupLayoutEntry> = pass
            .bindings
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupLayoutEntry {
                binding: i as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: match b {
                    Binding::Uniform => wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    Binding::Read | Binding::ReadWrite => wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Storage { read_only: *b == Binding::Read },
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                },
                count: None,
            })
            .collect();
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(pass.name),
            source: wgpu::ShaderSource::Wgsl(Cow::Owned(pass.source())),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(pass.name),
            entries: &entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(pass.name),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(pass.name),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(GpuError::Pipeline { pass: pass.name, message: e.to_string() });
        }
        Ok(Kernel { pass, layout, pipeline })
    }

    /// A bind group over `buffers`, in binding order.
    pub fn bind(&self, ctx: &GpuContext, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
            .collect();
        ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(self.pass.name),
            layout: &self.layout,
            entries: &entries,
        })
    }

    /// Records one dispatch of this pass.
    pub fn dispatch(&self, encoder: &mut wgpu::CommandEncoder, group: &wgpu::BindGroup, workgroups: [u32; 3]) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(self.pass.name),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, group, &[]);
        pass.dispatch_workgroups(workgroups[0], workgroups[1], workgroups[2]);
    }
}

/// Pipelines, built once per pass and context.
#[derive(Default)]
pub(crate) struct KernelCache(Mutex<HashMap<&'static str, Arc<Kernel>>>);

impl GpuContext {
    pub(crate) fn kernel(&self, pass: &'static Pass) -> Result<Arc<Kernel>, GpuError> {
        if let Some(k) = lock(&self.kernels.0).get(pass.name) {
            return Ok(Arc::clone(k));
        }
        // Built outside the lock: two threads may both build it once; one wins.
        let built = Arc::new(Kernel::build(self, pass)?);
        Ok(Arc::clone(lock(&self.kernels.0).entry(pass.name).or_insert(built)))
    }
}

impl GpuContext {
    /// A new buffer of at least `bytes` bytes, rounded up to a multiple of 4 (at least
    /// 4), as wgpu requires for copies and bindings. Plans make their buffers once, when
    /// they are built, and own them: two plans of the same size (the frames in flight of
    /// `gpu::engine`) must never share one.
    pub(crate) fn buffer(&self, label: &'static str, bytes: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(4).next_multiple_of(4),
            usage,
            mapped_at_creation: false,
        })
    }
}

/// Per-resolution plans: `(pass group, dimensions)` → the plan, behind a mutex so that
/// calls sharing its buffers take turns (queue writes land at the next submit, so two
/// interleaved calls would otherwise read each other's planes).
#[derive(Default)]
pub(crate) struct PlanCache(Mutex<HashMap<(&'static str, [usize; 4]), AnyPlan>>);

type AnyPlan = Arc<dyn Any + Send + Sync>;

impl GpuContext {
    pub(crate) fn plan<P: Send + 'static>(
        &self,
        group: &'static str,
        dims: [usize; 4],
        build: impl FnOnce() -> Result<P, GpuError>,
    ) -> Result<Arc<Mutex<P>>, GpuError> {
        let cached = lock(&self.plans.0).get(&(group, dims)).cloned();
        let any = match cached {
            Some(p) => p,
            None => {
                let built: AnyPlan = Arc::new(Mutex::new(build()?));
                Arc::clone(lock(&self.plans.0).entry((group, dims)).or_insert(built))
            }
        };
        any.downcast::<Mutex<P>>().map_err(|_| GpuError::Device {
            pass: group,
            message: "plan cache holds a different type under this name".to_owned(),
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

/// Bytes of `rows` rows of `stride` samples as packed u16 pairs ([`upload_plane`]).
pub(crate) fn plane_bytes(stride: usize, rows: usize) -> u64 {
    ((stride * rows).div_ceil(2) * 4) as u64
}

/// Uploads the first `rows` rows of `plane` as packed u16 pairs (sample 2k in the low
/// half of word k: the bytes of a little-endian `[u16]`, which is what the GPU reads on
/// every (little-endian) host wgpu supports). Planes are not copied on the CPU.
pub(crate) fn upload_plane(ctx: &GpuContext, buffer: &wgpu::Buffer, plane: &Plane, rows: usize) {
    let samples = &plane.data[..plane.width * rows];
    let even = samples.len() & !1;
    if even > 0 {
        ctx.queue.write_buffer(buffer, 0, bytemuck::cast_slice(&samples[..even]));
    }
    if let Some(&last) = samples.get(even) {
        ctx.queue.write_buffer(buffer, (even * 2) as u64, &u32::from(last).to_le_bytes());
    }
}

/// The usages of the buffers the passes use.
pub(crate) mod usage {
    use wgpu::BufferUsages as U;
    pub const UNIFORM: U = U::UNIFORM.union(U::COPY_DST);
    pub const INPUT: U = U::STORAGE.union(U::COPY_DST);
    pub const OUTPUT: U = U::STORAGE.union(U::COPY_SRC);
    pub const READBACK: U = U::MAP_READ.union(U::COPY_DST);
}

/// A plan with its own two input planes and a readback buffer, cached per frame size
/// and options: what each feature's one-call functions (tests, spot checks) run on.
/// The frame engine binds plans to its own planes instead.
pub(crate) struct Standalone<P> {
    pub reference: wgpu::Buffer,
    pub distorted: wgpu::Buffer,
    pub staging: wgpu::Buffer,
    pub plan: P,
}

/// Runs `f` on the cached [`Standalone`] of `group` for the `w x h` area and `options`
/// (built with `build` on first use, `readback_words` of staging), both planes uploaded
/// with pitch `w`, under its lock.
#[allow(clippy::too_many_arguments)]
pub(crate) fn with_standalone<P: Send + 'static, T>(
    ctx: &GpuContext,
    group: &'static str,
    ref_y: &Plane,
    dist_y: &Plane,
    (w, h): (usize, usize),
    options: [usize; 2],
    readback_words: usize,
    build: impl FnOnce(&wgpu::Buffer, &wgpu::Buffer) -> Result<P, GpuError>,
    f: impl FnOnce(&Standalone<P>) -> Result<T, GpuError>,
) -> Result<T, GpuError> {
    ctx.checked(group, || {
        let cached = ctx.plan(group, [w, h, options[0], options[1]], || {
            let reference = ctx.buffer("standalone.reference", plane_bytes(w, h), usage::INPUT);
            let distorted = ctx.buffer("standalone.distorted", plane_bytes(w, h), usage::INPUT);
            let staging = ctx.buffer("standalone.readback", (readback_words * 4) as u64, usage::READBACK);
            let plan = build(&reference, &distorted)?;
            Ok(Standalone { reference, distorted, staging, plan })
        })?;
        let run = lock(&cached);
        upload_cropped(ctx, &run.reference, ref_y, (w, h));
        upload_cropped(ctx, &run.distorted, dist_y, (w, h));
        f(&run)
    })
}

/// Uploads the `w x h` top-left of `plane` with row pitch `w` (copying only when the
/// plane is wider).
fn upload_cropped(ctx: &GpuContext, buffer: &wgpu::Buffer, plane: &Plane, (w, h): (usize, usize)) {
    if plane.width == w {
        upload_plane(ctx, buffer, plane, h);
    } else {
        let data = plane.data.chunks(plane.width).take(h).flat_map(|row| row[..w].iter().copied()).collect();
        upload_plane(ctx, buffer, &Plane { width: w, height: h, data }, h);
    }
}
