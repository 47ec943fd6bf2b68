//! `models …` and `registry …`.

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use serde_json::json;

use tinyvmaf_gpu::model::{self, LoadedModel};
use tinyvmaf_gpu::registry::{self, BuildCheckError, ModelEntry};
use tinyvmaf_gpu::verify;

use super::args::{ModelLoadArgs, ModelsCommand, RegistryCommand, VerifyArgs};
use super::CliResult;

pub fn run_models(cmd: ModelsCommand) -> CliResult {
    match cmd {
        ModelsCommand::List { json, dir } => list(json, &registry::model_dir(dir.model_dir.as_deref())),
        ModelsCommand::Show { id, json } => show(&id, json),
        ModelsCommand::Verify { id, all, json, verify } => verify_models(id, all, json, &verify),
        ModelsCommand::Eval { id, features, backend, load: load_args } => {
            let rows = read_rows(&features)?;
            let model = load(&id, &load_args, backend.into())?;
            let scores = model.predict(&rows)?;
            println!("{}", serde_json::to_string(&scores)?);
            Ok(())
        }
    }
}

/// Loads what a `--model` of `score` or `batch` names: a registry id, or libvmaf's
/// model string `version=ID[:name=NAME][:enable_transform][:disable_clip][:FEATURE.OPTION=VALUE…]`.
pub fn load_spec(text: &str, args: &ModelLoadArgs, backend: model::Backend) -> Result<LoadedModel, super::Failure> {
    use tinyvmaf_gpu::compat::spec::{ModelSource, ModelSpec};
    let usage = |error: anyhow::Error| super::Failure { code: tinyvmaf_gpu::exit::USAGE, error };
    if !text.contains('=') {
        return load(text, args, backend);
    }
    let spec = ModelSpec::parse(text).map_err(|e| usage(anyhow::anyhow!("--model {e}")))?;
    let id = match &spec.source {
        ModelSource::Version(id) => id,
        ModelSource::Path(path) => {
            return Err(usage(anyhow::anyhow!(
                "--model path={path}: model files are not read; give version= with a registry id (tinyvmaf-gpu models list)"
            )))
        }
    };
    let flags = model::Flags { enable_transform: spec.enable_transform, disable_clip: spec.disable_clip, ..Default::default() };
    let mut model = load(id, args, backend)?.with_flags(flags);
    for o in &spec.overrides {
        tinyvmaf_gpu::score::inputs::apply_override(&mut model.sidecar, &o.feature, &o.option, &o.value)
            .map_err(|e| usage(anyhow::anyhow!("--model {text}: {e}")))?;
    }
    // The options are read now, so a bad override fails before any frame is read.
    tinyvmaf_gpu::score::ModelInputs::of(&model).map_err(|e| usage(anyhow::anyhow!("--model {text}: {e}")))?;
    model.name = Some(spec.name);
    Ok(model)
}

/// [`load_spec`] for each of `texts`; two models whose scores would go by the same
/// name in the log are refused (give them different `name=`).
pub fn load_all(texts: &[String], args: &ModelLoadArgs, backend: model::Backend) -> Result<Vec<LoadedModel>, super::Failure> {
    let models = texts.iter().map(|t| load_spec(t, args, backend)).collect::<Result<Vec<_>, _>>()?;
    let names: Vec<String> = models.iter().map(tinyvmaf_gpu::score::output_name).collect();
    if let Some((k, name)) = names.iter().enumerate().find(|(k, n)| names[..*k].contains(n)) {
        return Err(super::Failure {
            code: tinyvmaf_gpu::exit::USAGE,
            error: anyhow::anyhow!("--model {}: a second model named {name} (give each its own name=)", texts[k]),
        });
    }
    Ok(models)
}

/// Verifies (pin always; cosign with `--tiny-model-verify`) and then loads a model.
pub fn load(id: &str, args: &ModelLoadArgs, backend: model::Backend) -> Result<LoadedModel, super::Failure> {
    let verified = if args.tiny_model_verify {
        verify::with_verifier(id, &args.verify.options())?
    } else {
        verify::pin_checked(id)?
    };
    // WGSL has no f64: a float64 graph runs on the CPU backend (microseconds per
    // frame) whatever was asked, and says so once.
    let backend = if backend != model::Backend::Cpu && verified.model().is_float64() {
        eprintln!("note: model {id} is a float64 graph; it runs on the CPU backend (WGSL has no f64)");
        model::Backend::Cpu
    } else {
        backend
    };
    Ok(LoadedModel::load(verified, backend)?)
}

