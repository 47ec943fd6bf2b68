//! What this tool has of libvmaf's built-in models and feature extractors, resolved
//! from libvmaf's model and feature strings ([`super::spec`]) the way libvmaf resolves
//! them: by the `vmaf` command line and by the C library's callers alike. Whatever
//! this tool does not compute is refused with a message that names it.

use super::log::Extractor;
use super::spec::{FeatureSpec, ModelSource, ModelSpec};
use crate::features::psnr::PsnrOptions;
use crate::features::{FeatureOptions, SsimOptions};
use crate::registry::Sidecar;
use crate::score::{self, ModelInputs};

/// The built-in models of libvmaf that this tool has, by libvmaf's version name.
pub const MODELS: &[&str] = &[
    "vmaf_v0.6.1",
    "vmaf_v0.6.1neg",
    "vmaf_4k_v0.6.1",
    "vmaf_4k_v0.6.1neg",
    "vmaf_b_v0.6.3",
    "vmaf_v1.0.16_3d0h",
    "vmaf_v1.0.16_5d0h",
    "vmaf_v1.0.16_1d5h_2160",
    "vmaf_v1.0.16_3d0h_2160",
    "vmaf_v1.0.16_hfr_3d0h",
    "vmaf_v1.0.16_hfr_5d0h",
    "vmaf_v1.0.16_hfr_1d5h_2160",
    "vmaf_v1.0.16_hfr_3d0h_2160",
];

/// The feature extractors of libvmaf that this tool has.
pub const FEATURES: &[&str] =
    &["adm", "motion", "vif", "psnr", "float_ssim", "float_ms_ssim", "psnr_hvs", "ciede", "cambi", "speed_chroma"];

/// The built-in model a `--model` names, its sidecar with the string's overrides
/// applied (libvmaf's overload: over the model file's values), and what it reads.
pub fn model_options(spec: &ModelSpec) -> Result<(&'static str, Sidecar, ModelInputs), String> {
    let version = match &spec.source {
        ModelSource::Version(v) => MODELS.iter().copied().find(|m| m == v).ok_or_else(|| {
            format!("problem loading model: {v}: not a model this tool has (it has: {})", MODELS.join(", "))
        })?,
        ModelSource::Path(p) => model_file(p)?,
    };
    let embedded = crate::model::embedded(version).ok_or_else(|| format!("problem loading model: {version}: not compiled in"))?;
    let mut sidecar = embedded.sidecar();
    for o in &spec.overrides {
        let named = |e: String| format!("model {version}: override {}.{}={}: {e}", o.feature, o.option, o.value);
        score::inputs::apply_override(&mut sidecar, &o.feature, &o.option, &o.value).map_err(named)?;
        ModelInputs::of_sidecar(&sidecar).map_err(|e| named(e.to_string()))?;
    }
    let inputs = ModelInputs::of_sidecar(&sidecar).map_err(|e| format!("model {version}: {e}"))?;
    Ok((version, sidecar, inputs))
}

