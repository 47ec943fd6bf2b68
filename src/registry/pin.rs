//! sha256 pins: the one check every model byte passes before anything else reads it.
//!
//! This file is compiled twice: into the library and, through `#[path]`, into
//! `build.rs`, so the build-time check and the run-time re-check are the same code
//! and a test can drive the build step on a temp copy of a model. It therefore
//! depends on `std` and `sha2` only.

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[(b >> 4) as usize]));
        out.push(char::from(HEX[(b & 0xf) as usize]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A file that the registry pins, and the digest it must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// Path as written in the registry, relative to the registry's folder.
    pub relative: String,
    pub expected_sha256: String,
}

/// Why a pinned file could not be accepted.
#[derive(Debug)]
pub enum PinError {
    /// The path escapes the registry folder or is absolute.
    UnsafePath { relative: String },
    Read { path: PathBuf, source: std::io::Error },
    Mismatch { path: PathBuf, expected: String, actual: String },
}

impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinError::UnsafePath { relative } => write!(
                f,
                "pinned path {relative:?} must be relative to the registry folder and may not contain '..'"
            ),
            PinError::Read { path, source } => {
                write!(f, "cannot read pinned file {}: {source}", path.display())
            }
            PinError::Mismatch { path, expected, actual } => write!(
                f,
                "sha256 mismatch for {}: expected {expected}, actual {actual}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for PinError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PinError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Resolves a registry-relative path, refusing absolute paths and `..` segments
/// (the schema refuses them too; this is the second lock on the same door).
pub fn resolve(dir: &Path, relative: &str) -> Result<PathBuf, PinError> {
    let rel = Path::new(relative);
    let safe = !relative.is_empty()
        && !relative.contains('\\')
        && rel.components().all(|c| matches!(c, std::path::Component::Normal(_)));
    if !safe {
        return Err(PinError::UnsafePath { relative: relative.to_owned() });
    }
    Ok(dir.join(rel))
}

/// Reads a pinned file and returns its bytes only if they hash to the pin.
/// Callers use the returned bytes, never the path again, so what was checked is
/// what is used.
pub fn read_pinned(dir: &Path, pin: &Pin) -> Result<(PathBuf, Vec<u8>), PinError> {
    let path = resolve(dir, &pin.relative)?;
    let bytes = std::fs::read(&path).map_err(|source| PinError::Read { path: path.clone(), source })?;
    check_bytes(&path, &bytes, &pin.expected_sha256)?;
    Ok((path, bytes))
}

/// Checks bytes already in memory against a pin; `path` only names them in the error.
pub fn check_bytes(path: &Path, bytes: &[u8], expected: &str) -> Result<(), PinError> {
    let actual = sha256_hex(bytes);
    if actual != expected {
        return Err(PinError::Mismatch {
            path: path.to_path_buf(),
            expected: expected.to_owned(),
            actual,
        });
    }
    Ok(())
}
