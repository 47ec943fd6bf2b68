//! The scoring pipeline: two frame sources → per-frame integer features, computed
//! on all cores in bounded batches → each model's per-frame score → a [`ScoreLog`]
//! ready for pooling and output.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::features::motion::motion_score;
use crate::features::{self, FeatureOptions, FrameFeatures};
use crate::gpu::{self, GpuContext, GpuError, engine::FeatureEngine};
use crate::io::{Frame, FrameSource, IoError, Plane, VideoInfo, Y4mReader, YuvReader};
use crate::model::{LoadedModel, ModelError};
use crate::output::{RunContext, ScoreLog};

// Defined in `io` (std only) so the batch manifest parser can use them without the
// scoring pipeline; re-exported here, where they have always been.
pub use crate::io::{InputSpec, RawFormat};

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error("{path}: {source}")]
    Input { path: String, source: IoError },
    #[error("cannot open {path}: {source}")]
    Open { path: String, source: std::io::Error },
    #[error(
        "{path}: {size} bytes is not a whole number of {geometry} frames ({frame_bytes} bytes each): \
         wrong geometry or a truncated file? (--frame-count N reads only the first N frames)"
    )]
    RawSize { path: String, size: u64, geometry: String, frame_bytes: u64 },
    #[error("{path}: raw YUV input needs --width, --height and --pixel-format")]
    RawNeedsGeometry { path: String },
    #[error("reference and distorted differ in {what}: reference {reference}, distorted {distorted}")]
    Mismatch { what: &'static str, reference: String, distorted: String },
    #[error(
        "reference has {reference} frames but distorted has {distorted} (after skips); \
         pass --shortest to score only the frames both have"
    )]
    FrameCount { reference: u64, distorted: u64 },
    #[error("no frames to score (inputs empty, or everything skipped)")]
    NoFrames,
    #[error("--subsample must be at least 1")]
    BadSubsample,
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("GPU: {0}")]
    Gpu(#[from] GpuError),
    #[error("--check-gpu: frame {frame}: {what} differs: GPU {gpu}, CPU {cpu}")]
    GpuMismatch { frame: u64, what: String, gpu: String, cpu: String },
}

impl ScoreError {
    /// Exit code: 3 for bad input video, 30 for a model failure (README.md).
    pub fn exit_code(&self) -> u8 {
        match self {
            ScoreError::Model(_) => 30,
            ScoreError::Gpu(_) => 31,
            ScoreError::GpuMismatch { .. } => 32,
            _ => 3,
        }
    }
}

/// A frame source and the name it is reported under.
pub struct Input {
    pub name: String,
    pub source: Box<dyn FrameSource + Send>,
}

impl Input {
    pub fn info(&self) -> &VideoInfo {
        self.source.info()
    }

    fn next(&mut self) -> Result<Option<Frame>, ScoreError> {
        self.source.next_frame().map_err(|source| ScoreError::Input { path: self.name.clone(), source })
    }
}

/// Opens a Y4M or raw YUV input. Raw is chosen when geometry is given or the name
/// ends in `.yuv`; everything else must be Y4M.
pub fn open(spec: &InputSpec) -> Result<Input, ScoreError> {
    let name = spec.path.display().to_string();
    // The size of a regular file (not of a pipe or device), for the raw-size check.
    let mut file_size = None;
    let reader: Box<dyn Read + Send> = if spec.path == Path::new("-") {
        Box::new(BufReader::with_capacity(1 << 20, std::io::stdin()))
    } else {
        let file = File::open(&spec.path).map_err(|source| ScoreError::Open { path: name.clone(), source })?;
        file_size = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
        Box::new(BufReader::with_capacity(1 << 20, file))
    };
    let wrap = |source| ScoreError::Input { path: name.clone(), source };
    let source: Box<dyn FrameSource + Send> = match &spec.raw {
        Some(raw) => {
            let reader = YuvReader::new(reader, raw.width, raw.height, &raw.pixel_format).map_err(wrap)?;
            let frame_bytes = reader.info().frame_bytes() as u64;
            if let Some(size) = file_size.filter(|s| raw.frame_count.is_none() && s % frame_bytes != 0) {
                let geometry = format!("{}x{} {}", raw.width, raw.height, raw.pixel_format);
                return Err(ScoreError::RawSize { path: name, size, geometry, frame_bytes });
            }
            Box::new(reader)
        }
        None if spec.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("yuv")) => {
            return Err(ScoreError::RawNeedsGeometry { path: name });
        }
        None => Box::new(Y4mReader::new(reader).map_err(wrap)?),
    };
    Ok(Input { name, source })
}

