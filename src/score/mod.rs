//! Scoring one pair: two inputs → frame pairs ([`frames`]) → per-frame integer
//! features on the CPU ([`cpu`]) or the GPU ([`gpu`]) → libvmaf's feature columns
//! ([`columns`]) → each model's per-frame score from the columns its sidecar names
//! ([`inputs`]) → a [`ScoreLog`] ready for pooling and
//! output. [`score_pair`] is the only copy of that sequence: the `score` command runs
//! it once, `batch` once per manifest row. [`select`] decides which backend runs.

pub mod budget;
pub mod columns;
mod cpu;
pub mod frames;
mod gpu;
pub mod inputs;
pub mod select;

use std::sync::Arc;
use std::time::Instant;

use crate::features::FeatureOptions;
use crate::gpu::{GpuContext, GpuError};
use crate::io::open::{Input, InputError};
use crate::io::InputSpec;
use crate::exit;
use crate::model::{LoadedModel, ModelError};
use crate::output::{RunContext, ScoreLog};

pub use columns::{FeatureTable, output_name, score_name, set_suffix, to_log};
pub use inputs::{ModelInputs, apply_models, feature_sets};

/// A clip's frame count in the frame-count error: the longer input is read only a
/// bounded number of frames past the shorter one's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameTotal {
    Exactly(u64),
    MoreThan(u64),
}

impl std::fmt::Display for FrameTotal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameTotal::Exactly(n) => write!(f, "{n}"),
            FrameTotal::MoreThan(n) => write!(f, "more than {n}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("reference and distorted differ in {what}: reference {reference}, distorted {distorted}")]
    Mismatch { what: &'static str, reference: String, distorted: String },
    #[error(
        "reference has {reference} frames but distorted has {distorted} (after skips); \
         score only the frames both have to go on"
    )]
    FrameCount { reference: FrameTotal, distorted: FrameTotal },
    #[error("frames of {width}x{height} are too small to score: VMAF needs at least {min}x{min}")]
    TooSmall { width: usize, height: usize, min: usize },
    #[error("{metric} is not defined for frames of {width}x{height} at {bit_depth} bits: {why}")]
    NotDefinedFor { metric: &'static str, width: usize, height: usize, bit_depth: u8, why: String },
    #[error("{metric}: {why}")]
    Feature { metric: &'static str, why: String },
    #[error(
        "frames of {width}x{height} need about {} (the program itself, one frame pair and one worker's buffers), \
         more than the memory limit of {}; raise --memory-limit",
        budget::human_bytes(*needed), budget::human_bytes(*limit)
    )]
    MemoryLimit { width: usize, height: usize, needed: u64, limit: u64 },
    #[error("no frames to score (inputs empty, or everything skipped)")]
    NoFrames,
    #[error("the subsample step must be at least 1")]
    BadSubsample,
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("model {model} needs the feature column {column}, which was not computed")]
    MissingFeature { model: String, column: String },
    #[error("cannot start the worker threads: {0}")]
    ThreadPool(String),
    #[error("GPU: {0}")]
    Gpu(#[from] GpuError),
    #[error("GPU check: frame {frame}: {what} differs: GPU {gpu}, CPU {cpu}")]
    GpuMismatch { frame: u64, what: String, gpu: String, cpu: String },
}

impl ScoreError {
    /// The process exit code (`crate::exit`).
    pub fn exit_code(&self) -> u8 {
        match self {
            ScoreError::Model(_) | ScoreError::MissingFeature { .. } => exit::MODEL,
            ScoreError::ThreadPool(_) => exit::FAILURE,
            ScoreError::MemoryLimit { .. } => exit::MEMORY_LIMIT,
            ScoreError::Gpu(_) => exit::GPU,
            ScoreError::GpuMismatch { .. } => exit::GPU_MISMATCH,
            ScoreError::Input(_)
            | ScoreError::Mismatch { .. }
            | ScoreError::FrameCount { .. }
            | ScoreError::TooSmall { .. }
            | ScoreError::NotDefinedFor { .. }
            | ScoreError::Feature { .. }
            | ScoreError::NoFrames
            | ScoreError::BadSubsample => exit::INPUT,
        }
    }
}

