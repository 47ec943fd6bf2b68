//! Bad use of the library from C (tests/c/misuse.c): each call gets libvmaf's
//! `-EINVAL`, none crashes the caller, and a good run after them still works.

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn bad_calls_from_c_get_libvmafs_error_codes() {
    let Some(cc) = common::c_compiler() else { return };
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let program = common::compile(&cc, &here.join("tests/c/misuse.c"), &common::installed().join("include"), true, "misuse");
    let out_dir = tempfile::tempdir().expect("tmp");
    let out = Command::new(&program).arg(out_dir.path()).env("TINYVMAF_BACKEND", "cpu").output().expect("misuse runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("\n0 failed"), "{stdout}");
    assert!(stdout.lines().count() > 80, "every check ran: {stdout}");
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(out_dir.path().join("misuse.json")).expect("log written")).expect("JSON");
    assert_eq!(log["frames"].as_array().map(Vec::len), Some(2), "{log}");
    assert!(log["pooled_metrics"]["vmaf"]["mean"].is_f64(), "{log}");
}
