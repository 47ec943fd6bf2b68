//! One writer per results file: an exclusive advisory lock (`flock` on Unix,
//! `LockFileEx` on Windows, through `std::fs::File::try_lock`) on `RESULTS.lock`
//! beside it, held for the whole run. The lock lives on a separate file so that the
//! results file itself can be rewritten by rename (`--retry-failed`) while it is
//! held. The lock file is left in place afterwards: deleting it would let a third
//! process lock a fresh inode while a second still holds the old one.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{} is in use by another tinyvmaf-gpu process (lock {} is held); \
         wait for it to finish, or give this run its own results file (e.g. one per shard)",
        results.display(), lock.display()
    )]
    Held { results: PathBuf, lock: PathBuf },
    #[error("cannot lock {}: {source}", lock.display())]
    Io { lock: PathBuf, source: std::io::Error },
}

impl LockError {
    pub fn exit_code(&self) -> u8 {
        match self {
            LockError::Held { .. } => crate::exit::LOCKED,
            LockError::Io { .. } => crate::exit::RESULTS,
        }
    }
}

/// The lock file's path for a results file: `results.jsonl` → `results.jsonl.lock`,
/// beside the file the path resolves to (symlinks followed), so that two spellings of
/// one file take one lock.
pub fn lock_path(results: &Path) -> PathBuf {
    let results = crate::output::resolved(results);
    let mut name = results.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    results.with_file_name(name)
}

/// Held until dropped (closing the file releases the lock, also when the process dies).
#[derive(Debug)]
pub struct ResultsLock {
    _file: File,
    pub path: PathBuf,
}

/// Takes the lock for `results` without waiting.
pub fn lock(results: &Path) -> Result<ResultsLock, LockError> {
    let path = lock_path(results);
    let io = |source| LockError::Io { lock: path.clone(), source };
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io)?;
    match file.try_lock() {
        Ok(()) => Ok(ResultsLock { _file: file, path }),
        Err(TryLockError::WouldBlock) => Err(LockError::Held { results: results.to_path_buf(), lock: path }),
        Err(TryLockError::Error(e)) => Err(io(e)),
    }
}
