//! The one place that spawns `cosign`. Explicit argv through
//! `std::process::Command` (never a shell), a private copy of the exact bytes, a
//! timeout, and a re-hash afterwards so we know cosign judged our bytes.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::VerifyError;
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
    let missing = |searched: String| VerifyError::CosignMissing { searched };
    if let Some(path) = explicit {
        return if is_executable(path) {
            Ok(path.to_path_buf())
        } else {
            Err(missing(format!("the cosign path given, {}, is not an executable file", path.display())))
        };
    }
    if let Some(path) = std::env::var_os("TINYVMAF_COSIGN") {
        let path = PathBuf::from(path);
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(missing(format!("TINYVMAF_COSIGN={} is not an executable file", path.display())))
        };
    }
    let search = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&search)
        .map(|dir| dir.join("cosign"))
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| missing("no executable `cosign` on PATH".to_owned()))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
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

    let mut command = Command::new(run.cosign);
    // Its own process group, so that whatever cosign leaves running (a child holding
    // stderr, an orphan `sleep`) can be killed with it.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .arg("verify-blob")
        .arg("--bundle")
        .arg(run.bundle)
        .arg("--certificate-identity-regexp")
        .arg(run.identity_regexp)
        .arg("--certificate-oidc-issuer")
        .arg(run.oidc_issuer)
        .arg(&blob)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io(&format!("spawning {}", run.cosign.display()), e))?;

    // Drain stderr on a thread so a chatty cosign cannot block on a full pipe. The
    // text comes back through a channel, so that waiting for it is bounded too: a
    // child cosign left behind can hold the pipe open after cosign itself exits.
    let mut stderr_pipe = child.stderr.take().expect("stderr was piped");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr_pipe.by_ref().take(STDERR_LIMIT).read_to_end(&mut text);
        let _ = sender.send(text);
    });
    let group = rustix::process::Pid::from_child(&child);
    // Whatever is left of the group (cosign on timeout, its children always).
    let kill_group = || {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    };

    let deadline = Instant::now() + run.timeout;
    let status = loop {
        match child.try_wait().map_err(|e| io("waiting for cosign", e))? {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                kill_group();
                let _ = child.wait();
                return Err(VerifyError::CosignTimeout { id: id.to_owned(), timeout: run.timeout });
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let stderr = match receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(text) => {
            kill_group();
            text
        }
        Err(_) => {
            // A child of cosign still holds stderr at the deadline: kill it, keep what was said.
            kill_group();
            receiver.recv_timeout(Duration::from_secs(1)).unwrap_or_default()
        }
    };
    let stderr = printable(&stderr);
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

/// The most of cosign's stderr kept for the error message.
const STDERR_LIMIT: u64 = 16 * 1024;

/// cosign's stderr as text fit for a terminal: invalid UTF-8 replaced, control
/// characters other than newline and tab escaped (a binary dump cannot reach the
/// terminal raw), trimmed.
fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .flat_map(|c| match c {
            '\n' | '\t' => vec![c],
            c if c.is_control() => c.escape_default().collect(),
            c => vec![c],
        })
        .collect::<String>()
        .trim()
        .to_owned()
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
