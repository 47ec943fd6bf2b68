//! Golden test: every frame of every clip pair in `../shared/oracle` through the
//! product's own pipeline (`score::extract` + the registry models), against
//! libvmaf's scalar C log. Features must be equal as doubles; `vmaf` and
//! `vmaf_neg` within 5e-5 per frame and in the pooled mean.

mod common;

use tinyvmaf_gpu::features::FeatureOptions;
use tinyvmaf_gpu::features::motion::MotionOptions;
use tinyvmaf_gpu::features::cambi::CambiOptions;
use tinyvmaf_gpu::features::speed::SpeedChromaOptions;
use tinyvmaf_gpu::model::{Backend, LoadedModel};
use tinyvmaf_gpu::pooling;
use tinyvmaf_gpu::io::InputSpec;
use tinyvmaf_gpu::score::{self, ScoreOptions};
use tinyvmaf_gpu::simd::{Isa, Level};
use tinyvmaf_gpu::verify;

/// Our column name → libvmaf's key, where they differ.
fn libvmaf_key(ours: &str) -> &str {
    match ours {
        "integer_motion" => "VMAF_integer_feature_motion_sad_score",
        other => other,
    }
}

#[test]
fn every_oracle_frame_matches_libvmaf() {
    oracle_at(ScoreOptions::default().simd);
}

/// The golden test again at every other vector level this CPU runs (`TINYVMAF_SIMD`'s
/// levels): each must give libvmaf's numbers, not merely the default level's.
#[test]
fn every_vector_level_matches_libvmaf_on_every_oracle_frame() {
    let default = ScoreOptions::default().simd.level();
    for level in Level::available().into_iter().filter(|&l| l != default) {
        println!("--- {level}");
        oracle_at(level.isa().unwrap());
    }
}

fn oracle_at(simd: Isa) {
    let Some((oracle, clips)) = common::oracle_clips() else { return };
    let models: Vec<LoadedModel> = ["vmaf_v0.6.1", "vmaf_v0.6.1neg"]
        .iter()
        .map(|id| LoadedModel::load(verify::pin_checked(id).unwrap(), Backend::Cpu).unwrap())
        .collect();
    let sets = score::feature_sets(&models).unwrap();
    assert_eq!(sets, vec![FeatureOptions::default(), FeatureOptions::egl(1.0)]);
    let options = ScoreOptions { threads: 2, psnr: true, simd, ..ScoreOptions::default() };

    let mut failures = Vec::new();
    let mut compared = 0usize;
    let pairs = common::oracle_pairs(&oracle);
    assert!(pairs.len() >= 22, "oracle lists {} pairs", pairs.len());
    for name in &pairs {
        let open = |kind: &str| tinyvmaf_gpu::io::open(&InputSpec { path: clips.join(format!("{name}.{kind}.y4m")), raw: None }).unwrap();
        let (mut r, mut d) = (open("ref"), open("dist"));
        let table = score::extract(&mut r, &mut d, &sets, &options, &|_| {}).unwrap();
        let scores = score::apply_models(&table, &models).unwrap();
        let expected = common::oracle_frames(&oracle, name);
        assert_eq!(table.frame_numbers.len(), expected.len(), "{name}: frame count");

        let mut worst = (0.0f64, String::new());
        for (column, values) in table.columns.iter().chain(scores.iter()) {
            let key = libvmaf_key(column);
            let tolerance = if column.starts_with("vmaf") { 5e-5 } else { 0.0 };
            for (i, (&ours, theirs)) in values.iter().zip(&expected).enumerate() {
                let Some(theirs) = theirs.get(key).and_then(|v| v.as_f64()) else {
                    failures.push(format!("{name}: libvmaf log has no {key}"));
                    break;
                };
                let diff = (ours - theirs).abs();
                compared += 1;
                if diff > worst.0 {
                    worst = (diff, format!("{column} frame {i}"));
                }
                if diff > tolerance {
                    failures.push(format!("{name} frame {i} {column}: ours {ours:?} libvmaf {theirs:?} (|d| {diff:e})"));
                }
            }
            if column.starts_with("vmaf") {
                let ours = pooling::pool(values).unwrap().mean;
                let theirs: Vec<f64> = expected.iter().map(|m| m[key].as_f64().unwrap()).collect();
                let theirs = pooling::pool(&theirs).unwrap().mean;
                if (ours - theirs).abs() > 5e-5 {
                    failures.push(format!("{name} pooled {column}: ours {ours} libvmaf {theirs}"));
                }
            }
        }
        println!("{name:40} {} frames, max |diff| {:.3e} ({})", expected.len(), worst.0, worst.1);
    }
    for f in failures.iter().take(40) {
        println!("FAIL {f}");
    }
    assert!(failures.is_empty(), "{}: {} mismatches against libvmaf", simd.level(), failures.len());
    println!("{compared} values compared at {}", simd.level());
}

