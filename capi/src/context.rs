//! The safe side of the library: a libvmaf context as this engine runs it.
//!
//! libvmaf computes each picture's features as it is read. Here the pictures go, as
//! frames, through two bounded channels to one worker thread that runs the same
//! extraction `score` runs ([`score::extract`]), so memory stays bounded however long
//! the video. The flush (`vmaf_read_pictures` with no pictures) closes the channels
//! and waits for the worker; the scores, pooled scores and logs are computed from its
//! feature table, as libvmaf computes them from its feature collector.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Instant;

use tinyvmaf_gpu::compat::builtin;
use tinyvmaf_gpu::compat::log::{Extractor, Plan};
use tinyvmaf_gpu::compat::spec::{FeatureSpec, ModelSpec};
use tinyvmaf_gpu::features::FeatureOptions;
use tinyvmaf_gpu::io::{Frame, FrameSource, Input, IoError, VideoInfo};
use tinyvmaf_gpu::model::LoadedModel;
use tinyvmaf_gpu::output::libvmaf::{self, LibvmafFormat};
use tinyvmaf_gpu::output::{Destination, RunContext, ScoreLog};
use tinyvmaf_gpu::score::{self, FeatureTable, ModelInputs, ScoreOptions};

/// Frames each channel holds before `vmaf_read_pictures` waits for the worker.
const QUEUE: usize = 4;

/// Why a call failed; the C functions turn each into libvmaf's `-EINVAL` and say it
/// on stderr (at libvmaf's error level or above).
pub type Failed = String;

/// A loaded model (`VmafModel`): the string it was loaded from, so that overloads
/// reload it with their options, and what it reads.
pub struct Model {
    pub spec: ModelSpec,
    pub loaded: LoadedModel,
    pub inputs: ModelInputs,
    /// `VMAF_MODEL_FLAG_DISABLE_TRANSFORM`, which model strings cannot say.
    pub disable_transform: bool,
}

impl Model {
    pub fn load(spec: ModelSpec, disable_transform: bool) -> Result<Model, Failed> {
        let backend = crate::backend::get()?.models;
        let (mut loaded, inputs) = builtin::load_model(&spec, backend).map_err(|e| e.to_string())?;
        loaded.flags.disable_transform = disable_transform;
        Ok(Model { spec, loaded, inputs, disable_transform })
    }

    /// `vmaf_model_feature_overload`: `FEATURE.OPTION=VALUE` for each option, as the
    /// model string's overrides (checked as a model string's are).
    pub fn overload(&mut self, feature: &str, options: &[(String, String)]) -> Result<(), Failed> {
        let mut spec = self.spec.clone();
        for (option, value) in options {
            let o = tinyvmaf_gpu::compat::spec::Override { feature: feature.to_owned(), option: option.clone(), value: value.clone() };
            match spec.overrides.iter_mut().find(|x| x.feature == o.feature && x.option == o.option) {
                Some(x) => *x = o,
                None => spec.overrides.push(o),
            }
        }
        *self = Model::load(spec, self.disable_transform)?;
        Ok(())
    }
}

/// libvmaf's `VmafConfiguration`, as far as it changes a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Config {
    pub log_level: i32,
    pub n_threads: u32,
    pub n_subsample: u32,
    pub gpumask: u64,
}

/// The worker and the ends of its channels.
struct Running {
    reference: SyncSender<Frame>,
    distorted: SyncSender<Frame>,
    worker: JoinHandle<Result<FeatureTable, Failed>>,
    info: VideoInfo,
    /// The VIF/ADM option sets the worker computes (the log's columns name them).
    sets: Vec<FeatureOptions>,
}

/// What a flushed context holds.
struct Done {
    table: FeatureTable,
    sets: Vec<FeatureOptions>,
    /// Pictures read per second, from the first picture to the end of the flush.
    fps: f64,
    info: VideoInfo,
}

/// `VmafContext`.
pub struct Context {
    pub config: Config,
    plan: Plan,
    /// The models whose features are used, in order (their VIF/ADM option sets).
    model_inputs: Vec<ModelInputs>,
    running: Option<Running>,
    started: Option<Instant>,
    /// Pictures read (libvmaf's `pic_cnt`).
    read: u64,
    done: Option<Done>,
    /// Set by the flush, successful or not: reading after it is an error.
    flushed: bool,
    /// Model scores computed so far, under the model's name, in the order first
    /// computed: what the log holds after the features.
    scores: Vec<(String, Vec<f64>)>,
    /// The log of the scores so far, kept for per-index lookups (cleared when a
    /// model's scores are added).
    log: Option<ScoreLog>,
}

