//! The batch manifest: which pairs to score, as CSV (a header row, then one pair a
//! row) or JSON Lines (one object a line). Both carry the same columns:
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `reference`, `distorted` | yes | clip paths; relative ones are relative to the manifest's folder |
//! | `id` | no | the pair's name in the results; default [`default_id`] of the two paths as written |
//! | `model` | no | a registry id or a `;`-separated list (JSON Lines: also an array); default: the command line's |
//! | `width`, `height`, `pixel_format` | no | raw YUV geometry (all three or none), for both clips |
//! | `skip_reference`, `skip_distorted`, `frame_count` | no | frame selection, as `score`'s options |
//! | `bitrate_kbps` | no | the distorted encode's bitrate, for rate–quality curves (`report`); default: an encoded file's size over its duration |
//! | `group` | no | which curve the pair belongs to (an encoder, a preset): `report` draws one curve per group and BD-rates between them |
//!
//! Everything is checked before any pair runs: unknown columns (a typo would
//! otherwise be ignored), bad numbers, half-given geometry, and duplicate ids are
//! errors naming the file and line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::io::{InputSpec, RawFormat};

/// The model scored when neither the manifest nor the command line names one.
pub const DEFAULT_MODEL: &str = "vmaf_v0.6.1";

/// One manifest row, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct PairSpec {
    pub id: String,
    /// 1-based line of the row in the manifest (for messages).
    pub line: usize,
    pub reference: PathBuf,
    pub distorted: PathBuf,
    pub raw: Option<RawFormat>,
    /// Registry ids, in order, never empty.
    pub models: Vec<String>,
    pub skip_reference: u64,
    pub skip_distorted: u64,
    pub frame_count: Option<u64>,
    /// The encode's bitrate as the manifest gives it.
    pub bitrate_kbps: Option<f64>,
    pub group: Option<String>,
}

impl PairSpec {
    pub fn reference_spec(&self) -> InputSpec {
        InputSpec { path: self.reference.clone(), raw: self.raw.clone() }
    }

    pub fn distorted_spec(&self) -> InputSpec {
        InputSpec { path: self.distorted.clone(), raw: self.raw.clone() }
    }
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub path: PathBuf,
    pub pairs: Vec<PairSpec>,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read manifest {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}: {message}", path.display())]
    Row { path: PathBuf, line: usize, message: String },
    #[error("{}:{line}: duplicate id {id:?} (first on line {first_line})", path.display())]
    DuplicateId { path: PathBuf, id: String, first_line: usize, line: usize },
    #[error("manifest {} lists no pairs", path.display())]
    Empty { path: PathBuf },
}

impl ManifestError {
    pub fn exit_code(&self) -> u8 {
        crate::exit::MANIFEST
    }
}

/// How the manifest is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestFormat {
    Csv,
    JsonLines,
}

impl ManifestFormat {
    /// By extension (`.csv`; `.jsonl`, `.ndjson`, `.json`), else by the first
    /// non-blank character (`{` is JSON Lines).
    pub fn detect(path: &Path, text: &str) -> Self {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => ManifestFormat::Csv,
            Some("jsonl" | "ndjson" | "json") => ManifestFormat::JsonLines,
            _ if text.trim_start_matches('\u{feff}').trim_start().starts_with('{') => ManifestFormat::JsonLines,
            _ => ManifestFormat::Csv,
        }
    }
}

/// Reads and resolves a manifest file. `default_models` applies to rows without a
/// `model` (empty: [`DEFAULT_MODEL`]).
pub fn load(path: &Path, default_models: &[String]) -> Result<Manifest, ManifestError> {
    let text = read_lines_capped(path)?;
    let base = path.parent().unwrap_or(Path::new(""));
    let pairs = parse(&text, ManifestFormat::detect(path, &text), base, default_models)
        .map_err(|e| e.at(path))?;
    if pairs.is_empty() {
        return Err(ManifestError::Empty { path: path.to_path_buf() });
    }
    Ok(Manifest { path: path.to_path_buf(), pairs })
}

