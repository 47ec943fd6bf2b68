//! `--verifier builtin`: Sigstore bundle verification in this process, on the
//! bytes we already hold (no temp file, no second read, no `cosign`).
//!
//! Order, each step failing with its own [`VerifyError`] variant:
//!
//! 1. Parse the bundle as plain JSON and compare the digest it signs
//!    (`messageSignature.messageDigest` or, for DSSE bundles, the in-toto
//!    subjects' sha256) with the sha256 we expect. A bundle for other bytes is
//!    refused here, before any certificate, log or signature code runs.
//! 2. Hand the bundle, the bytes, the OIDC issuer and the trusted root to
//!    `sigstore-verify`: certificate chain to Fulcio at the signing time, SCT,
//!    issuer, Rekor inclusion proof + checkpoint + SET, signature, log-entry
//!    consistency.
//! 3. Match the (now trusted) certificate's SAN against the anchored identity
//!    regular expression. `sigstore-verify` only matches identities exactly,
//!    so this step is ours.

use std::path::Path;

use base64::Engine as _;
use regex::Regex;
use sha2::{Digest, Sha256};
use sigstore_verify::trust_root::{SigstoreInstance, TrustedRoot};
use sigstore_verify::types::Bundle;
use sigstore_verify::{CertificateError, Error as SigstoreError, VerificationPolicy};

use super::{anchor_regexp, VerifyError};

/// The largest bundle we read: real ones are a few KiB.
pub const MAX_BUNDLE_BYTES: u64 = 4 * 1024 * 1024;

/// Who may have signed, and which OIDC issuer must have vouched for them.
#[derive(Debug, Clone)]
pub struct Policy {
    identity: Regex,
    issuer: String,
}

impl Policy {
    /// `identity_regexp` is anchored (`^(?:…)$`) unless it already is, as on the cosign path.
    pub fn regexp(identity_regexp: &str, issuer: &str) -> Result<Self, VerifyError> {
        let anchored = anchor_regexp(identity_regexp);
        let identity = Regex::new(&anchored).map_err(|e| VerifyError::Io {
            id: "identity policy".into(),
            message: format!("invalid certificate identity regexp {anchored:?}: {e}"),
        })?;
        Ok(Policy { identity, issuer: issuer.to_owned() })
    }

    /// Exactly this identity (as an escaped, anchored regular expression).
    pub fn exact(identity: &str, issuer: &str) -> Self {
        let identity = Regex::new(&format!("^{}$", regex::escape(identity))).expect("an escaped literal is a valid regex");
        Policy { identity, issuer: issuer.to_owned() }
    }

    /// The anchored identity expression.
    pub fn identity_regexp(&self) -> &str {
        self.identity.as_str()
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }
}

/// The media type every trusted root declares (then `;version=…`).
const TRUSTED_ROOT_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.trustedroot+json";

/// A Sigstore trusted root (Fulcio CAs, Rekor and CT log keys, TSAs), parsed
/// and checked once when loaded.
pub struct TrustRoot {
    verifier: sigstore_verify::Verifier,
    source: String,
}

impl std::fmt::Debug for TrustRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustRoot").field("source", &self.source).finish_non_exhaustive()
    }
}

impl TrustRoot {
    /// The public-good instance's root as shipped inside `sigstore-trust-root`.
    pub fn public_good() -> Result<Self, VerifyError> {
        let source = "sigstore public-good (embedded)";
        let root = TrustedRoot::from_embedded(SigstoreInstance::PublicGood)
            .map_err(|e| VerifyError::TrustRootInvalid { source_name: source.into(), reason: e.to_string() })?;
        Self::new(&root, source)
    }

