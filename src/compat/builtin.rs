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
pub fn model_options(spec: &ModelSpec) -> Result<(&str, Sidecar, ModelInputs), String> {
    let version = match &spec.source {
        ModelSource::Version(v) if MODELS.contains(&v.as_str()) => v,
        ModelSource::Version(v) => {
            return Err(format!(
                "problem loading model: {v}: not a model this tool has (it has: {})",
                MODELS.join(", ")
            ))
        }
        ModelSource::Path(p) => {
            return Err(format!(
                "problem loading model: {p}: model files are not read; use version= with one of: {}",
                MODELS.join(", ")
            ))
        }
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

/// Loads the built-in model `spec` names on `backend`, with its name, flags and
/// overrides, and says what it reads.
pub fn load_model(spec: &ModelSpec, backend: crate::model::Backend) -> Result<(crate::model::LoadedModel, ModelInputs), LoadError> {
    let (version, sidecar, inputs) = model_options(spec).map_err(LoadError::Refused)?;
    let mut model = crate::model::LoadedModel::load(crate::verify::pin_checked(version)?, backend)?;
    model.flags = crate::model::Flags { enable_transform: spec.enable_transform, disable_clip: spec.disable_clip, ..Default::default() };
    model.name = Some(spec.name.clone());
    model.sidecar = sidecar;
    Ok((model, inputs))
}
