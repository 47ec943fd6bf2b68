//! What `build.rs` compiled into the binary: the registry document it checked and,
//! per model, the exact ONNX bytes it hashed, with their pin and sidecar. The bytes
//! live here, not with the burn code (`crate::model`), so that verification
//! (`crate::verify`) needs the registry alone.

use super::types::Sidecar;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

pub use generated::{EMBEDDED, REGISTRY_JSON};

/// One model compiled into the binary.
#[derive(Debug)]
pub struct EmbeddedModel {
    pub id: &'static str,
    /// The exact ONNX bytes `build.rs` hashed and generated code from.
    pub onnx: &'static [u8],
    /// The registry pin at build time.
    pub sha256: &'static str,
    pub sidecar_json: &'static str,
}

impl EmbeddedModel {
    pub fn sidecar(&self) -> Sidecar {
        serde_json::from_str(self.sidecar_json).expect("build.rs serialized a valid sidecar")
    }

    /// Whether the graph computes in float64 (its sidecar's first input), and so runs
    /// only on the CPU backend.
    pub fn is_float64(&self) -> bool {
        self.sidecar().inputs.first().is_some_and(|i| i.dtype == "float64")
    }
}

/// Finds a compiled-in model by registry id.
pub fn find(id: &str) -> Option<&'static EmbeddedModel> {
    EMBEDDED.iter().find(|m| m.id == id)
}