/// Frame selection and parallelism.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    pub threads: usize,
    /// Bytes the frames and feature buffers of a run may hold (`budget`); fewer
    /// workers and frames in flight are used to stay under it.
    pub memory_limit: u64,
    pub frame_count: Option<u64>,
    pub skip_reference: u64,
    pub skip_distorted: u64,
    /// Score every N-th frame (1: all). Motion is computed between scored frames.
    pub subsample: u64,
    pub shortest: bool,
    pub psnr: bool,
    /// libvmaf's `psnr` options (with `psnr`).
    pub psnr_options: crate::features::psnr::PsnrOptions,
    /// libvmaf's `float_ssim` with these options (computed on the host, both backends).
    pub ssim: Option<crate::features::SsimOptions>,
    /// libvmaf's `float_ms_ssim` with these options (`scale` does not apply).
    pub ms_ssim: Option<crate::features::SsimOptions>,
    /// libvmaf's `psnr_hvs` (Y, Cb, Cr and combined; 12 bits at most).
    pub psnr_hvs: bool,
    /// libvmaf's `ciede` (`ciede2000`).
    pub ciede: bool,
    /// libvmaf's `cambi`, once per option set (its key names the options).
    pub cambi: Vec<crate::features::cambi::CambiOptions>,
    /// libvmaf's `speed_chroma`, once per option set.
    pub speed_chroma: Vec<crate::features::speed::SpeedChromaOptions>,
    /// libvmaf's `motion` with non-default options, once per option set (its keys
    /// name the options); the default motion columns are always written.
    pub motion: Vec<crate::features::motion::MotionOptions>,
    /// Further VIF/ADM feature sets beside the models' (libvmaf's `adm` with these
    /// options), for [`score_inputs`].
    pub adm: Vec<FeatureOptions>,
    /// Compute the features on this GPU instead of the CPU.
    pub gpu: Option<Arc<GpuContext>>,
    /// With `gpu`: also compute every frame on the CPU and fail at the first difference.
    pub check_gpu: bool,
    /// The vector level of the CPU kernels (default: the process's, `crate::simd::current`).
    pub simd: crate::simd::Isa,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_limit: budget::default_limit(),
            frame_count: None,
            skip_reference: 0,
            skip_distorted: 0,
            subsample: 1,
            shortest: false,
            psnr: false,
            psnr_options: Default::default(),
            ssim: None,
            ms_ssim: None,
            psnr_hvs: false,
            ciede: false,
            cambi: Vec::new(),
            speed_chroma: Vec::new(),
            motion: Vec::new(),
            adm: Vec::new(),
            gpu: None,
            check_gpu: false,
            simd: crate::simd::current(),
        }
    }
}

/// What extraction gathers per scored frame, whichever backend ran.
pub(crate) struct Extracted {
    pub(crate) frame_numbers: Vec<u64>,
    pub(crate) features: Vec<crate::features::FrameFeatures>,
    pub(crate) host: Vec<HostMetrics>,
}

/// The metrics both backends compute on the host, per frame.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostMetrics {
    /// Each plane's sum of squared errors (PSNR is computed on every frame, as
    /// libvmaf's aggregate PSNR sums them all).
    pub(crate) psnr_sse: Option<[u64; 3]>,
    /// `float_ssim`; `None` also where the picture is too small for its window.
    pub(crate) ssim: Option<f64>,
    /// `float_ms_ssim`, likewise.
    pub(crate) ms_ssim: Option<f64>,
    /// `psnr_hvs_y`, `psnr_hvs_cb`, `psnr_hvs_cr`, `psnr_hvs`.
    pub(crate) psnr_hvs: Option<[f64; 4]>,
    pub(crate) ciede: Option<f64>,
    /// `cambi` per option set of [`ScoreOptions::cambi`].
    pub(crate) cambi: Vec<f64>,
    /// `speed_chroma_{u,v,uv}` per option set of [`ScoreOptions::speed_chroma`].
    pub(crate) speed_chroma: Vec<[f64; 3]>,
}

