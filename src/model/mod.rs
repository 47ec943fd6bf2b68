//! Models: a verified registry model built on a device and run over feature rows.
//! burn (the generated code, the devices, the tensors) is behind [`backend`]; the
//! int8 weights' dequantization twins are in [`int8`]. A model is only ever built
//! from a [`crate::verify::Verified`] value, so no weight reaches a device before its
//! bytes passed verification.

pub mod backend;
pub mod bootstrap;
pub mod finish;
pub mod int8;

pub use backend::{Backend, BackendError, BuildFn, device as device_probe, share_gpu};
pub use finish::{Flags, ScoreTransform};
pub use crate::registry::compiled::{EmbeddedModel, find as embedded};

use crate::registry::Sidecar;
use crate::verify::Verified;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error("model {id}: expected {expected} features per row, got {got}")]
    FeatureCount { id: String, expected: usize, got: usize },
    #[error(
        "model {id} is a float64 graph and burn's wgpu backend has no f64 (WGSL); run it on the CPU backend \
         (microseconds per frame) or use its float32 twin"
    )]
    NeedsFloat64 { id: String },
    #[error("model {id}: no generated code was compiled in for it")]
    NotCompiled { id: String },
    #[error("model {id}: cannot read its output: {message}")]
    Readback { id: String, message: String },
    #[error("model {id}: {why}")]
    Sidecar { id: String, why: String },
    #[error("int8 weights could not be dequantized on the GPU: {0}")]
    Dequant(#[from] crate::gpu::GpuError),
}

/// A verified model, built on a device and ready to score feature rows.
pub struct LoadedModel {
    pub id: String,
    pub sidecar: Sidecar,
    /// What the caller asks of the transform and the clip after the graph.
    pub flags: Flags,
    /// The name its score goes by in the log, when the caller gave one (libvmaf's
    /// `name=`); else the log's default name for the model.
    pub name: Option<String>,
    transform: Option<ScoreTransform>,
    network: backend::Network,
}

/// Rows per model batch: memory stays flat in clip length.
pub const PREDICT_BATCH: usize = 1024;

impl LoadedModel {
    /// Builds the verified model's generated code on `backend`. Taking `Verified`
    /// by value is what makes "verified before any weight reaches a device" a fact
    /// of the types rather than of the call order.
    pub fn load(verified: Verified, backend: Backend) -> Result<Self, ModelError> {
        let model = verified.model();
        let id = model.id.to_owned();
        let float64 = model.is_float64();
        if float64 && backend != Backend::Cpu {
            return Err(ModelError::NeedsFloat64 { id });
        }
        let sidecar = model.sidecar();
        let transform = ScoreTransform::from_json(sidecar.score_transform.as_ref())
            .map_err(|why| ModelError::Sidecar { id: id.clone(), why })?;
        let network = backend::Network::build(&id, float64, backend)
            .ok_or_else(|| ModelError::NotCompiled { id: id.clone() })??;
        Ok(LoadedModel { id, sidecar, flags: Flags::default(), name: None, transform, network })
    }

    /// The same model with `flags` for the steps after the graph.
    pub fn with_flags(self, flags: Flags) -> Self {
        LoadedModel { flags, ..self }
    }

    /// Feature names in the order each row must hold them.
    pub fn features(&self) -> &[String] {
        &self.sidecar.features
    }

    /// Scores a batch of feature rows (each in [`Self::features`] order): the graph,
    /// then libvmaf's transform and clip as [`Self::flags`] and the sidecar ask.
    pub fn predict(&self, rows: &[Vec<f64>]) -> Result<Vec<f64>, ModelError> {
        Ok(self.predict_raw(rows)?.into_iter().map(|y| self.finish(y, self.flags)).collect())
    }

    /// libvmaf's transform and clip of one score the graph gave, with `flags`.
    pub fn finish(&self, raw: f64, flags: Flags) -> f64 {
        finish::finish(raw, self.transform.as_ref(), self.sidecar.output_range, flags)
    }

    /// How many scores the graph gives per row: 1, or a collection's models.
    pub fn outputs(&self) -> usize {
        let width = self.sidecar.outputs.first().and_then(|o| o.shape.get(1)).and_then(|v| v.as_u64());
        width.map_or(1, |w| w as usize)
    }

    /// The model's score columns for `rows`, each with the suffix libvmaf gives it after
    /// the model's name: `""` alone for a model; for a bootstrap collection the main
    /// model `""`, each sub-model (`_0001`, …), then `_bagging`, `_stddev`,
    /// `_ci_p95_lo` and `_ci_p95_hi` (computed before the transform and the clip).
    pub fn score_columns(&self, rows: &[Vec<f64>]) -> Result<Vec<(String, Vec<f64>)>, ModelError> {
        let width = self.outputs();
        match self.sidecar.collection.as_deref() {
            None if width == 1 => return Ok(vec![(String::new(), self.predict(rows)?)]),
            Some("bootstrap") if width >= 3 => {}
            _ => {
                let why = format!("its graph gives {width} scores per row, and that is no bootstrap collection");
                return Err(ModelError::Sidecar { id: self.id.clone(), why });
            }
        }
        let raw = self.predict_raw(rows)?;
        let mut columns: Vec<(String, Vec<f64>)> = (0..width)
            .map(|k| if k == 0 { String::new() } else { format!("_{k:04}") })
            .chain(bootstrap::Bootstrap::SUFFIXES.iter().map(|s| (*s).to_owned()))
            .map(|suffix| (suffix, Vec::with_capacity(rows.len())))
            .collect();
        for frame in raw.chunks(width) {
            let stats = bootstrap::statistics(&frame[1..], |y| self.finish(y, self.flags));
            let finished = frame.iter().map(|&y| self.finish(y, self.flags));
            for (column, value) in columns.iter_mut().zip(finished.chain(stats.values())) {
                column.1.push(value);
            }
        }
        Ok(columns)
    }

    /// What the graph gives for each row: the score before the transform and the clip
    /// (a collection's [`Self::outputs`] scores per row, one row after another).
    pub fn predict_raw(&self, rows: &[Vec<f64>]) -> Result<Vec<f64>, ModelError> {
        let width = self.sidecar.features.len();
        if let Some(bad) = rows.iter().find(|r| r.len() != width) {
            return Err(ModelError::FeatureCount { id: self.id.clone(), expected: width, got: bad.len() });
        }
        // Bounded batches: one batch of a whole clip held every frame's intermediates at
        // once (~21 KB a frame for the SVR graph). Each row's score depends on that
        // row alone, so the batch size changes no bit.
        let mut scores = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(PREDICT_BATCH) {
            let flat: Vec<f64> = chunk.iter().flatten().copied().collect();
            let batch = self
                .network
                .predict(flat, chunk.len(), width)
                .map_err(|message| ModelError::Readback { id: self.id.clone(), message })?;
            scores.extend(batch);
        }
        Ok(scores)
    }
}
