//! Which columns a libvmaf run writes, in which order, under which names.
//!
//! libvmaf registers one feature extractor per (extractor, options) pair: each
//! model's, in the order of its features, then each `--feature`, dropping exact
//! repeats. Its log holds a metric in the order the metric was first written:
//! what each extractor writes at frame 0 in registration order, then motion2 and
//! motion3 (motion writes them one frame late), then the model scores. That order
//! is deterministic without `--threads`. With `--threads` of 1 or more, PSNR (a
//! temporal extractor in libvmaf) runs on the main thread before each frame's job
//! is queued, so its columns come first; the worker threads then race to create
//! the other columns, and that order changes from run to run (measured on libvmaf
//! 3.2: four different orders in eight runs of one command line). A threaded run
//! here gets PSNR first and the rest in registration order (the order of every
//! oracle log, made with `--threads 2`).
//!
//! [`Plan::log`] takes a run's [`FeatureTable`] and model scores and lays them out
//! that way, renamed to libvmaf's keys (our raw motion column is libvmaf's
//! `VMAF_integer_feature_motion_sad_score`; an option set's suffix is per
//! extractor, `_egl_1`).

use crate::features::FeatureOptions;
use crate::features::motion::MotionOptions;
use crate::output::{RunContext, ScoreLog};
use crate::score::columns::{set_suffix, vif_adm_suffixes, FeatureTable};
use crate::score::{ModelInputs, ScoreOptions};

/// One registered extractor with its options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Extractor {
    /// `adm` with its options (the VIF fields at their defaults).
    Adm(FeatureOptions),
    Motion(MotionOptions),
    /// `vif` with its enhancement-gain limit.
    Vif(f64),
    Psnr(crate::features::psnr::PsnrOptions),
    /// `float_ssim` (its options change its values, not its key).
    FloatSsim(crate::features::SsimOptions),
    FloatMsSsim(crate::features::SsimOptions),
    PsnrHvs,
    Ciede,
    Cambi(crate::features::cambi::CambiOptions),
    SpeedChroma(crate::features::speed::SpeedChromaOptions),
}

impl Extractor {
    /// `adm` with the ADM options of `set`.
    pub fn adm(set: &FeatureOptions) -> Extractor {
        Extractor::Adm(adm_part(set))
    }

    /// The extractor that computes a model feature (`adm2`, `motion2`, `vif_scale0`,
    /// `cambi`, `speed_chroma_uv`) with the model's options.
    pub fn of_model_feature(feature: &str, inputs: &ModelInputs) -> Option<Extractor> {
        if feature.starts_with("adm") || feature.starts_with("aim") {
            Some(Extractor::adm(&inputs.set))
        } else if feature.starts_with("motion") {
            Some(Extractor::Motion(inputs.motion))
        } else if feature.starts_with("vif") {
            Some(Extractor::Vif(inputs.set.vif_enhn_gain_limit))
        } else if feature == "cambi" {
            inputs.cambi.map(Extractor::Cambi)
        } else if feature.starts_with("speed_chroma") {
            inputs.speed_chroma.map(Extractor::SpeedChroma)
        } else {
            None
        }
    }
}

/// A set's ADM options alone (the VIF gain limit at its default).
fn adm_part(set: &FeatureOptions) -> FeatureOptions {
    FeatureOptions { vif_enhn_gain_limit: FeatureOptions::default().vif_enhn_gain_limit, ..*set }
}

/// libvmaf's key suffix for a non-default enhancement-gain limit.
fn suffix(limit: f64) -> String {
    if limit == FeatureOptions::default().vif_enhn_gain_limit { String::new() } else { format!("_egl_{limit}") }
}

/// Extractors in registration order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    extractors: Vec<Extractor>,
}

/// Column `name` of our table, written to the log as `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub key: String,
    pub name: String,
}

