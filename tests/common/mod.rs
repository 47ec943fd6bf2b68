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

/// Decompressed oracle clips (unpacked once per target dir by the oracle's
/// `unpack.sh`), or `None` with a printed reason when `../shared/oracle` is absent.
pub fn oracle_clips() -> Option<(PathBuf, PathBuf)> {
    let Some(oracle) = oracle_dir() else {
        eprintln!("SKIPPED: ../shared/oracle is not beside the project");
        return None;
    };
    let dest = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oracle-clips");
    let status = std::process::Command::new("bash")
        .arg(oracle.join("unpack.sh"))
        .arg(&dest)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run unpack.sh");
    assert!(status.success(), "unpack.sh failed");
    Some((oracle, dest))
}

/// The pair names listed in the oracle's index.json.
pub fn oracle_pairs(oracle: &Path) -> Vec<String> {
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(oracle.join("index.json")).unwrap()).unwrap();
    index.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
}

/// libvmaf's per-frame metrics from one of the oracle logs.
pub fn oracle_frames(oracle: &Path, name: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let path = oracle.join(format!("logs/{name}.libvmaf_c.json"));
    let log: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    log["frames"].as_array().unwrap().iter().map(|f| f["metrics"].as_object().unwrap().clone()).collect()
}
