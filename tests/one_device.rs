//! One GPU device per process: the feature engine, burn's wgpu runtime and the int8
//! dequantization all run on the context the caller opened (as `cli/backend.rs` opens
//! it from `--backend`, `--adapter` and `--gpu-api`). Alone in its test binary, so the
//! process-wide device count is this test's own.

use std::sync::Arc;

use tinyvmaf_gpu::gpu::{DeviceOptions, GpuContext, device::devices_opened};
use tinyvmaf_gpu::io::InputSpec;
use tinyvmaf_gpu::model::{self, Backend, LoadedModel};
use tinyvmaf_gpu::score::{self, ScoreOptions};
use tinyvmaf_gpu::verify;

mod common;

#[test]
fn features_burn_and_int8_dequant_share_the_adapter_the_caller_chose() {
    // `--adapter 0`: an explicit choice, which must reach the models.
    let options = DeviceOptions { api: None, adapter: Some(0), ..Default::default() };
    let Some(ctx) = common::or_skip("one device", GpuContext::new(&options)) else { return };
    let ctx = Arc::new(ctx);
    model::share_gpu(Arc::clone(&ctx)).unwrap();
    let models: Vec<LoadedModel> = ["vmaf_tiny_v1", "vmaf_tiny_v1_int8"]
        .iter()
        .map(|id| LoadedModel::load(verify::pin_checked(id).unwrap(), Backend::Gpu).unwrap())
        .collect();
    let sample = |kind: &str| InputSpec {
        path: common::manifest_dir().join(format!("tests/data/sample/cell_small.{kind}.y4m")),
        raw: None,
    };
    let options = ScoreOptions { gpu: Some(Arc::clone(&ctx)), ..ScoreOptions::default() };
    let log = score::score_pair(&sample("ref"), &sample("dist"), &models, &options, &|_| {}).unwrap();
    assert_eq!(log.frames.len(), 12);
    assert!(log.metrics.iter().any(|m| m == "vmaf_tiny_v1_int8"));
    assert_eq!(devices_opened(), 1, "features, burn and the int8 dequantization opened more than one device");
    let shared = model::backend::shared_gpu().unwrap();
    assert!(Arc::ptr_eq(&shared, &ctx), "the models run on another context than the one chosen");
    assert_eq!(shared.adapter_summary().index, 0);
    // A second context cannot take over the models' device.
    let other = Arc::new(GpuContext::new(&options_default()).unwrap());
    assert!(model::share_gpu(other).is_err());
}

fn options_default() -> DeviceOptions {
    DeviceOptions::default()
}
