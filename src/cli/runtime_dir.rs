//! A private `XDG_RUNTIME_DIR` when the environment has no usable one (a headless
//! server, a container, a cron job): Mesa's Vulkan drivers probe for a Wayland
//! display while listing adapters, and without the variable libwayland prints
//! "error: XDG_RUNTIME_DIR is invalid or not set in the environment." once per probe,
//! even under `--quiet`, although nothing is wrong.
//!
//! The directory is `$TMPDIR/tinyvmaf-gpu-runtime-UID`, created 0700 once and reused
//! by later runs (one per user, not one per run, so a killed run leaves nothing new
//! behind). It is used only if it is a real directory (not a symlink) owned by this
//! user with no access for anyone else; otherwise the environment is left as it was.

use std::path::{Path, PathBuf};

/// Whether `value` is what libwayland and the XDG specification accept: an
/// absolute path to an existing directory.
fn usable(value: Option<&std::ffi::OsStr>) -> bool {
    value.map(Path::new).is_some_and(|p| p.is_absolute() && p.is_dir())
}

/// The private directory, created if missing; `None` if it cannot be trusted.
fn private_dir() -> Option<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let uid = rustix::process::getuid().as_raw();
    let dir = std::env::temp_dir().join(format!("tinyvmaf-gpu-runtime-{uid}"));
    // Already there (another run made it) is fine; anything else is checked below.
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    let meta = std::fs::symlink_metadata(&dir).ok()?;
    let private = meta.is_dir() && meta.uid() == uid && meta.mode() & 0o077 == 0;
    private.then_some(dir)
}

/// Sets `XDG_RUNTIME_DIR` to the private directory when the current value is unusable.
/// Call first thing in `main`, before any thread exists.
pub fn ensure() {
    if usable(std::env::var_os("XDG_RUNTIME_DIR").as_deref()) {
        return;
    }
    if let Some(dir) = private_dir() {
        set(&dir);
    }
}

#[allow(unsafe_code, reason = "setting the environment is sound while the process has one thread")]
fn set(dir: &Path) {
    // SAFETY: `ensure` runs at the start of `main`, before this process starts any
    // thread, so nothing can read the environment concurrently.
    unsafe { std::env::set_var("XDG_RUNTIME_DIR", dir) };
}