/// Frame selection and parallelism.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    pub threads: usize,
    pub frame_count: Option<u64>,
    pub skip_reference: u64,
    pub skip_distorted: u64,
    /// Score every N-th frame (1: all). Motion is computed between scored frames.
    pub subsample: u64,
    pub shortest: bool,
    pub psnr: bool,
    /// Compute the features on this GPU instead of the CPU.
    pub gpu: Option<Arc<GpuContext>>,
    /// With `gpu`: also compute every frame on the CPU and fail at the first difference.
    pub check_gpu: bool,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            frame_count: None,
            skip_reference: 0,
            skip_distorted: 0,
            subsample: 1,
            shortest: false,
            psnr: false,
            gpu: None,
            check_gpu: false,
        }
    }
}

/// Every feature column of a run, before any model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureTable {
    pub frame_numbers: Vec<u64>,
    pub columns: Vec<(String, Vec<f64>)>,
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

fn check_same_format(reference: &VideoInfo, distorted: &VideoInfo) -> Result<(), ScoreError> {
    let mismatch = |what, r: String, d: String| Err(ScoreError::Mismatch { what, reference: r, distorted: d });
    if (reference.width, reference.height) != (distorted.width, distorted.height) {
        return mismatch(
            "geometry",
            format!("{}x{}", reference.width, reference.height),
            format!("{}x{}", distorted.width, distorted.height),
        );
    }
    if reference.bit_depth != distorted.bit_depth {
        return mismatch("bit depth", reference.bit_depth.to_string(), distorted.bit_depth.to_string());
    }
    if reference.chroma != distorted.chroma {
        return mismatch("chroma format", format!("{:?}", reference.chroma), format!("{:?}", distorted.chroma));
    }
    Ok(())
}

fn skip(input: &mut Input, n: u64) -> Result<u64, ScoreError> {
    for i in 0..n {
        if input.next()?.is_none() {
            return Ok(i);
        }
    }
    Ok(n)
}

fn count_rest(input: &mut Input) -> Result<u64, ScoreError> {
    let mut n = 0;
    while input.next()?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// The frame pairs to score, in order: skips, `--frame-count`, `--subsample` and the
/// end-of-input rules applied. Both backends read through this one iterator.
struct FramePairs<'a> {
    reference: &'a mut Input,
    distorted: &'a mut Input,
    frame_count: Option<u64>,
    subsample: u64,
    shortest: bool,
    /// Frames read so far (scored or not) and frames handed out.
    index: u64,
    kept: u64,
}

impl FramePairs<'_> {
    /// The next scored pair and its frame number, `None` at the end.
    fn next(&mut self) -> Result<Option<(u64, Frame, Frame)>, ScoreError> {
        loop {
            if self.frame_count.is_some_and(|n| self.kept >= n) {
                return Ok(None);
            }
            let (r, d) = (self.reference.next()?, self.distorted.next()?);
            let (r, d) = match (r, d) {
                (Some(r), Some(d)) => (r, d),
                (None, None) => return Ok(None),
                _ if self.shortest => return Ok(None),
                // One input ended first: count what the other still holds, for the message.
                (r, _) => {
                    let index = self.index;
                    let (rc, dc) = if r.is_some() {
                        (index + 1 + count_rest(self.reference)?, index)
                    } else {
                        (index, index + 1 + count_rest(self.distorted)?)
                    };
                    return Err(ScoreError::FrameCount { reference: rc, distorted: dc });
                }
            };
            let index = self.index;
            self.index += 1;
            if index % self.subsample == 0 {
                self.kept += 1;
                return Ok(Some((index, r, d)));
            }
        }
    }
}

/// What extraction gathers per scored frame, whichever backend ran.
struct Extracted {
    frame_numbers: Vec<u64>,
    features: Vec<FrameFeatures>,
    psnr: Vec<[f64; 3]>,
}

