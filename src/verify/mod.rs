//! Verification before use. Every model goes through here before any of its weights
//! reach a device: [`Verified`] can only be made by this module, and
//! [`crate::model::LoadedModel::load`] takes one by value.
//!
//! Two levels: [`pin_checked`] re-hashes the embedded ONNX bytes against the
//! registry pin (always done); [`with_verifier`] (`--tiny-model-verify`)
//! additionally checks the model's Sigstore bundle against those exact bytes,
//! with one of two verifiers ([`VerifierKind`]): `cosign verify-blob`
//! ([`with_cosign`]) or the in-process `sigstore-verify` ([`builtin`]).

pub mod builtin;
mod cosign;

use std::path::PathBuf;
use std::time::Duration;

pub use cosign::{find_cosign, run_cosign, CosignRun};

use crate::registry::jail::JailError;
use crate::registry::compiled::EmbeddedModel;
use crate::registry::{self, ModelEntry};

/// Default certificate identity: the project's release workflow on a version tag.
pub const DEFAULT_IDENTITY_REGEXP: &str =
    r"^https://github\.com/tinyvmaf/tinyvmaf-gpu/\.github/workflows/release\.yml@refs/tags/v[0-9]+\.[0-9]+\.[0-9]+$";
/// Default OIDC issuer: GitHub Actions' token service.
pub const DEFAULT_OIDC_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// How long cosign may run before it is killed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a model was refused. Each variant has its own exit code ([`Self::exit_code`]).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("model {id:?} is not in the registry (see `tinyvmaf-gpu models list`)")]
    UnknownModel { id: String },
    #[error(
        "model {id:?}: embedded ONNX bytes do not match the registry pin: expected sha256 {expected}, actual {actual}"
    )]
    PinMismatch { id: String, expected: String, actual: String },
    #[error("model {id:?}: Sigstore bundle not found at {}: {reason}", path.display())]
    BundleMissing { id: String, path: PathBuf, reason: String },
    #[error(
        "cosign not found ({searched}); install it (https://docs.sigstore.dev/cosign/system_config/installation/), \
         or verify in-process without it"
    )]
    CosignMissing { searched: String },
    #[error("model {id:?}: cosign rejected the signature (exit {code}):\n{stderr}")]
    CosignRejected { id: String, code: String, stderr: String },
    #[error("model {id:?}: cosign did not finish within {} s and was killed", timeout.as_secs_f64())]
    CosignTimeout { id: String, timeout: Duration },
    #[error("model {id:?}: the file cosign verified no longer matches the embedded bytes (sha256 {actual})")]
    BytesChanged { id: String, actual: String },
    #[error("model {id:?}: cannot run the verification: {message}")]
    Io { id: String, message: String },
    // --- `--verifier builtin` (src/verify/builtin.rs) ---
    /// Found before any cryptography ran: the bundle signs other bytes.
    #[error("{subject}: the Sigstore bundle signs sha256 {signed}, not the expected sha256 {expected}")]
    BundleDigestMismatch { subject: String, expected: String, signed: String },
    #[error("{subject}: signer identity mismatch: expected {expected}, found {found:?}")]
    IdentityMismatch { subject: String, expected: String, found: String },
    #[error("{subject}: OIDC issuer mismatch: expected {expected:?}, found {found:?}")]
    IssuerMismatch { subject: String, expected: String, found: String },
    #[error("{subject}: untrusted signing certificate: {reason}")]
    CertificateUntrusted { subject: String, reason: String },
    #[error("{subject}: missing or invalid transparency-log evidence (inclusion proof, checkpoint, SET): {reason}")]
    LogProofInvalid { subject: String, reason: String },
    #[error("{subject}: malformed Sigstore bundle: {reason}")]
    BundleMalformed { subject: String, reason: String },
    #[error("{subject}: bad signature: {reason}")]
    SignatureInvalid { subject: String, reason: String },
    /// A bundle or trusted root outside `TINYVMAF_MODEL_DIR` (symlinks followed).
    #[error(transparent)]
    OutsideModelDir(registry::jail::JailError),
    #[error("trusted root {source_name}: cannot be used: {reason}")]
    TrustRootInvalid { source_name: String, reason: String },
}

