//! The results file: JSON Lines, one record per pair, appended one whole line at a
//! time (a single `write_all`, then `sync_data`) so that a record on disk is a
//! record done. A process killed mid-write can leave only a torn last line; it is
//! found and cut off when the file is opened again, and that pair is redone.
//!
//! A record is `{"id", "status": "ok", "reference", "distorted", "frames",
//! "models", "scores": {NAME: {mean, harmonic_mean, min, max, p1, p5, p50}},
//! "backend", "adapter", "seconds", "per_frame_log"?, "bitrate_kbps"?, "group"?}` or `{"id", "status":
//! "error", "reference", "distorted", "error", "exit_code"}`.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::lock::{self, LockError, ResultsLock};
use super::manifest::PairSpec;
use crate::output::ScoreLog;
use crate::pooling::Pooled;

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "{}:{line}: not a result record ({message}); only a torn last line is repaired automatically, \
         so fix or remove this line by hand",
        path.display()
    )]
    Corrupt { path: PathBuf, line: usize, message: String },
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
}

impl ResultsError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ResultsError::Lock(e) => e.exit_code(),
            _ => crate::exit::RESULTS,
        }
    }
}

/// Why one pair produced no scores: the message and the exit code `score` would
/// have ended with for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairError {
    pub message: String,
    pub exit_code: u8,
}

/// One record already in a results file.
#[derive(Debug, Clone, PartialEq)]
pub struct Existing {
    pub id: String,
    pub ok: bool,
    /// 1-based line in the file.
    pub line: usize,
    /// The line as written, without its newline.
    pub text: String,
}

/// What [`scan`] found in a results file.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    pub records: Vec<Existing>,
    /// Bytes of whole, valid records: everything after this is a torn last line.
    pub valid_len: u64,
    /// Bytes cut off (0: none).
    pub torn_bytes: u64,
}

/// Parses one line into (id, ok).
fn parse_record(text: &str) -> Result<(String, bool), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let id = value.get("id").and_then(Value::as_str).ok_or("no string \"id\"")?;
    match value.get("status").and_then(Value::as_str) {
        Some("ok") => Ok((id.to_owned(), true)),
        Some("error") => Ok((id.to_owned(), false)),
        _ => Err("\"status\" is neither \"ok\" nor \"error\"".to_owned()),
    }
}

/// The largest results file read (about a million records): they are read whole to
/// find what is done, so a bound keeps a wrong `--output` from filling the memory.
pub const MAX_RESULTS_BYTES: u64 = 1 << 30;

/// How every record line starts (the id is the first field of both kinds).
const RECORD_START: &[u8] = b"{\"id\":\"";

/// Whether `text` could be what a kill mid-write left of a record line (a prefix of
/// one, however long), or what a crash of the machine leaves (zeros).
fn is_record_prefix(text: &[u8]) -> bool {
    text.starts_with(RECORD_START) || RECORD_START.starts_with(text) || text.iter().all(|&b| b == 0)
}

/// Reads records from the bytes of a results file. The last line counts as torn
/// when it has no newline or is not a record, and is the start of a record or zeros
/// (a kill mid-write, a crash of the machine); any other bad line is an error, and
/// so is a file whose only line is not ours.
pub fn scan(path: &Path, bytes: &[u8]) -> Result<Scan, ResultsError> {
    let mut scan = Scan::default();
    let mut offset = 0usize;
    let mut line = 0usize;
    while offset < bytes.len() {
        line += 1;
        let (end, complete) = match bytes[offset..].iter().position(|&b| b == b'\n') {
            Some(i) => (offset + i + 1, true),
            None => (bytes.len(), false),
        };
        let last = end == bytes.len();
        let text = &bytes[offset..end - usize::from(complete)];
        let parsed = std::str::from_utf8(text)
            .map_err(|e| e.to_string())
            .and_then(|t| if t.trim().is_empty() { Err("blank line".to_owned()) } else { parse_record(t) });
        match parsed {
            Ok((id, ok)) if complete => {
                scan.records.push(Existing { id, ok, line, text: String::from_utf8_lossy(text).into_owned() });
            }
            // A kill mid-write leaves a prefix of one of our lines; anything else was
            // never a record, and cutting it off would destroy someone's file (a
            // manifest given as its own output, say).
            Ok(_) | Err(_) if last && is_record_prefix(text) => {
                scan.torn_bytes = (bytes.len() - offset) as u64;
                break;
            }
            Ok(_) | Err(_) if last => {
                let message = if scan.records.is_empty() {
                    "not a results file (its first line is not a tinyvmaf-gpu record); give another --output".to_owned()
                } else {
                    "the last line is not a record, nor the start of one".to_owned()
                };
                return Err(ResultsError::Corrupt { path: path.to_path_buf(), line, message });
            }
            // Not last, so `complete`: a bad line in the middle.
            Ok(_) => unreachable!("an incomplete line is the last one"),
            Err(message) => return Err(ResultsError::Corrupt { path: path.to_path_buf(), line, message }),
        }
        offset = end;
    }
    scan.valid_len = (bytes.len() as u64) - scan.torn_bytes;
    Ok(scan)
}