impl Plan {
    /// Registers an extractor unless the same one with the same options already is.
    pub fn register(&mut self, extractor: Extractor) {
        if !self.extractors.contains(&extractor) {
            self.extractors.push(extractor);
        }
    }

    /// Registers what a model's features need, in the order of its features.
    pub fn register_model(&mut self, features: &[String], inputs: &ModelInputs) {
        for f in features {
            if let Some(e) = Extractor::of_model_feature(f, inputs) {
                self.register(e);
            }
        }
    }

    /// The option sets of the registered `motion` extractors other than the default.
    pub fn motion(&self) -> Vec<MotionOptions> {
        let default = MotionOptions::default();
        self.extractors.iter().filter_map(|e| if let Extractor::Motion(o) = e { Some(*o) } else { None }).filter(|o| *o != default).collect()
    }

    /// The option sets of the registered `cambi` extractors, in order.
    pub fn cambi(&self) -> Vec<crate::features::cambi::CambiOptions> {
        self.extractors.iter().filter_map(|e| if let Extractor::Cambi(o) = e { Some(*o) } else { None }).collect()
    }

    /// The option sets of the registered `speed_chroma` extractors, in order.
    pub fn speed_chroma(&self) -> Vec<crate::features::speed::SpeedChromaOptions> {
        self.extractors.iter().filter_map(|e| if let Extractor::SpeedChroma(o) = e { Some(*o) } else { None }).collect()
    }

    pub fn ciede(&self) -> bool {
        self.extractors.contains(&Extractor::Ciede)
    }

    pub fn psnr_hvs(&self) -> bool {
        self.extractors.contains(&Extractor::PsnrHvs)
    }

    /// The options of the `psnr` extractor, if one is registered (the last one).
    pub fn psnr_options(&self) -> Option<crate::features::psnr::PsnrOptions> {
        self.extractors.iter().rev().find_map(|e| match e {
            Extractor::Psnr(o) => Some(*o),
            _ => None,
        })
    }

    pub fn psnr(&self) -> bool {
        self.extractors.iter().any(|e| matches!(e, Extractor::Psnr(_)))
    }

    /// The options of the `float_ssim` extractor, if one is registered (the last one
    /// registered, as the last writer of libvmaf's one `float_ssim` key wins).
    pub fn ssim(&self) -> Option<crate::features::SsimOptions> {
        self.extractors.iter().rev().find_map(|e| match e {
            Extractor::FloatSsim(o) => Some(*o),
            _ => None,
        })
    }

    /// Likewise for `float_ms_ssim`.
    pub fn ms_ssim(&self) -> Option<crate::features::SsimOptions> {
        self.extractors.iter().rev().find_map(|e| match e {
            Extractor::FloatMsSsim(o) => Some(*o),
            _ => None,
        })
    }

    /// `base` with what the registered extractors add to a run (PSNR, SSIM, CAMBI, …;
    /// VIF and ADM come from [`Plan::feature_sets`]).
    pub fn score_options(&self, base: ScoreOptions) -> ScoreOptions {
        ScoreOptions {
            psnr: self.psnr(),
            psnr_options: self.psnr_options().unwrap_or_default(),
            ssim: self.ssim(),
            ms_ssim: self.ms_ssim(),
            psnr_hvs: self.psnr_hvs(),
            ciede: self.ciede(),
            cambi: self.cambi(),
            speed_chroma: self.speed_chroma(),
            motion: self.motion(),
            ..base
        }
    }

    /// The VIF/ADM option sets the run must compute: `model_sets` (the models'
    /// own), plus one for each registered limit none of them has.
    pub fn feature_sets(&self, model_sets: &[FeatureOptions]) -> Vec<FeatureOptions> {
        let mut sets = model_sets.to_vec();
        let default = FeatureOptions::default();
        for e in &self.extractors {
            let (covered, wanted) = match *e {
                Extractor::Adm(o) => (sets.iter().any(|s| adm_part(s) == o), o),
                Extractor::Vif(l) => (sets.iter().any(|s| s.vif_enhn_gain_limit == l), FeatureOptions { vif_enhn_gain_limit: l, ..default }),
                _ => (true, default),
            };
            if !covered {
                sets.push(wanted);
            }
        }
        sets
    }