impl Context {
    pub fn new(config: Config) -> Context {
        Context {
            config,
            plan: Plan::default(),
            model_inputs: Vec::new(),
            running: None,
            started: None,
            read: 0,
            done: None,
            flushed: false,
            scores: Vec::new(),
            log: None,
        }
    }

    fn check_not_started(&self, what: &str) -> Result<(), Failed> {
        if self.running.is_some() || self.flushed {
            return Err(format!("{what}: pictures have been read already; use features before the first picture"));
        }
        Ok(())
    }

    /// `vmaf_use_features_from_model`.
    pub fn use_model(&mut self, model: &Model) -> Result<(), Failed> {
        self.check_not_started("vmaf_use_features_from_model")?;
        self.plan.register_model(model.loaded.features(), &model.inputs);
        self.model_inputs.push(model.inputs.clone());
        Ok(())
    }

    /// `vmaf_use_feature`, with libvmaf's extractor name and options.
    pub fn use_feature(&mut self, name: &str, options: Vec<(String, String)>) -> Result<(), Failed> {
        self.check_not_started("vmaf_use_feature")?;
        let spec = FeatureSpec { name: name.to_owned(), options };
        let extractor: Extractor = builtin::extractor(&spec)?;
        self.plan.register(extractor);
        Ok(())
    }

    /// One pair of pictures, already copied into frames. `index` must follow the
    /// previous one: motion compares each picture with those before it.
    pub fn read(&mut self, reference: Frame, distorted: Frame, index: u64) -> Result<(), Failed> {
        if self.flushed {
            return Err("vmaf_read_pictures: the context has been flushed".into());
        }
        if reference.info != distorted.info {
            return Err("vmaf_read_pictures: the reference and distorted pictures differ in size, format or bit depth".into());
        }
        if index != self.read {
            return Err(format!("vmaf_read_pictures: picture index {index}, expected {} (pictures are read in order)", self.read));
        }
        if self.running.is_none() {
            self.start(reference.info)?;
        }
        let running = self.running.as_ref().expect("started above");
        if reference.info != running.info {
            return Err(format!(
                "vmaf_read_pictures: a {}x{} {}-bit picture after {}x{} {}-bit ones",
                reference.info.width, reference.info.height, reference.info.bit_depth, running.info.width, running.info.height, running.info.bit_depth
            ));
        }
        self.read += 1;
        if running.reference.send(reference).is_err() || running.distorted.send(distorted).is_err() {
            // The worker stopped: its error says why.
            return Err(self.flush().err().unwrap_or_else(|| "the feature extraction stopped".into()));
        }
        Ok(())
    }

    fn start(&mut self, info: VideoInfo) -> Result<(), Failed> {
        let sets = self.plan.feature_sets(&score::inputs::sets_of(&self.model_inputs));
        let gpu = if self.config.gpumask != 0 { None } else { crate::backend::get()?.gpu.clone() };
        let options = self.plan.score_options(ScoreOptions {
            // libvmaf's 0 threads is one thread without a pool.
            threads: self.config.n_threads.max(1) as usize,
            subsample: u64::from(self.config.n_subsample.max(1)),
            shortest: true,
            gpu,
            ..ScoreOptions::default()
        });
        let (reference, reference_rx) = sync_channel(QUEUE);
        let (distorted, distorted_rx) = sync_channel(QUEUE);
        let worker = std::thread::Builder::new()
            .name("tinyvmaf-libvmaf".into())
            .spawn({
                let sets = sets.clone();
                move || {
                    let mut r = Input::new("reference".into(), Box::new(Channel { info, frames: reference_rx }));
                    let mut d = Input::new("distorted".into(), Box::new(Channel { info, frames: distorted_rx }));
                    score::extract(&mut r, &mut d, &sets, &options, &|_| {}).map_err(|e| e.to_string())
                }
            })
            .map_err(|e| format!("cannot start the feature extraction thread: {e}"))?;
        self.running = Some(Running { reference, distorted, worker, info, sets });
        self.started = Some(Instant::now());
        Ok(())
    }

