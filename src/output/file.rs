//! Where an output goes, decided before any work is done and honoured when writing.
//!
//! - A regular file, or a path that does not exist yet, is replaced atomically: a temp
//!   file beside it, written and synced, renamed over it. A replaced file keeps its
//!   permissions; a new one gets `0666` less the umask, as a shell's `>` would.
//! - A symlink is followed to its target (the link stays a link).
//! - Anything else that exists — a character device such as `/dev/null`, a FIFO,
//!   `/dev/stdout` — is opened and written in place: renaming a file over it would
//!   replace the device node or the link instead of writing to it.
//! - `-` is standard output.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::OutputError;

/// Symlink hops followed before giving up (the kernel's own limit).
const MAX_LINKS: usize = 40;

/// A resolved output path (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    /// Opened and written in place: an existing path that is not a regular file.
    InPlace(PathBuf),
    /// Replaced atomically; `mode`: the permissions of the file it replaces.
    Replace { path: PathBuf, mode: Option<u32> },
}

impl Destination {
    /// Resolves `path`, failing early (before any scoring) when it cannot be written:
    /// a directory, or a new file in a folder that does not exist.
    pub fn resolve(path: &Path) -> Result<Destination, OutputError> {
        if path == Path::new("-") {
            return Ok(Destination::Stdout);
        }
        let err = |source| OutputError::Write { path: path.to_path_buf(), source };
        // `metadata` follows symlinks, /proc's links to pipes and terminals included.
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => Err(OutputError::IsDirectory { path: path.to_path_buf() }),
            Ok(meta) if meta.is_file() => {
                let real = fs::canonicalize(path).map_err(err)?;
                Ok(Destination::Replace { path: real, mode: Some(meta.permissions().mode() & 0o7777) })
            }
            Ok(_) => Ok(Destination::InPlace(path.to_path_buf())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // A new file, or a dangling symlink: the file is created at the link's target.
                let target = link_target(path).map_err(err)?;
                let dir = folder(&target);
                if !fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
                    return Err(OutputError::NoFolder { path: path.to_path_buf(), folder: dir.to_path_buf() });
                }
                Ok(Destination::Replace { path: target, mode: None })
            }
            Err(e) => Err(err(e)),
        }
    }

    /// Writes `contents` to this destination (`shown` names it in errors).
    pub fn write(&self, shown: &Path, contents: &[u8]) -> Result<(), OutputError> {
        let err = |source| OutputError::Write { path: shown.to_path_buf(), source };
        match self {
            Destination::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(contents).and_then(|()| out.flush()).map_err(err)
            }
            Destination::InPlace(path) => {
                let mut file = OpenOptions::new().write(true).open(path).map_err(err)?;
                file.write_all(contents).and_then(|()| file.flush()).map_err(err)
            }
            Destination::Replace { path, mode } => replace(path, *mode, contents).map_err(err),
        }
    }
}

/// [`Destination::resolve`] then [`Destination::write`].
pub fn write_to(path: &Path, contents: &[u8]) -> Result<(), OutputError> {
    Destination::resolve(path)?.write(path, contents)
}

/// The folder a path's file lives in (`.` for a bare name).
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The file `path` names once symlinks are followed, with its folder made absolute
/// and canonical (the path as given when that folder cannot be resolved): one name
/// for one file, however it was spelt.
pub fn resolved(path: &Path) -> PathBuf {
    let target = link_target(path).unwrap_or_else(|_| path.to_path_buf());
    match (fs::canonicalize(folder(&target)), target.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => target,
    }
}

/// Where a chain of symlinks ends (the path itself when it is not a link).
fn link_target(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let next = fs::read_link(&current)?;
                current = if next.is_absolute() { next } else { folder(&current).join(next) };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other(format!("more than {MAX_LINKS} symlinks")))
}

/// Writes `contents` to a new temp file beside `path` and renames it over `path`.
fn replace(path: &Path, mode: Option<u32>, contents: &[u8]) -> std::io::Result<()> {
    let (tmp, mut file) = create_temp(folder(path))?;
    let written = (|| {
        if let Some(mode) = mode {
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// A new file `.tinyvmaf-partial-*` in `dir`, created with mode `0666` (less the umask,
/// which the kernel applies), never an existing one.
fn create_temp(dir: &Path) -> std::io::Result<(PathBuf, fs::File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".tinyvmaf-partial-{}-{n}-{nanos:08x}", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).mode(0o666).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn replacing_a_file_keeps_its_mode_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.json");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_to(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(mode(&path), 0o640);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "a temp file was left behind");
    }

    #[test]
    fn a_new_file_gets_the_mode_a_shell_would_give_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.json");
        write_to(&path, b"x").unwrap();
        // What the kernel gives a file opened with 0666 under this process's umask.
        let probe = dir.path().join("probe");
        OpenOptions::new().write(true).create_new(true).mode(0o666).open(&probe).unwrap();
        assert_eq!(mode(&path), mode(&probe));
        assert_ne!(mode(&path), 0o600, "the temp file's private mode leaked into the output");
    }

    #[test]
    fn a_symlink_is_written_through_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.json");
        fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_to(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"new");
        // A dangling link: its target is created, the link kept.
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink("made.json", &dangling).unwrap();
        write_to(&dangling, b"made").unwrap();
        assert!(fs::symlink_metadata(&dangling).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(dir.path().join("made.json")).unwrap(), b"made");
    }

    #[test]
    fn a_fifo_is_written_in_place_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(&fifo).unwrap())
        };
        write_to(&fifo, b"through the pipe").unwrap();
        // Before joining: a replaced FIFO would leave the reader waiting for a writer.
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(&fs::symlink_metadata(&fifo).unwrap().file_type()));
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert_eq!(Destination::resolve(&fifo).unwrap(), Destination::InPlace(fifo));
    }

    #[test]
    fn devices_and_dash_are_not_replaced() {
        assert_eq!(Destination::resolve(Path::new("/dev/null")).unwrap(), Destination::InPlace("/dev/null".into()));
        write_to(Path::new("/dev/null"), b"gone").unwrap();
        let meta = fs::symlink_metadata("/dev/null").unwrap();
        assert!(std::os::unix::fs::FileTypeExt::is_char_device(&meta.file_type()), "/dev/null is no longer a device");
        assert_eq!(Destination::resolve(Path::new("-")).unwrap(), Destination::Stdout);
    }

    #[test]
    fn a_directory_or_a_missing_folder_is_refused_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(Destination::resolve(dir.path()), Err(OutputError::IsDirectory { .. })));
        let missing = dir.path().join("no/such/folder/log.json");
        match Destination::resolve(&missing) {
            Err(e @ OutputError::NoFolder { .. }) => assert!(e.to_string().contains("no/such/folder"), "{e}"),
            other => panic!("{other:?}"),
        }
    }
}