    /// A `trusted_root.json` (private Sigstore deployments).
    pub fn from_file(path: &Path) -> Result<Self, VerifyError> {
        let invalid = |reason: String| VerifyError::TrustRootInvalid { source_name: path.display().to_string(), reason };
        // A real trusted root is a few KiB; the jail applies when TINYVMAF_MODEL_DIR is set.
        let bytes = crate::registry::jail::read_confined(path, "trusted root", 1 << 20).map_err(|e| match e {
            crate::registry::jail::JailError::Outside { .. } => VerifyError::OutsideModelDir(e),
            other => invalid(other.to_string()),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| invalid(e.to_string()))?;
        let mut root = Self::from_json(&text).map_err(|e| match e {
            VerifyError::TrustRootInvalid { reason, .. } => invalid(reason),
            other => other,
        })?;
        root.source = path.display().to_string();
        Ok(root)
    }

    pub fn from_json(json: &str) -> Result<Self, VerifyError> {
        let source = "trusted_root.json";
        let root = TrustedRoot::from_json(json)
            .map_err(|e| VerifyError::TrustRootInvalid { source_name: source.into(), reason: e.to_string() })?;
        Self::new(&root, source)
    }

    /// Parses every key and certificate now, so a bad root fails at load time; a
    /// document that is not a trusted root (another media type) or one that could
    /// verify nothing (no certificate authority or no transparency log) is refused.
    fn new(root: &TrustedRoot, source: &str) -> Result<Self, VerifyError> {
        let invalid = |reason: String| VerifyError::TrustRootInvalid { source_name: source.into(), reason };
        if !root.media_type.starts_with(TRUSTED_ROOT_MEDIA_TYPE) {
            return Err(invalid(format!("media type {:?} is not {TRUSTED_ROOT_MEDIA_TYPE}…", root.media_type)));
        }
        if root.certificate_authorities.is_empty() || root.tlogs.is_empty() {
            return Err(invalid("no certificate authority or no transparency log: it can verify nothing".into()));
        }
        let verifier = sigstore_verify::Verifier::new(root)
            .map_err(|e| VerifyError::TrustRootInvalid { source_name: source.into(), reason: e.to_string() })?;
        Ok(TrustRoot { verifier, source: source.to_owned() })
    }

    /// `--trusted-root FILE` if given, else the embedded public-good root.
    pub fn load(path: Option<&Path>) -> Result<Self, VerifyError> {
        match path {
            Some(path) => Self::from_file(path),
            None => Self::public_good(),
        }
    }

    /// Where this root came from, for messages.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The signing certificate's SAN (email or URI).
    pub identity: String,
    /// The certificate's OIDC issuer.
    pub issuer: String,
    /// Rekor's integrated time (RFC 3339), when the log entry carried one.
    pub integrated_time: Option<String>,
}

/// Verifies `bytes` against a Sigstore bundle (`bundle_json`) in memory.
pub fn verify_bytes(bytes: &[u8], bundle_json: &[u8], policy: &Policy, root: &TrustRoot) -> Result<Outcome, VerifyError> {
    let sha256 = hex(&Sha256::digest(bytes));
    let subject = format!("artifact sha256:{}", &sha256[..12]);
    verify_pinned(&subject, bytes, &sha256, bundle_json, policy, root)
}

/// [`verify_bytes`] for bytes already known to hash to `expected_sha256` (a
/// registry pin, re-checked by the caller): the bundle must sign that digest.
pub(crate) fn verify_pinned(
    subject: &str,
    bytes: &[u8],
    expected_sha256: &str,
    bundle_json: &[u8],
    policy: &Policy,
    root: &TrustRoot,
) -> Result<Outcome, VerifyError> {
    precheck_digest(subject, expected_sha256, bundle_json)?;

    let malformed = |reason: String| VerifyError::BundleMalformed { subject: subject.to_owned(), reason };
    let text = std::str::from_utf8(bundle_json).map_err(|e| malformed(format!("not UTF-8: {e}")))?;
    let bundle = Bundle::from_json(text).map_err(|e| malformed(e.to_string()))?;
    // Identity is matched below (regex); the crate matches the issuer exactly and
    // verifies chain, SCT and transparency log (none of them skipped).
    let crate_policy = VerificationPolicy::any_identity().require_issuer(policy.issuer.clone());
    let result = root
        .verifier
        .verify(bytes, &bundle, &crate_policy)
        .map_err(|e| classify(subject, policy, e))?;
    if !(result.certificate_verified() && result.sct_verified() && result.tlog_verified()) {
        return Err(VerifyError::CertificateUntrusted {
            subject: subject.to_owned(),
            reason: "verification finished without checking certificate, SCT and log".into(),
        });
    }
    let found = result.identity().map(|san| san.as_str().to_owned());
    match &found {
        Some(identity) if policy.identity.is_match(identity) => {}
        _ => {
            return Err(VerifyError::IdentityMismatch {
                subject: subject.to_owned(),
                expected: policy.identity.as_str().to_owned(),
                found: found.unwrap_or_else(|| "no email or URI SAN".into()),
            });
        }
    }
    Ok(Outcome {
        identity: found.unwrap_or_default(),
        issuer: result.issuer().unwrap_or_default().to_owned(),
        integrated_time: result.integrated_time().map(|t| t.to_string()),
    })
}

/// Step 1: the digest the bundle signs must be ours. Plain JSON, no crypto.
fn precheck_digest(subject: &str, expected_sha256: &str, bundle_json: &[u8]) -> Result<(), VerifyError> {
    let malformed = |reason: &str| VerifyError::BundleMalformed { subject: subject.to_owned(), reason: reason.to_owned() };
    let doc: serde_json::Value =
        serde_json::from_slice(bundle_json).map_err(|e| malformed(&format!("not JSON: {e}")))?;
    let mismatch = |signed: String| VerifyError::BundleDigestMismatch {
        subject: subject.to_owned(),
        expected: expected_sha256.to_owned(),
        signed,
    };
    if let Some(message) = doc.get("messageSignature") {
        let digest = message.get("messageDigest").ok_or_else(|| malformed("messageSignature has no messageDigest"))?;
        let algorithm = digest.get("algorithm").and_then(|a| a.as_str()).unwrap_or("");
        if algorithm != "SHA2_256" {
            return Err(malformed(&format!("messageDigest algorithm {algorithm:?} is not SHA2_256")));
        }
        let b64 = digest.get("digest").and_then(|d| d.as_str()).ok_or_else(|| malformed("messageDigest has no digest"))?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| malformed(&format!("messageDigest.digest is not base64: {e}")))?;
        let signed = hex(&raw);
        return if signed == expected_sha256 { Ok(()) } else { Err(mismatch(signed)) };
    }
    if let Some(envelope) = doc.get("dsseEnvelope") {
        let payload_type = envelope.get("payloadType").and_then(|p| p.as_str()).unwrap_or("");
        if payload_type != "application/vnd.in-toto+json" {
            return Err(malformed(&format!("DSSE payloadType {payload_type:?} is not in-toto")));
        }
        let b64 = envelope.get("payload").and_then(|p| p.as_str()).ok_or_else(|| malformed("DSSE envelope has no payload"))?;
        let payload = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| malformed(&format!("DSSE payload is not base64: {e}")))?;
        let statement: serde_json::Value =
            serde_json::from_slice(&payload).map_err(|e| malformed(&format!("in-toto statement is not JSON: {e}")))?;
        let subjects = statement
            .get("subject")
            .and_then(|s| s.as_array())
            .ok_or_else(|| malformed("in-toto statement has no subject list"))?;
        let digests: Vec<String> = subjects
            .iter()
            .filter_map(|s| s.get("digest")?.get("sha256")?.as_str())
            .map(str::to_ascii_lowercase)
            .collect();
        if digests.is_empty() {
            return Err(malformed("no in-toto subject has a sha256 digest"));
        }
        return if digests.iter().any(|d| d == expected_sha256) { Ok(()) } else { Err(mismatch(digests.join(","))) };
    }
    if doc.get("base64Signature").is_some() || doc.get("rekorBundle").is_some() {
        return Err(malformed(
            "legacy cosign bundle (cosign 2 `sign-blob --bundle` without --new-bundle-format); \
             re-sign with cosign 3 or --new-bundle-format, or use --verifier cosign",
        ));
    }
    Err(malformed("neither messageSignature nor dsseEnvelope"))
}

