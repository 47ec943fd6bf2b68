//! `--tiny-model-verify` wiring, with fake `cosign` executables written by the
//! tests: exact argv, arguments with shell metacharacters, the timeout, every
//! refusal with its own error and exit code, and that cosign saw exactly our bytes.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tinyvmaf_gpu::registry::{pin, ModelEntry};
use tinyvmaf_gpu::verify::{self, CosignOptions, Provenance, VerifyError};

const BIN: &str = env!("CARGO_BIN_EXE_tinyvmaf-gpu");

/// What the fake does after recording its argv (NUL-separated) and the blob it was given.
#[derive(Clone, Copy)]
enum Fake {
    Accept,
    Reject,
    Hang,
    /// Rewrites the blob, then accepts.
    Tamper,
    /// Accepts only if the bundle file contains the blob's sha256 (a stand-in for a
    /// real signature over the digest, so a corrupted bundle is refused).
    CheckDigest,
    /// Leaves a child holding stderr open, then accepts.
    LeaveChild,
    /// Waits on a `sleep` child (not `exec`): a kill of cosign alone orphans it.
    ShThenSleep,
    /// Writes binary noise to stderr, then refuses.
    BinaryStderr,
}

fn write_fake(dir: &Path, mode: Fake) -> PathBuf {
    let log = dir.join("argv.bin");
    let seen = dir.join("seen.bin");
    let action = match mode {
        Fake::Accept => "exit 0".to_owned(),
        Fake::Reject => "echo 'Error: none of the expected identities matched' >&2; exit 1".to_owned(),
        Fake::Hang => "exec sleep 30".to_owned(),
        Fake::Tamper => "printf x >> \"$blob\"; exit 0".to_owned(),
        Fake::LeaveChild => "(sleep 31.41; echo late >&2) &\nexit 0".to_owned(),
        Fake::ShThenSleep => "sleep 27.18\nexit 0".to_owned(),
        Fake::BinaryStderr => "head -c 200000 /dev/urandom >&2; exit 1".to_owned(),
        Fake::CheckDigest => {
            "d=$(sha256sum \"$blob\" | cut -d' ' -f1); grep -q \"$d\" \"$3\" || { echo 'Error: signature mismatch' >&2; exit 1; }"
                .to_owned()
        }
    };
    let script = format!(
        "#!/bin/sh\nprintf '%s\\0' \"$@\" > '{log}'\nfor blob; do :; done\ncp \"$blob\" '{seen}'\n{action}\n",
        log = log.display(),
        seen = seen.display()
    );
    let path = dir.join("cosign");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn recorded_argv(dir: &Path) -> Vec<String> {
    let raw = std::fs::read(dir.join("argv.bin")).unwrap();
    raw.split(|&b| b == 0).filter(|s| !s.is_empty()).map(|s| String::from_utf8(s.to_vec()).unwrap()).collect()
}

struct Setup {
    _root: tempfile::TempDir,
    fake_dir: PathBuf,
    model_dir: PathBuf,
    entry: ModelEntry,
    bytes: Vec<u8>,
}

/// A model entry over some bytes, a bundle for them, and a directory whose name is
/// hostile to any shell: `a b;$(touch x)`.
fn setup(mode: Fake) -> (Setup, CosignOptions) {
    let root = tempfile::tempdir().unwrap();
    let hostile = root.path().join("a b;$(touch x)");
    let fake_dir = root.path().join("fake");
    std::fs::create_dir_all(&hostile).unwrap();
    std::fs::create_dir_all(&fake_dir).unwrap();
    let bytes = b"pretend ONNX bytes \x00\x01\x02".to_vec();
    let digest = pin::sha256_hex(&bytes);
    let entry: ModelEntry = serde_json::from_value(serde_json::json!({
        "id": "m1", "kind": "fr", "onnx": "m 1.onnx", "sha256": digest, "opset": 17,
        "sigstore_bundle": "m 1.onnx.sigstore.json"
    }))
    .unwrap();
    std::fs::write(hostile.join("m 1.onnx.sigstore.json"), format!("{{\"digest\":\"{digest}\"}}")).unwrap();
    let options = CosignOptions {
        cosign: Some(write_fake(&fake_dir, mode)),
        model_dir: hostile.clone(),
        identity_regexp: "https://github.com/o/r/.*".into(),
        oidc_issuer: "https://issuer.example".into(),
        timeout: Duration::from_secs(20),
        temp_root: Some(hostile.clone()),
    };
    (Setup { _root: root, fake_dir, model_dir: hostile, entry, bytes }, options)
}

#[test]
fn exact_argv_one_argument_each_and_no_shell() {
    let (s, options) = setup(Fake::Accept);
    let provenance = verify::verify_blob(&s.entry, &s.bytes, &options).expect("fake cosign accepts");
    let argv = recorded_argv(&s.fake_dir);
    let bundle = s.model_dir.join("m 1.onnx.sigstore.json");
    assert_eq!(argv.len(), 8, "{argv:?}");
    assert_eq!(
        argv[..7],
        [
            "verify-blob",
            "--bundle",
            bundle.to_str().unwrap(),
            "--certificate-identity-regexp",
            "^(?:https://github.com/o/r/.*)$",
            "--certificate-oidc-issuer",
            "https://issuer.example",
        ]
    );
    // The blob is the private copy, named after the model, inside the hostile folder.
    let blob = Path::new(&argv[7]);
    assert!(blob.starts_with(&s.model_dir), "{blob:?}");
    assert_eq!(blob.file_name().unwrap(), "m 1.onnx");
    // Removed after use; its folder was private.
    assert!(!blob.exists());
    // No shell ran the metacharacters: no file `x` anywhere near.
    for dir in [s.model_dir.as_path(), s.model_dir.parent().unwrap(), Path::new(".")] {
        assert!(!dir.join("x").exists(), "a shell ran `touch x` in {dir:?}");
    }
    assert_eq!(
        provenance,
        Provenance::Signed {
            bundle,
            identity_regexp: "^(?:https://github.com/o/r/.*)$".into(),
            oidc_issuer: "https://issuer.example".into()
        }
    );
}

#[test]
fn cosign_sees_exactly_the_bytes_we_hold() {
    let (s, options) = setup(Fake::Accept);
    verify::verify_blob(&s.entry, &s.bytes, &options).unwrap();
    assert_eq!(std::fs::read(s.fake_dir.join("seen.bin")).unwrap(), s.bytes);
}

#[test]
fn the_private_copy_is_0600_in_a_0700_folder() {
    let (s, mut options) = setup(Fake::Accept);
    // A fake that records the modes of its blob and the blob's folder.
    let script = s.fake_dir.join("cosign-modes");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nfor blob; do :; done\nstat -c '%a' \"$blob\" \"$(dirname \"$blob\")\" > '{}'\n",
            s.fake_dir.join("modes").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    options.cosign = Some(script);
    verify::verify_blob(&s.entry, &s.bytes, &options).unwrap();
    assert_eq!(std::fs::read_to_string(s.fake_dir.join("modes")).unwrap(), "600\n700\n");
}

#[test]
fn non_zero_exit_is_refused_with_cosigns_stderr() {
    let (s, options) = setup(Fake::Reject);
    let err = verify::verify_blob(&s.entry, &s.bytes, &options).unwrap_err();
    assert!(matches!(&err, VerifyError::CosignRejected { code, stderr, .. }
        if code == "1" && stderr.contains("none of the expected identities")), "{err}");
    assert_eq!(err.exit_code(), 24);
}

#[test]
fn a_hang_is_killed_at_the_timeout() {
    let (s, mut options) = setup(Fake::Hang);
    options.timeout = Duration::from_millis(500);
    let start = Instant::now();
    let err = verify::verify_blob(&s.entry, &s.bytes, &options).unwrap_err();
    assert!(matches!(err, VerifyError::CosignTimeout { .. }), "{err}");
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    assert_eq!(err.exit_code(), 25);
}

/// Processes whose command line contains `marker` (a fake's unique sleep time).
fn running(marker: &str) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline"))
            && String::from_utf8_lossy(&cmdline).contains(marker)
        {
            n += 1;
        }
    }
    n
}