/// Reads and scans a results file (no lock, nothing repaired): for `merge`.
pub fn read(path: &Path) -> Result<Scan, ResultsError> {
    let bytes = crate::io::regular::read_regular(path, MAX_RESULTS_BYTES)
        .map_err(|source| ResultsError::Io { path: path.to_path_buf(), source })?;
    scan(path, &bytes)
}

/// A results file opened for appending, under its lock.
#[derive(Debug)]
pub struct ResultsFile {
    pub path: PathBuf,
    file: File,
    _lock: ResultsLock,
}

impl ResultsFile {
    /// Locks `path` (refusing if another process holds it), creates it if missing,
    /// cuts off a torn last line, and returns it with the records already in it.
    pub fn open(path: &Path) -> Result<(ResultsFile, Scan), ResultsError> {
        let io = |source| ResultsError::Io { path: path.to_path_buf(), source };
        // An existing output must be a regular file: a device would be read without
        // end (and appended to), a FIFO would block.
        if let Ok(meta) = std::fs::metadata(path)
            && !meta.is_file()
        {
            return Err(io(crate::io::regular::not_regular(&meta)));
        }
        let lock = lock::lock(path)?;
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        if size > MAX_RESULTS_BYTES {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{size} bytes, more than the {MAX_RESULTS_BYTES}-byte limit of a results file"),
            )));
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let scan = scan(path, &bytes)?;
        if scan.torn_bytes > 0 {
            file.set_len(scan.valid_len).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        file.seek(SeekFrom::End(0)).map_err(io)?;
        Ok((ResultsFile { path: path.to_path_buf(), file, _lock: lock }, scan))
    }

    /// Rewrites the file without the records whose id is in `drop` (atomically:
    /// a temp file renamed over it, or over a symlink's target), for `--retry-failed`.
    pub fn remove(&mut self, records: &[Existing], drop: &HashSet<String>) -> Result<(), ResultsError> {
        let kept: String = records.iter().filter(|r| !drop.contains(&r.id)).map(|r| format!("{}\n", r.text)).collect();
        crate::output::write_to(&self.path, kept.as_bytes())?;
        let io = |source| ResultsError::Io { path: self.path.clone(), source };
        self.file = OpenOptions::new().append(true).open(&self.path).map_err(io)?;
        Ok(())
    }

    /// Appends one record (JSON without a newline) as one line, and returns once it is on disk.
    pub fn append(&mut self, record: &str) -> Result<(), ResultsError> {
        debug_assert!(!record.contains('\n'));
        let line = format!("{record}\n");
        let io = |source| ResultsError::Io { path: self.path.clone(), source };
        self.file.write_all(line.as_bytes()).map_err(io)?;
        self.file.flush().map_err(io)?;
        self.file.sync_data().map_err(io)
    }
}

/// Metric names whose pooled values go into a record: model scores and PSNR,
/// not the feature columns.
fn is_score(name: &str) -> bool {
    !name.starts_with("integer_")
}

/// Pooled values by metric, serialized as a JSON object in column order.
struct Scores(Vec<(String, Pooled)>);

impl Serialize for Scores {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

// Structs rather than `json!` so that fields keep this order in the file.
#[derive(Serialize)]
struct OkRecord<'a> {
    id: &'a str,
    status: &'static str,
    reference: String,
    distorted: String,
    frames: usize,
    models: &'a [String],
    scores: Scores,
    backend: &'a str,
    adapter: Option<&'a str>,
    seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_frame_log: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bitrate_kbps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
}