    /// The feature columns in libvmaf's order and names. `sets` are the option sets
    /// the table was computed with; `threaded` is libvmaf's `--threads` ≥ 1.
    pub fn columns(&self, sets: &[FeatureOptions], threaded: bool) -> Vec<Column> {
        let set_with = |pick: &dyn Fn(&FeatureOptions) -> bool| {
            set_suffix(sets.iter().find(|s| pick(s)).expect("feature_sets covers every registered limit"))
        };
        let column = |key: String, name: String| Column { key, name };
        let mut first = Vec::new();
        // Positions in `first` of the columns a temporal extractor writes.
        let mut temporal = Vec::new();
        let mut deferred = Vec::new();
        for e in &self.extractors {
            match *e {
                Extractor::Adm(o) => {
                    let set = sets.iter().find(|s| adm_part(s) == o).expect("feature_sets covers every registered ADM set");
                    let ours = vif_adm_suffixes(set).1;
                    // libvmaf's key names the ADM options alone.
                    let key = if o.adm_is_default_model() { suffix(o.adm_enhn_gain_limit) } else { vif_adm_suffixes(&o).1 };
                    for base in ["adm2", "aim", "adm3", "adm_scale0", "adm_scale1", "adm_scale2", "adm_scale3"] {
                        first.push(column(format!("integer_{base}{key}"), format!("integer_{base}{ours}")));
                    }
                }
                Extractor::Vif(limit) => {
                    let ours = set_with(&|s| s.vif_enhn_gain_limit == limit);
                    for k in 0..4 {
                        first.push(column(format!("integer_vif_scale{k}{}", suffix(limit)), format!("integer_vif_scale{k}{ours}")));
                    }
                }
                Extractor::Motion(o) => {
                    first.push(column(o.key("VMAF_integer_feature_motion_sad_score"), o.key("integer_motion")));
                    for name in ["integer_motion2", "integer_motion3"] {
                        deferred.push(column(o.key(name), o.key(name)));
                    }
                }
                Extractor::FloatSsim(_) => first.push(column("float_ssim".into(), "float_ssim".into())),
                Extractor::FloatMsSsim(_) => first.push(column("float_ms_ssim".into(), "float_ms_ssim".into())),
                Extractor::Ciede => first.push(column("ciede2000".into(), "ciede2000".into())),
                Extractor::Cambi(o) => {
                    let key = crate::features::cambi::key(&o);
                    first.push(column(key.clone(), key));
                }
                Extractor::SpeedChroma(o) => {
                    for key in crate::features::speed::keys(&o) {
                        first.push(column(key.clone(), key));
                    }
                }
                Extractor::PsnrHvs => {
                    for key in ["psnr_hvs_y", "psnr_hvs_cb", "psnr_hvs_cr", "psnr_hvs"] {
                        first.push(column(key.into(), key.into()));
                    }
                }
                Extractor::Psnr(o) => {
                    let start = first.len();
                    let planes: &[&str] = if o.enable_chroma { &["y", "cb", "cr"] } else { &["y"] };
                    for p in planes {
                        first.push(column(format!("psnr_{p}"), format!("psnr_{p}")));
                        if o.enable_mse {
                            first.push(column(format!("mse_{p}"), format!("mse_{p}")));
                        }
                    }
                    temporal.extend(start..first.len());
                }
            }
        }
        if threaded {
            // PSNR is libvmaf's one temporal extractor here: with threads it runs on
            // the main thread before each frame's job is queued, so its columns are
            // created first; the rest keep their order.
            let (front, rest): (Vec<_>, Vec<_>) = first.into_iter().enumerate().partition(|(i, _)| temporal.contains(i));
            first = front.into_iter().chain(rest).map(|(_, c)| c).collect();
        }
        first.extend(deferred);
        first
    }

