//! `--verifier builtin`: real Sigstore bundles (tests/data/sigstore, see its
//! README.md for provenance) verified in process, each refusal with its own
//! error variant and exit code; the digest pre-check; the CLI without cosign;
//! and a cross-check of every case against sigstore-python.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use serde_json::Value;

use tinyvmaf_gpu::registry::ModelEntry;
use tinyvmaf_gpu::verify::builtin::{self, Policy, TrustRoot};
use tinyvmaf_gpu::verify::{self, CosignOptions, Provenance, VerifierKind, VerifyError, VerifyOptions};

const BIN: &str = env!("CARGO_BIN_EXE_tinyvmaf-gpu");

const BLOB_IDENTITY: &str = "w.vollprecht@gmail.com";
const BLOB_ISSUER: &str = "https://github.com/login/oauth";
const CONDA_IDENTITY: &str =
    "https://github.com/prefix-dev/sigstore-example/.github/workflows/action.yaml@refs/heads/main";
const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
const STAGING_IDENTITY: &str = "jku@goto.fi";

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigstore")
}

fn data(name: &str) -> Vec<u8> {
    std::fs::read(data_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Decodes the base64 string at `pointer`, lets `f` change the bytes, re-encodes.
fn edit_b64(bundle: &[u8], pointer: &str, f: impl FnOnce(&mut [u8])) -> Vec<u8> {
    let mut doc: Value = serde_json::from_slice(bundle).unwrap();
    let slot = doc.pointer_mut(pointer).unwrap_or_else(|| panic!("no {pointer}"));
    let mut raw = b64().decode(slot.as_str().unwrap()).unwrap();
    f(&mut raw);
    *slot = Value::String(b64().encode(raw));
    serde_json::to_vec(&doc).unwrap()
}

/// Flips the last byte: in a DER ECDSA signature that changes `s` and keeps the
/// encoding valid, so what fails is the signature itself.
fn flip_last(raw: &mut [u8]) {
    *raw.last_mut().unwrap() ^= 0x01;
}

/// Drops the RFC 3161 timestamp, leaving the SET as the only signing time.
fn without_tsa(bundle: &[u8]) -> Vec<u8> {
    let mut doc: Value = serde_json::from_slice(bundle).unwrap();
    doc["verificationMaterial"].as_object_mut().unwrap().remove("timestampVerificationData");
    serde_json::to_vec(&doc).unwrap()
}

fn one_byte_changed(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes[0] ^= 0x20;
    bytes
}

/// The public-good root with its Fulcio CAs swapped for staging's: the Rekor
/// key still authenticates the log entry, but no trusted CA issued the leaf.
fn root_without_public_fulcio() -> String {
    let mut root: Value = serde_json::from_slice(&data("public_good_trusted_root.json")).unwrap();
    let staging: Value = serde_json::from_slice(&data("staging_trusted_root.json")).unwrap();
    root["certificateAuthorities"] = staging["certificateAuthorities"].clone();
    serde_json::to_string(&root).unwrap()
}

#[derive(Clone)]
enum Root {
    /// The root embedded in sigstore-trust-root (sigstore-python: its own embedded production root).
    PublicGood,
    /// A trusted_root.json (`--trusted-root`; sigstore-python: `--trust-config`).
    File(String),
}

/// What builtin must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Pass,
    DigestMismatch,
    IdentityMismatch,
    IssuerMismatch,
    CertificateUntrusted,
    LogProofInvalid,
    SignatureInvalid,
}

impl Expect {
    fn matches(self, result: &Result<builtin::Outcome, VerifyError>) -> bool {
        matches!(
            (self, result),
            (Expect::Pass, Ok(_))
                | (Expect::DigestMismatch, Err(VerifyError::BundleDigestMismatch { .. }))
                | (Expect::IdentityMismatch, Err(VerifyError::IdentityMismatch { .. }))
                | (Expect::IssuerMismatch, Err(VerifyError::IssuerMismatch { .. }))
                | (Expect::CertificateUntrusted, Err(VerifyError::CertificateUntrusted { .. }))
                | (Expect::LogProofInvalid, Err(VerifyError::LogProofInvalid { .. }))
                | (Expect::SignatureInvalid, Err(VerifyError::SignatureInvalid { .. }))
        )
    }

    fn exit_code(self) -> Option<u8> {
        match self {
            Expect::Pass => None,
            Expect::DigestMismatch => Some(40),
            Expect::IdentityMismatch => Some(41),
            Expect::IssuerMismatch => Some(42),
            Expect::CertificateUntrusted => Some(43),
            Expect::LogProofInvalid => Some(44),
            Expect::SignatureInvalid => Some(46),
        }
    }
}

/// One verification: also run through sigstore-python, so identities are exact strings.
struct Case {
    name: &'static str,
    artifact: Vec<u8>,
    bundle: Vec<u8>,
    identity: &'static str,
    issuer: &'static str,
    root: Root,
    expect: Expect,
}

fn cases() -> Vec<Case> {
    let blob = data("cosign-v3-blob.txt");
    let blob_bundle = data("cosign-v3-blob.sigstore.json");
    let conda = data("signed-package-2.1.0-hb0f4dca_0.conda");
    let conda_bundle = data("conda-attestation.sigstore.json");
    let staging = data("staging-rekor-v2.txt");
    let staging_bundle = data("staging-rekor-v2.txt.sigstore.json");
    let staging_root = String::from_utf8(data("staging_trusted_root.json")).unwrap();
    let public_root_file = String::from_utf8(data("public_good_trusted_root.json")).unwrap();
    let proof = "/verificationMaterial/tlogEntries/0/inclusionProof/hashes/0";
    let set = "/verificationMaterial/tlogEntries/0/inclusionPromise/signedEntryTimestamp";
    let blob_case = |name, artifact: &Vec<u8>, bundle: Vec<u8>, identity, issuer, expect| Case {
        name,
        artifact: artifact.clone(),
        bundle,
        identity,
        issuer,
        root: Root::PublicGood,
        expect,
    };
    vec![
        blob_case("blob: right artifact and identity", &blob, blob_bundle.clone(), BLOB_IDENTITY, BLOB_ISSUER, Expect::Pass),
        blob_case(
            "blob: one byte of the artifact changed",
            &one_byte_changed(blob.clone()),
            blob_bundle.clone(),
            BLOB_IDENTITY,
            BLOB_ISSUER,
            Expect::DigestMismatch,
        ),
        blob_case("blob: wrong identity", &blob, blob_bundle.clone(), "someone.else@gmail.com", BLOB_ISSUER, Expect::IdentityMismatch),
        blob_case("blob: wrong issuer", &blob, blob_bundle.clone(), BLOB_IDENTITY, "https://accounts.google.com", Expect::IssuerMismatch),
        blob_case(
            "blob: inclusion proof hash altered",
            &blob,
            edit_b64(&blob_bundle, proof, |h| h[0] ^= 0x01),
            BLOB_IDENTITY,
            BLOB_ISSUER,
            Expect::LogProofInvalid,
        ),
        blob_case(
            "blob: signed entry timestamp (SET) altered",
            &blob,
            edit_b64(&blob_bundle, set, flip_last),
            BLOB_IDENTITY,
            BLOB_ISSUER,
            Expect::LogProofInvalid,
        ),
        // The RFC 3161 timestamp is over the signature, so an altered signature
        // first breaks the timestamp (log/time evidence, 44) ...
        blob_case(
            "blob: signature altered",
            &blob,
            edit_b64(&blob_bundle, "/messageSignature/signature", flip_last),
            BLOB_IDENTITY,
            BLOB_ISSUER,
            Expect::LogProofInvalid,
        ),
        // ... and, with the SET as the only signing time, the signature check itself (46).
        blob_case("blob: RFC 3161 timestamp removed (SET alone)", &blob, without_tsa(&blob_bundle), BLOB_IDENTITY, BLOB_ISSUER, Expect::Pass),
        blob_case(
            "blob: signature altered, no RFC 3161 timestamp",
            &blob,
            edit_b64(&without_tsa(&blob_bundle), "/messageSignature/signature", flip_last),
            BLOB_IDENTITY,
            BLOB_ISSUER,
            Expect::SignatureInvalid,
        ),
        Case {
            name: "blob: Fulcio CA not in the trusted root",
            artifact: blob.clone(),
            bundle: blob_bundle.clone(),
            identity: BLOB_IDENTITY,
            issuer: BLOB_ISSUER,
            root: Root::File(root_without_public_fulcio()),
            expect: Expect::CertificateUntrusted,
        },
        Case {
            name: "blob: --trusted-root with the public-good root file",
            artifact: blob.clone(),
            bundle: blob_bundle.clone(),
            identity: BLOB_IDENTITY,
            issuer: BLOB_ISSUER,
            root: Root::File(public_root_file),
            expect: Expect::Pass,
        },
        Case {
            name: "DSSE: right artifact and identity",
            artifact: conda.clone(),
            bundle: conda_bundle.clone(),
            identity: CONDA_IDENTITY,
            issuer: GITHUB_ISSUER,
            root: Root::PublicGood,
            expect: Expect::Pass,
        },
        Case {
            name: "DSSE: one byte of the artifact changed",
            artifact: one_byte_changed(conda.clone()),
            bundle: conda_bundle.clone(),
            identity: CONDA_IDENTITY,
            issuer: GITHUB_ISSUER,
            root: Root::PublicGood,
            expect: Expect::DigestMismatch,
        },
        Case {
            name: "DSSE: wrong identity (other workflow ref)",
            artifact: conda.clone(),
            bundle: conda_bundle.clone(),
            identity: "https://github.com/prefix-dev/sigstore-example/.github/workflows/action.yaml@refs/tags/v1.0.0",
            issuer: GITHUB_ISSUER,
            root: Root::PublicGood,
            expect: Expect::IdentityMismatch,
        },
        Case {
            name: "DSSE: envelope signature altered",
            artifact: conda.clone(),
            bundle: edit_b64(&conda_bundle, "/dsseEnvelope/signatures/0/sig", flip_last),
            identity: CONDA_IDENTITY,
            issuer: GITHUB_ISSUER,
            root: Root::PublicGood,
            expect: Expect::SignatureInvalid,
        },
        Case {
            name: "private root: staging bundle with --trusted-root staging",
            artifact: staging.clone(),
            bundle: staging_bundle.clone(),
            identity: STAGING_IDENTITY,
            issuer: BLOB_ISSUER,
            root: Root::File(staging_root),
            expect: Expect::Pass,
        },
        Case {
            name: "private root: staging bundle with the public-good root",
            artifact: staging,
            bundle: staging_bundle,
            identity: STAGING_IDENTITY,
            issuer: BLOB_ISSUER,
            root: Root::PublicGood,
            expect: Expect::LogProofInvalid,
        },
    ]
}

fn trust_root(root: &Root) -> TrustRoot {
    match root {
        Root::PublicGood => TrustRoot::public_good().unwrap(),
        Root::File(json) => TrustRoot::from_json(json).unwrap(),
    }
}

fn run_builtin(case: &Case) -> Result<builtin::Outcome, VerifyError> {
    let policy = Policy::exact(case.identity, case.issuer);
    builtin::verify_bytes(&case.artifact, &case.bundle, &policy, &trust_root(&case.root))
}

#[test]
fn every_case_gives_its_own_answer() {
    let mut wrong = Vec::new();
    for case in cases() {
        let result = run_builtin(&case);
        let code = result.as_ref().err().map(VerifyError::exit_code);
        println!("{:<55} {:?} -> {}", case.name, case.expect, match &result {
            Ok(o) => format!("ok ({} / {})", o.identity, o.issuer),
            Err(e) => format!("exit {}: {e}", e.exit_code()),
        });
        if !case.expect.matches(&result) || code != case.expect.exit_code() {
            wrong.push(format!("{}: expected {:?}, got {result:?}", case.name, case.expect));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_outcome_names_the_signer() {
    let outcome = builtin::verify_bytes(
        &data("signed-package-2.1.0-hb0f4dca_0.conda"),
        &data("conda-attestation.sigstore.json"),
        &Policy::exact(CONDA_IDENTITY, GITHUB_ISSUER),
        &TrustRoot::public_good().unwrap(),
    )
    .unwrap();
    assert_eq!(outcome.identity, CONDA_IDENTITY);
    assert_eq!(outcome.issuer, GITHUB_ISSUER);
    assert!(outcome.integrated_time.is_some());
}

#[test]
fn identity_regexp_is_anchored_and_matched_on_the_san() {
    let root = TrustRoot::public_good().unwrap();
    let artifact = data("signed-package-2.1.0-hb0f4dca_0.conda");
    let bundle = data("conda-attestation.sigstore.json");
    let check = |re: &str| builtin::verify_bytes(&artifact, &bundle, &Policy::regexp(re, GITHUB_ISSUER).unwrap(), &root);
    // The project's own policy shape: a workflow in one repository.
    check(r"https://github\.com/prefix-dev/sigstore-example/\.github/workflows/action\.yaml@refs/heads/.*").unwrap();
    check(r"^https://github\.com/prefix-dev/.*$").unwrap();
    // Unanchored prefixes and suffixes do not match a longer SAN.
    for re in [r"https://github\.com/prefix-dev/", r"sigstore-example", r"action\.yaml@refs/heads/mai"] {
        let err = check(re).unwrap_err();
        assert!(
            matches!(&err, VerifyError::IdentityMismatch { expected, found, .. }
                if expected.starts_with("^(?:") && found == CONDA_IDENTITY),
            "{re}: {err}"
        );
        assert_eq!(err.exit_code(), 41);
    }
    // The tag policy the release workflow signs under does not accept a branch build.
    let err = check(r"https://github\.com/prefix-dev/sigstore-example/\.github/workflows/action\.yaml@refs/tags/v[0-9]+\.[0-9]+\.[0-9]+")
        .unwrap_err();
    assert!(matches!(err, VerifyError::IdentityMismatch { .. }), "{err}");
    // An exact identity is escaped: its dots are not wildcards.
    let dotted = CONDA_IDENTITY.replace("github.com", "githubXcom");
    let err = builtin::verify_bytes(&artifact, &bundle, &Policy::exact(&dotted, GITHUB_ISSUER), &root).unwrap_err();
    assert!(matches!(err, VerifyError::IdentityMismatch { .. }), "{err}");
    // A broken expression is refused before anything runs.
    assert!(Policy::regexp("(unclosed", GITHUB_ISSUER).is_err());
}

/// A bundle for other bytes whose every other part is garbage: if any
/// certificate, log or signature code ran first, the answer would be
/// "malformed" (as it is below for the same garbage signing our bytes).
#[test]
fn digest_precheck_refuses_before_any_cryptography() {
    let artifact = data("cosign-v3-blob.txt");
    let ours = b64().encode(sha2_256(&artifact));
    let other = b64().encode(sha2_256(b"some other model"));
    let garbage = |digest: &str| {
        serde_json::to_vec(&serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": { "certificate": { "rawBytes": "bm90IGEgY2VydGlmaWNhdGU=" }, "tlogEntries": [] },
            "messageSignature": {
                "messageDigest": { "algorithm": "SHA2_256", "digest": digest },
                "signature": "bm90IGEgc2lnbmF0dXJl"
            }
        }))
        .unwrap()
    };
    let policy = Policy::exact(BLOB_IDENTITY, BLOB_ISSUER);
    let root = TrustRoot::public_good().unwrap();

    let err = builtin::verify_bytes(&artifact, &garbage(&other), &policy, &root).unwrap_err();
    assert!(
        matches!(&err, VerifyError::BundleDigestMismatch { expected, signed, .. }
            if *expected == hex(&sha2_256(&artifact)) && *signed == hex(&sha2_256(b"some other model"))),
        "{err}"
    );
    assert_eq!(err.exit_code(), 40);
    assert!(err.to_string().contains("signs sha256"), "{err}");

    // Control: the same garbage signing our digest gets past the pre-check and is
    // refused by sigstore-verify for what it is (no inclusion proof).
    let err = builtin::verify_bytes(&artifact, &garbage(&ours), &policy, &root).unwrap_err();
    assert!(matches!(err, VerifyError::LogProofInvalid { .. }), "{err}");

    // The same for a DSSE statement about other bytes.
    let mut doc: Value = serde_json::from_slice(&data("conda-attestation.sigstore.json")).unwrap();
    doc["verificationMaterial"] = serde_json::json!({});
    let err = builtin::verify_bytes(&artifact, &serde_json::to_vec(&doc).unwrap(), &policy, &root).unwrap_err();
    assert!(matches!(err, VerifyError::BundleDigestMismatch { .. }), "{err}");
}

#[test]
fn malformed_bundles_are_refused_as_such() {
    let artifact = data("cosign-v3-blob.txt");
    let policy = Policy::exact(BLOB_IDENTITY, BLOB_ISSUER);
    let root = TrustRoot::public_good().unwrap();
    let mut no_digest: Value = serde_json::from_slice(&data("cosign-v3-blob.sigstore.json")).unwrap();
    no_digest["messageSignature"].as_object_mut().unwrap().remove("messageDigest");
    let mut sha512: Value = serde_json::from_slice(&data("cosign-v3-blob.sigstore.json")).unwrap();
    sha512["messageSignature"]["messageDigest"]["algorithm"] = "SHA2_512".into();
    let mut no_tlog: Value = serde_json::from_slice(&data("cosign-v3-blob.sigstore.json")).unwrap();
    no_tlog["verificationMaterial"]["tlogEntries"] = serde_json::json!([]);
    no_tlog["verificationMaterial"].as_object_mut().unwrap().remove("timestampVerificationData");
    for (what, bundle, code) in [
        ("not JSON", b"{".to_vec(), 45),
        ("no content", b"{}".to_vec(), 45),
        ("no messageDigest", serde_json::to_vec(&no_digest).unwrap(), 45),
        ("not sha256", serde_json::to_vec(&sha512).unwrap(), 45),
        ("no log entry, no timestamp", serde_json::to_vec(&no_tlog).unwrap(), 44),
    ] {
        let err = builtin::verify_bytes(&artifact, &bundle, &policy, &root).unwrap_err();
        assert_eq!(err.exit_code(), code, "{what}: {err}");
    }
}

#[test]
fn a_bad_trusted_root_is_refused_at_load() {
    let err = TrustRoot::from_json("{\"mediaType\": 1}").unwrap_err();
    assert!(matches!(err, VerifyError::TrustRootInvalid { .. }), "{err}");
    assert_eq!(err.exit_code(), 47);
    let err = TrustRoot::from_file(Path::new("/no/such/trusted_root.json")).unwrap_err();
    assert_eq!(err.exit_code(), 47);
    let root = TrustRoot::from_file(&data_dir().join("staging_trusted_root.json")).unwrap();
    assert!(root.source().ends_with("staging_trusted_root.json"));
}

// --- the registry-shaped API: pin, bundle path, then the builtin verifier ---

/// A registry entry over `artifact`, its bundle in a folder with a hostile name.
fn entry_setup(artifact: &[u8], bundle: &[u8], sigstore_bundle: &str) -> (tempfile::TempDir, ModelEntry, VerifyOptions) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("a b;$(touch x)");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("m 1.onnx.sigstore.json"), bundle).unwrap();
    let entry: ModelEntry = serde_json::from_value(serde_json::json!({
        "id": "m1", "kind": "fr", "onnx": "m 1.onnx", "sha256": hex(&sha2_256(artifact)), "opset": 17,
        "sigstore_bundle": sigstore_bundle
    }))
    .unwrap();
    let options = VerifyOptions {
        verifier: VerifierKind::Builtin,
        cosign: CosignOptions {
            cosign: Some(PathBuf::from("/nonexistent/cosign")),
            model_dir: dir,
            identity_regexp: r".*@gmail\.com".into(),
            oidc_issuer: BLOB_ISSUER.into(),
            ..CosignOptions::default()
        },
        trusted_root: None,
    };
    (root, entry, options)
}

