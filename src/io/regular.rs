//! Whole files that must be regular files of bounded size: manifests, feature rows,
//! results files. A device (`/dev/zero`, `/dev/urandom`) never ends, a FIFO blocks
//! until someone writes, a directory is no file: each is refused before it is opened,
//! and checked again on the open handle. Errors carry no path: callers name the file.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// What a non-regular file is, for messages.
pub fn kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// The error for a path that is `meta` and not a regular file ("a FIFO, not a regular file").
pub fn not_regular(meta: &std::fs::Metadata) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{}, not a regular file", kind(meta)))
}

/// Opens `path` for reading if it is a regular file (symlinks followed), without
/// opening anything else; returns the file and its size.
pub fn open_regular(path: &Path) -> io::Result<(File, u64)> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    Ok((file, meta.len()))
}

/// Reads a regular file of at most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let (file, size) = open_regular(path)?;
    let too_large = |size: u64| {
        io::Error::new(io::ErrorKind::InvalidData, format!("{size} bytes, more than the {limit}-byte limit"))
    };
    if size > limit {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fifos_and_directories_are_refused_unopened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        // Opening the FIFO would block with no writer: this returning at all is the test.
        for (path, what) in [(Path::new("/dev/zero"), "a device"), (fifo.as_path(), "a FIFO"), (dir.path(), "a directory")] {
            let e = read_regular(path, 1 << 20).unwrap_err();
            assert!(e.to_string().contains(what), "{}: {e}", path.display());
        }
        let file = dir.path().join("f");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(read_regular(&file, 5).unwrap(), b"12345");
        assert!(read_regular(&file, 4).unwrap_err().to_string().contains("more than the 4-byte limit"));
    }
}
