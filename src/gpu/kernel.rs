//! One compute pass, built once: the [`Pass`] a feature declares (its WGSL file, the
//! prelude the feature generates, its bindings in order) and the [`Kernel`] built from
//! it (an explicit bind-group layout, the signature between CPU and GPU, and the
//! pipeline), cached per context by pass name. This module knows no feature: each
//! feature hands it WGSL text and the prelude that text needs.

use std::borrow::Cow;
use std::sync::Arc;

use super::GpuError;

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

/// A pass's CPU twin, over the same bindings in the same order: binding 0 the params
/// struct as u32 words, then every storage buffer as u32 words. It reads the `Read`
/// bindings and writes the `ReadWrite` ones exactly as the shader does (accumulating
/// where the shader accumulates), so it can stand in for the pass in any chain.
pub type CpuTwin = fn(&mut [Vec<u32>]);

/// What a device lets the shaders use, which the prelude of a pass may depend on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShaderOptions {
    /// Native 64-bit integers (`SHADER_INT64`) for the 64-bit helpers; otherwise they
    /// compute on u32 pairs. Both give the same results.
    pub int64: bool,
}

/// One compute pass: the WGSL file `shaders/{name}.wgsl` with entry point `main`,
/// its CPU twin of the same name, and its bindings (group 0, in order).
#[derive(Debug)]
pub struct Pass {
    pub name: &'static str,
    /// The file's text, without the prelude (see [`Pass::source`]).
    pub file: &'static str,
    pub bindings: &'static [Binding],
    /// Generates what the file needs declared before it (constants, shared helpers)
    /// for a device with these options.
    pub prelude: fn(ShaderOptions) -> String,
    /// The CPU function of the same name (see [`CpuTwin`]).
    pub twin: CpuTwin,
}

impl Pass {
    /// What is compiled on a device with `options`: the pass's prelude followed by the
    /// pass file.
    pub fn source(&self, options: ShaderOptions) -> String {
        format!("{}\n// ---- shaders/{}.wgsl ----\n{}", (self.prelude)(options), self.name, self.file)
    }
}

/// The start of every prelude: the workgroup size all passes are written for.
pub fn wgsl_header(_: ShaderOptions) -> String {
    format!("const WG_SIZE: u32 = {WORKGROUP_SIZE}u;\n")
}

/// A built pass: its bind-group layout and pipeline.
pub(crate) struct Kernel {
    pub pass: &'static Pass,
    pub layout: wgpu::BindGroupLayout,
    pub pipeline: wgpu::ComputePipeline,
}

impl Kernel {
    /// Builds `pass` on `device` (`GpuContext::kernel` caches the result).
    pub(crate) fn build(device: &wgpu::Device, pass: &'static Pass, options: ShaderOptions) -> Result<Kernel, GpuError> {
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
            source: wgpu::ShaderSource::Wgsl(Cow::Owned(pass.source(options))),
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
    pub fn bind(&self, ctx: &impl AsRef<wgpu::Device>, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
            .collect();
        ctx.as_ref().create_bind_group(&wgpu::BindGroupDescriptor {
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

/// `shared_struct!(Params { field, … }, &[pass names])`: the [`SharedStruct`] of a
/// params struct, its offsets taken by the compiler.
macro_rules! shared_struct {
    ($ty:ident { $($field:ident),* $(,)? }, $passes:expr) => {
        $crate::gpu::kernel::SharedStruct {
            name: stringify!($ty),
            size: ::std::mem::size_of::<$ty>(),
            members: vec![$((stringify!($field), ::std::mem::offset_of!($ty, $field))),*],
            passes: $passes,
        }
    };
}
pub(crate) use shared_struct;

/// `pass!("name", [Uniform, Read, ReadWrite], prelude, cpu::name)`: the
/// [`Pass`](super::Pass) whose WGSL is `shaders/name.wgsl` (one name for file, pipeline
/// label and CPU twin), with its bindings in order and its CPU twin.
macro_rules! pass {
    ($name:literal, [$($binding:ident),* $(,)?], $prelude:expr, $twin:expr) => {
        $crate::gpu::Pass {
            name: $name,
            file: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders/", $name, ".wgsl")),
            bindings: &[$($crate::gpu::Binding::$binding),*],
            prelude: $prelude,
            twin: $twin,
        }
    };
}
pub(crate) use pass;

/// One dispatch, ready to record: a kernel, its bind group and its grid, and the
/// group's buffers in binding order (so that the pass's CPU twin can run in its
/// place, `gpu::oneshot::run_swapped`).
pub struct Dispatch {
    pub(crate) kernel: Arc<Kernel>,
    pub(crate) group: wgpu::BindGroup,
    pub(crate) grid: [u32; 3],
    pub(crate) buffers: Vec<wgpu::Buffer>,
}

impl Dispatch {
    /// `kernel` over `buffers` (binding order), `grid` workgroups.
    pub(crate) fn new(ctx: &impl AsRef<wgpu::Device>, kernel: &Arc<Kernel>, buffers: &[&wgpu::Buffer], grid: [u32; 3]) -> Self {
        let group = kernel.bind(ctx, buffers);
        Dispatch { kernel: Arc::clone(kernel), group, grid, buffers: buffers.iter().map(|&b| b.clone()).collect() }
    }

    pub fn pass(&self) -> &'static Pass {
        self.kernel.pass
    }

    /// Whether recording it dispatches anything (a grid with a zero side is skipped).
    pub fn runs(&self) -> bool {
        !self.grid.contains(&0)
    }
}

/// Records `dispatches` in order in one compute pass (wgpu orders the storage writes
/// and reads of consecutive dispatches), skipping those with an empty grid.
pub(crate) fn record(encoder: &mut wgpu::CommandEncoder, label: &'static str, dispatches: &[Dispatch]) {
    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(label), timestamp_writes: None });
    for d in dispatches.iter().filter(|d| d.runs()) {
        pass.set_pipeline(&d.kernel.pipeline);
        pass.set_bind_group(0, &d.group, &[]);
        pass.dispatch_workgroups(d.grid[0], d.grid[1], d.grid[2]);
    }
}
