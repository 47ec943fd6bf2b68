//! The build's integrity step, as a library function: read the registry, validate
//! it and every sidecar against their schemas, check every pinned file's sha256,
//! and refuse operators outside the allowlist. `build.rs` runs exactly this before
//! any code generation (through `#[path]`), and the tests run it on temp copies.

use std::fmt;
use std::path::{Path, PathBuf};

use super::onnx_scan::{self, OnnxSummary, PolicyViolation, ScanError};
use super::pin::{self, Pin, PinError};
use super::schema::{self, SchemaViolation};
use super::types::{ModelEntry, Registry, Sidecar};

/// Largest registry document accepted, before parsing.
pub const MAX_REGISTRY_BYTES: u64 = 1 << 20;
/// Largest ONNX file accepted (also documented in docs/SECURITY.md).
pub const MAX_ONNX_BYTES: u64 = 64 << 20;

/// A model whose every file matched its pin and whose graph passed the policy.
#[derive(Debug, Clone)]
pub struct CheckedModel {
    pub entry: ModelEntry,
    pub sidecar: Sidecar,
    pub onnx_path: PathBuf,
    pub onnx_bytes: Vec<u8>,
    pub int8_bytes: Option<Vec<u8>>,
    pub summary: OnnxSummary,
    /// Every file that was read, for `rerun-if-changed`.
    pub inputs: Vec<PathBuf>,
}

#[derive(Debug)]
pub enum BuildCheckError {
    Read { path: PathBuf, source: std::io::Error },
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    NotJson { path: PathBuf, message: String },
    Schema { path: PathBuf, violations: Vec<SchemaViolation> },
    UnsupportedVersion { path: PathBuf, version: u64 },
    DuplicateId { id: String },
    Pin(PinError),
    Scan { path: PathBuf, source: ScanError },
    Policy { path: PathBuf, violations: Vec<PolicyViolation> },
    ExternalDataNotPinned { path: PathBuf, location: String },
    SidecarMismatch { path: PathBuf, message: String },
}

impl fmt::Display for BuildCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use BuildCheckError::*;
        match self {
            Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            TooLarge { path, size, limit } => {
                write!(f, "{} is {size} bytes, over the {limit}-byte limit", path.display())
            }
            NotJson { path, message } => write!(f, "{} is not valid JSON: {message}", path.display()),
            Schema { path, violations } => {
                write!(f, "{} does not match its schema:", path.display())?;
                for v in violations {
                    write!(f, "\n  {v}")?;
                }
                Ok(())
            }
            UnsupportedVersion { path, version } => write!(
                f,
                "{}: schema_version {version} is not supported (this build reads 0 and 1)",
                path.display()
            ),
            DuplicateId { id } => write!(f, "model id {id:?} appears twice in the registry"),
            Pin(e) => write!(f, "{e}"),
            Scan { path, source } => write!(f, "{}: {source}", path.display()),
            Policy { path, violations } => {
                write!(f, "{} uses operators outside the allowlist:", path.display())?;
                for v in violations {
                    write!(f, "\n  {v}")?;
                }
                Ok(())
            }
            ExternalDataNotPinned { path, location } => write!(
                f,
                "{} stores tensors in {location:?}, which its sidecar's external_data does not pin",
                path.display()
            ),
            SidecarMismatch { path, message } => write!(f, "{}: {message}", path.display()),
        }
    }
}

impl std::error::Error for BuildCheckError {}

impl From<PinError> for BuildCheckError {
    fn from(e: PinError) -> Self {
        BuildCheckError::Pin(e)
    }
}

/// Reads a small file whole, refusing it before reading when it is over `limit`.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, BuildCheckError> {
    let read_err = |source| BuildCheckError::Read { path: path.to_path_buf(), source };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if !meta.is_file() {
        return Err(read_err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file")));
    }
    if meta.len() > limit {
        return Err(BuildCheckError::TooLarge { path: path.to_path_buf(), size: meta.len(), limit });
    }
    std::fs::read(path).map_err(read_err)
}

/// Parses and schema-validates a registry document.
pub fn parse_registry(path: &Path, bytes: &[u8]) -> Result<Registry, BuildCheckError> {
    let value = parse_json(path, bytes)?;
    // Say "unsupported version" plainly rather than as a schema enum failure.
    if let Some(v) = value.get("schema_version").and_then(|v| v.as_u64())
        && v > 1
    {
        // The full u64: `as u32` made 2^32 read "schema_version 0 is not supported".
        return Err(BuildCheckError::UnsupportedVersion { path: path.to_path_buf(), version: v });
    }
    let violations = schema::violations(schema::REGISTRY_SCHEMA, &value);
    if !violations.is_empty() {
        return Err(BuildCheckError::Schema { path: path.to_path_buf(), violations });
    }
    let registry: Registry = serde_json::from_value(value)
        .map_err(|e| BuildCheckError::NotJson { path: path.to_path_buf(), message: e.to_string() })?;
    for (i, entry) in registry.models.iter().enumerate() {
        if registry.models[..i].iter().any(|e| e.id == entry.id) {
            return Err(BuildCheckError::DuplicateId { id: entry.id.clone() });
        }
    }
    Ok(registry)
}

