//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Whether GPU tests must run (CI sets `TINYVMAF_REQUIRE_GPU=1` with lavapipe installed).
pub fn gpu_required() -> bool {
    std::env::var("TINYVMAF_REQUIRE_GPU").is_ok_and(|v| v == "1")
}

/// Skips (returns `None` after printing why) when there is no GPU adapter, unless a
/// GPU is required, in which case the test fails.
pub fn or_skip<T, E: std::fmt::Display>(what: &str, result: Result<T, E>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) if !gpu_required() => {
            eprintln!("SKIPPED {what}: no GPU adapter ({e}); set TINYVMAF_REQUIRE_GPU=1 to make this a failure");
            None
        }
        Err(e) => panic!("{what}: TINYVMAF_REQUIRE_GPU=1 but no GPU adapter: {e}"),
    }
}

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/oracle` beside the project, when present.
pub fn oracle_dir() -> Option<PathBuf> {
    let dir = manifest_dir().join("../shared/oracle");
    dir.join("index.json").is_file().then_some(dir)
}