/// A cosign that exits but leaves a child holding its stderr: the wait for stderr is
/// bounded by the same deadline (it used to wait for the child, 40 s against a 3 s
/// timeout), and the child is killed with cosign's process group.
#[test]
fn a_child_holding_stderr_neither_outlives_the_timeout_nor_cosign() {
    let (s, mut options) = setup(Fake::LeaveChild);
    options.timeout = Duration::from_millis(1500);
    let start = Instant::now();
    verify::verify_blob(&s.entry, &s.bytes, &options).expect("the fake accepts");
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(running("31.41"), 0, "cosign's child is still running");
}

/// A timeout kills cosign's whole process group: no orphaned `sleep` is left.
#[test]
fn a_timeout_leaves_no_orphan() {
    let (s, mut options) = setup(Fake::ShThenSleep);
    options.timeout = Duration::from_millis(500);
    let err = verify::verify_blob(&s.entry, &s.bytes, &options).unwrap_err();
    assert!(matches!(err, VerifyError::CosignTimeout { .. }), "{err}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(running("27.18"), 0, "an orphaned sleep survived the timeout");
}

/// cosign's stderr reaches the message capped and with control bytes escaped.
#[test]
fn cosign_stderr_is_capped_and_escaped() {
    let (s, options) = setup(Fake::BinaryStderr);
    let err = verify::verify_blob(&s.entry, &s.bytes, &options).unwrap_err();
    let text = err.to_string();
    assert!(text.len() < 100_000, "{} bytes of message", text.len());
    assert!(!text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "raw control characters in the message");
}

#[test]
fn bytes_changed_under_cosign_are_refused() {
    let (s, options) = setup(Fake::Tamper);
    let err = verify::verify_blob(&s.entry, &s.bytes, &options).unwrap_err();
    assert!(matches!(err, VerifyError::BytesChanged { .. }), "{err}");
    assert_eq!(err.exit_code(), 26);
}

#[test]
fn missing_bundle_is_refused_before_cosign_runs() {
    let (s, options) = setup(Fake::Accept);
    std::fs::remove_file(s.model_dir.join("m 1.onnx.sigstore.json")).unwrap();
    let err = verify::verify_blob(&s.entry, &s.bytes, &options).unwrap_err();
    assert!(matches!(err, VerifyError::BundleMissing { .. }), "{err}");
    assert_eq!(err.exit_code(), 22);
    assert!(!s.fake_dir.join("argv.bin").exists(), "cosign ran without a bundle");
}

#[test]
fn missing_cosign_is_refused_with_install_hint() {
    let (s, mut options) = setup(Fake::Accept);
    options.cosign = Some(s.fake_dir.join("no-such-cosign"));
    let err = verify::verify_blob(&s.entry, &s.bytes, &options).unwrap_err();
    assert!(matches!(err, VerifyError::CosignMissing { .. }), "{err}");
    assert!(err.to_string().contains("install"), "{err}");
    assert_eq!(err.exit_code(), 23);
}

#[test]
fn bytes_not_matching_the_pin_never_reach_cosign() {
    let (s, options) = setup(Fake::Accept);
    let mut bytes = s.bytes.clone();
    bytes[0] ^= 1;
    let err = verify::verify_blob(&s.entry, &bytes, &options).unwrap_err();
    assert!(matches!(err, VerifyError::PinMismatch { .. }), "{err}");
    assert_eq!(err.exit_code(), 21);
    assert!(!s.fake_dir.join("argv.bin").exists());
}

#[test]
fn identity_regexp_is_anchored_once() {
    assert_eq!(verify::anchor_regexp("a.*"), "^(?:a.*)$");
    assert_eq!(verify::anchor_regexp("^a.*$"), "^a.*$");
    assert_eq!(verify::anchor_regexp("^a"), "^(?:^a)$");
}

// --- through the binary: exit codes for the real embedded model ---

fn cli_setup(mode: Fake) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let model_dir = root.path().join("models");
    std::fs::create_dir_all(&model_dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("model/tiny/vmaf_v0.6.1.onnx");
    let digest = pin::sha256_hex(&std::fs::read(src).unwrap());
    std::fs::write(model_dir.join("vmaf_v0.6.1.onnx.sigstore.json"), format!("{{\"digest\":\"{digest}\"}}")).unwrap();
    let cosign = write_fake(root.path(), mode);
    (root, model_dir, cosign)
}

fn run_verify(model_dir: &Path, cosign: &Path, id: &str) -> std::process::Output {
    Command::new(BIN)
        .args(["models", "verify", id, "--model-dir"])
        .arg(model_dir)
        .arg("--cosign")
        .arg(cosign)
        .output()
        .unwrap()
}

#[test]
fn cli_verify_passes_with_a_good_bundle() {
    let (root, model_dir, cosign) = cli_setup(Fake::CheckDigest);
    let out = run_verify(&model_dir, &cosign, "vmaf_v0.6.1");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("verified vmaf_v0.6.1"));
    let seen = std::fs::read(root.path().join("seen.bin")).unwrap();
    assert_eq!(seen, tinyvmaf_gpu::model::embedded("vmaf_v0.6.1").unwrap().onnx);
}