/// libvmaf's `float_ssim`, `float_ms_ssim`, `psnr_hvs*` and `ciede2000` (the oracle's
/// `*.extra.libvmaf_c.json` logs, default options) on every frame of every pair;
/// where libvmaf has no MS-SSIM (a picture too small for five scales) neither do
/// we, and PSNR-HVS is refused for the 16-bit pair as libvmaf refuses it. The arithmetic is IEEE single and double basic operations, a correctly
/// rounded square root and the C library's `pow`, done in libvmaf's order, so the
/// values are equal, not merely within the 1e-6 allowed for float features.
#[test]
fn ssim_ms_ssim_psnr_hvs_and_ciede_equal_libvmaf_on_every_oracle_frame() {
    let Some((oracle, clips)) = common::oracle_clips() else { return };
    let options =
        ScoreOptions { threads: 2, ssim: Some(Default::default()), ms_ssim: Some(Default::default()), ..ScoreOptions::default() };
    let sets = [FeatureOptions::default()];
    let mut compared = 0;
    for name in common::oracle_pairs(&oracle) {
        let open = |kind: &str| tinyvmaf_gpu::io::open(&InputSpec { path: clips.join(format!("{name}.{kind}.y4m")), raw: None }).unwrap();
        let (mut r, mut d) = (open("ref"), open("dist"));
        let info = *r.info();
        let deep = info.bit_depth > 12;
        // Refused (as libvmaf fails them) where they are not defined.
        let fits = tinyvmaf_gpu::features::ssim::cpu::ms_ssim_fits(info.width, info.height);
        let options = ScoreOptions { psnr_hvs: !deep, ciede: true, ms_ssim: options.ms_ssim.filter(|_| fits), ..options.clone() };
        let table = score::extract(&mut r, &mut d, &sets, &options, &|_| {}).unwrap();
        let log: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(oracle.join(format!("logs/{name}.extra.libvmaf_c.json"))).unwrap(),
        )
        .unwrap();
        let frames = log["frames"].as_array().unwrap();
        for key in ["float_ssim", "float_ms_ssim"] {
            let theirs: Option<Vec<f64>> = frames.iter().map(|f| f["metrics"][key].as_f64()).collect();
            assert_eq!(table.column(key), theirs.as_deref(), "{name} {key}");
            compared += theirs.map_or(0, |t| t.len());
        }
        // libvmaf's log has no PSNR-HVS for the pairs whose run its MS-SSIM ended
        // (too small), nor for 16 bits; an identical pair's is infinite (null).
        for key in ["psnr_hvs_y", "psnr_hvs_cb", "psnr_hvs_cr", "psnr_hvs", "ciede2000"] {
            if (deep && key.starts_with("psnr_hvs")) || frames[0]["metrics"].get(key).is_none() {
                continue;
            }
            let ours: Vec<Option<f64>> = table.column(key).unwrap().iter().map(|v| v.is_finite().then_some(*v)).collect();
            let theirs: Vec<Option<f64>> = frames.iter().map(|f| f["metrics"][key].as_f64()).collect();
            assert_eq!(ours, theirs, "{name} {key}");
            compared += ours.len();
        }
    }
    assert!(compared >= 2 * 280 - 12 + 5 * (280 - 24), "{compared} values");
}

