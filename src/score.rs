//! The scoring pipeline: two frame sources → per-frame integer features, computed
//! on all cores in bounded batches → each model's per-frame score → a [`ScoreLog`]
//! ready for pooling and output.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::features::{self, FeatureOptions};
use crate::io::{Frame, FrameSource, IoError, Plane, VideoInfo, Y4mReader, YuvReader};
use crate::model::{LoadedModel, ModelError};
use crate::output::{RunContext, ScoreLog};

/// One input: a path (`-` is standard input) and, for raw YUV, its geometry.
#[derive(Debug, Clone)]
pub struct InputSpec {
    pub path: PathBuf,
    pub raw: Option<RawFormat>,
}

/// Geometry of a raw YUV input, with an ffmpeg pixel-format name (`yuv420p10le`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFormat {
    pub width: usize,
    pub height: usize,
    pub pixel_format: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error("{path}: {source}")]
    Input { path: String, source: IoError },
    #[error("cannot open {path}: {source}")]
    Open { path: String, source: std::io::Error },
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
}

impl ScoreError {
    /// Exit code: 3 for bad input video, 30 for a model failure (README.md).
    pub fn exit_code(&self) -> u8 {
        match self {
            ScoreError::Model(_) => 30,
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
    let reader: Box<dyn Read + Send> = if spec.path == Path::new("-") {
        Box::new(BufReader::with_capacity(1 << 20, std::io::stdin()))
    } else {
        let file = File::open(&spec.path).map_err(|source| ScoreError::Open { path: name.clone(), source })?;
        Box::new(BufReader::with_capacity(1 << 20, file))
    };
    let wrap = |source| ScoreError::Input { path: name.clone(), source };
    let source: Box<dyn FrameSource + Send> = match &spec.raw {
        Some(raw) => Box::new(YuvReader::new(reader, raw.width, raw.height, &raw.pixel_format).map_err(wrap)?),
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
        }
    }
}

/// Every feature column of a run, before any model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureTable {
    pub frame_numbers: Vec<u64>,
    pub columns: Vec<(String, Vec<f64>)>,
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

/// Per-frame values computed in parallel; motion2 needs all raw motions first.
struct FrameValues {
    sets: Vec<([f64; 4], f64, [f64; 4])>,
    motion: f64,
    psnr: Option<[f64; 3]>,
}

fn frame_values(
    reference: &Frame,
    distorted: &Frame,
    previous_reference: Option<&Plane>,
    sets: &[FeatureOptions],
    psnr: bool,
    scratch: &mut features::FeatureScratch,
) -> FrameValues {
    let bit_depth = reference.info.bit_depth;
    let (ref_y, dist_y) = (&reference.planes[0], &distorted.planes[0]);
    let sets = sets
        .iter()
        .map(|o| {
            let vif = features::compute_vif_with(ref_y, dist_y, bit_depth, o.vif_enhn_gain_limit, &mut scratch.vif);
            let (adm2, adm_scale) =
                features::compute_adm_with(ref_y, dist_y, bit_depth, o.adm_enhn_gain_limit, &mut scratch.adm);
            (vif, adm2, adm_scale)
        })
        .collect();
    let motion = previous_reference.map_or(0.0, |prev| features::compute_motion_sad(prev, ref_y, bit_depth));
    FrameValues { sets, motion, psnr: psnr.then(|| features::compute_psnr(reference, distorted)) }
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

/// Computes every feature column for the frames of two inputs. `sets` lists the
/// VIF/ADM option sets to compute (the default set first). `progress` is told the
/// number of frames done after each batch.
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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.max(1))
        .build()
        .expect("a thread pool of N>=1 threads");
    // Bounded memory: at most `batch` frame pairs are held at once.
    let batch_size = (options.threads.max(1) * 2).max(4);
    let mut frame_numbers = Vec::new();
    let mut values: Vec<FrameValues> = Vec::new();
    let mut previous: Option<Plane> = None;
    let mut index = 0u64;
    let mut done = false;
    while !done {
        let mut batch = Vec::with_capacity(batch_size);
        while batch.len() < batch_size {
            if options.frame_count.is_some_and(|n| frame_numbers.len() as u64 + batch.len() as u64 >= n) {
                done = true;
                break;
            }
            let (r, d) = (reference.next()?, distorted.next()?);
            let (r, d) = match (r, d) {
                (Some(r), Some(d)) => (r, d),
                (None, None) => {
                    done = true;
                    break;
                }
                _ if options.shortest => {
                    done = true;
                    break;
                }
                // One input ended first: count what the other still holds, for the message.
                (r, _) => {
                    let (rc, dc) = if r.is_some() {
                        (index + 1 + count_rest(reference)?, index)
                    } else {
                        (index, index + 1 + count_rest(distorted)?)
                    };
                    return Err(ScoreError::FrameCount { reference: rc, distorted: dc });
                }
            };
            let keep = index % options.subsample == 0;
            if keep {
                batch.push((index, r, d));
            }
            index += 1;
        }
        if batch.is_empty() {
            break;
        }
        let computed: Vec<FrameValues> = pool.install(|| {
            (0..batch.len())
                .into_par_iter()
                .map_init(features::FeatureScratch::default, |scratch, i| {
                    let prev = if i == 0 { previous.as_ref() } else { Some(&batch[i - 1].1.planes[0]) };
                    frame_values(&batch[i].1, &batch[i].2, prev, sets, options.psnr, scratch)
                })
                .collect()
        });
        previous = batch.last().map(|(_, r, _)| r.planes[0].clone());
        frame_numbers.extend(batch.iter().map(|(n, _, _)| *n));
        values.extend(computed);
        progress(values.len() as u64);
    }
    if values.is_empty() {
        return Err(ScoreError::NoFrames);
    }
    Ok(columns(frame_numbers, &values, sets, options.psnr))
}

fn columns(frame_numbers: Vec<u64>, values: &[FrameValues], sets: &[FeatureOptions], psnr: bool) -> FeatureTable {
    let mut columns = Vec::new();
    for (s, set) in sets.iter().enumerate() {
        let suffix = set_suffix(set);
        columns.push((format!("integer_adm2{suffix}"), values.iter().map(|v| v.sets[s].1).collect()));
        for k in 0..4 {
            columns.push((format!("integer_adm_scale{k}{suffix}"), values.iter().map(|v| v.sets[s].2[k]).collect()));
        }
        for k in 0..4 {
            columns.push((format!("integer_vif_scale{k}{suffix}"), values.iter().map(|v| v.sets[s].0[k]).collect()));
        }
    }
    let raw: Vec<f64> = values.iter().map(|v| v.motion).collect();
    columns.push(("integer_motion2".to_owned(), features::motion2(&raw)));
    columns.push(("integer_motion".to_owned(), raw));
    if psnr {
        for (k, name) in ["psnr_y", "psnr_cb", "psnr_cr"].iter().enumerate() {
            columns.push(((*name).to_owned(), values.iter().map(|v| v.psnr.expect("psnr requested")[k]).collect()));
        }
    }
    FeatureTable { frame_numbers, columns }
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