#[test]
fn verify_entry_with_builtin_gives_signed_provenance() {
    let artifact = data("cosign-v3-blob.txt");
    let (_root, entry, options) = entry_setup(&artifact, &data("cosign-v3-blob.sigstore.json"), "m 1.onnx.sigstore.json");
    let provenance = verify::verify_entry(&entry, &artifact, &options).unwrap();
    assert_eq!(
        provenance,
        Provenance::SignedBuiltin {
            bundle: options.cosign.model_dir.join("m 1.onnx.sigstore.json"),
            identity_regexp: r"^(?:.*@gmail\.com)$".into(),
            oidc_issuer: BLOB_ISSUER.into(),
            identity: BLOB_IDENTITY.into(),
            trust_root: "sigstore public-good (embedded)".into(),
        }
    );
    // The same with the root given as a file.
    let mut options = options;
    options.trusted_root = Some(data_dir().join("public_good_trusted_root.json"));
    assert!(matches!(verify::verify_entry(&entry, &artifact, &options), Ok(Provenance::SignedBuiltin { .. })));
}

#[test]
fn verify_entry_with_builtin_refusals_in_order() {
    let artifact = data("cosign-v3-blob.txt");
    let bundle = data("cosign-v3-blob.sigstore.json");
    // Bytes that are not the pinned ones never reach the bundle.
    let (_root, entry, options) = entry_setup(&artifact, b"not even JSON", "m 1.onnx.sigstore.json");
    let err = verify::verify_entry(&entry, &one_byte_changed(artifact.clone()), &options).unwrap_err();
    assert_eq!(err.exit_code(), 21, "{err}");
    // Path tricks in the registry's bundle path are refused before any read.
    for trick in ["../m 1.onnx.sigstore.json", "/etc/passwd", "a\\..\\b", ""] {
        let (_root, entry, options) = entry_setup(&artifact, &bundle, trick);
        let err = verify::verify_entry(&entry, &artifact, &options).unwrap_err();
        assert!(matches!(err, VerifyError::BundleMissing { .. }), "{trick:?}: {err}");
    }
    // A folder where the bundle should be.
    let (_root, entry, options) = entry_setup(&artifact, &bundle, "sub");
    std::fs::create_dir_all(options.cosign.model_dir.join("sub")).unwrap();
    let err = verify::verify_entry(&entry, &artifact, &options).unwrap_err();
    assert!(matches!(&err, VerifyError::BundleMissing { reason, .. } if reason.contains("regular file")), "{err}");
    // A bundle larger than the cap.
    let (_root, entry, options) = entry_setup(&artifact, &vec![b' '; builtin::MAX_BUNDLE_BYTES as usize + 1], "m 1.onnx.sigstore.json");
    let err = verify::verify_entry(&entry, &artifact, &options).unwrap_err();
    assert!(matches!(err, VerifyError::BundleMalformed { .. }), "{err}");
    // A cosign-2 legacy bundle is named as such.
    let legacy = br#"{"base64Signature":"AAAA","cert":"AAAA","rekorBundle":{}}"#;
    let (_root, entry, options) = entry_setup(&artifact, legacy, "m 1.onnx.sigstore.json");
    let err = verify::verify_entry(&entry, &artifact, &options).unwrap_err();
    assert!(matches!(&err, VerifyError::BundleMalformed { reason, .. } if reason.contains("new-bundle-format")), "{err}");
    // Wrong identity through the options' regexp.
    let (_root, entry, mut options) = entry_setup(&artifact, &bundle, "m 1.onnx.sigstore.json");
    options.cosign.identity_regexp = verify::exact_identity_regexp("w.vollprecht@gmail.co");
    let err = verify::verify_entry(&entry, &artifact, &options).unwrap_err();
    assert_eq!(err.exit_code(), 41, "{err}");
    // The cosign path with the same options still wants cosign: the choice is honoured.
    options.verifier = VerifierKind::Cosign;
    let err = verify::verify_entry(&entry, &artifact, &options).unwrap_err();
    assert_eq!(err.exit_code(), 23, "{err}");
}