    /// The flush: waits for every picture's features.
    pub fn flush(&mut self) -> Result<(), Failed> {
        if self.flushed {
            return Err("vmaf_read_pictures: the context has been flushed already".into());
        }
        self.flushed = true;
        let Some(running) = self.running.take() else {
            return Err("vmaf_read_pictures: flush before any picture was read".into());
        };
        let (info, sets) = (running.info, running.sets);
        drop((running.reference, running.distorted));
        let table = running.worker.join().map_err(|_| "the feature extraction thread panicked".to_owned())??;
        let seconds = self.started.map_or(0.0, |s| s.elapsed().as_secs_f64());
        self.done = Some(Done { table, sets, fps: self.read as f64 / seconds.max(1e-9), info });
        Ok(())
    }

    fn done(&self, what: &str) -> Result<&Done, Failed> {
        self.done.as_ref().ok_or_else(|| format!("{what}: no scores yet (read the pictures, then flush with two NULL pictures)"))
    }

    /// A model's scores per scored frame, first under the model's name, then (for a
    /// `collection`) a bootstrap model's further columns; remembered for the log.
    pub fn model_scores(&mut self, model: &Model, collection: bool) -> Result<Vec<(String, Vec<f64>)>, Failed> {
        let done = self.done("scoring a model")?;
        let mut scores = score::apply_models(&done.table, std::slice::from_ref(&model.loaded)).map_err(|e| e.to_string())?;
        if !collection {
            scores.truncate(1);
        }
        self.log = None;
        for (name, values) in &scores {
            match self.scores.iter_mut().find(|(n, _)| n == name) {
                Some((_, v)) => v.clone_from(values),
                None => self.scores.push((name.clone(), values.clone())),
            }
        }
        Ok(scores)
    }

    /// The frame numbers scored, in order.
    pub fn frame_numbers(&self) -> Result<&[u64], Failed> {
        Ok(&self.done("scores")?.table.frame_numbers)
    }

    /// The run as libvmaf logs it: features, then the model scores computed so far.
    pub fn log(&mut self) -> Result<&ScoreLog, Failed> {
        if self.log.is_none() {
            let done = self.done("the log")?;
            let context = RunContext { width: done.info.width, height: done.info.height, ..RunContext::default() };
            let log = self.plan.log(&done.table, &done.sets, self.config.n_threads > 0, self.scores.clone(), done.fps, context);
            self.log = Some(log);
        }
        Ok(self.log.as_ref().expect("built above"))
    }

    /// A feature's value at picture `index`, by libvmaf's key.
    pub fn feature_at(&mut self, name: &str, index: u64) -> Result<f64, Failed> {
        let log = self.log()?;
        let j = log.metrics.iter().position(|m| m == name).ok_or_else(|| format!("no feature {name} in this context"))?;
        let i = log
            .frame_numbers
            .binary_search(&index)
            .map_err(|_| format!("no score at picture {index} (not read, or left out by n_subsample)"))?;
        Ok(log.frames[i][j])
    }

    /// `vmaf_write_output`: the log at `path` (written whole or not at all; a device
    /// or FIFO is written through).
    pub fn write_output(&mut self, path: &std::path::Path, format: LibvmafFormat) -> Result<(), Failed> {
        let text = libvmaf::render(self.log()?, format);
        let shown = path.display();
        let destination = Destination::resolve(path).map_err(|e| format!("could not open file: {shown}: {e}"))?;
        destination.write(path, text.as_bytes()).map_err(|e| format!("could not write {shown}: {e}"))
    }
}

impl Drop for Context {
    /// `vmaf_close` before the flush: the worker is told the input ended and waited
    /// for, so no thread outlives the context.
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            drop((running.reference, running.distorted));
            let _ = running.worker.join();
        }
    }
}

/// One input's frames, as the pictures arrive.
struct Channel {
    info: VideoInfo,
    frames: Receiver<Frame>,
}

impl FrameSource for Channel {
    fn info(&self) -> &VideoInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, IoError> {
        // A closed channel is the flush: the end of the stream.
        Ok(self.frames.recv().ok())
    }
}
