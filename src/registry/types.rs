//! The registry's and sidecars' serde types. Shared with `build.rs` (through
//! `#[path]`), so it depends on `serde` only. The JSON Schemas in `model/tiny/` are
//! the contract; these types are what the code reads once a document passed them.

use serde::{Deserialize, Serialize};

/// `model/tiny/registry.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub schema_version: u32,
    pub models: Vec<ModelEntry>,
}

/// One model of the registry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    pub id: String,
    pub kind: String,
    pub onnx: String,
    /// The sidecar's path when it is not `<onnx minus .onnx>.json`: models that share
    /// one graph (VMAF v1's eight) differ only in their sidecars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar: Option<String>,
    pub sha256: String,
    pub opset: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub smoke: bool,
    #[serde(default = "fp32")]
    pub quant_mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quant_calibration_set: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub int8_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quant_accuracy_budget_plcc: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigstore_bundle: Option<String>,
}

fn fp32() -> String {
    "fp32".to_owned()
}

impl ModelEntry {
    /// The sidecar's path, relative to the registry folder: the entry's `sidecar`, or
    /// `<onnx minus .onnx>.json`.
    pub fn sidecar_path(&self) -> String {
        match &self.sidecar {
            Some(path) => path.clone(),
            None => format!("{}.json", self.onnx.strip_suffix(".onnx").unwrap_or(&self.onnx)),
        }
    }

    /// The int8 graph's path when the entry is quantized: `<onnx minus .onnx>.int8.onnx`.
    pub fn int8_path(&self) -> Option<String> {
        self.int8_sha256
            .as_ref()
            .map(|_| format!("{}.int8.onnx", self.onnx.strip_suffix(".onnx").unwrap_or(&self.onnx)))
    }

    /// The int8 graph as a model of its own, `<id>_int8`: what `--model <id>_int8`
    /// loads and verifies. Its pin is `int8_sha256` and its Sigstore bundle
    /// `<int8 graph>.sigstore.json`, so the int8 bytes are verified like any model's.
    pub fn int8_variant(&self) -> Option<ModelEntry> {
        let onnx = self.int8_path()?;
        Some(ModelEntry {
            id: format!("{}_int8", self.id),
            sigstore_bundle: Some(format!("{onnx}.sigstore.json")),
            sha256: self.int8_sha256.clone()?,
            description: Some(format!("int8 ({}) variant of {}", self.quant_mode, self.id)),
            int8_sha256: None,
            onnx,
            ..self.clone()
        })
    }

    /// A Rust identifier for the generated module of the entry's graph, from the graph's
    /// file name (`vmaf_v0.6.1.onnx` → `vmaf_v0_6_1`): entries that share a graph share
    /// its module.
    pub fn module_name(&self) -> String {
        let stem = self.onnx.rsplit('/').next().unwrap_or(&self.onnx);
        let stem = stem.strip_suffix(".onnx").unwrap_or(stem);
        stem.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
    }
}

/// `<model>.json` beside each ONNX file: what the graph consumes and produces.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sidecar {
    pub id: String,
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
    /// Feature names in the order of the input's last axis.
    pub features: Vec<String>,
    pub output_range: [f64; 2],
    #[serde(default)]
    pub feature_options: FeatureOptionsSpec,
    /// libvmaf's `feature_opts_dicts`: one map per feature, in [`Self::features`]
    /// order, option name → value as the model file gives it (empty: none given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub libvmaf_feature_options: Vec<std::collections::BTreeMap<String, serde_json::Value>>,
    /// `bootstrap` for libvmaf's bootstrap collections: output 0 is the main model,
    /// the others the sub-models the bagging statistics are taken over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// libvmaf's `score_transform` (polynomial, knots, rectification), applied after the
    /// graph when `enabled` or when the caller asks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_transform: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub external_data: std::collections::BTreeMap<String, String>,
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TensorSpec {
    pub name: String,
    pub shape: Vec<serde_json::Value>,
    pub dtype: String,
}

/// Per-model feature options (the NEG model limits the enhancement gain).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FeatureOptionsSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vif_enhn_gain_limit: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adm_enhn_gain_limit: Option<f64>,
}