/// libvmaf's 4K models (`vmaf_4k_v0.6.1`, `vmaf_4k_v0.6.1neg`) on every frame of
/// every pair, against the oracle's `*.extra.libvmaf_c.json` logs (keys `vmaf_4k`,
/// `vmaf_4k_neg`): within 5e-5 per frame and in the pooled mean.
#[test]
fn four_k_models_match_libvmaf_on_every_oracle_frame() {
    let Some((oracle, clips)) = common::oracle_clips() else { return };
    let models: Vec<LoadedModel> = ["vmaf_4k_v0.6.1", "vmaf_4k_v0.6.1neg"]
        .iter()
        .map(|id| LoadedModel::load(verify::pin_checked(id).unwrap(), Backend::Cpu).unwrap())
        .collect();
    let sets = score::feature_sets(&models).unwrap();
    let options = ScoreOptions { threads: 2, ..ScoreOptions::default() };
    let mut worst = 0.0f64;
    let mut compared = 0;
    for name in common::oracle_pairs(&oracle) {
        let open = |kind: &str| tinyvmaf_gpu::io::open(&InputSpec { path: clips.join(format!("{name}.{kind}.y4m")), raw: None }).unwrap();
        let (mut r, mut d) = (open("ref"), open("dist"));
        let table = score::extract(&mut r, &mut d, &sets, &options, &|_| {}).unwrap();
        let scores = score::apply_models(&table, &models).unwrap();
        let log: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(oracle.join(format!("logs/{name}.extra.libvmaf_c.json"))).unwrap(),
        )
        .unwrap();
        for ((_, ours), key) in scores.iter().zip(["vmaf_4k", "vmaf_4k_neg"]) {
            let theirs: Vec<f64> =
                log["frames"].as_array().unwrap().iter().map(|f| f["metrics"][key].as_f64().unwrap()).collect();
            for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
                assert!((a - b).abs() <= 5e-5, "{name} frame {i} {key}: {a} vs {b}");
                worst = worst.max((a - b).abs());
                compared += 1;
            }
            let (a, b) = (pooling::pool(ours).unwrap().mean, pooling::pool(&theirs).unwrap().mean);
            assert!((a - b).abs() <= 5e-5, "{name} pooled {key}: {a} vs {b}");
        }
    }
    println!("{compared} scores, max |diff| {worst:e}");
    assert!(compared >= 2 * 280);
}

/// The options VMAF v1's models give `cambi` and `speed_chroma` (libvmaf's
/// `model/vmaf_v1.0.16*.json`): CAMBI with the 1080p speed-up, SpEED at three
/// prescales.
fn v1_options() -> (CambiOptions, Vec<SpeedChromaOptions>) {
    let mut cambi = CambiOptions::default();
    for (k, v) in [("cambi_high_res_speedup", "1080"), ("cambi_max_val", "17"), ("cambi_vis_lum_threshold", "0.06")] {
        tinyvmaf_gpu::features::cambi::set_option(&mut cambi, k, v).unwrap();
    }
    let speed = [None, Some("0.6"), Some("0.5")]
        .into_iter()
        .map(|prescale| {
            let mut o = SpeedChromaOptions::default();
            for (k, v) in [("speed_max_val", "45"), ("speed_nn_floor", "0.1"), ("speed_sigma_nn", "0.19"), ("speed_weight_var_mode", "5")] {
                tinyvmaf_gpu::features::speed::set_option(&mut o, k, v).unwrap();
            }
            if let Some(p) = prescale {
                tinyvmaf_gpu::features::speed::set_option(&mut o, "speed_prescale", p).unwrap();
                tinyvmaf_gpu::features::speed::set_option(&mut o, "speed_prescale_method", "bilinear").unwrap();
            }
            o
        })
        .collect();
    (cambi, speed)
}

