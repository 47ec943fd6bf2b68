//! libvmaf's column names and the float steps after the integer features, shared by
//! both backends: feature columns, the feature sets the models ask for, each model's
//! per-frame score, and the log.

use super::{Extracted, HostMetrics};
use crate::features::psnr::{PsnrOptions, apsnr, psnr_with};
use crate::io::VideoInfo;
use crate::features::motion::{MotionOptions, motion_score};
use crate::features::{self, FeatureOptions};
use crate::output::{RunContext, ScoreLog};

/// Every feature column of a run, before any model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureTable {
    pub frame_numbers: Vec<u64>,
    pub columns: Vec<(String, Vec<f64>)>,
    /// Values of the whole clip rather than of a frame (libvmaf's
    /// `aggregate_metrics`: `apsnr_y`, …).
    pub aggregates: Vec<(String, f64)>,
    /// What the reader of the log should know about how it was computed (a GPU that
    /// failed mid-run and the frame the CPU took over from).
    pub notes: Vec<String>,
}

impl FeatureTable {
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }
}

/// libvmaf's suffix for a feature set computed with non-default options
/// (`_egl_1` for enhancement-gain limit 1.0).
pub fn set_suffix(options: &FeatureOptions) -> String {
    let default = FeatureOptions::default();
    if options == &default {
        String::new()
    } else if options.vif_enhn_gain_limit == options.adm_enhn_gain_limit {
        format!("_egl_{}", options.vif_enhn_gain_limit)
    } else {
        format!("_vegl_{}_aegl_{}", options.vif_enhn_gain_limit, options.adm_enhn_gain_limit)
    }
}

/// The suffixes of a feature set's (VIF, ADM) columns: [`set_suffix`] for both while
/// its ADM options other than the gain limit are the defaults; else libvmaf's own
/// keys, each naming the options of its extractor (`_csf_2_dlmw_0.7_egl_1_…`).
pub fn vif_adm_suffixes(options: &FeatureOptions) -> (String, String) {
    use crate::features::name::{KeyOption, key};
    if options.adm_is_default_model() {
        let suffix = set_suffix(options);
        return (suffix.clone(), suffix);
    }
    let default = FeatureOptions::default();
    let vif = key("", vec![KeyOption::double("vif_enhn_gain_limit", "egl", options.vif_enhn_gain_limit, default.vif_enhn_gain_limit)]);
    (vif, key("", options.adm_key_options()))
}