/// Parses and schema-validates a sidecar document.
pub fn parse_sidecar(path: &Path, bytes: &[u8]) -> Result<Sidecar, BuildCheckError> {
    let value = parse_json(path, bytes)?;
    let violations = schema::violations(schema::SIDECAR_SCHEMA, &value);
    if !violations.is_empty() {
        return Err(BuildCheckError::Schema { path: path.to_path_buf(), violations });
    }
    serde_json::from_value(value)
        .map_err(|e| BuildCheckError::NotJson { path: path.to_path_buf(), message: e.to_string() })
}

fn parse_json(path: &Path, bytes: &[u8]) -> Result<serde_json::Value, BuildCheckError> {
    serde_json::from_slice(bytes)
        .map_err(|e| BuildCheckError::NotJson { path: path.to_path_buf(), message: e.to_string() })
}

/// Called with every path before it is opened; an error stops the check unread (the
/// CLI's model-directory jail; the build script allows everything).
pub type Guard<'a> = &'a dyn Fn(&Path) -> Result<(), BuildCheckError>;

/// A [`Guard`] that lets every path through.
pub fn open_all(_: &Path) -> Result<(), BuildCheckError> {
    Ok(())
}

/// The whole integrity step over the registry at `registry_path`.
pub fn check_registry(registry_path: &Path) -> Result<(Registry, Vec<CheckedModel>), BuildCheckError> {
    check_registry_guarded(registry_path, &open_all)
}

/// [`check_registry`] with `guard` asked before every file is opened.
pub fn check_registry_guarded(
    registry_path: &Path,
    guard: Guard<'_>,
) -> Result<(Registry, Vec<CheckedModel>), BuildCheckError> {
    let dir = registry_path.parent().unwrap_or(Path::new("."));
    guard(registry_path)?;
    let bytes = read_limited(registry_path, MAX_REGISTRY_BYTES)?;
    let registry = parse_registry(registry_path, &bytes)?;
    let models = registry
        .models
        .iter()
        .map(|entry| check_model(dir, entry, guard))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((registry, models))
}

/// Checks one entry's files: sidecar, ONNX pin, int8 pin, external data pins, operators.
pub fn check_model(dir: &Path, entry: &ModelEntry, guard: Guard<'_>) -> Result<CheckedModel, BuildCheckError> {
    let sidecar_path = pin::resolve(dir, &entry.sidecar_path())?;
    guard(&sidecar_path)?;
    let sidecar = parse_sidecar(&sidecar_path, &read_limited(&sidecar_path, MAX_REGISTRY_BYTES)?)?;
    if sidecar.id != entry.id {
        return Err(BuildCheckError::SidecarMismatch {
            path: sidecar_path,
            message: format!("sidecar id {:?} differs from registry id {:?}", sidecar.id, entry.id),
        });
    }
    let mut inputs = vec![sidecar_path];

    let (onnx_path, onnx_bytes) = read_pinned_limited(dir, &entry.onnx, &entry.sha256, guard)?;
    let summary = check_graph(dir, &onnx_path, &onnx_bytes, &sidecar, &mut inputs, guard)?;
    inputs.push(onnx_path.clone());

    let int8_bytes = match (entry.int8_path(), &entry.int8_sha256) {
        (Some(rel), Some(digest)) => {
            let (path, bytes) = read_pinned_limited(dir, &rel, digest, guard)?;
            check_graph(dir, &path, &bytes, &sidecar, &mut inputs, guard)?;
            inputs.push(path);
            Some(bytes)
        }
        _ => None,
    };
    Ok(CheckedModel { entry: entry.clone(), sidecar, onnx_path, onnx_bytes, int8_bytes, summary, inputs })
}

fn read_pinned_limited(
    dir: &Path,
    relative: &str,
    digest: &str,
    guard: Guard<'_>,
) -> Result<(PathBuf, Vec<u8>), BuildCheckError> {
    let path = pin::resolve(dir, relative)?;
    guard(&path)?;
    let bytes = read_limited(&path, MAX_ONNX_BYTES)?;
    pin::check_bytes(&path, &bytes, digest)?;
    Ok((path, bytes))
}

/// Operator policy and external-data pins of one graph.
fn check_graph(
    dir: &Path,
    path: &Path,
    bytes: &[u8],
    sidecar: &Sidecar,
    inputs: &mut Vec<PathBuf>,
    guard: Guard<'_>,
) -> Result<OnnxSummary, BuildCheckError> {
    let summary =
        onnx_scan::scan(bytes).map_err(|source| BuildCheckError::Scan { path: path.to_path_buf(), source })?;
    let violations = summary.violations();
    if !violations.is_empty() {
        return Err(BuildCheckError::Policy { path: path.to_path_buf(), violations });
    }
    let onnx_dir = path.parent().unwrap_or(dir);
    for location in &summary.external_data {
        let digest = sidecar.external_data.get(location).ok_or_else(|| {
            BuildCheckError::ExternalDataNotPinned { path: path.to_path_buf(), location: location.clone() }
        })?;
        guard(&pin::resolve(onnx_dir, location)?)?;
        let (data_path, _) = pin::read_pinned(onnx_dir, &Pin { relative: location.clone(), expected_sha256: digest.clone() })?;
        inputs.push(data_path);
    }
    Ok(summary)
}