impl HostMetrics {
    /// What `options` asks for of a frame pair (nothing for a frame the log leaves out).
    pub(crate) fn of(
        r: &crate::io::Frame,
        d: &crate::io::Frame,
        options: &ScoreOptions,
        scored: bool,
    ) -> Result<HostMetrics, ScoreError> {
        let psnr_sse = options.psnr.then(|| crate::features::psnr::plane_sse(r, d));
        if !scored {
            return Ok(HostMetrics { psnr_sse, ..HostMetrics::default() });
        }
        let cambi = options
            .cambi
            .iter()
            .map(|o| {
                let info = &d.info;
                crate::features::cambi::Cambi::new(info.width, info.height, info.bit_depth, o)
                    .and_then(|mut c| c.score(&d.planes[0].data))
                    .map_err(|e| ScoreError::Feature { metric: "CAMBI", why: e.to_string() })
            })
            .collect::<Result<Vec<f64>, ScoreError>>()?;
        let speed_chroma = options
            .speed_chroma
            .iter()
            .map(|o| {
                crate::features::speed::speed_chroma(r, d, o)
                    .map(|s| [s.u, s.v, s.uv])
                    .map_err(|e| ScoreError::Feature { metric: "SpEED chroma", why: e.to_string() })
            })
            .collect::<Result<Vec<[f64; 3]>, ScoreError>>()?;
        Ok(HostMetrics {
            psnr_sse,
            ssim: options.ssim.and_then(|o| crate::features::ssim::float_ssim(&r.planes[0], &d.planes[0], r.info.bit_depth, &o)),
            ms_ssim: options
                .ms_ssim
                .and_then(|o| crate::features::ssim::float_ms_ssim(&r.planes[0], &d.planes[0], r.info.bit_depth, &o)),
            psnr_hvs: options.psnr_hvs.then(|| crate::features::psnr_hvs(r, d)),
            ciede: options.ciede.then(|| crate::features::ciede::ciede(r, d)),
            cambi,
            speed_chroma,
        })
    }
}

impl Extracted {
    fn push(&mut self, frame: u64, features: crate::features::FrameFeatures, host: HostMetrics) {
        self.frame_numbers.push(frame);
        self.features.push(features);
        self.host.push(host);
    }
}

/// Computes every feature column for the frames of two inputs. `sets` lists the
/// VIF/ADM option sets to compute (the default set first). `progress` is told the
/// number of frames done as they finish.
pub fn extract(
    reference: &mut Input,
    distorted: &mut Input,
    sets: &[FeatureOptions],
    options: &ScoreOptions,
    progress: &dyn Fn(u64),
) -> Result<FeatureTable, ScoreError> {
    frames::check_same_format(reference.info(), distorted.info())?;
    if options.subsample == 0 {
        return Err(ScoreError::BadSubsample);
    }
    let info = *reference.info();
    check_window_fits(&info, options)?;
    for set in sets {
        crate::features::adm::AdmConfig::new(set).map_err(|why| ScoreError::NotDefinedFor {
            metric: "ADM",
            width: info.width,
            height: info.height,
            bit_depth: info.bit_depth,
            why,
        })?;
    }
    let pairs = frames::FramePairs::new(reference, distorted, options)?;
    let (extracted, notes) = match &options.gpu {
        Some(ctx) => gpu::extract(pairs, ctx, &info, sets, options, progress)?,
        None => cpu::extract(pairs, &info, sets, options, progress)?,
    };
    if extracted.features.is_empty() {
        return Err(ScoreError::NoFrames);
    }
    Ok(FeatureTable { notes, ..columns::columns(extracted, &info, sets, options) })
}

