//! `--backend auto|gpu|cpu` for `score` and `batch`: one decision per process, shared by
//! every pair, for both the features and the models.

use std::sync::Arc;

use tinyvmaf_gpu::gpu::{DeviceOptions, GpuContext};
use tinyvmaf_gpu::model;
use tinyvmaf_gpu::score::select::{Selected, select};

use super::Failure;
use super::args::BackendArgs;

/// Where a run computes.
pub struct Resolved {
    /// The GPU the features run on, `None` for the CPU path.
    pub gpu: Option<Arc<GpuContext>>,
    /// Where models run: burn's wgpu backend beside a GPU, ndarray otherwise.
    pub models: model::Backend,
}

/// Chooses the backend (running the GPU self-test) and says on stderr why it is not
/// the one asked for, when it is not: a failed self-test always, a skipped software
/// adapter unless `quiet`.
pub fn resolve(args: &BackendArgs, quiet: bool) -> Result<Resolved, Failure> {
    let options = DeviceOptions { api: args.gpu_api.map(Into::into), adapter: args.adapter, ..Default::default() };
    match select(args.backend.into(), &options)? {
        Selected::Gpu(ctx) => {
            // One device per process: the models (burn, the int8 dequantization) run on
            // the context the features run on.
            let ctx = Arc::new(ctx);
            model::share_gpu(Arc::clone(&ctx)).map_err(model::ModelError::from)?;
            Ok(Resolved { gpu: Some(ctx), models: model::Backend::Gpu })
        }
        Selected::Cpu { note } => {
            let warning = note.as_deref().is_some_and(|n| n.starts_with("warning"));
            if let Some(note) = note.filter(|_| warning || !quiet) {
                eprintln!("{note}");
            }
            if args.check_gpu && !quiet {
                eprintln!("note: --check-gpu has nothing to check: the features run on the CPU");
            }
            Ok(Resolved { gpu: None, models: model::Backend::Cpu })
        }
    }
}
