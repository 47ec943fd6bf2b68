//! Models: the burn code `build.rs` generated from each registry ONNX graph, the
//! ONNX bytes embedded beside it, and inference on burn's ndarray (CPU) or wgpu
//! backend. A model is only ever built from a [`crate::verify::Verified`] value,
//! so no weight reaches a device before its bytes passed verification.

mod backend;
pub mod int8;

use burn::tensor::{DType, Tensor, TensorData};

pub use backend::{device as device_probe, Backend, BackendError};

use crate::registry::Sidecar;
use crate::verify::Verified;

#[allow(missing_docs)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/models.rs"));
}

pub use generated::{EMBEDDED, REGISTRY_JSON};

/// One model compiled into the binary.
pub struct EmbeddedModel {
    pub id: &'static str,
    /// The exact ONNX bytes `build.rs` hashed and generated code from.
    pub onnx: &'static [u8],
    /// The registry pin at build time.
    pub sha256: &'static str,
    pub sidecar_json: &'static str,
    /// Builds the model on a device: the generated burn module (weights embedded), or
    /// for an int8 graph the int8 runtime, whose weights are dequantized on `Backend`.
    pub build: fn(&burn::tensor::Device, Backend) -> Result<Box<dyn Regressor>, ModelError>,
}

impl std::fmt::Debug for EmbeddedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedModel").field("id", &self.id).field("sha256", &self.sha256).finish()
    }
}

impl EmbeddedModel {
    pub fn sidecar(&self) -> Sidecar {
        serde_json::from_str(self.sidecar_json).expect("build.rs serialized a valid sidecar")
    }

    /// The dtype the graph computes in, from its sidecar's first input.
    fn dtype(&self) -> DType {
        match self.sidecar().inputs.first().map(|i| i.dtype.as_str()) {
            Some("float64") => DType::F64,
            _ => DType::F32,
        }
    }

    /// Whether the graph computes in float64 (and so runs only on the CPU backend).
    pub fn is_float64(&self) -> bool {
        self.dtype() == DType::F64
    }
}

/// Finds a compiled-in model by registry id.
pub fn embedded(id: &str) -> Option<&'static EmbeddedModel> {
    EMBEDDED.iter().find(|m| m.id == id)
}

/// The generated `Model::forward`, flattened to one score per row.
pub trait Regressor: Send {
    fn forward_scores(&self, features: Tensor<2>) -> Tensor<1>;
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error("model {id}: expected {expected} features per row, got {got}")]
    FeatureCount { id: String, expected: usize, got: usize },
    #[error(
        "model {id} is a float64 graph and burn's wgpu backend has no f64 (WGSL); run it with --backend cpu \
         (microseconds per frame) or use its float32 twin"
    )]
    NeedsFloat64 { id: String },
    #[error("model {id}: cannot read its output: {message}")]
    Readback { id: String, message: String },
    #[error("int8 weights could not be dequantized on the GPU: {0}")]
    Dequant(#[from] crate::gpu::GpuError),
}

/// A verified model, built on a device and ready to score feature rows.
pub struct LoadedModel {
    pub id: String,
    pub sidecar: Sidecar,
    dtype: DType,
    device: burn::tensor::Device,
    regressor: Box<dyn Regressor>,
}

impl LoadedModel {
    /// Builds the verified model's generated code on `backend`. Taking `Verified`
    /// by value is what makes "verified before any weight reaches a device" a fact
    /// of the types rather than of the call order.
    pub fn load(verified: Verified, backend: Backend) -> Result<Self, ModelError> {
        let model = verified.model();
        let sidecar = model.sidecar();
        let dtype = model.dtype();
        if dtype == DType::F64 && backend != Backend::Cpu {
            return Err(ModelError::NeedsFloat64 { id: model.id.to_owned() });
        }
        let device = backend::device(backend)?;
        let regressor = (model.build)(&device, backend)?;
        Ok(LoadedModel { id: model.id.to_owned(), sidecar, dtype, device, regressor })
    }

    /// Feature names in the order each row must hold them.
    pub fn features(&self) -> &[String] {
        &self.sidecar.features
    }

    /// Scores a batch of feature rows (each in [`Self::features`] order).
    pub fn predict(&self, rows: &[Vec<f64>]) -> Result<Vec<f64>, ModelError> {
        let width = self.sidecar.features.len();
        if let Some(bad) = rows.iter().find(|r| r.len() != width) {
            return Err(ModelError::FeatureCount { id: self.id.clone(), expected: width, got: bad.len() });
        }
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let flat: Vec<f64> = rows.iter().flatten().copied().collect();
        let data = match self.dtype {
            DType::F64 => TensorData::new(flat, [rows.len(), width]),
            _ => TensorData::new(flat.iter().map(|&v| v as f32).collect::<Vec<f32>>(), [rows.len(), width]),
        };
        let input = Tensor::<2>::from_data(
            data,
            burn::tensor::TensorCreationOptions::new(self.device.clone()).with_dtype(self.dtype),
        );
        let out = self.regressor.forward_scores(input);
        let data = out
            .try_into_data_dtype(DType::F64)
            .map_err(|e| ModelError::Readback { id: self.id.clone(), message: format!("{e:?}") })?;
        data.try_to_vec::<f64>()
            .map_err(|e| ModelError::Readback { id: self.id.clone(), message: format!("{e:?}") })
    }
}