/// libvmaf's `cambi` with its default options (the `*.extra` logs) and with VMAF
/// v1's (`cambi_hrs_1080_cmxv_17_vlt_0.06`), and the nine `speed_chroma_*` keys of
/// VMAF v1's three option sets (the `*.v1` logs), on every frame of every pair,
/// under libvmaf's option-suffixed keys. Where libvmaf has no value, the run is
/// refused here (SpEED: "image too small"). CAMBI is integer work and f32/f64 steps
/// in libvmaf's order, so its values are equal; SpEED's too, but the logs print a
/// few tiny values with fewer digits than round-trip needs, so it is held to 1e-12.
#[test]
fn cambi_and_speed_chroma_match_libvmaf_on_every_oracle_frame() {
    let Some((oracle, clips)) = common::oracle_clips() else { return };
    let (cambi_v1, speed_v1) = v1_options();
    let sets = [FeatureOptions::default()];
    let read = |path: std::path::PathBuf| -> Option<serde_json::Value> {
        Some(serde_json::from_str(&std::fs::read_to_string(path).ok()?).unwrap())
    };
    let (mut cambi_values, mut speed_values, mut speed_worst, mut refused) = (0, 0, 0.0f64, 0);
    for name in common::oracle_pairs(&oracle) {
        let open = |kind: &str| tinyvmaf_gpu::io::open(&InputSpec { path: clips.join(format!("{name}.{kind}.y4m")), raw: None }).unwrap();
        let extra = read(oracle.join(format!("logs/{name}.extra.libvmaf_c.json"))).unwrap();
        let v1 = read(oracle.join(format!("logs/{name}.v1.libvmaf_c.json")));
        let column = |log: &serde_json::Value, key: &str| -> Option<Vec<f64>> {
            log["frames"].as_array().unwrap().iter().map(|f| f["metrics"][key].as_f64()).collect()
        };

        // CAMBI, default and v1 options, in one run.
        let theirs_default = column(&extra, "cambi");
        let theirs_v1 = v1.as_ref().and_then(|v1| column(v1, "cambi_hrs_1080_cmxv_17_vlt_0.06"));
        let cambi = if theirs_v1.is_some() { vec![CambiOptions::default(), cambi_v1] } else { vec![CambiOptions::default()] };
        let options = ScoreOptions { threads: 2, cambi, ..ScoreOptions::default() };
        let (mut r, mut d) = (open("ref"), open("dist"));
        match (score::extract(&mut r, &mut d, &sets, &options, &|_| {}), theirs_default) {
            (Ok(table), Some(theirs)) => {
                assert_eq!(table.column("cambi"), Some(theirs.as_slice()), "{name} cambi");
                cambi_values += theirs.len();
                if let Some(theirs) = theirs_v1 {
                    assert_eq!(table.column("cambi_hrs_1080_cmxv_17_vlt_0.06"), Some(theirs.as_slice()), "{name} cambi v1");
                    cambi_values += theirs.len();
                }
            }
            (Err(e), None) => {
                assert!(e.to_string().contains("CAMBI is not defined"), "{name}: {e}");
                refused += 1;
            }
            // libvmaf's run for the 16-bit pair stopped at PSNR-HVS (it refuses 16
            // bits) before CAMBI wrote anything: nothing to compare with.
            (Ok(_), None) => assert_eq!(name, "mandel_420_16b__x264", "libvmaf has no cambi, we computed one"),
            (Err(e), Some(_)) => panic!("{name}: refused CAMBI that libvmaf computed: {e}"),
        }

        // SpEED chroma, VMAF v1's three option sets.
        let options = ScoreOptions { threads: 2, speed_chroma: speed_v1.clone(), ..ScoreOptions::default() };
        let (mut r, mut d) = (open("ref"), open("dist"));
        match (score::extract(&mut r, &mut d, &sets, &options, &|_| {}), &v1) {
            (Ok(table), Some(v1)) => {
                for o in &speed_v1 {
                    for key in tinyvmaf_gpu::features::speed::keys(o) {
                        let theirs = column(v1, &key).unwrap_or_else(|| panic!("{name}: the log has no {key}"));
                        let ours = table.column(&key).unwrap_or_else(|| panic!("{name}: no column {key}"));
                        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
                            assert!((a - b).abs() <= 1e-12, "{name} frame {i} {key}: {a} vs {b}");
                            speed_worst = speed_worst.max((a - b).abs());
                        }
                        speed_values += theirs.len();
                    }
                }
            }
            (Err(e), None) => {
                assert!(e.to_string().contains("SpEED: image too small, operating width or height is 0"), "{name}: {e}");
                refused += 1;
            }
            (Ok(_), None) => panic!("{name}: libvmaf refused this pair's SpEED, we scored it"),
            (Err(e), Some(_)) => panic!("{name}: refused SpEED that libvmaf computed: {e}"),
        }
    }
    println!("cambi: {cambi_values} values equal; speed_chroma: {speed_values} values, max |diff| {speed_worst:e}; {refused} refusals");
    assert!(cambi_values >= 500 && speed_values >= 2000, "{cambi_values} {speed_values}");
}

