//! The GPU side (wgpu): getting a device, building pipelines and buffers, reading
//! results back, and the feature passes that run on it. This is the only module that
//! knows wgpu's API (pinned at 30.0.2), so an upgrade touches these files alone.
//!
//! Every compute pass is one `shaders/<name>.wgsl` file, one CPU twin of the same
//! name in `crate::features`, and one pipeline labelled `<name>`; the buffers are
//! bound in the order the CPU twin takes its arguments. Integer passes are exact: the
//! tests compare every pass with its twin bit for bit (`tests/gpu_*.rs`).
//!
//! - [`device`]: adapter choice ([`GpuContext::new`], [`list_adapters`]);
//! - [`pipelines`]: the pass table, the generated WGSL prelude, pipelines built once
//!   per pass, buffers and bind groups built once per resolution;
//! - [`readback`]: the one storage → `MAP_READ` copy;
//! - [`motion`], [`psnr`], [`vif`], [`adm`]: the features;
//! - [`dequant`]: int8 model weights to f32, at model load.

pub mod adm;
pub mod dequant;
pub mod device;
pub mod engine;
pub mod motion;
pub mod pipelines;
pub mod psnr;
pub mod readback;
pub mod select;
pub mod vif;
pub mod wide;

pub use device::{AdapterSummary, DeviceOptions, GpuApi, GpuContext, list_adapters};
pub use pipelines::{Binding, PASSES, Pass, SharedStruct, shared_structs};
pub use select::{BackendChoice, Selected, select, self_test};

/// Everything that can go wrong on the GPU path. Library code returns these and never
/// panics on a missing adapter or bad input; the CLI decides whether to fall back.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error("no GPU adapter found (backends: {backends}){}", .reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    NoAdapter { backends: String, reason: Option<String> },
    #[error("adapter index {index} does not exist: {count} adapter(s) found (see `tinyvmaf-gpu devices`)")]
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