/// libvmaf's own model files (Netflix/vmaf f85a8536, `model/`), by sha256, for the
/// models this tool has: a `path=` naming one of them loads that model.
const MODEL_FILES: &[(&str, &str)] = &[
    ("5950d61fa1f861bd45d8149d80539ed9f3376cfc2495b8f0fa8e9f57cb131ee3", "vmaf_v0.6.1"),
    ("1fcda193aaa2a3136471b7516b3c5dc344546c05fcde2d58609f8c60a2387392", "vmaf_v0.6.1neg"),
    ("73b187001309703c89d57cf58baab01660bd11e4ea6fac62bc064c5f5da6dac8", "vmaf_4k_v0.6.1"),
    ("f92048bf94401a5b915f551eb248709275c61df5f20d062a3ae010dcf4d4e8fc", "vmaf_4k_v0.6.1neg"),
    ("34f620dbaff662fe7d33dd80326553c2cc3910e4135349ba4c367171d3a3cfbd", "vmaf_b_v0.6.3"),
    ("e4cf8c147e1368b35497d772920bc92f98c1ad7853c1033d8a836947f427140e", "vmaf_v1.0.16_3d0h"),
    ("64e12d9c1e4ed5d79da7fa515b82fac7247a9e2ccc91e0ebce31d05489500385", "vmaf_v1.0.16_5d0h"),
    ("634d36e0502cb797384726cdd1a106a2c207827595a9e4958d3dae1bd517b139", "vmaf_v1.0.16_1d5h_2160"),
    ("77f552fd8d5b6c6a2166bfc4470c9368ec68d2425ed40f1cc235b0cc500f33c2", "vmaf_v1.0.16_3d0h_2160"),
    ("dcfdfab1c00685c1e5f75b6f1078bb4a44c722654e4de090fa5c66784c75241b", "vmaf_v1.0.16_hfr_3d0h"),
    ("590f612c87df94badca58e563b318fa9958eac631ab8aadd73bff8cc1adfc515", "vmaf_v1.0.16_hfr_5d0h"),
    ("0371db55d3de81a760125f6d65eb4386f1d38af6cf1d00c2f48158e3596246d4", "vmaf_v1.0.16_hfr_1d5h_2160"),
    ("1bc502f00aeee11433e2d09468186bbf1bbce56ee650c9bade06c7435ebdd4db", "vmaf_v1.0.16_hfr_3d0h_2160"),
];

/// Largest model file read (libvmaf's largest, the bootstrap collection, is 3 MB).
const MAX_MODEL_FILE: u64 = 64 << 20;

/// The built-in model a model file is: the file must be one of libvmaf's own, byte
/// for byte (this tool runs its models as verified graphs, never from a JSON file).
fn model_file(path: &str) -> Result<&'static str, String> {
    use std::io::Read;
    let fail = |why: String| format!("problem loading model: {path}: {why}");
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_MODEL_FILE + 1).read_to_end(&mut bytes).map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_MODEL_FILE {
        return Err(fail(format!("larger than {} MiB: not a libvmaf model file", MAX_MODEL_FILE >> 20)));
    }
    let digest = crate::registry::pin::sha256_hex(&bytes);
    MODEL_FILES.iter().find(|(sha, _)| *sha == digest).map(|(_, version)| *version).ok_or_else(|| {
        fail(format!(
            "not one of libvmaf's model files for the models this tool has (sha256 {digest}); \
             those are libvmaf's JSON files of: {}",
            MODELS.join(", ")
        ))
    })
}