/// The ADM option sets of VMAF v1's models (libvmaf's `model/vmaf_v1.0.16*.json`):
/// the Barten–Watson blended CSF, DLM weight 0.7, floor 0.5, noise weight 0.02 and
/// no enhancement gain, at 3 H on 1080 lines (`3d0h`), 5 H (`5d0h`), 3 H on 2160
/// lines (`3d0h_2160`) and 1.5 H on 2160 lines (`1d5h_2160`).
fn v1_adm_sets() -> Vec<FeatureOptions> {
    let base = FeatureOptions::vmaf_v1_adm();
    vec![
        base,
        FeatureOptions { adm_norm_view_dist: 5.0, ..base },
        FeatureOptions { adm_ref_display_height: 2160, ..base },
        FeatureOptions { adm_norm_view_dist: 1.5, adm_ref_display_height: 2160, ..base },
    ]
}

/// VMAF v1's motion options: the cap at 18, and for the HFR models the five-frame
/// window with the moving average.
fn v1_motion() -> Vec<MotionOptions> {
    let capped = MotionOptions { max_val: 18.0, ..MotionOptions::default() };
    vec![capped, MotionOptions { five_frame_window: true, moving_average: true, ..capped }]
}

/// Every `integer_adm*`, `integer_aim*`, `integer_motion*` and
/// `VMAF_integer_feature_motion_sad_score*` value of the `*.v1` logs (VMAF v1's ADM
/// and motion options, under libvmaf's option-suffixed keys) on every frame of every
/// pair that has one: equal as doubles.
#[test]
fn v1_adm_and_motion_options_match_libvmaf_on_every_oracle_frame() {
    let Some((oracle, clips)) = common::oracle_clips() else { return };
    let sets = v1_adm_sets();
    let options = ScoreOptions { threads: 2, motion: v1_motion(), ..ScoreOptions::default() };
    let (mut compared, mut keys_seen, mut pairs) = (0usize, std::collections::BTreeSet::new(), 0);
    let mut failures = Vec::new();
    for name in common::oracle_pairs(&oracle) {
        let Ok(text) = std::fs::read_to_string(oracle.join(format!("logs/{name}.v1.libvmaf_c.json"))) else { continue };
        let log: serde_json::Value = serde_json::from_str(&text).unwrap();
        let frames = log["frames"].as_array().unwrap();
        let open = |kind: &str| tinyvmaf_gpu::io::open(&InputSpec { path: clips.join(format!("{name}.{kind}.y4m")), raw: None }).unwrap();
        let (mut r, mut d) = (open("ref"), open("dist"));
        let table = score::extract(&mut r, &mut d, &sets, &options, &|_| {}).unwrap();
        assert_eq!(table.frame_numbers.len(), frames.len(), "{name}: frame count");
        pairs += 1;
        let keys: Vec<&String> = frames[0]["metrics"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| ["integer_adm", "integer_aim", "integer_motion", "VMAF_integer_feature_motion_sad_score"].iter().any(|p| k.starts_with(p)))
            .collect();
        for key in keys {
            keys_seen.insert(key.clone());
            // Our column for libvmaf's SAD score is `integer_motion` plus the options.
            let ours = match key.strip_prefix("VMAF_integer_feature_motion_sad_score") {
                Some(options) => format!("integer_motion{options}"),
                None => key.clone(),
            };
            let Some(values) = table.column(&ours) else {
                failures.push(format!("{name}: no column {ours}"));
                continue;
            };
            for (i, (ours, frame)) in values.iter().zip(frames).enumerate() {
                let theirs = frame["metrics"][key].as_f64().unwrap();
                compared += 1;
                if ours.to_bits() != theirs.to_bits() {
                    failures.push(format!("{name} frame {i} {key}: ours {ours:?} libvmaf {theirs:?}"));
                }
            }
        }
    }
    for f in failures.iter().take(40) {
        println!("FAIL {f}");
    }
    println!("{pairs} pairs, {} keys, {compared} values compared", keys_seen.len());
    assert!(failures.is_empty(), "{} mismatches against libvmaf", failures.len());
    assert!(pairs >= 10 && keys_seen.len() == 34, "{pairs} pairs, keys {keys_seen:?}");
}

