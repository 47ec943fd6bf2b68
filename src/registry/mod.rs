//! The model registry: its serde types, JSON Schema validation, sha256 pins and the
//! ONNX operator scan. The same files run inside `build.rs` (so the build and the
//! run-time checks cannot drift apart) and here, where the CLI reads the registry
//! compiled into the binary or one given on the command line.

pub mod build_check;
pub mod compiled;
pub mod jail;
pub mod onnx_graph;
pub mod onnx_scan;
pub mod pin;
pub mod quant_mlp;
pub mod schema;
pub mod types;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use build_check::{BuildCheckError, CheckedModel};
pub use types::{ModelEntry, Registry, Sidecar};

/// The registry this binary was built from (checked by `build.rs`), with each
/// quantized entry's int8 graph listed after it as a model of its own
/// ([`ModelEntry::int8_variant`]), as `build.rs` compiled it in.
pub fn embedded() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry =
            build_check::parse_registry(Path::new("<embedded registry>"), compiled::REGISTRY_JSON.as_bytes())
                .expect("build.rs validated the embedded registry");
        registry.models = registry
            .models
            .into_iter()
            .flat_map(|entry| {
                let variant = entry.int8_variant();
                std::iter::once(entry).chain(variant)
            })
            .collect();
        registry
    })
}

/// Finds an entry by id in a registry.
pub fn find<'r>(registry: &'r Registry, id: &str) -> Option<&'r ModelEntry> {
    registry.models.iter().find(|m| m.id == id)
}

/// Where bundles and model files are looked up at run time: `--model-dir`, then
/// `TINYVMAF_MODEL_DIR`, then the source tree's `model/tiny` this binary was built from.
pub fn model_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os("TINYVMAF_MODEL_DIR") {
        return PathBuf::from(dir);
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/model/tiny"))
}

/// What `registry check` reports: the registry (if it parsed) and, with `--files`,
/// each model's file check.
pub fn check_file(path: &Path, files: bool) -> Result<Registry, BuildCheckError> {
    let confined = |p: &Path| {
        jail::confine(p, "registry file").map_err(|e| BuildCheckError::Read {
            path: p.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, e.to_string()),
        })
    };
    confined(path)?;
    if files {
        // Every file the check opens must be inside the jail too (a symlink in the
        // registry's folder could point anywhere), checked before it is read so that
        // nothing from outside reaches a message.
        let guard = |p: &Path| confined(p).map(|_| ());
        let (registry, _) = build_check::check_registry_guarded(path, &guard)?;
        Ok(registry)
    } else {
        let bytes = build_check::read_limited(path, build_check::MAX_REGISTRY_BYTES)?;
        build_check::parse_registry(path, &bytes)
    }
}