/// The longest manifest line accepted, in bytes. A real row (two paths, an id, a few
/// numbers) is well under 1 KiB; the cap keeps a hostile or mistaken file (a video
/// given as the manifest, say) from being buffered line by line without end.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Reads the manifest, refusing a line over [`MAX_LINE_BYTES`] as soon as it is seen
/// (at most that many bytes of it are buffered) and text that is not UTF-8.
fn read_lines_capped(path: &Path) -> Result<String, ManifestError> {
    use std::io::{BufRead, Read};
    let read_error = |source| ManifestError::Read { path: path.to_path_buf(), source };
    // A device or FIFO given as the manifest would be read without end or block.
    let (file, _) = crate::io::regular::open_regular(path).map_err(read_error)?;
    let mut reader = std::io::BufReader::new(file);
    let mut bytes = Vec::new();
    let mut line = 0usize;
    loop {
        let start = bytes.len();
        let n = (&mut reader).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut bytes).map_err(read_error)?;
        if n == 0 {
            break;
        }
        line += 1;
        let content = bytes.len() - start - usize::from(bytes.ends_with(b"\n"));
        if content > MAX_LINE_BYTES {
            let message = format!("line longer than {MAX_LINE_BYTES} bytes (is this a manifest?)");
            return Err(ManifestError::Row { path: path.to_path_buf(), line, message });
        }
    }
    String::from_utf8(bytes).map_err(|e| read_error(std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error())))
}

/// A row error before the file name is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub message: String,
    /// Line of the first row with the same id, for duplicate ids.
    pub duplicate_of: Option<(String, usize)>,
}

impl RowError {
    fn new(line: usize, message: impl Into<String>) -> Self {
        RowError { line, message: message.into(), duplicate_of: None }
    }

    fn at(self, path: &Path) -> ManifestError {
        let path = path.to_path_buf();
        match self.duplicate_of {
            Some((id, first_line)) => ManifestError::DuplicateId { path, id, first_line, line: self.line },
            None => ManifestError::Row { path, line: self.line, message: self.message },
        }
    }
}

/// Parses manifest text; relative paths are joined to `base`.
pub fn parse(
    text: &str,
    format: ManifestFormat,
    base: &Path,
    default_models: &[String],
) -> Result<Vec<PairSpec>, RowError> {
    let text = text.trim_start_matches('\u{feff}');
    let rows = match format {
        ManifestFormat::Csv => csv_rows(text)?,
        ManifestFormat::JsonLines => json_rows(text)?,
    };
    let defaults: Vec<String> =
        if default_models.is_empty() { vec![DEFAULT_MODEL.to_owned()] } else { default_models.to_vec() };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut pairs = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        let pair = resolve(line, row, base, &defaults)?;
        if let Some(&first) = seen.get(&pair.id) {
            return Err(RowError {
                line,
                message: format!("duplicate id {:?}", pair.id),
                duplicate_of: Some((pair.id, first)),
            });
        }
        seen.insert(pair.id.clone(), line);
        pairs.push(pair);
    }
    Ok(pairs)
}

/// A pair's id when the manifest gives none: the distorted file's stem, `-`, and
/// the first 8 bytes (16 hex digits) of SHA-256 over `reference`, a newline and
/// `distorted`, exactly as written in the manifest. Moving the manifest with its
/// clips keeps every id.
pub fn default_id(reference: &str, distorted: &str) -> String {
    let hex = short_hash(&format!("{reference}\n{distorted}"));
    let stem = Path::new(distorted).file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let stem: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    if stem.is_empty() { hex } else { format!("{stem}-{hex}") }
}

/// The first 8 bytes of SHA-256 of `text`, as 16 lowercase hex digits.
pub fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    reference: Option<String>,
    distorted: Option<String>,
    id: Option<String>,
    model: Option<ModelField>,
    width: Option<usize>,
    height: Option<usize>,
    pixel_format: Option<String>,
    skip_reference: Option<u64>,
    skip_distorted: Option<u64>,
    frame_count: Option<u64>,
    bitrate_kbps: Option<f64>,
    group: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ModelField {
    List(String),
    Array(Vec<String>),
}