impl Extracted {
    fn push(&mut self, frame: u64, features: FrameFeatures, psnr: Option<[f64; 3]>) {
        self.frame_numbers.push(frame);
        self.features.push(features);
        self.psnr.extend(psnr);
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
    check_same_format(reference.info(), distorted.info())?;
    if options.subsample == 0 {
        return Err(ScoreError::BadSubsample);
    }
    skip(reference, options.skip_reference)?;
    skip(distorted, options.skip_distorted)?;
    let info = *reference.info();
    let pairs = FramePairs {
        reference,
        distorted,
        frame_count: options.frame_count,
        subsample: options.subsample,
        shortest: options.shortest,
        index: 0,
        kept: 0,
    };
    let (extracted, notes) = match &options.gpu {
        Some(ctx) => extract_gpu(pairs, ctx, &info, sets, options, progress)?,
        None => (extract_cpu(pairs, sets, options, progress)?, Vec::new()),
    };
    if extracted.features.is_empty() {
        return Err(ScoreError::NoFrames);
    }
    Ok(FeatureTable { notes, ..columns(extracted, (info.width, info.height), sets) })
}

/// The CPU path: bounded batches of frame pairs, computed in parallel with rayon.
/// Motion uses each frame's own previous reference, so frames are independent.
fn extract_cpu(
    mut pairs: FramePairs,
    sets: &[FeatureOptions],
    options: &ScoreOptions,
    progress: &dyn Fn(u64),
) -> Result<Extracted, ScoreError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.max(1))
        .build()
        .expect("a thread pool of N>=1 threads");
    // Bounded memory: at most `batch` frame pairs are held at once.
    let batch_size = (options.threads.max(1) * 2).max(4);
    let mut out = Extracted { frame_numbers: Vec::new(), features: Vec::new(), psnr: Vec::new() };
    let mut previous: Option<Plane> = None;
    loop {
        let mut batch = Vec::with_capacity(batch_size);
        while batch.len() < batch_size {
            match pairs.next()? {
                Some(pair) => batch.push(pair),
                None => break,
            }
        }
        if batch.is_empty() {
            break;
        }
        let computed: Vec<(FrameFeatures, Option<[f64; 3]>)> = pool.install(|| {
            (0..batch.len())
                .into_par_iter()
                .map_init(features::FeatureScratch::default, |scratch, i| {
                    let prev = if i == 0 { previous.as_ref() } else { Some(&batch[i - 1].1.planes[0]) };
                    let (_, r, d) = &batch[i];
                    let f = features::frame_features(&r.planes[0], &d.planes[0], prev, r.info.bit_depth, sets, scratch);
                    (f, options.psnr.then(|| features::compute_psnr(r, d)))
                })
                .collect()
        });
        previous = batch.last().map(|(_, r, _)| r.planes[0].clone());
        for ((n, _, _), (f, psnr)) in batch.iter().zip(computed) {
            out.push(*n, f, psnr);
        }
        progress(out.features.len() as u64);
    }
    Ok(out)
}

/// A frame on the GPU, kept until its features come back: its number, PSNR, the CPU's
/// features when `check_gpu`, and its luma planes, so the CPU can redo it if the GPU
/// fails before it returns.
struct Waiting {
    frame: u64,
    psnr: Option<[f64; 3]>,
    want: Option<FrameFeatures>,
    ref_y: Plane,
    dist_y: Plane,
}

/// Frames whose features are final, and the reference luma of the last one: the
/// previous frame of the next CPU computation.
struct Done {
    out: Extracted,
    last_ref: Option<Plane>,
}

impl Done {
    fn accept(&mut self, w: Waiting, got: FrameFeatures, sets: &[FeatureOptions], progress: &dyn Fn(u64)) -> Result<(), ScoreError> {
        if let Some(want) = &w.want {
            check_same(w.frame, &got, want, sets)?;
        }
        self.out.push(w.frame, got, w.psnr);
        self.last_ref = Some(w.ref_y);
        progress(self.out.features.len() as u64);
        Ok(())
    }
}

/// Where the GPU path stands.
enum GpuState<'c> {
    Running(FeatureEngine<'c>),
    /// The GPU failed (device lost, out of memory, …): the rest of the clip runs on the CPU.
    Failed,
}