/// libvmaf's feature columns from the integer features of every frame: the float
/// steps shared by both backends.
/// Computed over every frame (motion2 looks one frame ahead), then reduced to the rows
/// `subsample` keeps.
pub(super) fn columns(extracted: Extracted, info: &VideoInfo, sets: &[FeatureOptions], options: &super::ScoreOptions) -> FeatureTable {
    let (w, h, subsample) = (info.width, info.height, options.subsample);
    let Extracted { frame_numbers, features: frames, host } = extracted;
    let mut columns = Vec::new();
    for (s, set) in sets.iter().enumerate() {
        let (vif_suffix, suffix) = vif_adm_suffixes(set);
        let adm: Vec<(f64, [f64; 4])> = frames.iter().map(|f| features::adm::adm_scores(&f.adm[s].num_den, w, h)).collect();
        let aim: Vec<(f64, f64)> = frames
            .iter()
            .map(|f| features::adm::adm_aim_scores_with(&f.adm[s], w, h, set.adm_dlm_weight, set.adm_min_val))
            .collect();
        let vif: Vec<[f64; 4]> = frames.iter().map(|f| features::vif::vif_scores(&f.vif[s])).collect();
        columns.push((format!("integer_adm2{suffix}"), adm.iter().map(|a| a.0).collect()));
        columns.push((format!("integer_aim{suffix}"), aim.iter().map(|a| a.0).collect()));
        columns.push((format!("integer_adm3{suffix}"), aim.iter().map(|a| a.1).collect()));
        for k in 0..4 {
            columns.push((format!("integer_adm_scale{k}{suffix}"), adm.iter().map(|a| a.1[k]).collect()));
        }
        // Sets that differ only in ADM options share their VIF columns (written once).
        if !columns.iter().any(|(name, _): &(String, Vec<f64>)| *name == format!("integer_vif_scale0{vif_suffix}")) {
            for k in 0..4 {
                columns.push((format!("integer_vif_scale{k}{vif_suffix}"), vif.iter().map(|v| v[k]).collect()));
            }
        }
    }
    let raw: Vec<f64> = frames.iter().map(|f| f.motion_sad.map_or(0.0, |sad| motion_score(sad, w, h))).collect();
    let motion2 = features::motion2(&raw);
    columns.push(("integer_motion3".to_owned(), features::motion::motion3(&raw, &motion2)));
    columns.push(("integer_motion2".to_owned(), motion2));
    columns.push(("integer_motion".to_owned(), raw));
    // Motion with other options: libvmaf's keys (`integer_motion3_mmxv_18`, …; the SAD
    // score, `VMAF_integer_feature_motion_sad_score_…` in libvmaf, as `integer_motion_…`).
    let wanted = options.motion.iter().enumerate().filter(|(k, o)| **o != MotionOptions::default() && !options.motion[..*k].contains(o));
    for (_, o) in wanted {
        let sad: Vec<f64> = frames
            .iter()
            .map(|f| if o.five_frame_window { f.motion_sad2 } else { f.motion_sad })
            .map(|sad| sad.map_or(0.0, |sad| o.sad_score(sad, w, h)))
            .collect();
        let (motion2, motion3) = o.motion2_motion3(&sad);
        columns.push((o.key("integer_motion3"), motion3));
        columns.push((o.key("integer_motion2"), motion2));
        columns.push((o.key("integer_motion"), sad));
    }
    let mut aggregates = Vec::new();
    if options.psnr {
        psnr_columns(&host, info, &options.psnr_options, &mut columns, &mut aggregates);
    }
    // A host metric is a column when some kept frame has it (the left-out ones do not).
    if host.iter().any(|m| m.ssim.is_some()) {
        columns.push(("float_ssim".to_owned(), host.iter().map(|m| m.ssim.unwrap_or(f64::NAN)).collect()));
    }
    if host.iter().any(|m| m.ms_ssim.is_some()) {
        columns.push(("float_ms_ssim".to_owned(), host.iter().map(|m| m.ms_ssim.unwrap_or(f64::NAN)).collect()));
    }
    if host.iter().any(|m| m.ciede.is_some()) {
        columns.push(("ciede2000".to_owned(), host.iter().map(|m| m.ciede.unwrap_or(f64::NAN)).collect()));
    }
    // Host metrics with option sets: every kept frame has each set (none for the left-out ones).
    for (k, o) in options.cambi.iter().enumerate() {
        columns.push((features::cambi::key(o), host.iter().map(|m| m.cambi.get(k).copied().unwrap_or(f64::NAN)).collect()));
    }
    for (k, o) in options.speed_chroma.iter().enumerate() {
        for (plane, key) in features::speed::keys(o).into_iter().enumerate() {
            columns.push((key, host.iter().map(|m| m.speed_chroma.get(k).map_or(f64::NAN, |s| s[plane])).collect()));
        }
    }
    if host.iter().any(|m| m.psnr_hvs.is_some()) {
        for (k, name) in ["psnr_hvs_y", "psnr_hvs_cb", "psnr_hvs_cr", "psnr_hvs"].iter().enumerate() {
            columns.push(((*name).to_owned(), host.iter().map(|m| m.psnr_hvs.map_or(f64::NAN, |p| p[k])).collect()));
        }
    }
    let keep: Vec<bool> = frame_numbers.iter().map(|&n| super::frames::is_scored(n, subsample)).collect();
    let select = |v: Vec<f64>| -> Vec<f64> { v.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(x, _)| x).collect() };
    let columns = columns.into_iter().map(|(name, v)| (name, select(v))).collect();
    let frame_numbers = frame_numbers.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(n, _)| n).collect();
    FeatureTable { frame_numbers, columns, aggregates, notes: Vec::new() }
}