/// `models verify ID` and `models verify --all`: one row per model; the process
/// fails with the exit code of the first model that failed.
fn verify_models(id: Option<String>, all: bool, json: bool, args: &VerifyArgs) -> CliResult {
    let options = args.options();
    let ids: Vec<String> = if all {
        registry::embedded().models.iter().map(|m| m.id.clone()).collect()
    } else {
        id.into_iter().collect()
    };
    let verifier = options.verifier.name();
    let mut rows = Vec::new();
    let mut first_failure: Option<verify::VerifyError> = None;
    let mut failed = 0usize;
    for id in &ids {
        let bundle = registry::find(registry::embedded(), id).map(|e| bundle_present(e, &options.cosign.model_dir));
        let result = verify::with_verifier(id, &options);
        let row = match &result {
            Ok(verified) => {
                let (identity, detail) = describe(verified);
                json!({
                    "id": id, "bundle_present": bundle, "verifier": verifier, "ok": true,
                    "sha256": verified.model().sha256, "identity": identity, "detail": detail,
                })
            }
            Err(e) => json!({
                "id": id, "bundle_present": bundle, "verifier": verifier, "ok": false,
                "exit_code": e.exit_code(), "error": e.to_string(),
            }),
        };
        if let (false, false, Ok(verified)) = (json, all, &result) {
            println!("verified {id}: sha256 {}, {}", verified.model().sha256, describe(verified).1);
        }
        rows.push(row);
        if let Err(e) = result {
            failed += 1;
            first_failure.get_or_insert(e);
        }
    }
    if json {
        let doc = if all {
            json!({ "verifier": verifier, "models": rows, "failed": failed })
        } else {
            rows.pop().unwrap_or_default()
        };
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else if all {
        println!("{:<20} {:<7} {:<9} RESULT", "ID", "BUNDLE", "VERIFIER");
        for row in &rows {
            let bundle = match row["bundle_present"].as_bool() {
                Some(true) => "yes",
                Some(false) => "no",
                None => "-",
            };
            let result = if row["ok"] == true {
                "ok".to_owned()
            } else {
                format!("FAIL ({}): {}", row["exit_code"], row["error"].as_str().unwrap_or_default())
            };
            println!("{:<20} {:<7} {:<9} {}", row["id"].as_str().unwrap_or_default(), bundle, verifier, result);
        }
    }
    match first_failure {
        None => Ok(()),
        Some(e) if !all => Err(e.into()),
        Some(e) => Err(super::Failure {
            code: e.exit_code(),
            error: anyhow::anyhow!("{failed} of {} models failed verification; first: {e}", ids.len()),
        }),
    }
}

/// (signer identity, one-line description) of a verified model.
fn describe(verified: &verify::Verified) -> (Option<String>, String) {
    match verified.provenance() {
        verify::Provenance::PinChecked => (None, "pin checked only".to_owned()),
        verify::Provenance::Signed { bundle, identity_regexp, oidc_issuer } => (
            None,
            format!("signed by {identity_regexp} ({oidc_issuer}), bundle {}, verifier cosign", bundle.display()),
        ),
        verify::Provenance::SignedBuiltin { bundle, identity_regexp, oidc_issuer, identity, trust_root } => (
            Some(identity.clone()),
            format!(
                "signed by {identity} (matches {identity_regexp}, issuer {oidc_issuer}), bundle {}, \
                 trusted root {trust_root}, verifier builtin",
                bundle.display()
            ),
        ),
    }
}

/// The largest `--features` file read: millions of rows of a model's few features.
const MAX_FEATURE_BYTES: u64 = 256 << 20;

fn read_rows(path: &Path) -> anyhow::Result<Vec<Vec<f64>>> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().take(MAX_FEATURE_BYTES + 1).read_to_string(&mut s).context("reading feature rows from standard input")?;
        anyhow::ensure!(s.len() as u64 <= MAX_FEATURE_BYTES, "feature rows on standard input pass the {MAX_FEATURE_BYTES}-byte limit");
        s
    } else {
        // A regular file of bounded size: /dev/zero or a FIFO would be read without end.
        let bytes = tinyvmaf_gpu::io::regular::read_regular(path, MAX_FEATURE_BYTES)
            .with_context(|| format!("reading {}", path.display()))?;
        String::from_utf8(bytes).with_context(|| format!("{}: not UTF-8 text", path.display()))?
    };
    serde_json::from_str(&text)
        .with_context(|| format!("{}: expected a JSON array of numeric rows", path.display()))
}