const COLUMNS: &[&str] = &[
    "reference",
    "distorted",
    "id",
    "model",
    "width",
    "height",
    "pixel_format",
    "skip_reference",
    "skip_distorted",
    "frame_count",
    "bitrate_kbps",
    "group",
];

fn resolve(line: usize, row: Row, base: &Path, defaults: &[String]) -> Result<PairSpec, RowError> {
    let err = |m: String| RowError::new(line, m);
    let path = |name: &str, v: Option<String>| -> Result<(String, PathBuf), RowError> {
        let v = v.filter(|s| !s.is_empty()).ok_or_else(|| err(format!("missing {name}")))?;
        if v == "-" {
            return Err(err(format!("{name} `-` (standard input) cannot be used in a manifest")));
        }
        let p = PathBuf::from(&v);
        Ok((v, if p.is_relative() && !base.as_os_str().is_empty() { base.join(p) } else { p }))
    };
    let (ref_text, reference) = path("reference", row.reference)?;
    let (dist_text, distorted) = path("distorted", row.distorted)?;
    let id = match row.id {
        Some(id) if id.trim().is_empty() => return Err(err("empty id".into())),
        Some(id) if id.chars().any(char::is_control) => return Err(err(format!("id {id:?} holds a control character"))),
        Some(id) => id,
        None => default_id(&ref_text, &dist_text),
    };
    let models: Vec<String> = match row.model {
        None => defaults.to_vec(),
        Some(ModelField::List(s)) => s.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        Some(ModelField::Array(v)) => v.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
    };
    let models = if models.is_empty() { defaults.to_vec() } else { models };
    let raw = match (row.width, row.height, row.pixel_format.filter(|s| !s.is_empty())) {
        (Some(width), Some(height), Some(pixel_format)) => {
            Some(RawFormat { width, height, pixel_format, frame_count: row.frame_count })
        }
        (None, None, None) => None,
        _ => return Err(err("raw YUV geometry needs all of width, height and pixel_format".into())),
    };
    if let Some(b) = row.bitrate_kbps.filter(|b| !(b.is_finite() && *b > 0.0)) {
        return Err(err(format!("bitrate_kbps must be a positive number, found {b}")));
    }
    if let Some(g) = row.group.as_deref().filter(|g| g.chars().any(char::is_control)) {
        return Err(err(format!("group {g:?} holds a control character")));
    }
    Ok(PairSpec {
        id,
        line,
        reference,
        distorted,
        raw,
        models,
        skip_reference: row.skip_reference.unwrap_or(0),
        skip_distorted: row.skip_distorted.unwrap_or(0),
        frame_count: row.frame_count,
        bitrate_kbps: row.bitrate_kbps,
        group: row.group.filter(|g| !g.trim().is_empty()),
    })
}

fn json_rows(text: &str) -> Result<Vec<(usize, Row)>, RowError> {
    let mut rows = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let row: Row = serde_json::from_str(l).map_err(|e| RowError::new(i + 1, format!("not a manifest object: {e}")))?;
        rows.push((i + 1, row));
    }
    Ok(rows)
}

