//! One pair, end to end: two opened inputs and loaded models → features → model
//! scores → a [`ScoreLog`]. This is the only copy of that sequence: `score` calls
//! [`score_inputs`] for its one pair and `batch` calls it for each manifest row, so
//! the two commands cannot drift apart.
//!
//! Also here: [`prefetch`], which reads the first frames of an input ahead of time
//! (on the batch reader thread) so that the next pair's I/O and Y4M parsing overlap
//! the current pair's feature extraction.

use std::collections::VecDeque;
use std::time::Instant;

use crate::io::{Frame, FrameSource, IoError, VideoInfo};
use crate::model::LoadedModel;
use crate::output::{RunContext, ScoreLog};
use crate::score::{self, Input, InputSpec, ScoreError, ScoreOptions};

/// Scores two opened inputs with `models` (all sharing one feature pass). `fps` in
/// the log counts feature extraction and the models, not opening the inputs.
pub fn score_inputs(
    reference: &mut Input,
    distorted: &mut Input,
    models: &[LoadedModel],
    options: &ScoreOptions,
    progress: &dyn Fn(u64),
) -> Result<ScoreLog, ScoreError> {
    let sets = score::feature_sets(models);
    let start = Instant::now();
    let (width, height) = (reference.info().width, reference.info().height);
    let table = score::extract(reference, distorted, &sets, options, progress)?;
    let scores = score::apply_models(&table, models)?;
    let fps = table.frame_numbers.len() as f64 / start.elapsed().as_secs_f64().max(1e-9);
    let context = RunContext {
        backend: if options.gpu.is_some() { "gpu" } else { "cpu" }.to_owned(),
        adapter: options.gpu.as_ref().map(|ctx| ctx.adapter_summary().name.clone()),
        models: models.iter().map(|m| m.id.clone()).collect(),
        reference: reference.name.clone(),
        distorted: distorted.name.clone(),
        width,
        height,
        notes: table.notes.clone(),
    };
    Ok(score::to_log(table, scores, fps, context))
}

/// Opens both inputs and scores them: [`score::open`] twice, then [`score_inputs`].
pub fn score_pair(
    reference: &InputSpec,
    distorted: &InputSpec,
    models: &[LoadedModel],
    options: &ScoreOptions,
    progress: &dyn Fn(u64),
) -> Result<ScoreLog, ScoreError> {
    let mut reference = score::open(reference)?;
    let mut distorted = score::open(distorted)?;
    score_inputs(&mut reference, &mut distorted, models, options, progress)
}

/// Reads up to `max_frames` frames (and at most about `max_bytes` of decoded
/// samples) of `input` now, and hands back an input that replays them before
/// reading on. A read error is kept and returned in its place in the stream, so
/// the caller sees exactly what it would have seen without the prefetch.
pub fn prefetch(input: Input, max_frames: u64, max_bytes: usize) -> Input {
    let Input { name, mut source } = input;
    let info = *source.info();
    // Decoded samples are u16.
    let frame_bytes = (info.frame_bytes() / info.bytes_per_sample()).max(1) * 2;
    let mut head = VecDeque::new();
    let mut error = None;
    let mut ended = false;
    while (head.len() as u64) < max_frames && (head.len() + 1) * frame_bytes <= max_bytes.max(frame_bytes) {
        match source.next_frame() {
            Ok(Some(frame)) => head.push_back(frame),
            Ok(None) => {
                ended = true;
                break;
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    Input { name, source: Box::new(Prefetched { info, head, error, ended, rest: source }) }
}

struct Prefetched {
    info: VideoInfo,
    head: VecDeque<Frame>,
    error: Option<IoError>,
    ended: bool,
    rest: Box<dyn FrameSource + Send>,
}

impl FrameSource for Prefetched {
    fn info(&self) -> &VideoInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, IoError> {
        if let Some(frame) = self.head.pop_front() {
            return Ok(Some(frame));
        }
        if let Some(e) = self.error.take() {
            // Readers do not promise anything after an error; report the end afterwards.
            self.ended = true;
            return Err(e);
        }
        if self.ended {
            return Ok(None);
        }
        self.rest.next_frame()
    }
}