#[test]
fn cli_verify_fails_with_a_corrupted_bundle() {
    let (_root, model_dir, cosign) = cli_setup(Fake::CheckDigest);
    let bundle = model_dir.join("vmaf_v0.6.1.onnx.sigstore.json");
    let mut bytes = std::fs::read(&bundle).unwrap();
    bytes[12] = if bytes[12] == b'0' { b'1' } else { b'0' };
    std::fs::write(&bundle, bytes).unwrap();
    let out = run_verify(&model_dir, &cosign, "vmaf_v0.6.1");
    assert_eq!(out.status.code(), Some(24), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("signature mismatch"));
}

#[test]
fn cli_exit_codes_per_refusal() {
    let (root, model_dir, cosign) = cli_setup(Fake::Accept);
    assert_eq!(run_verify(&model_dir, &cosign, "no_such_model").status.code(), Some(20));
    assert_eq!(run_verify(&model_dir, &root.path().join("nope"), "vmaf_v0.6.1").status.code(), Some(23));
    let empty = root.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert_eq!(run_verify(&empty, &cosign, "vmaf_v0.6.1").status.code(), Some(22));
    // Missing cosign with no --cosign: an empty PATH and no TINYVMAF_COSIGN.
    let out = Command::new(BIN)
        .args(["models", "verify", "vmaf_v0.6.1", "--model-dir"])
        .arg(&model_dir)
        .env("PATH", "")
        .env_remove("TINYVMAF_COSIGN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(23));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cosign not found"));
}

#[test]
fn cli_eval_with_verify_refuses_before_loading() {
    let (_root, model_dir, _) = cli_setup(Fake::Accept);
    let rejecting = tempfile::tempdir().unwrap();
    let cosign = write_fake(rejecting.path(), Fake::Reject);
    let features = model_dir.join("rows.json");
    std::fs::write(&features, "[[0.9,0.5,0.8,0.9,0.95,3.0]]").unwrap();
    let out = Command::new(BIN)
        .args(["models", "eval", "vmaf_v0.6.1", "--tiny-model-verify", "--features"])
        .arg(&features)
        .arg("--model-dir")
        .arg(&model_dir)
        .arg("--cosign")
        .arg(&cosign)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(24), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "a score was printed despite the refusal");
}