fn csv_rows(text: &str) -> Result<Vec<(usize, Row)>, RowError> {
    let mut records = csv_records(text)?.into_iter();
    let Some((header_line, header)) = records.next() else { return Ok(Vec::new()) };
    for (k, name) in header.iter().enumerate() {
        if !COLUMNS.contains(&name.as_str()) {
            return Err(RowError::new(header_line, format!("unknown column {name:?} (known: {})", COLUMNS.join(", "))));
        }
        if header[..k].contains(name) {
            return Err(RowError::new(header_line, format!("column {name:?} appears twice")));
        }
    }
    let mut rows = Vec::new();
    for (line, cells) in records {
        if cells.len() != header.len() {
            return Err(RowError::new(line, format!("{} fields, but the header has {}", cells.len(), header.len())));
        }
        let mut row = Row::default();
        for (name, cell) in header.iter().zip(cells) {
            if cell.is_empty() {
                continue;
            }
            let number = |cell: &str| -> Result<u64, RowError> {
                cell.parse().map_err(|_| RowError::new(line, format!("{name}: expected a whole number, found {cell:?}")))
            };
            match name.as_str() {
                "reference" => row.reference = Some(cell),
                "distorted" => row.distorted = Some(cell),
                "id" => row.id = Some(cell),
                "model" => row.model = Some(ModelField::List(cell)),
                "width" => row.width = Some(number(&cell)? as usize),
                "height" => row.height = Some(number(&cell)? as usize),
                "pixel_format" => row.pixel_format = Some(cell),
                "skip_reference" => row.skip_reference = Some(number(&cell)?),
                "skip_distorted" => row.skip_distorted = Some(number(&cell)?),
                "frame_count" => row.frame_count = Some(number(&cell)?),
                "bitrate_kbps" => {
                    row.bitrate_kbps = Some(cell.parse().map_err(|_| {
                        RowError::new(line, format!("{name}: expected a number, found {cell:?}"))
                    })?)
                }
                "group" => row.group = Some(cell),
                _ => unreachable!("header checked against COLUMNS"),
            }
        }
        rows.push((line, row));
    }
    Ok(rows)
}

