//! libvmaf's `--model` and `--feature` option strings (`libvmaf/tools/cli_parse.c`,
//! also the `model=` and `feature=` values of ffmpeg's libvmaf filter):
//!
//! - model: `key=value` pairs joined by `:`. `version=` (a built-in model), `path=`
//!   (a model file), `name=` (its name in the log, default `vmaf`), `disable_clip`
//!   and `enable_transform` (flags; alone or `=true`), and any other key is a
//!   feature option override `FEATURE.OPTION=value` (`vif.vif_enhn_gain_limit=1.0`).
//! - feature: `NAME`, or `NAME=key=value:key=value…` (`psnr=enable_chroma=false`).
//!
//! Where libvmaf quietly drops part of a string (a second `=` in a pair, a second
//! `.` in an override key, anything past 1024 bytes) this parser refuses it with
//! the part named, so a typo never silently scores with the defaults. Later values
//! of a repeated key replace earlier ones, as libvmaf's dictionaries do. Std and
//! thiserror only: the fuzz crate compiles this file alone.

use std::fmt;

/// libvmaf copies at most this many bytes of an option string.
pub const MAX_SPEC_BYTES: usize = 1024;
/// libvmaf's `CLI_SETTINGS_STATIC_ARRAY_LEN`: overrides per model (and models, and
/// features, per command line).
pub const MAX_ENTRIES: usize = 32;
/// A model's name in the log when `name=` is not given.
pub const DEFAULT_NAME: &str = "vmaf";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("'{spec}' is longer than {MAX_SPEC_BYTES} bytes")]
    TooLong { spec: String },
    #[error("'{spec}': empty option (two ':' in a row, or one at an end)")]
    EmptyPart { spec: String },
    #[error("'{spec}': '{part}' has no value (write {part}=VALUE)")]
    NoValue { spec: String, part: String },
    #[error("'{spec}': '{part}' has more than one '=' (values cannot contain '=' or ':')")]
    ExtraEquals { spec: String, part: String },
    #[error("'{spec}': '{part}' has an empty key or value")]
    Empty { spec: String, part: String },
    #[error(
        "'{spec}': '{key}' is not a model option (version, path, name, disable_clip, \
         enable_transform) nor a feature override FEATURE.OPTION"
    )]
    UnknownKey { spec: String, key: String },
    #[error("'{spec}': '{key}' is not FEATURE.OPTION (one '.' with a name on each side)")]
    BadOverride { spec: String, key: String },
    #[error("'{spec}': both version= and path= given; a model is one or the other")]
    VersionAndPath { spec: String },
    #[error("'{spec}': names no model (give version=NAME or path=FILE)")]
    NoModel { spec: String },
    #[error("'{spec}': more than {MAX_ENTRIES} options")]
    TooMany { spec: String },
    #[error("'{spec}': no feature name (a feature is NAME or NAME=key=value:…)")]
    NoFeatureName { spec: String },
    #[error("{spec:?} contains a control character (byte {byte:#04x})")]
    ControlCharacter { spec: String, byte: u8 },
}

/// Where a model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// libvmaf's built-in model of this version (`vmaf_v0.6.1`, `vmaf_v0.6.1neg`, …).
    Version(String),
    /// A model file.
    Path(String),
}

/// One feature option override of a model: `FEATURE.OPTION=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub feature: String,
    pub option: String,
    pub value: String,
}

/// A parsed `--model` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    pub source: ModelSource,
    /// Its name in the log: the pooled score's key and the prefix of its bootstrap
    /// columns (libvmaf's default `vmaf`).
    pub name: String,
    pub disable_clip: bool,
    pub enable_transform: bool,
    /// In the order given; a repeated FEATURE.OPTION keeps its place and its last value.
    pub overrides: Vec<Override>,
}

/// A parsed `--feature` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureSpec {
    pub name: String,
    /// `key=value` options in the order given; a repeated key keeps its last value.
    pub options: Vec<(String, String)>,
}