/// VMAF v1's eight models through the product's own path (`score::score_inputs`: the
/// models' options from their sidecars, the union of their inputs in one extraction)
/// against every key of the `*.v1` logs, on every frame of every pair: integer
/// features equal as doubles, SpEED within 1e-6, scores within 5e-5 per frame and in
/// the pooled mean. The pairs libvmaf refuses (no log) are refused here too.
#[test]
fn vmaf_v1_models_match_libvmaf_on_every_key_of_every_oracle_frame() {
    let Some((oracle, clips)) = common::oracle_clips() else { return };
    let variants = ["3d0h", "5d0h", "1d5h_2160", "3d0h_2160", "hfr_3d0h", "hfr_5d0h", "hfr_1d5h_2160", "hfr_3d0h_2160"];
    let models: Vec<LoadedModel> = variants
        .iter()
        .map(|v| LoadedModel::load(verify::pin_checked(&format!("vmaf_v1.0.16_{v}")).unwrap(), Backend::Cpu).unwrap())
        .collect();
    let options = ScoreOptions { threads: 2, ..ScoreOptions::default() };
    let mut worst: std::collections::BTreeMap<String, f64> = Default::default();
    let (mut compared, mut pairs, mut refused) = (0usize, 0, 0);
    let mut failures = Vec::new();
    for name in common::oracle_pairs(&oracle) {
        let open = |kind: &str| tinyvmaf_gpu::io::open(&InputSpec { path: clips.join(format!("{name}.{kind}.y4m")), raw: None }).unwrap();
        let (mut r, mut d) = (open("ref"), open("dist"));
        let ours = score::score_inputs(&mut r, &mut d, &models, &options, &|_| {});
        let Ok(text) = std::fs::read_to_string(oracle.join(format!("logs/{name}.v1.libvmaf_c.json"))) else {
            assert!(ours.is_err(), "{name}: libvmaf refuses this pair, we scored it");
            println!("{name}: refused as libvmaf refuses it: {}", ours.err().unwrap());
            refused += 1;
            continue;
        };
        let ours = ours.unwrap_or_else(|e| panic!("{name}: {e}"));
        let log: serde_json::Value = serde_json::from_str(&text).unwrap();
        let frames = log["frames"].as_array().unwrap();
        assert_eq!(ours.frames.len(), frames.len(), "{name}: frame count");
        pairs += 1;
        for key in frames[0]["metrics"].as_object().unwrap().keys() {
            let column = match (key.strip_prefix("VMAF_integer_feature_motion_sad_score"), key.strip_prefix("vmaf_v1_")) {
                (Some(options), _) => format!("integer_motion{options}"),
                (_, Some(variant)) => format!("vmaf_v1.0.16_{variant}"),
                _ => key.clone(),
            };
            let tolerance = if key.starts_with("vmaf") {
                5e-5
            } else if key.starts_with("speed_chroma") {
                1e-6
            } else {
                0.0
            };
            let Some(k) = ours.metrics.iter().position(|m| *m == column) else {
                failures.push(format!("{name}: no column {column}"));
                continue;
            };
            let values: Vec<f64> = ours.frames.iter().map(|f| f[k]).collect();
            let theirs: Vec<f64> = frames.iter().map(|f| f["metrics"][key].as_f64().unwrap()).collect();
            for (i, (a, b)) in values.iter().zip(&theirs).enumerate() {
                let diff = (a - b).abs();
                let slot = worst.entry(key.clone()).or_default();
                *slot = slot.max(diff);
                compared += 1;
                if diff > tolerance || a.is_nan() != b.is_nan() {
                    failures.push(format!("{name} frame {i} {key}: ours {a:?} libvmaf {b:?}"));
                }
            }
            if key.starts_with("vmaf") {
                let (a, b) = (pooling::pool(&values).unwrap().mean, pooling::pool(&theirs).unwrap().mean);
                assert!((a - b).abs() <= 5e-5, "{name} pooled {key}: {a} vs {b}");
            }
        }
    }
    for (key, diff) in &worst {
        println!("worst |diff| {key}: {diff:e}");
    }
    for f in failures.iter().take(40) {
        println!("FAIL {f}");
    }
    println!("{pairs} pairs, {refused} refused, {} keys, {compared} values compared", worst.len());
    assert!(failures.is_empty(), "{} mismatches against libvmaf", failures.len());
    assert!(pairs >= 19 && refused == 3 && worst.len() >= 50, "{pairs} pairs, {refused} refused, {} keys", worst.len());
}

