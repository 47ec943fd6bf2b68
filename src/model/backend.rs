//! The one place that picks a burn device. burn 0.22 marks ndarray deprecated in
//! favour of flex; the product's CPU fallback is ndarray, and moving is a one-line
//! change here.

use std::sync::OnceLock;

use burn::tensor::Device;

/// Where model inference runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// burn's ndarray backend.
    Cpu,
    /// burn's wgpu backend on the default adapter.
    Gpu,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum BackendError {
    #[error("no GPU adapter for model inference: {0}")]
    NoAdapter(String),
}

pub fn device(backend: Backend) -> Result<Device, BackendError> {
    match backend {
        #[allow(deprecated)]
        Backend::Cpu => Ok(Device::ndarray()),
        Backend::Gpu => wgpu_device(),
    }
}

/// burn's wgpu runtime can be initialised once per process; every later caller
/// shares that device (or that failure).
fn wgpu_device() -> Result<Device, BackendError> {
    static DEVICE: OnceLock<Result<Device, BackendError>> = OnceLock::new();
    DEVICE
        .get_or_init(|| Device::wgpu_options().init().map_err(|e| BackendError::NoAdapter(format!("{e:?}"))))
        .clone()
}