    /// The run as libvmaf logs it: these feature columns, then `scores` (each model's
    /// per-frame score under its `name=`).
    pub fn log(
        &self,
        table: &FeatureTable,
        sets: &[FeatureOptions],
        threaded: bool,
        scores: Vec<(String, Vec<f64>)>,
        fps: f64,
        context: RunContext,
    ) -> ScoreLog {
        let mut metrics = Vec::new();
        let mut columns: Vec<&[f64]> = Vec::new();
        for c in self.columns(sets, threaded) {
            // A column the table lacks (none is expected: the run refuses what it
            // cannot compute) is left out rather than invented.
            let Some(values) = table.column(&c.name) else { continue };
            metrics.push(c.key);
            columns.push(values);
        }
        for (name, values) in &scores {
            metrics.push(name.clone());
            columns.push(values);
        }
        let n = table.frame_numbers.len();
        ScoreLog {
            aggregates: table.aggregates.clone(),
            version: super::cli::LIBVMAF_VERSION.to_owned(),
            fps,
            metrics,
            frames: (0..n).map(|i| columns.iter().map(|c| c[i]).collect()).collect(),
            frame_numbers: table.frame_numbers.clone(),
            context,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_features() -> Vec<String> {
        ["adm2", "motion2", "vif_scale0", "vif_scale1", "vif_scale2", "vif_scale3"].map(str::to_owned).to_vec()
    }

    fn inputs(set: FeatureOptions) -> ModelInputs {
        ModelInputs { set, motion: MotionOptions::default(), cambi: None, speed_chroma: None, columns: Vec::new() }
    }

    fn keys(plan: &Plan, threaded: bool) -> Vec<String> {
        let sets = plan.feature_sets(&[FeatureOptions::default(), FeatureOptions::egl(1.0)]);
        plan.columns(&sets, threaded).into_iter().map(|c| c.key).collect()
    }

    #[test]
    fn neg_then_plain_with_psnr_as_libvmaf_orders_them() {
        let neg = FeatureOptions::egl(1.0);
        let mut plan = Plan::default();
        plan.register_model(&model_features(), &inputs(neg));
        plan.register_model(&model_features(), &inputs(FeatureOptions::default()));
        plan.register(Extractor::Psnr(Default::default()));
        let unthreaded = keys(&plan, false);
        assert_eq!(unthreaded[0], "integer_adm2_egl_1");
        assert_eq!(unthreaded[7], "VMAF_integer_feature_motion_sad_score");
        assert_eq!(unthreaded[8], "integer_vif_scale0_egl_1");
        assert_eq!(unthreaded[12], "integer_adm2");
        assert_eq!(&unthreaded[23..], ["psnr_y", "psnr_cb", "psnr_cr", "integer_motion2", "integer_motion3"]);
        let threaded = keys(&plan, true);
        assert_eq!(&threaded[..4], ["psnr_y", "psnr_cb", "psnr_cr", "integer_adm2_egl_1"]);
        assert_eq!(threaded.len(), unthreaded.len());
    }

    #[test]
    fn a_limit_no_model_has_gets_its_own_set() {
        let mut plan = Plan::default();
        plan.register(Extractor::Vif(2.5));
        plan.register(Extractor::Vif(2.5));
        let sets = plan.feature_sets(&[FeatureOptions::default()]);
        assert_eq!(sets.len(), 2);
        let columns = plan.columns(&sets, false);
        assert_eq!(columns.len(), 4);
        assert_eq!(columns[0].key, "integer_vif_scale0_egl_2.5");
        assert_eq!(columns[0].name, format!("integer_vif_scale0{}", set_suffix(&sets[1])));
    }
}
