//! The exit codes, in one table (README.md, "Exit codes", lists the same codes; a
//! test compares the two).
//!
//! It lives in the library rather than in the CLI because `batch` records each
//! failed pair's code in its results file. std only and importing nothing, so any
//! module may name a code, and the fuzz crate can compile the manifest parser alone.

pub const OK: u8 = 0;
/// Anything not listed below.
pub const FAILURE: u8 = 1;
/// Bad command line (clap's own code).
pub const USAGE: u8 = 2;
/// Bad input video: unreadable, malformed, mismatched.
pub const INPUT: u8 = 3;
/// A registry document failed its schema or a file check.
pub const REGISTRY_INVALID: u8 = 4;
/// One frame pair and one worker's buffers do not fit `--memory-limit`.
pub const MEMORY_LIMIT: u8 = 5;

// Model verification (`verify::VerifyError`).
pub const UNKNOWN_MODEL: u8 = 20;
pub const PIN_MISMATCH: u8 = 21;
pub const BUNDLE_MISSING: u8 = 22;
pub const COSIGN_MISSING: u8 = 23;
pub const COSIGN_REJECTED: u8 = 24;
pub const COSIGN_TIMEOUT: u8 = 25;
pub const BYTES_CHANGED: u8 = 26;
pub const VERIFY_IO: u8 = 27;
pub const OUTSIDE_MODEL_DIR: u8 = 28;

/// A model failed to load or run.
pub const MODEL: u8 = 30;
/// `--backend gpu` found no usable adapter, or the GPU failed during the run.
pub const GPU: u8 = 31;
/// `--check-gpu`: the GPU's features differ from the CPU's.
pub const GPU_MISMATCH: u8 = 32;

// `--verifier builtin` (`verify::VerifyError`).
pub const BUNDLE_DIGEST_MISMATCH: u8 = 40;
pub const IDENTITY_MISMATCH: u8 = 41;
pub const ISSUER_MISMATCH: u8 = 42;
pub const CERTIFICATE_UNTRUSTED: u8 = 43;
pub const LOG_PROOF_INVALID: u8 = 44;
pub const BUNDLE_MALFORMED: u8 = 45;
pub const SIGNATURE_INVALID: u8 = 46;
pub const TRUST_ROOT_INVALID: u8 = 47;

// `batch` and `merge`.
/// The batch ran to the end, but at least one pair has an error record.
pub const PAIRS_FAILED: u8 = 50;
/// The manifest is unreadable or invalid (nothing was scored).
pub const MANIFEST: u8 = 51;
/// Another process holds the results file's lock.
pub const LOCKED: u8 = 52;
/// `merge`: some pair is missing from every file or recorded more than once.
pub const MERGE_INCOMPLETE: u8 = 53;
/// A results file (or a per-frame log) cannot be read or written, or holds a bad
/// line that is not the last.
pub const RESULTS: u8 = 54;
/// Stopped by Ctrl-C / SIGTERM; the results file is valid, rerun to resume.
pub const INTERRUPTED: u8 = 130;

/// Every code above, for the test that holds README.md's table to this one.
pub const ALL: &[u8] = &[
    OK,
    FAILURE,
    USAGE,
    INPUT,
    REGISTRY_INVALID,
    MEMORY_LIMIT,
    UNKNOWN_MODEL,
    PIN_MISMATCH,
    BUNDLE_MISSING,
    COSIGN_MISSING,
    COSIGN_REJECTED,
    COSIGN_TIMEOUT,
    BYTES_CHANGED,
    VERIFY_IO,
    OUTSIDE_MODEL_DIR,
    MODEL,
    GPU,
    GPU_MISMATCH,
    BUNDLE_DIGEST_MISMATCH,
    IDENTITY_MISMATCH,
    ISSUER_MISMATCH,
    CERTIFICATE_UNTRUSTED,
    LOG_PROOF_INVALID,
    BUNDLE_MALFORMED,
    SIGNATURE_INVALID,
    TRUST_ROOT_INVALID,
    PAIRS_FAILED,
    MANIFEST,
    LOCKED,
    MERGE_INCOMPLETE,
    RESULTS,
    INTERRUPTED,
];

#[cfg(test)]
mod tests {
    /// README.md's "Exit codes" table and [`super::ALL`] name the same codes, so
    /// a code added in one place and not the other fails here.
    #[test]
    fn readme_table_lists_every_code() {
        let readme = include_str!("../README.md");
        let section = readme
            .split("## Exit codes")
            .nth(1)
            .expect("README.md has an \"## Exit codes\" section");
        let section = section.split("\n## ").next().unwrap_or(section);
        let mut documented: Vec<u8> = section
            .lines()
            .filter_map(|line| line.strip_prefix("| "))
            .filter_map(|rest| rest.split(" |").next())
            .filter_map(|code| code.trim().parse().ok())
            .collect();
        let mut defined = super::ALL.to_vec();
        documented.sort_unstable();
        defined.sort_unstable();
        let before = defined.len();
        defined.dedup();
        assert_eq!(before, defined.len(), "exit::ALL lists a code twice");
        assert_eq!(documented, defined, "README.md's exit-code table vs exit::ALL");
    }
}
