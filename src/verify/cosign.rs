//! Running `cosign verify-blob` (started through `crate::process`: explicit argv,
//! never a shell) on a private copy of the exact bytes, with a timeout, and a
//! re-hash afterwards so we know cosign judged our bytes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::VerifyError;
use crate::process;
use crate::registry::pin::sha256_hex;

/// Everything one `cosign verify-blob` call needs besides the bytes.
#[derive(Debug)]
pub struct CosignRun<'a> {
    pub cosign: &'a Path,
    pub bundle: &'a Path,
    /// Already anchored.
    pub identity_regexp: &'a str,
    pub oidc_issuer: &'a str,
    pub timeout: Duration,
    pub temp_root: Option<&'a Path>,
}

/// `--cosign PATH`, else `TINYVMAF_COSIGN`, else the first executable `cosign` on `PATH`.
pub fn find_cosign(explicit: Option<&Path>) -> Result<PathBuf, VerifyError> {
    process::find_program("cosign", explicit, "TINYVMAF_COSIGN").map_err(|searched| VerifyError::CosignMissing { searched })
}

/// Writes `bytes` to a fresh private directory, runs cosign on that file, and
/// checks the file still holds exactly `bytes` afterwards.
pub fn run_cosign(id: &str, onnx_name: &str, bytes: &[u8], run: &CosignRun<'_>) -> Result<(), VerifyError> {
    let io = |what: &str, e: std::io::Error| VerifyError::Io { id: id.to_owned(), message: format!("{what}: {e}") };
    // A fresh 0700 directory holding a 0600 file: nobody else can swap the bytes
    // between our write and cosign's read.
    let mut builder = tempfile::Builder::new();
    builder.prefix("tinyvmaf-verify-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    let dir = match run.temp_root {
        Some(root) => builder.tempdir_in(root),
        None => builder.tempdir(),
    }
    .map_err(|e| io("temp dir", e))?;
    let file_name = Path::new(onnx_name).file_name().map(PathBuf::from).unwrap_or_else(|| "model.onnx".into());
    let blob = dir.path().join(file_name);
    write_private(&blob, bytes).map_err(|e| io("writing the model copy", e))?;

    let args: [&std::ffi::OsStr; 8] = [
        "verify-blob".as_ref(),
        "--bundle".as_ref(),
        run.bundle.as_ref(),
        "--certificate-identity-regexp".as_ref(),
        run.identity_regexp.as_ref(),
        "--certificate-oidc-issuer".as_ref(),
        run.oidc_issuer.as_ref(),
        blob.as_ref(),
    ];
    let mut child =
        process::spawn(run.cosign, &args, false).map_err(|e| io(&format!("spawning {}", run.cosign.display()), e))?;
    let deadline = Instant::now() + run.timeout;
    let Some(status) = child.wait_until(deadline).map_err(|e| io("waiting for cosign", e))? else {
        // Dropping the child kills its group (cosign and whatever it started).
        return Err(VerifyError::CosignTimeout { id: id.to_owned(), timeout: run.timeout });
    };
    let stderr = child.stderr(deadline);
    if !status.success() {
        let code = status.code().map_or_else(|| "killed by a signal".to_owned(), |c| c.to_string());
        return Err(VerifyError::CosignRejected { id: id.to_owned(), code, stderr });
    }
    let seen = std::fs::read(&blob).map_err(|e| io("re-reading the model copy", e))?;
    if seen != bytes {
        return Err(VerifyError::BytesChanged { id: id.to_owned(), actual: sha256_hex(&seen) });
    }
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