/// libvmaf's phone model (`vmaf_v0.6.1` with `enable_transform`, key `vmaf_phone`)
/// and its bootstrap model (`vmaf_b_v0.6.3` named `vmaf_b`: the main model, 20
/// sub-models, bagging, stddev and the 95% interval) against the `*.extra` logs: within
/// 5e-5 per frame and in the pooled mean, every key.
#[test]
fn the_phone_and_bootstrap_models_match_libvmaf_on_every_oracle_frame() {
    let Some((oracle, clips)) = common::oracle_clips() else { return };
    let load = |id: &str| LoadedModel::load(verify::pin_checked(id).unwrap(), Backend::Cpu).unwrap();
    let mut phone = load("vmaf_v0.6.1").with_flags(tinyvmaf_gpu::model::Flags { enable_transform: true, ..Default::default() });
    phone.name = Some("vmaf_phone".to_owned());
    let mut bootstrap = load("vmaf_b_v0.6.3");
    bootstrap.name = Some("vmaf_b".to_owned());
    let models = vec![phone, bootstrap];
    let options = ScoreOptions { threads: 2, ..ScoreOptions::default() };
    let mut worst: std::collections::BTreeMap<String, f64> = Default::default();
    let mut compared = 0usize;
    for name in common::oracle_pairs(&oracle) {
        let open = |kind: &str| tinyvmaf_gpu::io::open(&InputSpec { path: clips.join(format!("{name}.{kind}.y4m")), raw: None }).unwrap();
        let (mut r, mut d) = (open("ref"), open("dist"));
        let sets = score::feature_sets(&models).unwrap();
        let table = score::extract(&mut r, &mut d, &sets, &options, &|_| {}).unwrap();
        let scores = score::apply_models(&table, &models).unwrap();
        assert_eq!(scores.len(), 1 + 25, "{name}: vmaf_phone and the bootstrap's 25 columns");
        let log: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(oracle.join(format!("logs/{name}.extra.libvmaf_c.json"))).unwrap(),
        )
        .unwrap();
        for (key, ours) in &scores {
            let theirs: Vec<f64> = log["frames"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["metrics"][key].as_f64().unwrap_or_else(|| panic!("{name}: the log has no {key}")))
                .collect();
            assert_eq!(ours.len(), theirs.len(), "{name}");
            for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
                assert!((a - b).abs() <= 5e-5, "{name} frame {i} {key}: {a} vs {b}");
                let slot = worst.entry(key.clone()).or_default();
                *slot = slot.max((a - b).abs());
                compared += 1;
            }
            let (a, b) = (pooling::pool(ours).unwrap().mean, pooling::pool(&theirs).unwrap().mean);
            assert!((a - b).abs() <= 5e-5, "{name} pooled {key}: {a} vs {b}");
        }
    }
    for (key, diff) in &worst {
        println!("worst |diff| {key}: {diff:e}");
    }
    println!("{compared} scores compared");
    assert!(compared >= 26 * 280);
}