impl VerifyError {
    /// The process exit code for this refusal (`crate::exit`).
    pub fn exit_code(&self) -> u8 {
        use crate::exit;
        match self {
            VerifyError::UnknownModel { .. } => exit::UNKNOWN_MODEL,
            VerifyError::PinMismatch { .. } => exit::PIN_MISMATCH,
            VerifyError::BundleMissing { .. } => exit::BUNDLE_MISSING,
            VerifyError::CosignMissing { .. } => exit::COSIGN_MISSING,
            VerifyError::CosignRejected { .. } => exit::COSIGN_REJECTED,
            VerifyError::CosignTimeout { .. } => exit::COSIGN_TIMEOUT,
            VerifyError::BytesChanged { .. } => exit::BYTES_CHANGED,
            VerifyError::Io { .. } => exit::VERIFY_IO,
            VerifyError::BundleDigestMismatch { .. } => exit::BUNDLE_DIGEST_MISMATCH,
            VerifyError::IdentityMismatch { .. } => exit::IDENTITY_MISMATCH,
            VerifyError::IssuerMismatch { .. } => exit::ISSUER_MISMATCH,
            VerifyError::CertificateUntrusted { .. } => exit::CERTIFICATE_UNTRUSTED,
            VerifyError::LogProofInvalid { .. } => exit::LOG_PROOF_INVALID,
            VerifyError::BundleMalformed { .. } => exit::BUNDLE_MALFORMED,
            VerifyError::SignatureInvalid { .. } => exit::SIGNATURE_INVALID,
            VerifyError::TrustRootInvalid { .. } => exit::TRUST_ROOT_INVALID,
            VerifyError::OutsideModelDir(_) => exit::OUTSIDE_MODEL_DIR,
        }
    }
}

/// How the bytes were verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// The embedded bytes hash to the registry pin.
    PinChecked,
    /// And cosign accepted the Sigstore bundle for those bytes.
    Signed { bundle: PathBuf, identity_regexp: String, oidc_issuer: String },
    /// And the in-process verifier accepted the bundle for those bytes.
    SignedBuiltin {
        bundle: PathBuf,
        identity_regexp: String,
        oidc_issuer: String,
        /// The certificate's SAN that matched `identity_regexp`.
        identity: String,
        /// Where the trusted root came from.
        trust_root: String,
    },
}

/// A model whose embedded bytes passed verification. Only this module makes one.
#[derive(Debug)]
pub struct Verified {
    model: &'static EmbeddedModel,
    provenance: Provenance,
}

impl Verified {
    pub fn model(&self) -> &'static EmbeddedModel {
        self.model
    }
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }
}

/// Options of `--tiny-model-verify`.
#[derive(Debug, Clone)]
pub struct CosignOptions {
    /// `--cosign PATH`; else `TINYVMAF_COSIGN`; else a search of `PATH`.
    pub cosign: Option<PathBuf>,
    /// Where bundles are looked up (see [`registry::model_dir`]).
    pub model_dir: PathBuf,
    /// Certificate identity, as a regular expression; anchored if it is not already.
    pub identity_regexp: String,
    pub oidc_issuer: String,
    pub timeout: Duration,
    /// Where the private copy's directory is made (default: the system temp dir).
    pub temp_root: Option<PathBuf>,
}

impl Default for CosignOptions {
    fn default() -> Self {
        CosignOptions {
            cosign: None,
            model_dir: registry::model_dir(None),
            identity_regexp: DEFAULT_IDENTITY_REGEXP.to_owned(),
            oidc_issuer: DEFAULT_OIDC_ISSUER.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            temp_root: None,
        }
    }
}

/// Which program judges the Sigstore bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerifierKind {
    /// `cosign verify-blob`, on a private copy of the bytes.
    #[default]
    Cosign,
    /// `sigstore-verify`, in this process, on the bytes in memory.
    Builtin,
}