/// The checks on the whole string: its length, and no control characters (a NUL
/// ends libvmaf's C string early; a newline or escape would reach the log and the
/// terminal as written).
fn check_text(spec: &str) -> Result<(), SpecError> {
    if spec.len() > MAX_SPEC_BYTES {
        // Only the start is quoted back: the rest may be anything.
        let mut end = 64;
        while !spec.is_char_boundary(end) {
            end -= 1;
        }
        return Err(SpecError::TooLong { spec: format!("{}…", &spec[..end]) });
    }
    if let Some(byte) = spec.bytes().find(|b| b.is_ascii_control()) {
        return Err(SpecError::ControlCharacter { spec: spec.to_owned(), byte });
    }
    Ok(())
}

/// Splits `a=b` into key and value: `None` value for a bare key; a second `=` and
/// empty sides are refused.
fn key_value<'s>(spec: &str, part: &'s str) -> Result<(&'s str, Option<&'s str>), SpecError> {
    let err = |make: fn(String, String) -> SpecError| make(spec.to_owned(), part.to_owned());
    match part.split_once('=') {
        None if part.is_empty() => Err(SpecError::EmptyPart { spec: spec.to_owned() }),
        None => Ok((part, None)),
        Some((_, value)) if value.contains('=') => Err(err(|spec, part| SpecError::ExtraEquals { spec, part })),
        Some((key, value)) if key.is_empty() || value.is_empty() => Err(err(|spec, part| SpecError::Empty { spec, part })),
        Some((key, value)) => Ok((key, Some(value))),
    }
}

/// Sets `key` to `value` in an ordered list: replaced in place if present.
fn set<K: PartialEq>(list: &mut Vec<(K, String)>, key: K, value: &str) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some((_, v)) => *v = value.to_owned(),
        None => list.push((key, value.to_owned())),
    }
}

/// `true` for libvmaf's flag values: only the word `true` sets a flag.
fn flag(value: Option<&str>) -> bool {
    value.is_none_or(|v| v == "true")
}

impl ModelSpec {
    /// Parses a `--model` string (see the module documentation).
    pub fn parse(spec: &str) -> Result<ModelSpec, SpecError> {
        check_text(spec)?;
        let (mut version, mut path, mut name) = (None, None, None);
        let (mut disable_clip, mut enable_transform) = (false, false);
        let mut overrides: Vec<((String, String), String)> = Vec::new();
        for part in spec.split(':') {
            let (key, value) = key_value(spec, part)?;
            let value_of = |v: Option<&str>| {
                v.map(str::to_owned).ok_or_else(|| SpecError::NoValue { spec: spec.to_owned(), part: part.to_owned() })
            };
            match key {
                "version" => version = Some(value_of(value)?),
                "path" => path = Some(value_of(value)?),
                "name" => name = Some(value_of(value)?),
                "disable_clip" => disable_clip = flag(value),
                "enable_transform" => enable_transform = flag(value),
                _ => {
                    let Some((feature, option)) = key.split_once('.') else {
                        return Err(SpecError::UnknownKey { spec: spec.to_owned(), key: key.to_owned() });
                    };
                    if option.contains('.') || feature.is_empty() || option.is_empty() {
                        return Err(SpecError::BadOverride { spec: spec.to_owned(), key: key.to_owned() });
                    }
                    let value = value_of(value)?;
                    set(&mut overrides, (feature.to_owned(), option.to_owned()), &value);
                    if overrides.len() > MAX_ENTRIES {
                        return Err(SpecError::TooMany { spec: spec.to_owned() });
                    }
                }
            }
        }
        let source = match (version, path) {
            (Some(_), Some(_)) => return Err(SpecError::VersionAndPath { spec: spec.to_owned() }),
            (Some(v), None) => ModelSource::Version(v),
            (None, Some(p)) => ModelSource::Path(p),
            (None, None) => return Err(SpecError::NoModel { spec: spec.to_owned() }),
        };
        Ok(ModelSpec {
            source,
            name: name.unwrap_or_else(|| DEFAULT_NAME.to_owned()),
            disable_clip,
            enable_transform,
            overrides: overrides.into_iter().map(|((feature, option), value)| Override { feature, option, value }).collect(),
        })
    }
}

