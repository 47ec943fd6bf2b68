//! Writing a scored run: libvmaf's JSON and XML layouts (so tools that parse
//! libvmaf logs read ours unchanged), CSV, and a short human summary. A file is
//! written to a temp file beside the target and renamed into place, so an
//! interrupted run never leaves a half file that looks complete; devices, FIFOs and
//! symlinks are written through, never replaced ([`Destination`]).

mod csv;
mod file;
mod json;
pub mod libvmaf;
mod text;
mod xml;

pub use file::{Destination, resolved, write_to};

use std::path::PathBuf;

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
    /// Values of the whole clip (libvmaf's `aggregate_metrics`), in order.
    pub aggregates: Vec<(String, f64)>,
}

/// Also read back (`report`), so every field has a default for older logs.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RunContext {
    pub backend: String,
    pub adapter: Option<String>,
    pub models: Vec<String>,
    pub reference: String,
    pub distorted: String,
    pub width: usize,
    pub height: usize,
    /// The reference's frames per second as `NUM/DEN`, when its stream says (Y4M's
    /// `F` tag; ffmpeg writes it): what turns frame numbers into times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<String>,
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
    /// libvmaf's subtitle lines (`{N}{N+1}frame: N|metric: value|…`).
    Sub,
    Text,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: it is a directory", path.display())]
    IsDirectory { path: PathBuf },
    #[error("cannot write {}: its folder {} does not exist", path.display(), folder.display())]
    NoFolder { path: PathBuf, folder: PathBuf },
}

/// Renders a log in `format`.
pub fn render(log: &ScoreLog, format: Format) -> String {
    match format {
        Format::Json => json::render(log),
        Format::Xml => xml::render(log),
        Format::Csv => csv::render(log),
        Format::Sub => libvmaf::render(log, libvmaf::LibvmafFormat::Sub),
        Format::Text => text::render(log),
    }
}

/// Formats an f64 so that it reads back to the same value (shortest round-trip).
pub(crate) fn number(v: f64) -> String {
    if v.is_finite() { format!("{v}") } else if v.is_nan() { "nan".into() } else if v > 0.0 { "inf".into() } else { "-inf".into() }
}