impl VerifierKind {
    pub fn name(self) -> &'static str {
        match self {
            VerifierKind::Cosign => "cosign",
            VerifierKind::Builtin => "builtin",
        }
    }
}

/// Options of `--tiny-model-verify` for either verifier.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    pub verifier: VerifierKind,
    /// Model dir, identity and issuer are shared by both verifiers; the rest is cosign's.
    pub cosign: CosignOptions,
    /// `--trusted-root FILE` for the builtin verifier (default: the embedded public-good root).
    pub trusted_root: Option<PathBuf>,
}

/// Anchored regular expression matching exactly `identity` (`--certificate-identity`).
pub fn exact_identity_regexp(identity: &str) -> String {
    format!("^{}$", regex::escape(identity))
}

/// Wraps `re` in `^(?:…)$` unless it is already anchored at both ends, so that an
/// identity such as `https://github.com/org/` cannot match `https://evil/https://github.com/org/x`.
pub fn anchor_regexp(re: &str) -> String {
    if re.starts_with('^') && re.ends_with('$') {
        re.to_owned()
    } else {
        format!("^(?:{re})$")
    }
}

fn lookup(id: &str) -> Result<(&'static ModelEntry, &'static EmbeddedModel), VerifyError> {
    let unknown = || VerifyError::UnknownModel { id: id.to_owned() };
    let entry = registry::find(registry::embedded(), id).ok_or_else(unknown)?;
    let model = registry::compiled::find(id).ok_or_else(unknown)?;
    Ok((entry, model))
}

/// Re-hashes `bytes` against the entry's pin.
pub fn check_pin(entry: &ModelEntry, bytes: &[u8]) -> Result<(), VerifyError> {
    let actual = registry::pin::sha256_hex(bytes);
    if actual != entry.sha256 {
        return Err(VerifyError::PinMismatch {
            id: entry.id.clone(),
            expected: entry.sha256.clone(),
            actual,
        });
    }
    Ok(())
}

/// The default path: the embedded bytes must still hash to the registry pin.
pub fn pin_checked(id: &str) -> Result<Verified, VerifyError> {
    let (entry, model) = lookup(id)?;
    check_pin(entry, model.onnx)?;
    Ok(Verified { model, provenance: Provenance::PinChecked })
}

/// `--tiny-model-verify`: pin check, then cosign on the exact embedded bytes.
pub fn with_cosign(id: &str, options: &CosignOptions) -> Result<Verified, VerifyError> {
    let (entry, model) = lookup(id)?;
    let provenance = verify_blob(entry, model.onnx, options)?;
    Ok(Verified { model, provenance })
}

/// `--tiny-model-verify` with the chosen verifier.
pub fn with_verifier(id: &str, options: &VerifyOptions) -> Result<Verified, VerifyError> {
    let (entry, model) = lookup(id)?;
    let provenance = verify_entry(entry, model.onnx, options)?;
    Ok(Verified { model, provenance })
}

/// Verifies `bytes` as the model `entry` with the chosen verifier.
pub fn verify_entry(entry: &ModelEntry, bytes: &[u8], options: &VerifyOptions) -> Result<Provenance, VerifyError> {
    match options.verifier {
        VerifierKind::Cosign => verify_blob(entry, bytes, &options.cosign),
        VerifierKind::Builtin => {
            verify_builtin(entry, bytes, &options.cosign, options.trusted_root.as_deref())
        }
    }
}

/// The builtin path, in order: pin, bundle (read once), trusted root, digest
/// pre-check, `sigstore-verify`, identity. The bytes never leave memory.
pub fn verify_builtin(
    entry: &ModelEntry,
    bytes: &[u8],
    options: &CosignOptions,
    trusted_root: Option<&std::path::Path>,
) -> Result<Provenance, VerifyError> {
    check_pin(entry, bytes)?;
    let bundle = existing_bundle(entry, &options.model_dir)?;
    let bundle_json = read_bundle(entry, &bundle)?;
    let policy = builtin::Policy::regexp(&options.identity_regexp, &options.oidc_issuer)?;
    let root = builtin::TrustRoot::load(trusted_root)?;
    let subject = format!("model {:?}", entry.id);
    let outcome = builtin::verify_pinned(&subject, bytes, &entry.sha256, &bundle_json, &policy, &root)?;
    Ok(Provenance::SignedBuiltin {
        bundle,
        identity_regexp: policy.identity_regexp().to_owned(),
        oidc_issuer: policy.issuer().to_owned(),
        identity: outcome.identity,
        trust_root: root.source().to_owned(),
    })
}