impl FeatureSpec {
    /// Parses a `--feature` string (see the module documentation).
    pub fn parse(spec: &str) -> Result<FeatureSpec, SpecError> {
        check_text(spec)?;
        let (name, rest) = match spec.split_once('=') {
            Some((name, rest)) => (name, Some(rest)),
            None => (spec, None),
        };
        if name.is_empty() || name.contains(':') {
            return Err(SpecError::NoFeatureName { spec: spec.to_owned() });
        }
        let mut options = Vec::new();
        for part in rest.into_iter().flat_map(|r| r.split(':')) {
            match key_value(spec, part)? {
                (key, Some(value)) => set(&mut options, key.to_owned(), value),
                (_, None) => return Err(SpecError::NoValue { spec: spec.to_owned(), part: part.to_owned() }),
            }
            if options.len() > MAX_ENTRIES {
                return Err(SpecError::TooMany { spec: spec.to_owned() });
            }
        }
        Ok(FeatureSpec { name: name.to_owned(), options })
    }

    /// The value of option `key`, if given.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// The canonical string: `ModelSpec::parse` of it gives the same spec back, and it
/// is never longer than any string that parses to this spec (the default name is
/// left out, flags are bare, each override appears once), so it too fits
/// [`MAX_SPEC_BYTES`].
impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            ModelSource::Version(v) => write!(f, "version={v}")?,
            ModelSource::Path(p) => write!(f, "path={p}")?,
        }
        if self.name != DEFAULT_NAME {
            write!(f, ":name={}", self.name)?;
        }
        if self.disable_clip {
            f.write_str(":disable_clip")?;
        }
        if self.enable_transform {
            f.write_str(":enable_transform")?;
        }
        for o in &self.overrides {
            write!(f, ":{}.{}={}", o.feature, o.option, o.value)?;
        }
        Ok(())
    }
}

/// The canonical string: `FeatureSpec::parse` of it gives the same spec back.
impl fmt::Display for FeatureSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        for (i, (k, v)) in self.options.iter().enumerate() {
            write!(f, "{}{k}={v}", if i == 0 { '=' } else { ':' })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_strings_as_scripts_write_them() {
        let m = ModelSpec::parse("version=vmaf_v0.6.1neg:name=neg:vif.vif_enhn_gain_limit=1.0:adm.adm_enhn_gain_limit=1.0")
            .unwrap();
        assert_eq!(m.source, ModelSource::Version("vmaf_v0.6.1neg".into()));
        assert_eq!(m.name, "neg");
        assert_eq!(m.overrides.len(), 2);
        assert_eq!(m.overrides[0], Override { feature: "vif".into(), option: "vif_enhn_gain_limit".into(), value: "1.0".into() });
        let p = ModelSpec::parse("path=/models/vmaf_4k_v0.6.1.json:enable_transform:disable_clip=false").unwrap();
        assert_eq!(p.source, ModelSource::Path("/models/vmaf_4k_v0.6.1.json".into()));
        assert_eq!((p.name.as_str(), p.enable_transform, p.disable_clip), ("vmaf", true, false));
    }

    #[test]
    fn repeated_keys_keep_the_last_value() {
        let m = ModelSpec::parse("version=a:version=b:vif.x=1:adm.y=2:vif.x=3").unwrap();
        assert_eq!(m.source, ModelSource::Version("b".into()));
        assert_eq!(m.overrides.iter().map(|o| o.value.as_str()).collect::<Vec<_>>(), ["3", "2"]);
        let f = FeatureSpec::parse("psnr=enable_chroma=true:enable_chroma=false").unwrap();
        assert_eq!(f.options, [("enable_chroma".to_owned(), "false".to_owned())]);
    }

