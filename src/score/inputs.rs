//! What each model reads: the options its features are computed with (libvmaf's
//! `feature_opts_dicts`, from the sidecar) and the column that holds each of them,
//! under libvmaf's option-suffixed key. The run computes the union of what its
//! models need; each model then reads its own columns.

use super::ScoreError;
use super::columns::{FeatureTable, output_name, vif_adm_suffixes};
use crate::features::cambi::CambiOptions;
use crate::features::motion::MotionOptions;
use crate::features::speed::SpeedChromaOptions;
use crate::features::{self, FeatureOptions};
use crate::model::LoadedModel;

/// One model's inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInputs {
    /// The VIF and ADM options of its VIF/ADM features.
    pub set: FeatureOptions,
    /// The options of its motion features.
    pub motion: MotionOptions,
    /// CAMBI's options, when it reads `cambi`.
    pub cambi: Option<CambiOptions>,
    /// SpEED chroma's options, when it reads `speed_chroma_uv`.
    pub speed_chroma: Option<SpeedChromaOptions>,
    /// The column of each feature, in the model's feature order.
    pub columns: Vec<String>,
}

impl ModelInputs {
    /// Reads `model`'s feature options: the sidecar's per-feature dictionaries, over
    /// the gain limits older sidecars give for the whole model.
    pub fn of(model: &LoadedModel) -> Result<ModelInputs, ScoreError> {
        Self::of_sidecar(&model.sidecar)
    }

    /// [`Self::of`] from a sidecar alone (what a model will read, before it loads).
    pub fn of_sidecar(sidecar: &crate::registry::Sidecar) -> Result<ModelInputs, ScoreError> {
        let default = FeatureOptions::default();
        let mut set = FeatureOptions {
            vif_enhn_gain_limit: sidecar.feature_options.vif_enhn_gain_limit.unwrap_or(default.vif_enhn_gain_limit),
            adm_enhn_gain_limit: sidecar.feature_options.adm_enhn_gain_limit.unwrap_or(default.adm_enhn_gain_limit),
            ..default
        };
        let mut motion = MotionOptions::default();
        let (mut cambi, mut speed_chroma) = (None, None);
        let bad = |why: String| ScoreError::Model(crate::model::ModelError::Sidecar { id: sidecar.id.clone(), why });
        for (i, feature) in sidecar.features.iter().enumerate() {
            let options = sidecar.libvmaf_feature_options.get(i);
            let options = options.into_iter().flatten().map(|(k, v)| (k.as_str(), option_text(v)));
            match extractor(feature) {
                "adm" => {
                    for (k, v) in options {
                        set.set_adm_option(k, &v).map_err(bad)?;
                    }
                }
                "vif" => {
                    for (k, v) in options {
                        match (k, v.parse::<f64>()) {
                            ("vif_enhn_gain_limit", Ok(limit)) if limit >= 1.0 => set.vif_enhn_gain_limit = limit,
                            _ => return Err(bad(format!("vif option {k}={v} is not supported"))),
                        }
                    }
                }
                "motion" => {
                    for (k, v) in options {
                        MotionOptions::set_option(&mut motion, k, &v).map_err(bad)?;
                    }
                }
                "cambi" => {
                    let o = cambi.get_or_insert_with(CambiOptions::default);
                    for (k, v) in options {
                        features::cambi::set_option(o, k, &v).map_err(bad)?;
                    }
                }
                "speed_chroma" => {
                    let o = speed_chroma.get_or_insert_with(SpeedChromaOptions::default);
                    for (k, v) in options {
                        features::speed::set_option(o, k, &v).map_err(bad)?;
                    }
                }
                other => return Err(bad(format!("feature {other} is not one this tool computes"))),
            }
        }
        let (vif_suffix, adm_suffix) = vif_adm_suffixes(&set);
        let columns = sidecar
            .features
            .iter()
            .map(|f| match extractor(f) {
                "vif" => format!("integer_{f}{vif_suffix}"),
                "adm" => format!("integer_{f}{adm_suffix}"),
                "motion" => motion.key(&format!("integer_{f}")),
                "cambi" => features::cambi::key(cambi.as_ref().expect("set above")),
                _ => features::speed::keys(speed_chroma.as_ref().expect("set above"))[2].clone(),
            })
            .collect();
        Ok(ModelInputs { set, motion, cambi, speed_chroma, columns })
    }
}