/// Reads the bundle once, through the model-directory jail, refusing anything larger
/// than [`builtin::MAX_BUNDLE_BYTES`].
fn read_bundle(entry: &ModelEntry, path: &std::path::Path) -> Result<Vec<u8>, VerifyError> {
    registry::jail::read_confined(path, "Sigstore bundle", builtin::MAX_BUNDLE_BYTES).map_err(|e| match e {
        JailError::TooLarge { limit, .. } => VerifyError::BundleMalformed {
            subject: format!("model {:?}", entry.id),
            reason: format!("{} is larger than {limit} bytes", path.display()),
        },
        other => bundle_refused(entry, path, other),
    })
}

/// A bundle the jail refused: outside the model directory (its own exit code), else
/// missing or not a regular file.
fn bundle_refused(entry: &ModelEntry, path: &std::path::Path, e: JailError) -> VerifyError {
    match e {
        JailError::Outside { .. } => VerifyError::OutsideModelDir(e),
        JailError::Unreadable { source, .. } => {
            VerifyError::BundleMissing { id: entry.id.clone(), path: path.to_path_buf(), reason: source.to_string() }
        }
        JailError::NotRegular { kind, .. } => VerifyError::BundleMissing {
            id: entry.id.clone(),
            path: path.to_path_buf(),
            reason: format!("not a regular file ({kind})"),
        },
        JailError::TooLarge { .. } => {
            VerifyError::BundleMalformed { subject: format!("model {:?}", entry.id), reason: e.to_string() }
        }
    }
}

/// The bundle path for an entry: the registry's `sigstore_bundle` (or
/// `<onnx>.sigstore.json` when none is declared), inside the model directory.
pub fn bundle_path(entry: &ModelEntry, model_dir: &std::path::Path) -> Result<PathBuf, VerifyError> {
    let relative = entry.sigstore_bundle.clone().unwrap_or_else(|| format!("{}.sigstore.json", entry.onnx));
    registry::pin::resolve(model_dir, &relative).map_err(|e| VerifyError::BundleMissing {
        id: entry.id.clone(),
        path: PathBuf::from(&relative),
        reason: e.to_string(),
    })
}

/// [`bundle_path`], which must name a regular file (inside `TINYVMAF_MODEL_DIR` when
/// that is set).
fn existing_bundle(entry: &ModelEntry, model_dir: &std::path::Path) -> Result<PathBuf, VerifyError> {
    let bundle = bundle_path(entry, model_dir)?;
    registry::jail::confine(&bundle, "Sigstore bundle").map_err(|e| bundle_refused(entry, &bundle, e))?;
    Ok(bundle)
}

/// Verifies `bytes` as the model `entry` with cosign, in the documented order:
/// pin, bundle, cosign binary, private temp copy, `cosign verify-blob`, re-hash.
pub fn verify_blob(entry: &ModelEntry, bytes: &[u8], options: &CosignOptions) -> Result<Provenance, VerifyError> {
    check_pin(entry, bytes)?;
    let bundle = existing_bundle(entry, &options.model_dir)?;
    let cosign = find_cosign(options.cosign.as_deref())?;
    let identity_regexp = anchor_regexp(&options.identity_regexp);
    let run = CosignRun {
        cosign: &cosign,
        bundle: &bundle,
        identity_regexp: &identity_regexp,
        oidc_issuer: &options.oidc_issuer,
        timeout: options.timeout,
        temp_root: options.temp_root.as_deref(),
    };
    run_cosign(&entry.id, &entry.onnx, bytes, &run)?;
    Ok(Provenance::Signed { bundle, identity_regexp, oidc_issuer: options.oidc_issuer.clone() })
}