/// RFC 4180 records with the line each starts on: `,` separates, `"` quotes (`""`
/// inside quotes is one `"`), quoted fields may span lines, `\r\n` or `\n` ends a
/// record. Cells are trimmed; blank lines are skipped.
fn csv_records(text: &str) -> Result<Vec<(usize, Vec<String>)>, RowError> {
    let mut records = Vec::new();
    let (mut fields, mut field) = (Vec::new(), String::new());
    let (mut line, mut start_line, mut quoted) = (1usize, 1usize, false);
    let mut chars = text.chars().peekable();
    let mut end_record = |fields: &mut Vec<String>, field: &mut String, start: usize| {
        fields.push(std::mem::take(field).trim().to_owned());
        let record = std::mem::take(fields);
        if !(record.len() == 1 && record[0].is_empty()) {
            records.push((start, record));
        }
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            ',' => fields.push(std::mem::take(&mut field).trim().to_owned()),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                end_record(&mut fields, &mut field, start_line);
                line += 1;
                start_line = line;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(RowError::new(start_line, "unterminated quoted field"));
    }
    if !field.is_empty() || !fields.is_empty() {
        end_record(&mut fields, &mut field, start_line);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<Vec<PairSpec>, RowError> {
        parse(text, ManifestFormat::Csv, Path::new("/m"), &[])
    }

    #[test]
    fn csv_with_quotes_defaults_and_relative_paths() {
        let pairs = csv("reference,distorted,id,model\nr.y4m,\"d, 1.y4m\",,\n/abs/r.y4m,d2.y4m,two,vmaf_v0.6.1;vmaf_v0.6.1neg\n")
            .unwrap();
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].reference, Path::new("/m/r.y4m"));
        assert_eq!(pairs[0].distorted, Path::new("/m/d, 1.y4m"));
        assert_eq!(pairs[0].id, default_id("r.y4m", "d, 1.y4m"));
        assert!(pairs[0].id.starts_with("d__1-"), "{}", pairs[0].id);
        assert_eq!(pairs[0].models, vec![DEFAULT_MODEL]);
        assert_eq!(pairs[1].reference, Path::new("/abs/r.y4m"));
        assert_eq!(pairs[1].models, vec!["vmaf_v0.6.1", "vmaf_v0.6.1neg"]);
        assert_eq!(pairs[1].line, 3);
    }

    #[test]
    fn json_lines_with_geometry_and_model_arrays() {
        let text = r#"{"reference":"a.yuv","distorted":"b.yuv","width":64,"height":48,"pixel_format":"yuv420p","model":["vmaf_v0.6.1neg"],"frame_count":2}

{"reference":"a.y4m","distorted":"c.y4m","id":"x"}"#;
        let pairs = parse(text, ManifestFormat::JsonLines, Path::new(""), &["m1".to_owned()]).unwrap();
        assert_eq!(pairs[0].raw, Some(RawFormat { width: 64, height: 48, pixel_format: "yuv420p".into(), frame_count: Some(2) }));
        assert_eq!(pairs[0].models, vec!["vmaf_v0.6.1neg"]);
        assert_eq!(pairs[0].frame_count, Some(2));
        assert_eq!(pairs[1].reference, Path::new("a.y4m"));
        assert_eq!((pairs[1].id.as_str(), pairs[1].line), ("x", 3));
        assert_eq!(pairs[1].models, vec!["m1"]);
    }

    #[test]
    fn row_errors_name_their_line() {
        assert_eq!(csv("reference,distorted,colour\n").unwrap_err().line, 1);
        let e = csv("reference,distorted\nr.y4m\n").unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (2, "1 fields, but the header has 2"));
        let e = csv("reference,distorted,width\nr,d,64\n").unwrap_err();
        assert!(e.message.contains("width, height and pixel_format"), "{}", e.message);
        let e = csv("reference,distorted,width\nr,d,sixty\n").unwrap_err();
        assert!(e.message.contains("expected a whole number"), "{}", e.message);
        let e = csv("reference,distorted,id\nr,d,a\nr,e,b\nr,f,a\n").unwrap_err();
        assert_eq!(e.duplicate_of, Some(("a".into(), 2)));
        assert_eq!(e.line, 4);
        // The same two paths twice get the same default id: a duplicate too.
        assert!(csv("reference,distorted\nr,d\nr,d\n").unwrap_err().duplicate_of.is_some());
        let e = parse(r#"{"reference":"a","distorted":"b","colour":1}"#, ManifestFormat::JsonLines, Path::new(""), &[]);
        assert!(e.unwrap_err().message.contains("colour"));
        assert!(csv("reference,distorted\n-,d\n").unwrap_err().message.contains("standard input"));
    }

    #[test]
    fn bitrate_and_group_for_rate_curves() {
        let pairs = csv("reference,distorted,bitrate_kbps,group\nr.y4m,a.mkv,1534.5,x264\nr.y4m,b.mkv,,\n").unwrap();
        assert_eq!((pairs[0].bitrate_kbps, pairs[0].group.as_deref()), (Some(1534.5), Some("x264")));
        assert_eq!((pairs[1].bitrate_kbps, pairs[1].group.as_deref()), (None, None));
        let json = r#"{"reference":"r.y4m","distorted":"a.mkv","bitrate_kbps":800,"group":"av1"}"#;
        let pairs = parse(json, ManifestFormat::JsonLines, Path::new(""), &[]).unwrap();
        assert_eq!((pairs[0].bitrate_kbps, pairs[0].group.as_deref()), (Some(800.0), Some("av1")));
        for bad in ["fast", "0", "-3", "inf"] {
            let e = csv(&format!("reference,distorted,bitrate_kbps\nr.y4m,a.mkv,{bad}\n")).unwrap_err();
            assert_eq!(e.line, 2, "{bad}");
            assert!(e.message.contains("bitrate_kbps"), "{bad}: {}", e.message);
        }
        assert!(csv("reference,distorted,group\nr.y4m,a.mkv,\"a\u{1b}b\"\n").unwrap_err().message.contains("control"));
    }

    #[test]
    fn format_detection() {
        assert_eq!(ManifestFormat::detect(Path::new("m.txt"), " {\"a\":1}"), ManifestFormat::JsonLines);
        assert_eq!(ManifestFormat::detect(Path::new("m.txt"), "reference,distorted"), ManifestFormat::Csv);
        assert_eq!(ManifestFormat::detect(Path::new("m.jsonl"), ""), ManifestFormat::JsonLines);
    }
}
