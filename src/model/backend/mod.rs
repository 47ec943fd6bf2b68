//! The one place that knows burn: which burn device a model runs on, the code
//! `build.rs` generated from each graph (burn-onnx, weights embedded), the int8
//! runtime's tensor ops ([`int8`]), and turning feature rows into a tensor and scores
//! back. burn 0.22 marks ndarray deprecated in favour of flex; the product's CPU
//! backend is ndarray, and moving is a one-line change here.
//!
//! One GPU per process: burn's wgpu runtime runs on the process's [`GpuContext`]
//! (`WgpuSetup`), the one the features use, handed over with [`share_gpu`] before any
//! model loads. Without one (a library caller that never opened a GPU), the first GPU
//! model opens the default adapter, and that context is then the process's.

pub mod int8;

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use burn::tensor::{DType, Device, Tensor, TensorData};

use super::ModelError;
use crate::gpu::{DeviceOptions, GpuContext};

/// Where model inference runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// burn's ndarray backend.
    Cpu,
    /// burn's wgpu backend, on the process's GPU context.
    Gpu,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum BackendError {
    #[error("no GPU adapter for model inference: {0}")]
    NoAdapter(String),
    #[error("model inference already runs on the GPU {running:?}; one GPU context per process")]
    SecondGpu { running: String },
}

/// The generated `Model::forward`, flattened to one score per row.
pub trait Regressor: Send {
    fn forward_scores(&self, features: Tensor<2>) -> Tensor<1>;
}

/// Builds one embedded model on a device: the generated burn module, or for an int8
/// graph the int8 runtime, whose weights are dequantized on `Backend`.
pub type BuildFn = fn(&Device, Backend) -> Result<Box<dyn Regressor>, ModelError>;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/models.rs"));
}

/// The process's GPU: our context and burn's device on it.
struct SharedGpu {
    ctx: Arc<GpuContext>,
    device: Device,
}

/// The process's GPU for models: opened on first use, and the error kept if it failed.
type GpuSlot = Mutex<Option<Result<Arc<SharedGpu>, BackendError>>>;

fn gpu_slot() -> &'static GpuSlot {
    static GPU: OnceLock<GpuSlot> = OnceLock::new();
    GPU.get_or_init(|| Mutex::new(None))
}

/// burn's wgpu device on `ctx`'s instance, adapter, device and queue. burn's runtime
/// can be set up once per process; this is the only call that does it.
fn adopt(ctx: Arc<GpuContext>) -> Result<Arc<SharedGpu>, BackendError> {
    let (instance, adapter, device, queue) = ctx.wgpu_parts();
    let setup = burn::tensor::wgpu::WgpuSetup {
        backend: adapter.get_info().backend,
        instance: instance.clone(),
        adapter: adapter.clone(),
        device: device.clone(),
        queue: queue.clone(),
    };
    let device = Device::wgpu_options().setup(setup).init().map_err(|e| BackendError::NoAdapter(format!("{e:?}")))?;
    Ok(Arc::new(SharedGpu { ctx, device }))
}

/// Makes `ctx` the GPU that GPU models run on (and dequantize on). Call it before the
/// first GPU model loads; calling it again with the same context is a no-op, with
/// another one an error.
pub fn share_gpu(ctx: Arc<GpuContext>) -> Result<(), BackendError> {
    let mut slot = gpu_slot().lock().unwrap_or_else(PoisonError::into_inner);
    match slot.as_ref() {
        Some(Ok(shared)) if Arc::ptr_eq(&shared.ctx, &ctx) => Ok(()),
        Some(Ok(shared)) => Err(BackendError::SecondGpu { running: shared.ctx.adapter_summary().name.clone() }),
        Some(Err(e)) => Err(e.clone()),
        None => {
            let shared = adopt(ctx);
            *slot = Some(shared.clone());
            shared.map(|_| ())
        }
    }
}

/// The process's GPU, opening the default adapter if none was shared.
fn gpu() -> Result<Arc<SharedGpu>, BackendError> {
    let mut slot = gpu_slot().lock().unwrap_or_else(PoisonError::into_inner);
    slot.get_or_insert_with(|| {
        let ctx = GpuContext::new(&DeviceOptions::default()).map_err(|e| BackendError::NoAdapter(e.to_string()))?;
        adopt(Arc::new(ctx))
    })
    .clone()
}

/// The GPU context GPU models run on (the int8 dequantization uses it too).
pub fn shared_gpu() -> Result<Arc<GpuContext>, BackendError> {
    Ok(Arc::clone(&gpu()?.ctx))
}

/// The burn device of `backend`: an error when the GPU has no adapter.
pub fn device(backend: Backend) -> Result<Device, BackendError> {
    match backend {
        #[expect(deprecated, reason = "ndarray is the CPU backend until flex is evaluated")]
        Backend::Cpu => Ok(Device::ndarray()),
        Backend::Gpu => Ok(gpu()?.device.clone()),
    }
}

/// A model built on a device, with the dtype its graph computes in.
pub struct Network {
    dtype: DType,
    device: Device,
    regressor: Box<dyn Regressor>,
}

impl Network {
    /// Builds the embedded model `id` on `backend`; `None` when no model of that id
    /// was compiled in.
    pub fn build(id: &str, float64: bool, backend: Backend) -> Option<Result<Network, ModelError>> {
        let (_, build) = generated::BUILDERS.iter().find(|(m, _)| *m == id)?;
        Some((|| {
            let device = device(backend)?;
            let regressor = build(&device, backend)?;
            Ok(Network { dtype: if float64 { DType::F64 } else { DType::F32 }, device, regressor })
        })())
    }

    /// Scores `rows` rows of `width` features, flattened row by row.
    pub fn predict(&self, flat: Vec<f64>, rows: usize, width: usize) -> Result<Vec<f64>, String> {
        let data = match self.dtype {
            DType::F64 => TensorData::new(flat, [rows, width]),
            _ => TensorData::new(flat.iter().map(|&v| v as f32).collect::<Vec<f32>>(), [rows, width]),
        };
        let input = Tensor::<2>::from_data(
            data,
            burn::tensor::TensorCreationOptions::new(self.device.clone()).with_dtype(self.dtype),
        );
        let out = self.regressor.forward_scores(input);
        let data = out.try_into_data_dtype(DType::F64).map_err(|e| format!("{e:?}"))?;
        data.try_to_vec::<f64>().map_err(|e| format!("{e:?}"))
    }
}
