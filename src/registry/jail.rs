//! The model-directory jail: when `TINYVMAF_MODEL_DIR` is set, every registry, bundle,
//! trusted-root or model path used at run time must resolve inside it — symlinks
//! followed, compared component by component, so `/models-evil/x` is not inside
//! `/models` and a symlink inside the directory pointing out of it is refused — and
//! must be a regular file (not a FIFO, device or directory, which could block a read
//! forever or feed it without end). Without the variable only the regular-file rule
//! applies. `build.rs` does not use this: the build reads the source tree's own files.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The variable that turns the jail on.
pub const MODEL_DIR_VAR: &str = "TINYVMAF_MODEL_DIR";

#[derive(Debug, thiserror::Error)]
pub enum JailError {
    #[error("{what} {}: {source}", path.display())]
    Unreadable { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("{what} {} resolves to {}, outside {MODEL_DIR_VAR}={}", path.display(), resolved.display(), root.display())]
    Outside { what: &'static str, path: PathBuf, resolved: PathBuf, root: PathBuf },
    #[error("{what} {} is not a regular file ({kind})", path.display())]
    NotRegular { what: &'static str, path: PathBuf, kind: &'static str },
    #[error("{what} {} is {size} bytes, over the {limit}-byte limit", path.display())]
    TooLarge { what: &'static str, path: PathBuf, size: u64, limit: u64 },
}

/// The jail's root, canonicalised, when `TINYVMAF_MODEL_DIR` is set.
fn root(what: &'static str) -> Result<Option<PathBuf>, JailError> {
    let Some(dir) = std::env::var_os(MODEL_DIR_VAR) else { return Ok(None) };
    let dir = PathBuf::from(dir);
    std::fs::canonicalize(&dir)
        .map(Some)
        .map_err(|source| JailError::Unreadable { what, path: dir, source })
}


/// Checks `path` against the jail and the regular-file rule, without opening it: the
/// canonical path to use.
pub fn confine(path: &Path, what: &'static str) -> Result<PathBuf, JailError> {
    let unreadable = |source| JailError::Unreadable { what, path: path.to_path_buf(), source };
    let resolved = std::fs::canonicalize(path).map_err(unreadable)?;
    if let Some(root) = root(what)? {
        // `Path::starts_with` compares whole components: /models-evil is not in /models.
        if !resolved.starts_with(&root) {
            return Err(JailError::Outside { what, path: path.to_path_buf(), resolved, root });
        }
    }
    let meta = std::fs::metadata(&resolved).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(JailError::NotRegular { what, path: path.to_path_buf(), kind: crate::io::regular::kind(&meta) });
    }
    Ok(resolved)
}

/// [`confine`], then reads the file through one handle, at most `limit` bytes: the type
/// is checked again on the open handle, so what was checked is what is read even if
/// the path is swapped in between.
pub fn read_confined(path: &Path, what: &'static str, limit: u64) -> Result<Vec<u8>, JailError> {
    let unreadable = |source| JailError::Unreadable { what, path: path.to_path_buf(), source };
    let resolved = confine(path, what)?;
    let file = File::open(&resolved).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(JailError::NotRegular { what, path: path.to_path_buf(), kind: crate::io::regular::kind(&meta) });
    }
    if meta.len() > limit {
        return Err(JailError::TooLarge { what, path: path.to_path_buf(), size: meta.len(), limit });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err(JailError::TooLarge { what, path: path.to_path_buf(), size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}
