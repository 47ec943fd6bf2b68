//! Batch scoring: many pairs from a manifest, one JSON Lines record each, safe to
//! kill at any moment and resume, and splittable over machines.
//!
//! - [`manifest`] reads the pairs (CSV or JSON Lines) and checks them all first.
//! - [`shard`] picks a stable subset for one of N workers (`--shard I/N`).
//! - [`results`] is the output file: whole-line appends synced one by one, a torn
//!   last line repaired on reopening; [`lock`] keeps a second writer out.
//! - [`pair`] is the per-pair pipeline shared with `score`.
//! - [`run`] drives it: a reader thread opens and pre-reads the next pairs while
//!   the current one computes (on all cores, inside `score::extract`).
//! - [`merge`] joins shard outputs and reports missing and duplicated pairs.

pub mod lock;
pub mod manifest;
pub mod merge;
pub mod pair;
pub mod results;
pub mod shard;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

pub use manifest::{Manifest, ManifestError, PairSpec};
pub use pair::prefetch;
pub use results::{PairError, ResultsError, ResultsFile};
pub use shard::Shard;

use crate::model::LoadedModel;
use crate::gpu::GpuContext;
use crate::io::Input;
use crate::score::{self, ScoreOptions};

/// Loaded models per distinct model list of a manifest.
pub type ModelSets = HashMap<Vec<String>, Vec<LoadedModel>>;

/// Settings shared by every pair of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub threads: usize,
    /// `ScoreOptions::memory_limit`, for each pair in turn.
    pub memory_limit: u64,
    pub psnr: bool,
    pub subsample: u64,
    pub shortest: bool,
    /// Write each pair's per-frame log (libvmaf's JSON layout) here.
    pub per_frame_dir: Option<PathBuf>,
    /// Decoded bytes each input may pre-read before its pair starts.
    pub prefetch_bytes: usize,
    /// The GPU every pair's features run on (`None`: the CPU), and `--check-gpu`.
    pub gpu: Option<Arc<GpuContext>>,
    pub check_gpu: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: ScoreOptions::default().threads,
            memory_limit: ScoreOptions::default().memory_limit,
            psnr: false,
            subsample: 1,
            shortest: false,
            per_frame_dir: None,
            prefetch_bytes: 16 << 20,
            gpu: None,
            check_gpu: false,
        }
    }
}

impl RunOptions {
    fn score_options(&self, pair: &PairSpec) -> ScoreOptions {
        ScoreOptions {
            threads: self.threads,
            memory_limit: self.memory_limit,
            frame_count: pair.frame_count,
            skip_reference: pair.skip_reference,
            skip_distorted: pair.skip_distorted,
            subsample: self.subsample,
            shortest: self.shortest,
            psnr: self.psnr,
            psnr_options: Default::default(),
            ssim: None,
            ms_ssim: None,
            psnr_hvs: false,
            ciede: false,
            cambi: Vec::new(),
            speed_chroma: Vec::new(),
            motion: Vec::new(),
            adm: Vec::new(),
            gpu: self.gpu.clone(),
            check_gpu: self.check_gpu,
            simd: crate::simd::current(),
        }
    }
}

/// The result of one pair, as reported to an [`Observer`].
#[derive(Debug, Clone)]
pub enum Outcome {
    Scored { frames: u64, seconds: f64 },
    Failed(PairError),
}

/// Told what happens, for a progress display. `frames` is called from inside
/// feature extraction, hence `&self`.
pub trait Observer {
    fn pair_started(&mut self, pair: &PairSpec);
    fn frames(&self, done: u64);
    fn pair_finished(&mut self, pair: &PairSpec, outcome: &Outcome);
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub scored: usize,
    pub failed: usize,
    /// Stopped early because `stop` was set; pairs not reached have no record.
    pub interrupted: bool,
}

