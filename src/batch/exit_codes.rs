//! Exit codes of `batch` and `merge` (README.md, "Exit codes"). A file of its own,
//! std only, so the manifest parser can be built alone (the fuzz crate does).

/// The batch ran to the end, but at least one pair has an error record.
pub const PAIRS_FAILED: u8 = 50;
/// The manifest is unreadable or invalid (nothing was scored).
pub const MANIFEST: u8 = 51;
/// Another process holds the results file's lock.
pub const LOCKED: u8 = 52;
/// `merge`: some pair is missing from every file or recorded more than once.
pub const MERGE_INCOMPLETE: u8 = 53;
/// The results file (or a per-frame log) cannot be read or written, or holds a
/// bad line that is not the last.
pub const RESULTS: u8 = 54;
/// Stopped by Ctrl-C / SIGTERM; the results file is valid, rerun to resume.
pub const INTERRUPTED: u8 = 130;