/// The GPU path: a reader thread decodes frames ahead while the engine keeps
/// [`gpu::engine::IN_FLIGHT`] frames on the GPU. PSNR (when asked) is computed on the
/// CPU meanwhile. With `check_gpu`, every frame is also computed on the CPU and the
/// first difference is an error naming the frame, the feature and both values.
///
/// If the GPU fails mid-run, the run goes on: the frames it had not returned and every
/// later frame are computed on the CPU (with the same previous-frame rule, so the
/// numbers are those of an all-CPU run), and one warning says where it happened; it is
/// also kept in the table's `notes` for the log.
fn extract_gpu(
    mut pairs: FramePairs,
    ctx: &GpuContext,
    info: &VideoInfo,
    sets: &[FeatureOptions],
    options: &ScoreOptions,
    progress: &dyn Fn(u64),
) -> Result<(Extracted, Vec<String>), ScoreError> {
    let mut notes = Vec::new();
    let mut state = match FeatureEngine::new(ctx, info.width, info.height, info.bit_depth, sets) {
        Ok(engine) => GpuState::Running(engine),
        // Out of memory for this frame size, say: the whole clip on the CPU.
        Err(e) => {
            let note = format!("warning: the GPU {} cannot run this clip ({e}); computing on the CPU", ctx.adapter_summary().name);
            eprintln!("{note}");
            notes.push(note);
            GpuState::Failed
        }
    };
    let mut waiting: VecDeque<Waiting> = VecDeque::new();
    let mut check_scratch = features::FeatureScratch::default();
    let mut cpu_scratch = features::FeatureScratch::default();
    let mut check_previous: Option<Plane> = None;
    let mut done = Done { out: Extracted { frame_numbers: Vec::new(), features: Vec::new(), psnr: Vec::new() }, last_ref: None };
    // The CPU takes over every frame still waiting (after a GPU failure).
    let mut drain = |waiting: &mut VecDeque<Waiting>, done: &mut Done| {
        while let Some(w) = waiting.pop_front() {
            let prev = done.last_ref.as_ref();
            let got = features::frame_features(&w.ref_y, &w.dist_y, prev, info.bit_depth, sets, &mut cpu_scratch);
            done.accept(w, got, sets, progress)?;
        }
        Ok::<(), ScoreError>(())
    };
    // The GPU failed: one warning, kept for the log too, then the CPU for the rest.
    let mut fail_over = |state: &mut GpuState, error: GpuError, waiting: &VecDeque<Waiting>, done: &Done| {
        let from = waiting.front().map_or(done.out.frame_numbers.len() as u64, |w| w.frame);
        let note = format!(
            "warning: the GPU {} failed at frame {from} ({error}); frames from {from} on are computed on the CPU",
            ctx.adapter_summary().name
        );
        eprintln!("{note}");
        notes.push(note);
        *state = GpuState::Failed;
    };
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(2 * gpu::engine::IN_FLIGHT);
        scope.spawn(move || {
            loop {
                match pairs.next() {
                    Ok(Some(pair)) => {
                        // A closed channel means the consumer stopped on an error.
                        if tx.send(Ok(pair)).is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        break;
                    }
                }
            }
        });
        for item in rx {
            let (frame, r, d) = item?;
            let psnr = options.psnr.then(|| features::compute_psnr(&r, &d));
            let want = options.check_gpu.then(|| {
                let (ry, dy) = (&r.planes[0], &d.planes[0]);
                features::frame_features(ry, dy, check_previous.as_ref(), info.bit_depth, sets, &mut check_scratch)
            });
            let [ref_y, ..] = r.planes;
            let [dist_y, ..] = d.planes;
            if options.check_gpu {
                check_previous = Some(ref_y.clone());
            }
            let w = Waiting { frame, psnr, want, ref_y, dist_y };
            match &mut state {
                GpuState::Running(engine) => match engine.push(&w.ref_y, &w.dist_y) {
                    Ok(finished) => {
                        waiting.push_back(w);
                        if let Some(got) = finished {
                            let oldest = waiting.pop_front().expect("one waiting entry per frame on the GPU");
                            done.accept(oldest, got, sets, progress)?;
                        }
                    }
                    Err(e) => {
                        waiting.push_back(w);
                        fail_over(&mut state, e, &waiting, &done);
                        drain(&mut waiting, &mut done)?;
                    }
                },
                GpuState::Failed => {
                    waiting.push_back(w);
                    drain(&mut waiting, &mut done)?;
                }
            }
        }
        if let GpuState::Running(engine) = &mut state {
            match engine.finish() {
                Ok(finished) => {
                    for got in finished {
                        let oldest = waiting.pop_front().expect("one waiting entry per frame on the GPU");
                        done.accept(oldest, got, sets, progress)?;
                    }
                }
                Err(e) => {
                    fail_over(&mut state, e, &waiting, &done);
                    drain(&mut waiting, &mut done)?;
                }
            }
        }
        Ok::<(), ScoreError>(())
    })?;
    Ok((done.out, notes))
}

/// `--check-gpu`: the first field in which the GPU's frame differs from the CPU's.
fn check_same(frame: u64, gpu: &FrameFeatures, cpu: &FrameFeatures, sets: &[FeatureOptions]) -> Result<(), ScoreError> {
    let differ = |what: String, g: String, c: String| ScoreError::GpuMismatch { frame, what, gpu: g, cpu: c };
    for (s, set) in sets.iter().enumerate() {
        let suffix = set_suffix(set);
        for (name, g, c) in [("vif", &gpu.vif[s], &cpu.vif[s]), ("adm", &gpu.adm[s], &cpu.adm[s])] {
            for k in 0..4 {
                for (part, gv, cv) in [("num", g[k].0, c[k].0), ("den", g[k].1, c[k].1)] {
                    if gv.to_bits() != cv.to_bits() {
                        return Err(differ(format!("{name}_{part}_scale{k}{suffix}"), gv.to_string(), cv.to_string()));
                    }
                }
            }
        }
    }
    if gpu.motion_sad != cpu.motion_sad {
        return Err(differ("motion SAD".to_owned(), format!("{:?}", gpu.motion_sad), format!("{:?}", cpu.motion_sad)));
    }
    Ok(())
}

