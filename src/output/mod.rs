//! Writing a scored run: libvmaf's JSON and XML layouts (so tools that parse
//! libvmaf logs read ours unchanged), CSV, and a short human summary. Files are
//! written to a temp file beside the target and renamed into place, so an
//! interrupted run never leaves a half file that looks complete.

mod csv;
mod json;
mod text;
mod xml;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::pooling::{self, Pooled};

/// Per-frame metrics in a fixed column order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreLog {
    /// The tool's version (`version` in libvmaf's layout).
    pub version: String,
    pub fps: f64,
    /// Metric names, in column order.
    pub metrics: Vec<String>,
    /// `frames[i][j]` is metric `j` of the i-th scored frame.
    pub frames: Vec<Vec<f64>>,
    /// `frameNum` of each row (frame index in the input after skips/subsampling).
    pub frame_numbers: Vec<u64>,
    /// Where it ran: backend and adapter, and the models used, for the reader.
    pub context: RunContext,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RunContext {
    pub backend: String,
    pub adapter: Option<String>,
    pub models: Vec<String>,
    pub reference: String,
    pub distorted: String,
    pub width: usize,
    pub height: usize,
    /// Warnings about how the features were computed (a GPU that failed mid-run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ScoreLog {
    /// One metric's column.
    pub fn column(&self, metric: &str) -> Option<Vec<f64>> {
        let j = self.metrics.iter().position(|m| m == metric)?;
        Some(self.frames.iter().map(|row| row[j]).collect())
    }

    /// Pooled statistics per metric, in column order.
    pub fn pooled(&self) -> Vec<(String, Pooled)> {
        self.metrics
            .iter()
            .filter_map(|m| pooling::pool(&self.column(m)?).map(|p| (m.clone(), p)))
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
    Csv,
    Text,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// Renders a log in `format`.
pub fn render(log: &ScoreLog, format: Format) -> String {
    match format {
        Format::Json => json::render(log),
        Format::Xml => xml::render(log),
        Format::Csv => csv::render(log),
        Format::Text => text::render(log),
    }
}

/// Writes `contents` to `path` atomically: a temp file in the same folder, flushed
/// and synced, then renamed over `path`.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), OutputError> {
    let err = |source| OutputError::Write { path: path.to_path_buf(), source };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".tinyvmaf-partial-")
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(contents).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// Formats an f64 so that it reads back to the same value (shortest round-trip).
pub(crate) fn number(v: f64) -> String {
    if v.is_finite() { format!("{v}") } else if v.is_nan() { "nan".into() } else if v > 0.0 { "inf".into() } else { "-inf".into() }
}
