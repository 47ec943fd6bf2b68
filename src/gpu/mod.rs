//! The GPU side (wgpu): getting a device, building pipelines and buffers, reading
//! results back. This is the only module that knows wgpu's API (pinned at 30.0.2), so
//! an upgrade touches these files alone, and it knows no feature: a feature declares
//! its passes ([`Pass`]: WGSL text, the prelude it needs, its bindings) and records
//! them with the kernels, buffers and readbacks built here.
//!
//! - [`device`]: adapter choice and the one [`GpuContext`] of a process
//!   ([`GpuContext::new`], [`list_adapters`]);
//! - [`kernel`]: a pass's bind-group layout and pipeline, built once per context;
//! - [`buffers`]: buffers made once per plan, limits checked, planes uploaded;
//! - [`readback`]: the one storage → `MAP_READ` copy, immediate or deferred;
//! - [`oneshot`]: one-call runs for tests and spot checks.

pub mod buffers;
pub mod device;
pub mod kernel;
pub mod oneshot;
pub mod readback;

pub use device::{AdapterSummary, DeviceFacts, DeviceOptions, GpuApi, GpuContext, list_adapters};
pub use kernel::{Binding, Pass, ShaderOptions, WORKGROUP_SIZE};
/// The wgpu types a feature's plan holds and records into (re-exported so that the
/// crate names wgpu only here).
pub use wgpu::{BindGroup, Buffer, CommandEncoder};

/// Everything that can go wrong on the GPU path. Library code returns these and never
/// panics on a missing adapter or bad input; the caller decides whether to fall back.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error("no GPU adapter found (backends: {backends}){}", .reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    NoAdapter { backends: String, reason: Option<String> },
    #[error("adapter index {index} does not exist: {count} adapter(s) found")]
    AdapterIndex { index: usize, count: usize },
    #[error("the adapter {adapter:?} refused to create a device")]
    RequestDevice {
        adapter: String,
        #[source]
        source: wgpu::RequestDeviceError,
    },
    #[error("building the compute pipeline {pass:?} failed: {message}")]
    Pipeline { pass: &'static str, message: String },
    #[error("{what} of {width}x{height} is beyond this device's limits ({limit})")]
    TooLarge { what: &'static str, width: usize, height: usize, limit: String },
    #[error("the GPU reported an error while running {pass:?}: {message}")]
    Device { pass: &'static str, message: String },
    #[error("reading back {label:?} from the GPU failed: {message}")]
    Readback { label: &'static str, message: String },
    #[error("{what} is not supported on the GPU: {reason}")]
    Unsupported { what: &'static str, reason: String },
}