    #[test]
    fn feature_strings_as_libvmaf_ctc_presets_write_them() {
        let f = FeatureSpec::parse("psnr=reduced_hbd_peak=true:enable_apsnr=true:min_sse=0.5").unwrap();
        assert_eq!(f.name, "psnr");
        assert_eq!(f.option("min_sse"), Some("0.5"));
        assert_eq!(FeatureSpec::parse("ciede").unwrap(), FeatureSpec { name: "ciede".into(), options: vec![] });
    }

    #[test]
    fn what_libvmaf_would_drop_silently_is_refused() {
        let model = |s: &str| ModelSpec::parse(s).unwrap_err();
        assert!(matches!(model("version=a::name=b"), SpecError::EmptyPart { .. }));
        assert!(matches!(model("version=a:"), SpecError::EmptyPart { .. }));
        assert!(matches!(model("version=a=b"), SpecError::ExtraEquals { .. }));
        assert!(matches!(model("version=a:vif.x.y=1"), SpecError::BadOverride { .. }));
        assert!(matches!(model("version=a:vif.=1"), SpecError::BadOverride { .. }));
        assert!(matches!(model("version=a:colour=1"), SpecError::UnknownKey { .. }));
        assert!(matches!(model("version=a:name"), SpecError::NoValue { .. }));
        assert!(matches!(model("version=a:vif.x"), SpecError::NoValue { .. }));
        assert!(matches!(model("version="), SpecError::Empty { .. }));
        assert!(matches!(model("version=a:path=b"), SpecError::VersionAndPath { .. }));
        assert!(matches!(model("name=x"), SpecError::NoModel { .. }));
        assert!(matches!(model(&format!("version={}", "a".repeat(MAX_SPEC_BYTES))), SpecError::TooLong { .. }));
        let many: String = (0..=MAX_ENTRIES).map(|i| format!(":vif.o{i}=1")).collect();
        assert!(matches!(model(&format!("version=a{many}")), SpecError::TooMany { .. }));
        let feature = |s: &str| FeatureSpec::parse(s).unwrap_err();
        assert!(matches!(feature(""), SpecError::NoFeatureName { .. }));
        assert!(matches!(feature("=x=1"), SpecError::NoFeatureName { .. }));
        assert!(matches!(feature("psnr="), SpecError::EmptyPart { .. }));
        assert!(matches!(feature("psnr=enable_chroma"), SpecError::NoValue { .. }));
        assert!(matches!(feature("psnr=a=1=2"), SpecError::ExtraEquals { .. }));
        assert!(matches!(model("version=a\0b"), SpecError::ControlCharacter { byte: 0, .. }));
        assert!(matches!(feature("psnr=x=1\n"), SpecError::ControlCharacter { byte: b'\n', .. }));
    }

    #[test]
    fn messages_name_the_string_and_the_part() {
        let e = ModelSpec::parse("version=vmaf_v0.6.1:vif.vif_enhn_gain_limit").unwrap_err();
        assert_eq!(e.to_string(), "'version=vmaf_v0.6.1:vif.vif_enhn_gain_limit': 'vif.vif_enhn_gain_limit' has no value (write vif.vif_enhn_gain_limit=VALUE)");
    }

    #[test]
    fn canonical_strings_parse_back() {
        for s in ["path=x.json:enable_transform:disable_clip:vif.a=1:adm.b=2", "version=v:name=n"] {
            let m = ModelSpec::parse(s).unwrap();
            assert_eq!(ModelSpec::parse(&m.to_string()).unwrap(), m);
        }
        // A string of the longest length stays within it canonically (the default
        // name once made it longer than it was given).
        let full = format!("version={}", "v".repeat(MAX_SPEC_BYTES - 8));
        assert_eq!(ModelSpec::parse(&full).unwrap().to_string(), full);
        for s in ["float_ssim=enable_db=true:clip_db=true", "cambi"] {
            let f = FeatureSpec::parse(s).unwrap();
            assert_eq!(f.to_string(), s);
        }
    }
}