/// Maps a `sigstore-verify` refusal onto our variants (and exit codes).
fn classify(subject: &str, policy: &Policy, error: SigstoreError) -> VerifyError {
    use sigstore_verify::bundle::Error as BundleError;
    let subject = subject.to_owned();
    let reason = error.to_string();
    match error {
        SigstoreError::IdentityMismatch { actual, .. } => VerifyError::IdentityMismatch {
            subject,
            expected: policy.identity.as_str().to_owned(),
            found: actual.map_or_else(|| "no email or URI SAN".into(), |a| a.as_str().to_owned()),
        },
        SigstoreError::IssuerMismatch { expected, actual } => VerifyError::IssuerMismatch {
            subject,
            expected,
            found: actual.unwrap_or_else(|| "no OIDC issuer extension".into()),
        },
        SigstoreError::SignatureInvalid(_) | SigstoreError::Crypto(_) => VerifyError::SignatureInvalid { subject, reason },
        SigstoreError::ArtifactMismatch(_) => VerifyError::BundleDigestMismatch {
            subject,
            expected: "the artifact's digest".into(),
            signed: reason,
        },
        SigstoreError::Certificate(CertificateError::Malformed(_)) => VerifyError::BundleMalformed { subject, reason },
        SigstoreError::Certificate(_) => VerifyError::CertificateUntrusted { subject, reason },
        SigstoreError::TransparencyLog(_) | SigstoreError::Timestamp(_) => VerifyError::LogProofInvalid { subject, reason },
        SigstoreError::Bundle(
            BundleError::MissingInclusionPromise(_)
            | BundleError::MissingInclusionProof(_)
            | BundleError::MissingSigningTimeEvidence
            | BundleError::MissingTimestamp
            | BundleError::MissingCheckpoint
            | BundleError::LogIndexOutOfRange { .. }
            | BundleError::CheckpointRootMismatch,
        ) => VerifyError::LogProofInvalid { subject, reason },
        SigstoreError::InvalidTrustRoot(_) | SigstoreError::TrustRoot(_) | SigstoreError::TrustedCertificate(_) => {
            VerifyError::TrustRootInvalid { source_name: subject, reason }
        }
        SigstoreError::ArtifactRead(e) => VerifyError::Io { id: subject, message: e.to_string() },
        // Bundle structure, unsupported content, and anything newer than 0.15.
        _ => VerifyError::BundleMalformed { subject, reason },
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