/// The per-frame log's file name for a pair id, one name per id (no two ids share a
/// file): the id with every byte outside `[A-Za-z0-9._-]` (and a leading `.`) written
/// as `%XX`, which can be decoded back, so distinct ids give distinct names; an id
/// whose encoding passes 200 bytes keeps its first 100 and adds `+` and the SHA-256 of
/// the whole id (`+` never appears in an encoded name, so the two kinds never meet).
pub fn per_frame_name(id: &str) -> String {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    let mut name = String::new();
    for (i, byte) in id.bytes().enumerate() {
        let plain = byte.is_ascii_alphanumeric() || (b"_-".contains(&byte)) || (byte == b'.' && i > 0);
        if plain {
            name.push(byte as char);
        } else {
            let _ = write!(name, "%{byte:02X}");
        }
    }
    if id.is_empty() {
        // A lone `%` is no encoding of anything else.
        name.push('%');
    }
    if name.len() > 200 {
        name.truncate(100);
        let digest: String = sha2::Sha256::digest(id.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        name = format!("{name}+{digest}");
    }
    format!("{name}.json")
}

type Opened = Result<(Input, Input), PairError>;

fn open_both(pair: &PairSpec, options: &RunOptions) -> Opened {
    let fail = |e: crate::io::InputError| {
        let e = score::ScoreError::from(e);
        PairError { message: e.to_string(), exit_code: e.exit_code() }
    };
    // `frame_count` counts input frames (after the skips), subsampled or not.
    let limit = pair.frame_count.unwrap_or(u64::MAX);
    let (reference, distorted) = (pair.reference_spec(), pair.distorted_spec());
    // A batch reads files: a FIFO would stall the whole batch in `open` (where no
    // signal interrupts it) until some writer appears, a device would never end.
    for spec in [&reference, &distorted] {
        match std::fs::metadata(&spec.path) {
            Ok(meta) if !meta.is_file() => {
                return Err(PairError {
                    message: format!("{}: {} (batch reads files)", spec.path.display(), crate::io::regular::not_regular(&meta)),
                    exit_code: crate::exit::INPUT,
                });
            }
            _ => {}
        }
    }
    // Encoded inputs through ffmpeg, an encoded distorted video scaled to its reference.
    let (reference, distorted, _) =
        crate::io::open_pair(&reference, &distorted, &crate::io::Decoding::default()).map_err(fail)?;
    Ok((
        pair::prefetch(reference, limit.saturating_add(pair.skip_reference), options.prefetch_bytes),
        pair::prefetch(distorted, limit.saturating_add(pair.skip_distorted), options.prefetch_bytes),
    ))
}

/// Scores `pairs` in order, appending one record per pair to `results`. A pair's
/// failure is recorded and the run goes on; only a results-file failure stops it.
/// When `stop` is set, the pair in progress is finished and recorded, and no
/// other is started. Every pair's model list must be in `models`.
pub fn run(
    pairs: &[PairSpec],
    models: &ModelSets,
    results: &mut ResultsFile,
    options: &RunOptions,
    stop: &AtomicBool,
    observer: &mut dyn Observer,
) -> Result<RunSummary, ResultsError> {
    if let Some(dir) = &options.per_frame_dir {
        std::fs::create_dir_all(dir).map_err(|source| ResultsError::Io { path: dir.clone(), source })?;
    }
    let mut summary = RunSummary::default();
    std::thread::scope(|scope| {
        // Opening and pre-reading runs one or two pairs ahead of scoring.
        let (tx, rx) = mpsc::sync_channel::<Opened>(1);
        let reader = scope.spawn(move || {
            for pair in pairs {
                if stop.load(Ordering::SeqCst) || tx.send(open_both(pair, options)).is_err() {
                    break;
                }
            }
        });
        let mut outcome = Ok(());
        for pair in pairs {
            if stop.load(Ordering::SeqCst) {
                summary.interrupted = true;
                break;
            }
            let Ok(opened) = rx.recv() else {
                // The reader stopped early: only because `stop` was set.
                summary.interrupted = true;
                break;
            };
            observer.pair_started(pair);
            let result = score_one(pair, opened, models, options, &*observer);
            let (record, result) = match result {
                Ok((log, seconds)) => match write_per_frame(pair, &log, options) {
                    Ok(path) => (
                        results::ok_record(pair, &log, seconds, path.as_deref()),
                        Outcome::Scored { frames: log.frame_numbers.len() as u64, seconds },
                    ),
                    Err(e) => {
                        outcome = Err(e);
                        break;
                    }
                },
                Err(e) => (results::error_record(pair, &e), Outcome::Failed(e)),
            };
            if let Err(e) = results.append(&record) {
                outcome = Err(e);
                break;
            }
            match &result {
                Outcome::Scored { .. } => summary.scored += 1,
                Outcome::Failed(_) => summary.failed += 1,
            }
            observer.pair_finished(pair, &result);
        }
        drop(rx);
        reader.join().expect("the reader thread does not panic");
        outcome
    })?;
    Ok(summary)
}

fn score_one(
    pair: &PairSpec,
    opened: Opened,
    models: &ModelSets,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<(crate::output::ScoreLog, f64), PairError> {
    let start = Instant::now();
    let (mut reference, mut distorted) = opened?;
    let models = models.get(&pair.models).expect("the caller loaded every model list of the manifest");
    let log = score::score_inputs(&mut reference, &mut distorted, models, &options.score_options(pair), &|done| {
        observer.frames(done)
    })
    .map_err(|e| PairError { message: e.to_string(), exit_code: e.exit_code() })?;
    Ok((log, start.elapsed().as_secs_f64()))
}

fn write_per_frame(
    pair: &PairSpec,
    log: &crate::output::ScoreLog,
    options: &RunOptions,
) -> Result<Option<PathBuf>, ResultsError> {
    let Some(dir) = &options.per_frame_dir else { return Ok(None) };
    let path = dir.join(per_frame_name(&pair.id));
    crate::output::write_to(&path, crate::output::render(log, crate::output::Format::Json).as_bytes())?;
    Ok(Some(path))
}

/// The pairs that this shard owns (all of them without a shard), in manifest order.
pub fn select(pairs: &[PairSpec], shard: Option<Shard>) -> Vec<PairSpec> {
    pairs.iter().filter(|p| shard.is_none_or(|s| s.contains(&p.id))).cloned().collect()
}
