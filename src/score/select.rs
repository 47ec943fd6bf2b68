//! Which backend computes the features (auto, gpu or cpu), and the start-up
//! self-test that decides whether a GPU may be trusted.
//!
//! - `cpu`: the CPU path.
//! - `gpu`: the best adapter there is, a software one (lavapipe, llvmpipe, WARP)
//!   included; no adapter is an error.
//! - `auto`: a hardware adapter when there is one, else the CPU path (a software
//!   adapter is slower than our CPU path).
//!
//! Whatever adapter is chosen first runs [`self_test`]: a small built-in clip through the
//! GPU engine and the CPU twin. Drivers have been seen to miscompile integer kernels;
//! any difference (or any GPU error) and the run goes on on the CPU, with a warning.

use crate::features::engine::FeatureEngine;
use crate::features::{self, FeatureOptions, FrameFeatures};
use crate::gpu::{DeviceOptions, GpuContext, GpuError};
use crate::io::synthetic::synthetic_pair;
use crate::io::{ChromaFormat, Plane, VideoInfo};

/// Which backend the user asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BackendChoice {
    /// A hardware GPU when there is one, else the CPU.
    #[default]
    Auto,
    /// A GPU, software adapters included; an error when there is none.
    Gpu,
    /// The CPU.
    Cpu,
}

/// What [`select`] decided.
#[derive(Debug)]
pub enum Selected {
    Gpu(GpuContext),
    /// The CPU path; `note` says why when something else was asked for or tried.
    Cpu { note: Option<String> },
}

/// Resolves `choice` to a backend (see the module documentation). Only `gpu` without a
/// usable adapter is an error.
pub fn select(choice: BackendChoice, options: &DeviceOptions) -> Result<Selected, GpuError> {
    let ctx = match choice {
        BackendChoice::Cpu => return Ok(Selected::Cpu { note: None }),
        BackendChoice::Gpu => GpuContext::new(options)?,
        BackendChoice::Auto => {
            // Listing the adapters takes milliseconds; opening one (lavapipe: about
            // 80 ms a process, measured) is not needed to learn that none is a GPU.
            if options.adapter.is_none() {
                let adapters = crate::gpu::list_adapters(options);
                if adapters.iter().all(|a| a.device_type == "cpu") {
                    return Ok(Selected::Cpu { note: adapters.first().map(|a| software_note(&a.name)) });
                }
            }
            match GpuContext::new(options) {
                Ok(ctx) if ctx.adapter_summary().device_type == "cpu" => {
                    return Ok(Selected::Cpu { note: Some(software_note(&ctx.adapter_summary().name)) });
                }
                Ok(ctx) => ctx,
                Err(_) => return Ok(Selected::Cpu { note: None }),
            }
        }
    };
    match self_test(&ctx) {
        Ok(()) => Ok(Selected::Gpu(ctx)),
        Err(failure) => {
            let name = &ctx.adapter_summary().name;
            Ok(Selected::Cpu { note: Some(format!("warning: GPU {name} failed the self-test ({failure}); using the CPU")) })
        }
    }
}

/// Why `auto` passes over a software adapter.
fn software_note(name: &str) -> String {
    format!("{name} is a software adapter, slower than the CPU path: using the CPU (the gpu backend uses it)")
}

/// Why a GPU failed [`self_test`].
#[derive(Debug, thiserror::Error)]
pub enum SelfTestFailure {
    #[error("{0}")]
    Gpu(#[from] GpuError),
    #[error("{bit_depth}-bit frame {frame}: the GPU computed {gpu:?}, the CPU {cpu:?}")]
    Differs { bit_depth: u8, frame: usize, gpu: Box<FrameFeatures>, cpu: Box<FrameFeatures> },
}

/// Runs a built-in clip (three frame pairs of 104x58 from `io::synthetic`, 8- and
/// 10-bit, both feature sets libvmaf's models use) through the GPU engine and the CPU
/// twin; any difference fails. The size is odd in the middle scales and not a multiple
/// of the workgroup size, so the edge paths of every pass run.
pub fn self_test(ctx: &GpuContext) -> Result<(), SelfTestFailure> {
    let sets = [FeatureOptions::default(), FeatureOptions::egl(1.0)];
    for bit_depth in [8u8, 10] {
        let clip = self_test_clip(104, 58, bit_depth);
        let mut engine = FeatureEngine::new(ctx, 104, 58, bit_depth, &sets)?;
        let mut gpu = Vec::new();
        for (r, d) in &clip {
            gpu.extend(engine.push(r, d)?);
        }
        gpu.extend(engine.finish()?);
        let mut scratch = features::FeatureScratch::default();
        for (frame, (got, (r, d))) in gpu.into_iter().zip(&clip).enumerate() {
            let prev = frame.checked_sub(1).map(|p| &clip[p].0);
            let want = features::frame_features(r, d, prev, bit_depth, &sets, &mut scratch);
            if got != want {
                return Err(SelfTestFailure::Differs { bit_depth, frame, gpu: Box::new(got), cpu: Box::new(want) });
            }
        }
    }
    Ok(())
}

/// Luma of the first three frames of `io::synthetic`'s clip at `w x h`.
fn self_test_clip(w: usize, h: usize, bit_depth: u8) -> Vec<(Plane, Plane)> {
    let info = VideoInfo { width: w, height: h, chroma: ChromaFormat::Yuv420, bit_depth };
    (0..3)
        .map(|t| {
            let (r, d) = synthetic_pair(info, t);
            let [ry, ..] = r.planes;
            let [dy, ..] = d.planes;
            (ry, dy)
        })
        .collect()
}