// --- through the binary ---

fn model_dir_with_bundle(bundle: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vmaf_v0.6.1.onnx.sigstore.json"), bundle).unwrap();
    dir
}

fn tinyvmaf(args: &[&str], model_dir: &Path) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .arg("--model-dir")
        .arg(model_dir)
        .env("PATH", "")
        .env_remove("TINYVMAF_COSIGN")
        .output()
        .unwrap()
}

#[test]
fn cli_builtin_needs_no_cosign() {
    // A real bundle, but for other bytes: the builtin path's digest refusal, with no cosign anywhere.
    let dir = model_dir_with_bundle(&data("cosign-v3-blob.sigstore.json"));
    let out = tinyvmaf(&["models", "verify", "vmaf_v0.6.1", "--verifier", "builtin"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(40), "{stderr}");
    assert!(stderr.contains("signs sha256 e194b99d"), "{stderr}");
    assert!(!stderr.contains("cosign"), "{stderr}");

    // The default verifier, same setup: cosign is missing, and the hint names the builtin one.
    let out = tinyvmaf(&["models", "verify", "vmaf_v0.6.1"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(23), "{stderr}");
    assert!(stderr.contains("--verifier builtin"), "{stderr}");
}

#[test]
fn cli_builtin_exit_codes() {
    let empty = tempfile::tempdir().unwrap();
    let out = tinyvmaf(&["models", "verify", "vmaf_v0.6.1", "--verifier", "builtin"], empty.path());
    assert_eq!(out.status.code(), Some(22), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = model_dir_with_bundle(b"{ not json");
    let out = tinyvmaf(&["models", "verify", "vmaf_v0.6.1", "--verifier", "builtin"], dir.path());
    assert_eq!(out.status.code(), Some(45), "{}", String::from_utf8_lossy(&out.stderr));
    let out = tinyvmaf(
        &["models", "verify", "vmaf_v0.6.1", "--verifier", "builtin", "--trusted-root", "/no/such/root.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(47), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn cli_eval_with_builtin_refuses_before_loading() {
    let dir = model_dir_with_bundle(&data("conda-attestation.sigstore.json"));
    let features = dir.path().join("rows.json");
    std::fs::write(&features, "[[0.9,0.5,0.8,0.9,0.95,3.0]]").unwrap();
    let out = tinyvmaf(
        &["models", "eval", "vmaf_v0.6.1", "--tiny-model-verify", "--verifier", "builtin", "--features", features.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(40), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "a score was printed despite the refusal");
}

#[test]
fn cli_score_accepts_the_verifier_flags() {
    let out = Command::new(BIN).args(["score", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--verifier", "--trusted-root", "--certificate-identity "] {
        assert!(help.contains(flag), "score --help lacks {flag}");
    }
}

#[test]
fn cli_verify_all_reports_every_entry() {
    // vmaf_v0.6.1 gets a bundle for other bytes; the others have none.
    let dir = model_dir_with_bundle(&data("cosign-v3-blob.sigstore.json"));
    let out = tinyvmaf(&["models", "verify", "--all", "--verifier", "builtin", "--json"], dir.path());
    assert_ne!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("--json prints JSON even when models fail");
    assert_eq!(doc["verifier"], "builtin");
    let rows = doc["models"].as_array().unwrap();
    let registry = tinyvmaf_gpu::registry::embedded();
    assert_eq!(rows.len(), registry.models.len());
    assert_eq!(doc["failed"], rows.len());
    for row in rows {
        let id = row["id"].as_str().unwrap();
        assert_eq!(row["ok"], false, "{row}");
        let (present, code) = if id == "vmaf_v0.6.1" { (true, 40) } else { (false, 22) };
        assert_eq!(row["bundle_present"], present, "{row}");
        assert_eq!(row["exit_code"], code, "{row}");
    }
    // The process fails with the first failing entry's code (registry order).
    let first = rows[0]["exit_code"].as_u64().unwrap();
    assert_eq!(out.status.code(), Some(first as i32));

    let out = tinyvmaf(&["models", "verify", "--all", "--verifier", "builtin"], dir.path());
    let table = String::from_utf8_lossy(&out.stdout);
    let header = table.lines().next().unwrap();
    for column in ["ID", "BUNDLE", "VERIFIER", "RESULT"] {
        assert!(header.contains(column), "{table}");
    }
    assert_eq!(table.lines().count(), 1 + registry.models.len(), "{table}");
    assert!(table.lines().any(|l| l.starts_with("vmaf_v0.6.1 ") && l.contains("yes") && l.contains("FAIL (40)")), "{table}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("models failed verification"));

    // `ID` and `--all` exclude each other; one of them is required.
    let out = tinyvmaf(&["models", "verify", "vmaf_v0.6.1", "--all"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let out = tinyvmaf(&["models", "verify"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

// --- independent cross-check: sigstore-python ---

/// `$TINYVMAF_SIGSTORE_PYTHON` (an interpreter with `sigstore` installed), else `python3`.
fn sigstore_python() -> Result<String, String> {
    let python = std::env::var("TINYVMAF_SIGSTORE_PYTHON").unwrap_or_else(|_| "python3".into());
    match Command::new(&python).args(["-c", "import sigstore; print(sigstore.__version__)"]).output() {
        Ok(out) if out.status.success() => Ok(python),
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            Err(format!("{python}: no `sigstore` module ({})", stderr.lines().last().unwrap_or("").trim()))
        }
        Err(e) => Err(format!("{python}: {e}")),
    }
}

fn run_sigstore_python(python: &str, case: &Case, dir: &Path) -> (bool, String) {
    let artifact = dir.join("artifact");
    let bundle = dir.join("artifact.sigstore.json");
    std::fs::write(&artifact, &case.artifact).unwrap();
    std::fs::write(&bundle, &case.bundle).unwrap();
    let mut cmd = Command::new(python);
    cmd.args(["-m", "sigstore"]);
    if let Root::File(json) = &case.root {
        // sigstore-python takes a client trust config: the same trusted root, no signing services.
        let config = serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
            "trustedRoot": serde_json::from_str::<Value>(json).unwrap(),
            "signingConfig": {
                "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
                "caUrls": [], "oidcUrls": [], "rekorTlogUrls": [], "tsaUrls": [],
                "rekorTlogConfig": { "selector": "ANY" }, "tsaConfig": { "selector": "ANY" }
            }
        });
        let path = dir.join("trust_config.json");
        std::fs::write(&path, serde_json::to_vec(&config).unwrap()).unwrap();
        cmd.arg("--trust-config").arg(&path);
    }
    cmd.args(["verify", "identity", "--offline", "--bundle"])
        .arg(&bundle)
        .args(["--cert-identity", case.identity, "--cert-oidc-issuer", case.issuer])
        .arg(&artifact);
    // One log record per line, so the reason can be picked out of rich's layout.
    let out = cmd.env("COLUMNS", "1000").env("TERM", "dumb").output().unwrap();
    (out.status.success(), python_reason(&String::from_utf8_lossy(&out.stderr)))
}

/// sigstore-python's reason for a failure, without log decoration.
fn python_reason(stderr: &str) -> String {
    let mut parts = Vec::new();
    for line in stderr.lines() {
        let mut text = line.trim();
        if let Some(rest) = text.strip_prefix('[').and_then(|t| t.split_once(']')) {
            text = rest.1.trim();
        }
        for level in ["ERROR", "WARNING", "INFO"] {
            if let Some(rest) = text.strip_prefix(level) {
                text = rest.trim();
            }
        }
        if let Some((message, origin)) = text.rsplit_once(' ')
            && origin.contains(".py:")
        {
            text = message.trim();
        }
        if text.is_empty()
            || text.starts_with("FAIL:")
            || text.starts_with("OK:")
            || text.contains("offline mode")
            || text.contains("will not be performed")
            || text.contains("--verbose")
            || text.starts_with("For detailed")
        {
            continue;
        }
        parts.push(text.to_owned());
    }
    let reason = parts.join(" ");
    match reason.char_indices().nth(160) {
        Some((cut, _)) => format!("{}…", &reason[..cut]),
        None => reason,
    }
}

#[test]
fn sigstore_python_agrees_on_every_case() {
    let python = match sigstore_python() {
        Ok(python) => python,
        Err(reason) => {
            println!("SKIPPED sigstore_python_agrees_on_every_case: {reason}; `pip install sigstore` (or set TINYVMAF_SIGSTORE_PYTHON) to run it");
            return;
        }
    };
    let mut disagreements = Vec::new();
    for case in cases() {
        let dir = tempfile::tempdir().unwrap();
        let builtin = run_builtin(&case);
        let (python_ok, python_says) = run_sigstore_python(&python, &case, dir.path());
        println!(
            "| {} | {} | {} |",
            case.name,
            match &builtin {
                Ok(_) => "pass".to_owned(),
                Err(e) => format!("fail (exit {})", e.exit_code()),
            },
            if python_ok { "pass".to_owned() } else { format!("fail: {python_says}") }
        );
        if builtin.is_ok() != python_ok {
            disagreements.push(format!("{}: builtin {builtin:?}, sigstore-python ok={python_ok} {python_says}", case.name));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

fn sha2_256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A document that is not a trusted root (`{"mediaType":"x"}` used to load), or one
/// with nothing to verify against, is refused when loaded: exit 47.
#[test]
fn a_trusted_root_of_another_type_or_with_no_authorities_is_refused() {
    for json in [
        r#"{"mediaType":"x"}"#,
        r#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#,
    ] {
        let err = TrustRoot::from_json(json).unwrap_err();
        assert_eq!(err.exit_code(), 47, "{json}: {err}");
    }
    assert!(TrustRoot::from_json(&String::from_utf8(data("public_good_trusted_root.json")).unwrap()).is_ok());
}
