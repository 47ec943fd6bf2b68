//! Where this process computes: decided once, at the first need, for every context
//! (one GPU device per process, shared by the features and the models).
//!
//! `TINYVMAF_BACKEND=auto` (the default) takes a hardware GPU that passes the
//! start-up self-test and otherwise the CPU, as `score --backend auto` does;
//! `gpu` takes any adapter, a software one included, and makes every context fail
//! to start without one; `cpu` never opens a GPU. A context whose
//! `VmafConfiguration.gpumask` has any bit set computes its features on the CPU
//! whatever was chosen (libvmaf's gpumask forbids GPU work).

use std::sync::{Arc, OnceLock};

use tinyvmaf_gpu::gpu::{DeviceOptions, GpuContext};
use tinyvmaf_gpu::model;
use tinyvmaf_gpu::score::select::{BackendChoice, Selected, select};

/// The process's choice.
pub struct Backend {
    pub gpu: Option<Arc<GpuContext>>,
    pub models: model::Backend,
}

const CPU: Backend = Backend { gpu: None, models: model::Backend::Cpu };

static BACKEND: OnceLock<Result<Backend, String>> = OnceLock::new();

/// The backend, chosen at the first call.
pub fn get() -> Result<&'static Backend, String> {
    BACKEND.get_or_init(resolve).as_ref().map_err(Clone::clone)
}

fn resolve() -> Result<Backend, String> {
    let choice = match std::env::var("TINYVMAF_BACKEND").as_deref() {
        Ok("gpu") => BackendChoice::Gpu,
        Ok("cpu") => BackendChoice::Cpu,
        Ok("auto") | Err(_) => BackendChoice::Auto,
        Ok(other) => return Err(format!("TINYVMAF_BACKEND={other}: write auto, gpu or cpu")),
    };
    match select(choice, &DeviceOptions::default()).map_err(|e| format!("TINYVMAF_BACKEND=gpu: {e}"))? {
        Selected::Gpu(ctx) => {
            let ctx = Arc::new(ctx);
            model::share_gpu(Arc::clone(&ctx)).map_err(|e| e.to_string())?;
            Ok(Backend { gpu: Some(ctx), models: model::Backend::Gpu })
        }
        Selected::Cpu { note } => {
            // A failed self-test is worth a line on stderr; a skipped software adapter is not.
            if let Some(note) = note.filter(|n| n.starts_with("warning")) {
                eprintln!("libvmaf: {note}");
            }
            Ok(CPU)
        }
    }
}
