//! The burn code generated from each registry graph against onnxruntime's outputs
//! on the same inputs, recorded by the conversion scripts in `model/tools/`.

mod common;

use serde_json::Value;
use tinyvmaf_gpu::model::{Backend, LoadedModel};
use tinyvmaf_gpu::verify;

struct Reference {
    inputs: Vec<Vec<f64>>,
    onnxruntime: Vec<f64>,
    libvmaf_f64: Option<Vec<f64>>,
}

fn reference(file_stem: &str, key: &str) -> Reference {
    let path = common::manifest_dir().join(format!("model/tiny/{file_stem}.reference.json"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let floats = |v: &Value| -> Vec<f64> { v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    Reference {
        inputs: doc["inputs"].as_array().unwrap().iter().map(floats).collect(),
        onnxruntime: floats(&doc[key]),
        libvmaf_f64: doc.get("reference_float64").map(floats),
    }
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

fn check(id: &str, key: &str, backend: Backend, tolerance: f64) -> Option<f64> {
    let r = reference(id, key);
    assert!(r.inputs.len() >= 100, "{id}: only {} vectors", r.inputs.len());
    let load = LoadedModel::load(verify::pin_checked(id).unwrap(), backend);
    let model = if backend == Backend::Gpu { common::or_skip(id, load)? } else { load.unwrap() };
    // onnxruntime ran the graph alone; the references of libvmaf's math end with its
    // transform and clip, as `predict` does.
    let got = if key.starts_with("onnx") { model.predict_raw(&r.inputs) } else { model.predict(&r.inputs) }.unwrap();
    let diff = max_abs_diff(&got, &r.onnxruntime);
    println!("{id} on {backend:?}: max |burn - {key}| = {diff:e} over {} vectors", got.len());
    assert!(diff <= tolerance, "{id} on {backend:?}: max diff {diff:e} > {tolerance:e}");
    Some(diff)
}

#[test]
fn vmaf_v0_6_1_float64_on_ndarray_matches_onnxruntime_and_libvmaf_math() {
    check("vmaf_v0.6.1", "onnx_float64", Backend::Cpu, 1e-4);
    // Against the independent float64 port of libvmaf's predict.c: the 5e-5 VMAF budget.
    let r = reference("vmaf_v0.6.1", "onnx_float64");
    let model = LoadedModel::load(verify::pin_checked("vmaf_v0.6.1").unwrap(), Backend::Cpu).unwrap();
    let got = model.predict(&r.inputs).unwrap();
    let diff = max_abs_diff(&got, r.libvmaf_f64.as_ref().unwrap());
    println!("vmaf_v0.6.1 on ndarray vs float64 SVR reference: {diff:e}");
    assert!(diff < 5e-5, "{diff:e}");
}

/// VMAF v1's eight models share one graph (with the chroma correction: every eighth
/// reference vector has speed_chroma 0) and differ in the transform and clip after
/// it: the graph against onnxruntime, the whole prediction against the float64 port
/// of predict.c (transform, clip 0–100 or 0–110).
#[test]
fn vmaf_v1_models_on_ndarray_match_onnxruntime_and_libvmaf_math() {
    for variant in ["3d0h", "5d0h", "1d5h_2160", "3d0h_2160", "hfr_3d0h", "hfr_5d0h", "hfr_1d5h_2160", "hfr_3d0h_2160"] {
        let id = format!("vmaf_v1.0.16_{variant}");
        check(&id, "onnx_float64", Backend::Cpu, 1e-9);
        check(&id, "reference_float64", Backend::Cpu, 1e-9);
    }
}

#[test]
fn vmaf_v0_6_1neg_float64_on_ndarray_matches_onnxruntime() {
    check("vmaf_v0.6.1neg", "onnx_float64", Backend::Cpu, 1e-4);
}

/// A float32 evaluation of this SVR cannot be held to 1e-4 against onnxruntime's:
/// the result is a sum of large RBF terms with heavy cancellation, divided by 0.012,
/// so two float32 summation orders (ndarray's or wgpu's against onnxruntime's)
/// differ by ~5e-4..1.5e-3 VMAF. What is guaranteed is the graph's documented error
/// budget against libvmaf's float64 math: 2e-3 (measured 1.12e-3 over 10,000 vectors
/// by the conversion script). The float64 graph is the one held to 1e-4.
const F32_SVR_BUDGET: f64 = 2e-3;

#[test]
fn vmaf_v0_6_1_float32_on_ndarray_is_within_its_budget_of_float64_math() {
    check("vmaf_v0.6.1_f32", "reference_float64", Backend::Cpu, F32_SVR_BUDGET);
}

#[test]
fn smoke_v0_on_ndarray_matches_onnxruntime() {
    check("smoke_v0", "onnx_float32", Backend::Cpu, 1e-4);
}

#[test]
fn vmaf_v0_6_1_float32_on_wgpu_is_within_its_budget_of_float64_math() {
    check("vmaf_v0.6.1_f32", "reference_float64", Backend::Gpu, F32_SVR_BUDGET);
}

#[test]
fn float64_models_are_refused_on_wgpu() {
    // WGSL has no f64: burn's wgpu backend returned scores off by up to 100 VMAF for
    // the float64 graph on lavapipe, so loading one there must be an error.
    let Some(_) = common::or_skip("float64 refusal", tinyvmaf_gpu::model::device_probe(Backend::Gpu)) else {
        return;
    };
    let err = LoadedModel::load(verify::pin_checked("vmaf_v0.6.1").unwrap(), Backend::Gpu).err().expect("refused");
    assert!(err.to_string().contains("float64"), "{err}");
}

#[test]
fn smoke_v0_on_wgpu_matches_onnxruntime() {
    check("smoke_v0", "onnx_float32", Backend::Gpu, 1e-4);
}

#[test]
fn a_row_of_the_wrong_width_is_an_error() {
    let model = LoadedModel::load(verify::pin_checked("smoke_v0").unwrap(), Backend::Cpu).unwrap();
    assert!(model.predict(&[vec![0.5; 5]]).is_err());
    assert!(model.predict(&[]).unwrap().is_empty());
}


/// Scores are computed in batches of `PREDICT_BATCH` rows (so memory stays flat in clip
/// length): a row's score must not depend on the batch it is in. More rows than two
/// batches, scored together and one by one, give the same bits.
#[test]
fn batch_size_changes_no_score() {
    let r = reference("vmaf_v0.6.1", "onnx_float64");
    let model = LoadedModel::load(verify::pin_checked("vmaf_v0.6.1").unwrap(), Backend::Cpu).unwrap();
    let n = 2 * tinyvmaf_gpu::model::PREDICT_BATCH + 17;
    let rows: Vec<Vec<f64>> = r.inputs.iter().cycle().take(n).cloned().collect();
    let together = model.predict(&rows).unwrap();
    assert_eq!(together.len(), n);
    for (i, row) in rows.iter().enumerate().step_by(97) {
        let alone = model.predict(std::slice::from_ref(row)).unwrap();
        assert_eq!(alone[0].to_bits(), together[i].to_bits(), "row {i}");
    }
}

/// libvmaf's bootstrap model: the graph's 21 outputs against onnxruntime's, and the
/// whole set of score columns (main model, 20 sub-models, bagging, stddev, 95%
/// interval) against the converter's float64 port of predict.c's bootstrap.
#[test]
fn vmaf_b_v0_6_3_bootstrap_matches_onnxruntime_and_libvmaf_math() {
    let path = common::manifest_dir().join("model/tiny/vmaf_b_v0.6.3.reference.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let rows = |key: &str| -> Vec<Vec<f64>> {
        doc[key].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()).collect()
    };
    let (inputs, onnx, reference) = (rows("inputs"), rows("onnx_float64"), rows("reference_float64"));
    let model = LoadedModel::load(verify::pin_checked("vmaf_b_v0.6.3").unwrap(), Backend::Cpu).unwrap();
    assert_eq!(model.outputs(), 21);
    let raw = model.predict_raw(&inputs).unwrap();
    let diff = max_abs_diff(&raw, &onnx.concat());
    assert!(diff <= 1e-9, "graph vs onnxruntime {diff:e}");
    let columns = model.score_columns(&inputs).unwrap();
    let names: Vec<&str> = columns.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(names.len(), 25);
    assert_eq!((names[0], names[1], names[20]), ("", "_0001", "_0020"));
    assert_eq!(&names[21..], ["_bagging", "_stddev", "_ci_p95_lo", "_ci_p95_hi"]);
    let mut worst = 0.0f64;
    for (k, (_, values)) in columns.iter().enumerate() {
        let want: Vec<f64> = reference.iter().map(|r| r[k]).collect();
        worst = worst.max(max_abs_diff(values, &want));
    }
    println!("vmaf_b_v0.6.3: graph vs onnxruntime {diff:e}, columns vs predict.c port {worst:e}");
    assert!(worst <= 1e-9, "{worst:e}");
}