/// The libvmaf extractor that computes a model feature (`adm3` → `adm`).
fn extractor(feature: &str) -> &str {
    match feature {
        f if f.starts_with("adm") || f == "aim" => "adm",
        f if f.starts_with("vif") => "vif",
        f if f.starts_with("motion") => "motion",
        "speed_chroma_uv" => "speed_chroma",
        other => other,
    }
}

/// libvmaf's model override `FEATURE.OPTION=VALUE` (`cambi.enc_bitdepth=8`): the
/// option is set for every feature of `sidecar` that extractor `feature` computes, over
/// the model file's own value. Checked when the model's inputs are read
/// ([`ModelInputs::of`]); a model that reads nothing of `feature` is an error here.
pub fn apply_override(sidecar: &mut crate::registry::Sidecar, feature: &str, option: &str, value: &str) -> Result<(), String> {
    let n = sidecar.features.len();
    sidecar.libvmaf_feature_options.resize(n, Default::default());
    let mut hit = false;
    for (f, dict) in sidecar.features.iter().zip(&mut sidecar.libvmaf_feature_options) {
        if extractor(f) == feature {
            dict.insert(option.to_owned(), serde_json::Value::String(value.to_owned()));
            hit = true;
        }
    }
    if hit {
        Ok(())
    } else {
        Err(format!("model {} reads no feature of {feature} (it reads {})", sidecar.id, sidecar.features.join(", ")))
    }
}

/// An option's value as libvmaf's dictionary holds it: numbers as JSON writes them,
/// booleans as `true`/`false`, strings as they are.
fn option_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Adds what `models` read to `options` (CAMBI, SpEED chroma and motion option sets
/// not already there), so one extraction computes every model's inputs.
pub fn with_model_inputs(options: &super::ScoreOptions, inputs: &[ModelInputs]) -> super::ScoreOptions {
    let mut options = options.clone();
    for i in inputs {
        if let Some(o) = i.cambi.filter(|o| !options.cambi.contains(o)) {
            options.cambi.push(o);
        }
        if let Some(o) = i.speed_chroma.filter(|o| !options.speed_chroma.contains(o)) {
            options.speed_chroma.push(o);
        }
        if i.motion != MotionOptions::default() && !options.motion.contains(&i.motion) {
            options.motion.push(i.motion);
        }
    }
    options
}

/// The distinct VIF/ADM feature sets the models need, default first.
pub fn feature_sets(models: &[LoadedModel]) -> Result<Vec<FeatureOptions>, ScoreError> {
    let inputs = models.iter().map(ModelInputs::of).collect::<Result<Vec<_>, _>>()?;
    Ok(sets_of(&inputs))
}

/// The distinct VIF/ADM sets of already read inputs, default first.
pub fn sets_of(inputs: &[ModelInputs]) -> Vec<FeatureOptions> {
    let mut sets = vec![FeatureOptions::default()];
    for i in inputs {
        if !sets.contains(&i.set) {
            sets.push(i.set);
        }
    }
    sets
}

/// Runs each model over the feature table, all frames in one batch per model.
pub fn apply_models(table: &FeatureTable, models: &[LoadedModel]) -> Result<Vec<(String, Vec<f64>)>, ScoreError> {
    let mut out = Vec::new();
    for model in models {
        let columns: Vec<&[f64]> = ModelInputs::of(model)?
            .columns
            .into_iter()
            .map(|name| table.column(&name).ok_or(ScoreError::MissingFeature { model: model.id.clone(), column: name }))
            .collect::<Result<_, _>>()?;
        let rows: Vec<Vec<f64>> =
            (0..table.frame_numbers.len()).map(|i| columns.iter().map(|c| c[i]).collect()).collect();
        let name = output_name(model);
        for (suffix, values) in model.score_columns(&rows)? {
            out.push((format!("{name}{suffix}"), values));
        }
    }
    Ok(out)
}