/// The extractor a `--feature` registers.
pub fn extractor(spec: &FeatureSpec) -> Result<Extractor, String> {
    let limit = |key: &str| -> Result<f64, String> {
        match spec.option(key) {
            None => Ok(FeatureOptions::default().vif_enhn_gain_limit),
            Some(v) => v.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 1.0).ok_or_else(|| {
                format!("feature {spec}: {key}={v}: not a number of 1.0 or more")
            }),
        }
    };
    // CAMBI and SpEED take libvmaf's options by name or alias; their values are
    // checked when the run starts, with libvmaf's ranges.
    match spec.name.as_str() {
        "cambi" => {
            let mut o = crate::features::cambi::CambiOptions::default();
            for (key, value) in &spec.options {
                crate::features::cambi::set_option(&mut o, key, value).map_err(|e| format!("feature {spec}: {e}"))?;
            }
            return Ok(Extractor::Cambi(o));
        }
        "speed_chroma" => {
            let mut o = crate::features::speed::SpeedChromaOptions::default();
            for (key, value) in &spec.options {
                crate::features::speed::set_option(&mut o, key, value).map_err(|e| format!("feature {spec}: {e}"))?;
            }
            return Ok(Extractor::SpeedChroma(o));
        }
        // ADM and motion take every option this tool computes (VMAF v1's CSF mode 2,
        // viewing conditions, HFR window, …), by name or alias, with libvmaf's ranges.
        "adm" => {
            let mut o = FeatureOptions::default();
            for (key, value) in &spec.options {
                o.set_adm_option(key, value).map_err(|e| format!("feature {spec}: {e}"))?;
            }
            crate::features::adm::AdmConfig::new(&o).map_err(|e| format!("feature {spec}: {e}"))?;
            return Ok(Extractor::adm(&o));
        }
        "motion" => {
            let mut o = crate::features::motion::MotionOptions::default();
            for (key, value) in &spec.options {
                crate::features::motion::MotionOptions::set_option(&mut o, key, value).map_err(|e| format!("feature {spec}: {e}"))?;
            }
            return Ok(Extractor::Motion(o));
        }
        _ => {}
    }
    let allowed: &[&str] = match spec.name.as_str() {
        "vif" => &["vif_enhn_gain_limit"],
        "psnr" => &["enable_chroma", "enable_mse", "enable_apsnr", "reduced_hbd_peak", "min_sse"],
        "float_ssim" => &["enable_db", "clip_db", "scale"],
        "float_ms_ssim" => &["enable_db", "clip_db"],
        "psnr_hvs" | "ciede" => &[],
        other => {
            return Err(format!(
                "problem loading feature extractor: {other}: not a feature this tool computes (it has: {})",
                FEATURES.join(", ")
            ))
        }
    };
    if let Some((key, _)) = spec.options.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        return Err(format!("feature {spec}: option {key} is not supported"));
    }
    for key in ["enable_chroma", "enable_mse", "enable_apsnr", "reduced_hbd_peak", "enable_db", "clip_db"] {
        if let Some(v) = spec.option(key).filter(|v| !["true", "false"].contains(v)) {
            return Err(format!("feature {spec}: {key}={v}: write true or false"));
        }
    }
    let scale = match spec.option("scale") {
        None => 0,
        Some(v) => v.parse::<u32>().ok().filter(|s| *s <= 10).ok_or_else(|| format!("feature {spec}: scale={v}: write 0 to 10"))?,
    };
    let db = SsimOptions {
        scale: 0,
        enable_db: spec.option("enable_db") == Some("true"),
        clip_db: spec.option("clip_db") == Some("true"),
    };
    Ok(match spec.name.as_str() {
        "vif" => Extractor::Vif(limit("vif_enhn_gain_limit")?),
        "float_ssim" => Extractor::FloatSsim(SsimOptions { scale, ..db }),
        "float_ms_ssim" => Extractor::FloatMsSsim(db),
        "psnr_hvs" => Extractor::PsnrHvs,
        "ciede" => Extractor::Ciede,
        _ => {
            let min_sse = match spec.option("min_sse") {
                None => 0.0,
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or_else(|| format!("feature {spec}: min_sse={v}: write a number of 0 or more"))?,
            };
            let on = |key: &str| spec.option(key) == Some("true");
            Extractor::Psnr(PsnrOptions {
                enable_chroma: spec.option("enable_chroma") != Some("false"),
                enable_mse: on("enable_mse"),
                enable_apsnr: on("enable_apsnr"),
                reduced_hbd_peak: on("reduced_hbd_peak"),
                min_sse,
            })
        }
    })
}


/// Why a model string could not become a loaded model.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The string names what this tool does not have, or an override it refuses.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
}

/// Loads the built-in model `spec` names on `backend` (float64 graphs on the CPU),
/// with its name, flags and overrides, and says what it reads.
pub fn load_model(spec: &ModelSpec, backend: crate::model::Backend) -> Result<(crate::model::LoadedModel, ModelInputs), LoadError> {
    let (version, sidecar, inputs) = model_options(spec).map_err(LoadError::Refused)?;
    let verified = crate::verify::pin_checked(version)?;
    // WGSL has no f64: a float64 graph runs on burn's CPU backend (microseconds per
    // frame) whatever the features run on, as `score` runs it.
    let backend = if verified.model().is_float64() { crate::model::Backend::Cpu } else { backend };
    let mut model = crate::model::LoadedModel::load(verified, backend)?;
    model.flags = crate::model::Flags { enable_transform: spec.enable_transform, disable_clip: spec.disable_clip, ..Default::default() };
    model.name = Some(spec.name.clone());
    model.sidecar = sidecar;
    Ok((model, inputs))
}
