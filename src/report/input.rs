//! What a report is made from: a score log in libvmaf's JSON layout (ours, with its
//! `tinyvmaf` context, or libvmaf's own) or a batch results file (JSON Lines, one
//! record a pair). Which of the two a file is, is read from its content, not its name.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::ReportError;
use crate::output::RunContext;

/// One input file, read.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    // Boxed: a log's summary is several times the size of a results file's.
    Log(Box<FrameLog>),
    Batch(BatchResults),
}

/// A per-frame score log.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameLog {
    pub path: PathBuf,
    /// `version` as the log says: ours or libvmaf's.
    pub version: String,
    /// Metric names: model scores first (`vmaf`, then the others shortest name
    /// first), then the features by name.
    pub metrics: Vec<String>,
    /// How many of `metrics` are model scores.
    pub scores: usize,
    pub frame_numbers: Vec<u64>,
    /// `columns[j][i]`: metric `j` at frame `i` (NaN where the log has null).
    pub columns: Vec<Vec<f64>>,
    /// Our run context (absent from libvmaf's logs).
    pub context: Option<RunContext>,
}

/// A batch results file.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchResults {
    pub path: PathBuf,
    pub records: Vec<Record>,
}

/// One pair's record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    pub ok: bool,
    pub reference: String,
    pub distorted: String,
    pub frames: Option<u64>,
    /// Per score: (name, mean, harmonic mean, min), in the record's order.
    pub scores: Vec<(String, PooledScore)>,
    pub seconds: Option<f64>,
    pub bitrate_kbps: Option<f64>,
    pub group: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PooledScore {
    pub mean: f64,
    pub harmonic_mean: f64,
    pub min: f64,
}

/// Whether a column is a model's score rather than a feature: libvmaf names its
/// models' columns `vmaf…` (features are `integer_…`, `float_…`, `psnr…`,
/// `VMAF_integer_feature_…`, …).
pub fn is_score(name: &str) -> bool {
    name.starts_with("vmaf")
}

/// The largest input read: a JSON log of 100,000 frames with 60 metrics is ~150 MB.
const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Reads `path` as a log or a results file.
pub fn load(path: &Path) -> Result<Source, ReportError> {
    let bytes = crate::io::regular::read_regular(path, MAX_INPUT_BYTES).map_err(|source| ReportError::Read { path: path.to_owned(), source })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| ReportError::Format { path: path.to_owned(), why: "not UTF-8 text".into() })?;
    parse(path, text)
}

/// Reads `text` (named `path` in errors and on the page) as a log or a results file.
pub fn parse(path: &Path, text: &str) -> Result<Source, ReportError> {
    let bad = |why: String| ReportError::Format { path: path.to_owned(), why };
    // A log is one JSON document; a results file is one object a line.
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(doc)) if doc.contains_key("frames") => log(path, &doc).map(|l| Source::Log(Box::new(l))).map_err(bad),
        Ok(Value::Object(doc)) if doc.contains_key("status") => batch(path, text).map(Source::Batch).map_err(bad),
        Ok(_) => Err(bad("a JSON document without `frames`: neither a score log nor a results record".into())),
        Err(_) if text.lines().next().is_some_and(|l| l.trim_start().starts_with('{')) => {
            batch(path, text).map(Source::Batch).map_err(bad)
        }
        Err(e) => Err(bad(format!("not JSON ({e}): give a JSON score log or a batch results file"))),
    }
}

fn log(path: &Path, doc: &Map<String, Value>) -> Result<FrameLog, String> {
    let frames = doc.get("frames").and_then(Value::as_array).ok_or("`frames` is not an array")?;
    let context = doc
        .get("tinyvmaf")
        .and_then(|t| t.get("context"))
        .map(|c| serde_json::from_value::<RunContext>(c.clone()).map_err(|e| format!("`tinyvmaf.context`: {e}")))
        .transpose()?;
    let mut names: Vec<String> = Vec::new();
    for frame in frames {
        let metrics = frame.get("metrics").and_then(Value::as_object).ok_or("a frame without a `metrics` object")?;
        for name in metrics.keys() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names.sort();
    let (mut scores, features): (Vec<String>, Vec<String>) = names.into_iter().partition(|n| is_score(n));
    scores.sort_by_key(|n| (n.as_str() != "vmaf", n.len()));
    let score_count = scores.len();
    let metrics: Vec<String> = scores.into_iter().chain(features).collect();
    let mut columns = vec![Vec::with_capacity(frames.len()); metrics.len()];
    let mut frame_numbers = Vec::with_capacity(frames.len());
    for (i, frame) in frames.iter().enumerate() {
        let number = frame.get("frameNum").and_then(Value::as_u64).unwrap_or(i as u64);
        frame_numbers.push(number);
        let values = &frame["metrics"];
        for (column, name) in columns.iter_mut().zip(&metrics) {
            column.push(match values.get(name) {
                Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
                Some(Value::Null) | None => f64::NAN,
                Some(other) => return Err(format!("frame {number}: `{name}` is {other}, not a number")),
            });
        }
    }
    let version = doc.get("version").and_then(Value::as_str).unwrap_or("unknown").to_owned();
    Ok(FrameLog { path: path.to_owned(), version, metrics, scores: score_count, frame_numbers, columns, context })
}

/// `NUM/DEN` frames per second, both positive.
pub fn frame_rate(text: &str) -> Option<(u64, u64)> {
    let (num, den) = text.split_once('/')?;
    let (num, den) = (num.parse().ok()?, den.parse().ok()?);
    (num > 0 && den > 0).then_some((num, den))
}

fn batch(path: &Path, text: &str) -> Result<BatchResults, String> {
    let mut records = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            // A run killed mid-write leaves a torn last line, which `batch` redoes.
            Err(_) if n + 1 == text.lines().count() => continue,
            Err(e) => return Err(format!("line {}: not a JSON record ({e})", n + 1)),
        };
        records.push(record(&value).map_err(|why| format!("line {}: {why}", n + 1))?);
    }
    if records.is_empty() {
        return Err("no records".into());
    }
    Ok(BatchResults { path: path.to_owned(), records })
}

fn record(value: &Value) -> Result<Record, String> {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let id = text("id").ok_or("a record without an `id`")?;
    let status = text("status").ok_or("a record without a `status`")?;
    let mut scores = Vec::new();
    if let Some(map) = value.get("scores").and_then(Value::as_object) {
        for (name, pooled) in map {
            let get = |key: &str| pooled.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN);
            scores.push((name.clone(), PooledScore { mean: get("mean"), harmonic_mean: get("harmonic_mean"), min: get("min") }));
        }
    }
    Ok(Record {
        id,
        ok: status == "ok",
        reference: text("reference").unwrap_or_default(),
        distorted: text("distorted").unwrap_or_default(),
        frames: value.get("frames").and_then(Value::as_u64),
        scores,
        seconds: value.get("seconds").and_then(Value::as_f64),
        bitrate_kbps: value.get("bitrate_kbps").and_then(Value::as_f64).filter(|b| b.is_finite() && *b > 0.0),
        group: text("group"),
        error: text("error"),
    })
}