/// SSIM's 11x11 window must fit the (decimated) picture, MS-SSIM's at each of its
/// five scales, PSNR-HVS takes at most 12 bits, and CAMBI and SpEED have their own
/// limits (size, options); libvmaf fails the run otherwise, so this refuses it
/// before any frame is read.
fn check_window_fits(info: &crate::io::VideoInfo, options: &ScoreOptions) -> Result<(), ScoreError> {
    use crate::features::ssim::cpu;
    let refuse = |metric, why: &str| ScoreError::NotDefinedFor {
        metric,
        width: info.width,
        height: info.height,
        bit_depth: info.bit_depth,
        why: why.to_owned(),
    };
    if options.ssim.is_some_and(|o| !cpu::ssim_fits(info.width, info.height, &o)) {
        return Err(refuse("SSIM", "its 11x11 window must fit the picture"));
    }
    if options.ms_ssim.is_some() && !cpu::ms_ssim_fits(info.width, info.height) {
        return Err(refuse("MS-SSIM", "its 11x11 window must fit all five scales (176x176 or more)"));
    }
    if options.psnr_hvs && !crate::features::psnr_hvs::cpu::supports(info.bit_depth) {
        return Err(refuse("PSNR-HVS", "it is defined up to 12 bits per sample (libvmaf refuses deeper input)"));
    }
    for o in &options.cambi {
        crate::features::cambi::Cambi::new(info.width, info.height, info.bit_depth, o)
            .map_err(|e| refuse("CAMBI", &e.to_string()))?;
    }
    for o in &options.speed_chroma {
        crate::features::speed::state(info, o).map_err(|e| refuse("SpEED chroma", &e.to_string()))?;
    }
    Ok(())
}

/// Scores two opened inputs with `models` (all sharing one feature pass). `fps` in
/// the log counts feature extraction and the models, not opening the inputs.
pub fn score_inputs(
    reference: &mut Input,
    distorted: &mut Input,
    models: &[LoadedModel],
    options: &ScoreOptions,
    progress: &dyn Fn(u64),
) -> Result<ScoreLog, ScoreError> {
    let inputs = models.iter().map(ModelInputs::of).collect::<Result<Vec<_>, _>>()?;
    let mut sets = inputs::sets_of(&inputs);
    for set in &options.adm {
        if !sets.contains(set) {
            sets.push(*set);
        }
    }
    let options = &inputs::with_model_inputs(options, &inputs);
    let start = Instant::now();
    let (width, height) = (reference.info().width, reference.info().height);
    let table = extract(reference, distorted, &sets, options, progress)?;
    let scores = apply_models(&table, models)?;
    let fps = table.frame_numbers.len() as f64 / start.elapsed().as_secs_f64().max(1e-9);
    let context = RunContext {
        backend: if options.gpu.is_some() { "gpu" } else { "cpu" }.to_owned(),
        adapter: options.gpu.as_ref().map(|ctx| ctx.adapter_summary().name.clone()),
        models: models.iter().map(|m| m.id.clone()).collect(),
        reference: reference.name.clone(),
        distorted: distorted.name.clone(),
        width,
        height,
        frame_rate: reference.frame_rate().map(|(num, den)| format!("{num}/{den}")),
        notes: table.notes.clone(),
    };
    Ok(to_log(table, scores, fps, context))
}

/// Opens both inputs and scores them: [`crate::io::open`] twice, then [`score_inputs`].
pub fn score_pair(
    reference: &InputSpec,
    distorted: &InputSpec,
    models: &[LoadedModel],
    options: &ScoreOptions,
    progress: &dyn Fn(u64),
) -> Result<ScoreLog, ScoreError> {
    let mut reference = crate::io::open(reference)?;
    let mut distorted = crate::io::open(distorted)?;
    score_inputs(&mut reference, &mut distorted, models, options, progress)
}