/// libvmaf's `psnr` columns from each frame's squared errors: per plane (Y alone
/// without chroma) `psnr_*` and, with `enable_mse`, `mse_*`; with `enable_apsnr` the
/// clip's `apsnr_*` aggregates over every frame, written for all three planes as
/// libvmaf writes them.
fn psnr_columns(
    host: &[HostMetrics],
    info: &VideoInfo,
    options: &PsnrOptions,
    columns: &mut Vec<(String, Vec<f64>)>,
    aggregates: &mut Vec<(String, f64)>,
) {
    let (sw, sh) = info.chroma.shifts();
    let plane_size = |p: usize| -> (usize, usize) {
        if p == 0 {
            (info.width * info.height, info.width * info.height)
        } else {
            let actual = info.width.div_ceil(1 << sw) * info.height.div_ceil(1 << sh);
            // libvmaf's cap rounds the chroma size down.
            let nominal = (info.width >> sw) * (info.height >> sh);
            (actual, nominal)
        }
    };
    let planes = if options.enable_chroma { 3 } else { 1 };
    for (p, suffix) in ["y", "cb", "cr"].iter().enumerate().take(planes) {
        let (samples, nominal) = plane_size(p);
        let values: Vec<(f64, f64)> = host
            .iter()
            .map(|m| m.psnr_sse.map_or((0.0, 0.0), |sse| psnr_with(sse[p], samples, nominal, info.bit_depth, options)))
            .collect();
        columns.push((format!("psnr_{suffix}"), values.iter().map(|v| v.0).collect()));
        if options.enable_mse {
            columns.push((format!("mse_{suffix}"), values.iter().map(|v| v.1).collect()));
        }
    }
    if options.enable_apsnr {
        for (p, suffix) in ["y", "cb", "cr"].iter().enumerate() {
            // Planes left out (no chroma) count no samples, as in libvmaf.
            let counted = p < planes;
            let sse: u64 = host.iter().filter_map(|m| m.psnr_sse).map(|s| if counted { s[p] } else { 0 }).sum();
            let samples = if counted { plane_size(p).0 as u64 * host.len() as u64 } else { 0 };
            aggregates.push((format!("apsnr_{suffix}"), apsnr(sse, samples, info.bit_depth, options)));
        }
    }
}

/// The name a loaded model's score goes by in the log: the caller's (libvmaf's
/// `name=`), else [`score_name`] of its id.
pub fn output_name(model: &crate::model::LoadedModel) -> String {
    model.name.clone().unwrap_or_else(|| score_name(&model.id))
}

/// The output name of a model's score: libvmaf's names for libvmaf's models, so
/// existing log parsers find `vmaf` and `vmaf_neg`; the registry id otherwise.
pub fn score_name(model_id: &str) -> String {
    match model_id {
        "vmaf_v0.6.1" => "vmaf".to_owned(),
        "vmaf_v0.6.1neg" => "vmaf_neg".to_owned(),
        other => other.to_owned(),
    }
}

/// Features and scores as one log, in libvmaf's column order (features, then scores).
pub fn to_log(table: FeatureTable, scores: Vec<(String, Vec<f64>)>, fps: f64, context: RunContext) -> ScoreLog {
    let all: Vec<(String, Vec<f64>)> = table.columns.into_iter().chain(scores).collect();
    let n = table.frame_numbers.len();
    ScoreLog {
        aggregates: table.aggregates,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        fps,
        metrics: all.iter().map(|(n, _)| n.clone()).collect(),
        frames: (0..n).map(|i| all.iter().map(|(_, c)| c[i]).collect()).collect(),
        frame_numbers: table.frame_numbers,
        context,
    }
}