#[derive(Serialize)]
struct ErrorRecord<'a> {
    id: &'a str,
    status: &'static str,
    reference: String,
    distorted: String,
    error: &'a str,
    exit_code: u8,
}

/// The record (one JSON line, no newline) of a scored pair.
pub fn ok_record(pair: &PairSpec, log: &ScoreLog, seconds: f64, per_frame_log: Option<&Path>) -> String {
    let record = OkRecord {
        id: &pair.id,
        status: "ok",
        reference: pair.reference.display().to_string(),
        distorted: pair.distorted.display().to_string(),
        frames: log.frame_numbers.len(),
        models: &log.context.models,
        scores: Scores(log.pooled().into_iter().filter(|(name, _)| is_score(name)).collect()),
        backend: &log.context.backend,
        adapter: log.context.adapter.as_deref(),
        seconds: (seconds * 1000.0).round() / 1000.0,
        per_frame_log: per_frame_log.map(|p| p.display().to_string()),
        bitrate_kbps: pair.bitrate_kbps.or_else(|| encoded_bitrate_kbps(pair, log)),
        group: pair.group.as_deref(),
    };
    serde_json::to_string(&record).expect("a record serializes")
}

/// An encoded distorted file's bitrate: its size over the duration of the frames
/// scored. Only when the whole file was scored (no skips or frame count) and its
/// frame rate is known; a Y4M or raw file has no bitrate to speak of.
fn encoded_bitrate_kbps(pair: &PairSpec, log: &ScoreLog) -> Option<f64> {
    use std::io::Read;
    if pair.skip_distorted > 0 || pair.frame_count.is_some() || log.frame_numbers.is_empty() {
        return None;
    }
    let (mut file, size) = crate::io::regular::open_regular(&pair.distorted).ok()?;
    let mut head = [0u8; 64];
    let n = file.read(&mut head).ok()?;
    if !crate::io::ffmpeg::looks_encoded(&head[..n]) {
        return None;
    }
    let (num, den) = log.context.frame_rate.as_deref()?.split_once('/')?;
    let (num, den): (f64, f64) = (num.parse().ok()?, den.parse().ok()?);
    let seconds = log.frame_numbers.len() as f64 * den / num;
    Some(size as f64 * 8.0 / seconds / 1000.0)
}

/// The record (one JSON line, no newline) of a pair that failed.
pub fn error_record(pair: &PairSpec, error: &PairError) -> String {
    let record = ErrorRecord {
        id: &pair.id,
        status: "error",
        reference: pair.reference.display().to_string(),
        distorted: pair.distorted.display().to_string(),
        error: &error.message,
        exit_code: error.exit_code,
    };
    serde_json::to_string(&record).expect("a record serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_and_corrupt_lines() {
        let p = Path::new("r.jsonl");
        let a = r#"{"id":"a","status":"ok"}"#;
        let b = r#"{"id":"b","status":"error"}"#;
        let whole = format!("{a}\n{b}\n");
        let s = scan(p, whole.as_bytes()).unwrap();
        assert_eq!((s.records.len(), s.torn_bytes, s.valid_len), (2, 0, whole.len() as u64));
        assert!(!s.records[1].ok);
        // A kill mid-write: a prefix of the next line, no newline.
        let torn = format!("{whole}{{\"id\":\"c\",\"sta");
        let s = scan(p, torn.as_bytes()).unwrap();
        assert_eq!((s.records.len(), s.valid_len), (2, whole.len() as u64));
        // Even a complete-looking but newline-less last record is redone: the write had not returned.
        let s = scan(p, format!("{whole}{a}").as_bytes()).unwrap();
        assert_eq!(s.records.len(), 2);
        // Zeros after a machine crash.
        let s = scan(p, [whole.as_bytes(), &[0u8; 8], b"\n"].concat().as_slice()).unwrap();
        assert_eq!((s.records.len(), s.torn_bytes), (2, 9));
        // Garbage in the middle is not guessed at.
        let e = scan(p, format!("{a}\nnot json\n{b}\n").as_bytes()).unwrap_err();
        assert!(matches!(e, ResultsError::Corrupt { line: 2, .. }), "{e}");
        assert_eq!(scan(p, b"").unwrap().records.len(), 0);
    }
}