/// libvmaf's feature columns from the integer features of every frame: the float
/// steps shared by both backends.
fn columns(extracted: Extracted, (w, h): (usize, usize), sets: &[FeatureOptions]) -> FeatureTable {
    let Extracted { frame_numbers, features: frames, psnr } = extracted;
    let mut columns = Vec::new();
    for (s, set) in sets.iter().enumerate() {
        let suffix = set_suffix(set);
        let adm: Vec<(f64, [f64; 4])> = frames.iter().map(|f| features::adm::adm_scores(&f.adm[s], w, h)).collect();
        let vif: Vec<[f64; 4]> = frames.iter().map(|f| features::vif::vif_scores(&f.vif[s])).collect();
        columns.push((format!("integer_adm2{suffix}"), adm.iter().map(|a| a.0).collect()));
        for k in 0..4 {
            columns.push((format!("integer_adm_scale{k}{suffix}"), adm.iter().map(|a| a.1[k]).collect()));
        }
        for k in 0..4 {
            columns.push((format!("integer_vif_scale{k}{suffix}"), vif.iter().map(|v| v[k]).collect()));
        }
    }
    let raw: Vec<f64> = frames.iter().map(|f| f.motion_sad.map_or(0.0, |sad| motion_score(sad, w, h))).collect();
    columns.push(("integer_motion2".to_owned(), features::motion2(&raw)));
    columns.push(("integer_motion".to_owned(), raw));
    if psnr.len() == frames.len() {
        for (k, name) in ["psnr_y", "psnr_cb", "psnr_cr"].iter().enumerate() {
            columns.push(((*name).to_owned(), psnr.iter().map(|p| p[k]).collect()));
        }
    }
    FeatureTable { frame_numbers, columns, notes: Vec::new() }
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

/// The feature options a model's sidecar asks for (defaults where it is silent).
pub fn model_feature_options(model: &LoadedModel) -> FeatureOptions {
    let spec = &model.sidecar.feature_options;
    let default = FeatureOptions::default();
    FeatureOptions {
        vif_enhn_gain_limit: spec.vif_enhn_gain_limit.unwrap_or(default.vif_enhn_gain_limit),
        adm_enhn_gain_limit: spec.adm_enhn_gain_limit.unwrap_or(default.adm_enhn_gain_limit),
    }
}

/// The distinct feature sets the models need, default first.
pub fn feature_sets(models: &[LoadedModel]) -> Vec<FeatureOptions> {
    let mut sets = vec![FeatureOptions::default()];
    for m in models {
        let o = model_feature_options(m);
        if !sets.contains(&o) {
            sets.push(o);
        }
    }
    sets
}

/// Runs each model over the feature table, all frames in one batch per model.
pub fn apply_models(table: &FeatureTable, models: &[LoadedModel]) -> Result<Vec<(String, Vec<f64>)>, ScoreError> {
    let mut out = Vec::new();
    for model in models {
        let suffix = set_suffix(&model_feature_options(model));
        let columns: Vec<&[f64]> = model
            .features()
            .iter()
            .map(|f| {
                let name = if f.starts_with("motion") { format!("integer_{f}") } else { format!("integer_{f}{suffix}") };
                table.column(&name).unwrap_or_else(|| panic!("feature column {name} was computed for this model"))
            })
            .collect();
        let rows: Vec<Vec<f64>> =
            (0..table.frame_numbers.len()).map(|i| columns.iter().map(|c| c[i]).collect()).collect();
        out.push((score_name(&model.id), model.predict(&rows)?));
    }
    Ok(out)
}

/// Features and scores as one log, in libvmaf's column order (features, then scores).
pub fn to_log(table: FeatureTable, scores: Vec<(String, Vec<f64>)>, fps: f64, context: RunContext) -> ScoreLog {
    let all: Vec<(String, Vec<f64>)> = table.columns.into_iter().chain(scores).collect();
    let n = table.frame_numbers.len();
    ScoreLog {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        fps,
        metrics: all.iter().map(|(n, _)| n.clone()).collect(),
        frames: (0..n).map(|i| all.iter().map(|(_, c)| c[i]).collect()).collect(),
        frame_numbers: table.frame_numbers,
        context,
    }
}