fn bundle_present(entry: &ModelEntry, dir: &std::path::Path) -> bool {
    verify::bundle_path(entry, dir).map(|p| p.is_file()).unwrap_or(false)
}

fn list(json: bool, dir: &std::path::Path) -> CliResult {
    let reg = registry::embedded();
    if json {
        let rows: Vec<_> = reg
            .models
            .iter()
            .map(|m| {
                json!({
                    "id": m.id, "kind": m.kind, "quant_mode": m.quant_mode,
                    "license": m.license, "sha256": m.sha256, "smoke": m.smoke,
                    "bundle": bundle_present(m, dir),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!("{:<20} {:<6} {:<8} {:<22} BUNDLE", "ID", "KIND", "QUANT", "LICENSE");
    for m in &reg.models {
        println!(
            "{:<20} {:<6} {:<8} {:<22} {}",
            m.id,
            m.kind,
            m.quant_mode,
            m.license.as_deref().unwrap_or("-"),
            if bundle_present(m, dir) { "yes" } else { "no" }
        );
    }
    Ok(())
}

fn show(id: &str, json: bool) -> CliResult {
    let entry = registry::find(registry::embedded(), id)
        .ok_or_else(|| verify::VerifyError::UnknownModel { id: id.to_owned() })?;
    let embedded = model::embedded(id).ok_or_else(|| verify::VerifyError::UnknownModel { id: id.to_owned() })?;
    let doc = json!({ "registry": entry, "sidecar": embedded.sidecar(), "embedded_bytes": embedded.onnx.len() });
    if json {
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    let sidecar = embedded.sidecar();
    println!("id:          {}", entry.id);
    println!("kind:        {}", entry.kind);
    println!("onnx:        {} ({} bytes, opset {})", entry.onnx, embedded.onnx.len(), entry.opset);
    println!("sha256:      {}", entry.sha256);
    println!("quant_mode:  {}", entry.quant_mode);
    println!("license:     {}", entry.license.as_deref().unwrap_or("-"));
    if let Some(url) = &entry.license_url {
        println!("license_url: {url}");
    }
    println!("bundle:      {}", entry.sigstore_bundle.as_deref().unwrap_or("-"));
    println!("features:    {}", sidecar.features.join(", "));
    println!("output:      [{}, {}]", sidecar.output_range[0], sidecar.output_range[1]);
    if let Some(d) = &entry.description {
        println!("description: {d}");
    }
    if let Some(n) = &entry.notes {
        println!("notes:       {n}");
    }
    Ok(())
}

pub fn run_registry(cmd: RegistryCommand) -> CliResult {
    let RegistryCommand::Check { path, files, json } = cmd;
    let path = path.unwrap_or_else(|| registry::model_dir(None).join("registry.json"));
    match registry::check_file(&path, files) {
        Ok(reg) => {
            if json {
                println!("{}", json!({ "path": path, "valid": true, "models": reg.models.len(), "errors": [] }));
            } else {
                println!("{}: valid ({} models{})", path.display(), reg.models.len(), if files { ", files match their pins" } else { "" });
            }
            Ok(())
        }
        Err(e) => {
            if json {
                let errors: Vec<_> = match &e {
                    BuildCheckError::Schema { violations, .. } => violations
                        .iter()
                        .map(|v| json!({ "pointer": v.pointer, "message": v.message }))
                        .collect(),
                    other => vec![json!({ "pointer": null, "message": other.to_string() })],
                };
                println!("{}", json!({ "path": path, "valid": false, "errors": errors }));
            }
            Err(e.into())
        }
    }
}
