//! `report`: one self-contained HTML page from score logs and batch results. For a
//! log: the per-frame chart of every model score, a chart of any feature, the pooled
//! table, the worst frames with their times, and the run's context (models with
//! their sha256). For batch results: the per-pair table, sortable, and — where the
//! records carry `bitrate_kbps` and `group` — rate–quality curves per group and the
//! Bjøntegaard deltas between groups ([`bd`]).

pub mod bd;
mod chart;
mod html;
mod input;

use std::fmt::Write;
use std::path::PathBuf;

pub use input::{BatchResults, FrameLog, Record, Source, is_score, load, parse};

use bd::Point;
use chart::{Chart, PALETTE, Series};
use html::{escape, table};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}: {why}", path.display())]
    Format { path: PathBuf, why: String },
}

impl ReportError {
    pub fn exit_code(&self) -> u8 {
        crate::exit::INPUT
    }
}

/// What the page shows beyond its inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// How many of the lowest-scoring frames to list.
    pub worst: usize,
    /// The group the others are compared with (default: the first group in the file).
    pub anchor: Option<String>,
    /// Frames per second for timestamps when a log does not say (libvmaf's never do).
    pub frame_rate: Option<(u64, u64)>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { worst: 10, anchor: None, frame_rate: None }
    }
}

/// The page for `sources`, in order.
pub fn render(sources: &[Source], options: &ReportOptions) -> String {
    let mut body = String::new();
    for (n, source) in sources.iter().enumerate() {
        match source {
            Source::Log(log) => log_section(&mut body, n, log, options),
            Source::Batch(batch) => batch_section(&mut body, n, batch, options),
        }
    }
    let title = match sources {
        [Source::Log(log)] => format!("Quality report: {}", file_name(&log.path)),
        [Source::Batch(batch)] => format!("Quality report: {}", file_name(&batch.path)),
        _ => format!("Quality report: {} inputs", sources.len()),
    };
    html::page(&title, &body)
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

fn number(v: f64) -> String {
    if v.is_finite() { format!("{v:.3}") } else { "—".into() }
}

/// A frame's time as `m:ss.mmm` (`h:mm:ss.mmm` past an hour).
fn timestamp(frame: u64, (num, den): (u64, u64)) -> String {
    let ms = (u128::from(frame) * u128::from(den) * 1000 / u128::from(num)) as u64;
    let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if h > 0 { format!("{h}:{m:02}:{s:02}.{ms:03}") } else { format!("{m}:{s:02}.{ms:03}") }
}

fn log_section(out: &mut String, n: usize, log: &FrameLog, options: &ReportOptions) {
    let _ = writeln!(out, "<section class=\"log\"><h2>{}</h2>", escape(&log.path.display().to_string()));
    let frame_rate = log.context.as_ref().and_then(|c| c.frame_rate.as_deref()).and_then(input::frame_rate).or(options.frame_rate);
    context(out, log, frame_rate);

    // Model scores over time, one series each, on a 0–100 axis.
    let series_of = |j: usize, id: String| Series {
        name: &log.metrics[j],
        points: log.frame_numbers.iter().zip(&log.columns[j]).map(|(&f, &v)| (f as f64, v)).collect(),
        id,
    };
    if log.scores > 0 {
        let series: Vec<Series> = (0..log.scores).map(|j| series_of(j, format!("log{n}-score{j}"))).collect();
        let chart = Chart { x_label: "frame", y_label: "score", log_x: false, markers: false, y_include: Some((0.0, 100.0)) };
        if let Some(svg) = chart.render(&series) {
            out.push_str("<h3>Scores per frame</h3>\n");
            let names: Vec<&str> = series.iter().map(|s| s.name).collect();
            let ids: Vec<String> = series.iter().map(|s| s.id.clone()).collect();
            out.push_str(&html::legend(&names, &ids, &PALETTE));
            let _ = writeln!(out, "<div class=\"scores-chart\">{svg}</div>");
        }
    }
    // Any feature, one at a time (their ranges differ by orders of magnitude).
    if log.metrics.len() > log.scores {
        let holder = format!("log{n}-features");
        let _ = write!(out, "<h3>Features per frame</h3>\n<label>Feature <select data-choose=\"{holder}\">");
        for name in &log.metrics[log.scores..] {
            let _ = write!(out, "<option value=\"{0}\">{0}</option>", escape(name));
        }
        let _ = writeln!(out, "</select></label>\n<div id=\"{holder}\">");
        for j in log.scores..log.metrics.len() {
            let series = [series_of(j, format!("log{n}-feature{j}"))];
            let chart = Chart { x_label: "frame", y_label: &log.metrics[j], log_x: false, markers: false, y_include: None };
            let svg = chart.render(&series).unwrap_or_else(|| "<p>No finite values.</p>".into());
            let _ = writeln!(out, "<div data-choice=\"{}\">{svg}</div>", escape(&log.metrics[j]));
        }
        out.push_str("</div>\n");
    }
    pooled_table(out, log);
    worst_frames(out, log, frame_rate, options.worst);
    out.push_str("</section>\n");
}

fn context(out: &mut String, log: &FrameLog, frame_rate: Option<(u64, u64)>) {
    let mut rows: Vec<(&str, String)> = Vec::new();
    match &log.context {
        Some(c) => {
            rows.push(("made by", format!("tinyvmaf-gpu {}", escape(&log.version))));
            rows.push(("backend", escape(&c.backend)));
            if let Some(adapter) = &c.adapter {
                rows.push(("adapter", escape(adapter)));
            }
            for model in &c.models {
                let pin = crate::registry::compiled::find(model).map_or("not in this build's registry", |m| m.sha256);
                rows.push(("model", format!("{} <small>sha256 {}</small>", escape(model), escape(pin))));
            }
            rows.push(("reference", escape(&c.reference)));
            rows.push(("distorted", escape(&c.distorted)));
            rows.push(("size", format!("{}x{}", c.width, c.height)));
        }
        None => rows.push(("made by", format!("libvmaf {} (its log has no run context)", escape(&log.version)))),
    }
    rows.push(("frames", log.frame_numbers.len().to_string()));
    if let Some((num, den)) = frame_rate {
        rows.push(("frame rate", format!("{num}/{den} ({:.3} per second)", num as f64 / den as f64)));
    }
    out.push_str("<dl>");
    for (key, value) in rows {
        let _ = write!(out, "<dt>{key}</dt><dd>{value}</dd>");
    }
    out.push_str("</dl>\n");
    for note in log.context.iter().flat_map(|c| &c.notes) {
        let _ = writeln!(out, "<p class=\"note\">Note: {}</p>", escape(note));
    }
}

fn pooled_table(out: &mut String, log: &FrameLog) {
    let head: Vec<String> = ["metric", "mean", "harmonic mean", "min", "max", "1st pct", "5th pct", "median"].map(String::from).to_vec();
    let rows: Vec<Vec<(String, Option<String>)>> = log
        .metrics
        .iter()
        .zip(&log.columns)
        .filter_map(|(name, column)| {
            let finite: Vec<f64> = column.iter().copied().filter(|v| v.is_finite()).collect();
            let p = crate::pooling::pool(&finite)?;
            let cells = [p.mean, p.harmonic_mean, p.min, p.max, p.p1, p.p5, p.p50].map(|v| (number(v), None));
            Some(std::iter::once((escape(name), None)).chain(cells).collect())
        })
        .collect();
    out.push_str("<h3>Pooled</h3>\n");
    out.push_str(&table(&head, &rows, false));
}

fn worst_frames(out: &mut String, log: &FrameLog, frame_rate: Option<(u64, u64)>, count: usize) {
    // The first model score, else the first column.
    let Some(column) = log.columns.first() else { return };
    let name = &log.metrics[0];
    let mut order: Vec<usize> = (0..column.len()).filter(|&i| column[i].is_finite()).collect();
    order.sort_by(|&a, &b| column[a].total_cmp(&column[b]).then(a.cmp(&b)));
    order.truncate(count);
    let mut head = vec!["rank".to_owned(), "frame".to_owned(), "time".to_owned()];
    head.extend(log.metrics[..log.scores.max(1)].iter().map(|m| escape(m)));
    let rows: Vec<Vec<(String, Option<String>)>> = order
        .iter()
        .enumerate()
        .map(|(rank, &i)| {
            let frame = log.frame_numbers[i];
            let time = frame_rate.map_or_else(|| "—".to_owned(), |r| timestamp(frame, r));
            let mut row = vec![((rank + 1).to_string(), None), (frame.to_string(), None), (time, None)];
            row.extend(log.columns[..log.scores.max(1)].iter().map(|c| (number(c[i]), None)));
            row
        })
        .collect();
    let _ = writeln!(out, "<h3>Worst {} frames by {}</h3>", order.len(), escape(name));
    out.push_str(&table(&head, &rows, false));
}

fn batch_section(out: &mut String, n: usize, batch: &BatchResults, options: &ReportOptions) {
    let ok = batch.records.iter().filter(|r| r.ok).count();
    let _ = writeln!(
        out,
        "<section class=\"batch\"><h2>{}</h2>\n<p>{} pairs: {ok} scored, {} failed.</p>",
        escape(&batch.path.display().to_string()),
        batch.records.len(),
        batch.records.len() - ok
    );
    // Score names in the order the first scored record gives them.
    let mut names: Vec<&str> = Vec::new();
    for record in batch.records.iter().filter(|r| r.ok) {
        for (name, _) in &record.scores {
            if is_score(name) && !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    let mut head: Vec<String> = ["id", "status", "group", "kbps", "frames"].map(String::from).to_vec();
    for name in &names {
        head.push(format!("{} mean", escape(name)));
        head.push(format!("{} harm. mean", escape(name)));
        head.push(format!("{} min", escape(name)));
    }
    head.extend(["seconds".to_owned(), "error".to_owned()]);
    let keyed_with = |v: Option<f64>, decimals: usize| match v {
        Some(v) if v.is_finite() => (format!("{v:.decimals$}"), Some(format!("{v}"))),
        _ => ("—".to_owned(), Some(String::new())),
    };
    let keyed = |v: Option<f64>| keyed_with(v, 3);
    let rows: Vec<Vec<(String, Option<String>)>> = batch
        .records
        .iter()
        .map(|r| {
            let mut row = vec![
                (escape(&r.id), None),
                (if r.ok { "ok".into() } else { "<span class=\"error\">error</span>".into() }, Some(if r.ok { "ok" } else { "error" }.into())),
                (escape(r.group.as_deref().unwrap_or("")), None),
                keyed_with(r.bitrate_kbps, 1),
                keyed_with(r.frames.map(|f| f as f64), 0),
            ];
            for name in &names {
                let pooled = r.scores.iter().find(|(n, _)| n == name).map(|(_, p)| *p);
                row.push(keyed(pooled.map(|p| p.mean)));
                row.push(keyed(pooled.map(|p| p.harmonic_mean)));
                row.push(keyed(pooled.map(|p| p.min)));
            }
            row.push(keyed_with(r.seconds, 1));
            row.push((format!("<span class=\"error\">{}</span>", escape(r.error.as_deref().unwrap_or(""))), None));
            row
        })
        .collect();
    out.push_str("<h3>Pairs</h3>\n<p>Click a heading to sort.</p>\n");
    out.push_str(&table(&head, &rows, true));
    if let Some(score) = names.first() {
        rate_quality(out, n, batch, score, options);
    }
    out.push_str("</section>\n");
}

/// Rate–quality curves per group and Bjøntegaard deltas against the anchor group.
fn rate_quality(out: &mut String, n: usize, batch: &BatchResults, score: &str, options: &ReportOptions) {
    let mut groups: Vec<(&str, Vec<Point>)> = Vec::new();
    for r in batch.records.iter().filter(|r| r.ok) {
        let (Some(rate), Some(group)) = (r.bitrate_kbps, r.group.as_deref()) else { continue };
        let Some(quality) = r.scores.iter().find(|(name, _)| name == score).map(|(_, p)| p.mean) else { continue };
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, points)) => points.push(Point { rate, quality }),
            None => groups.push((group, vec![Point { rate, quality }])),
        }
    }
    if groups.is_empty() {
        out.push_str("<p>No rate–quality curves: the records carry no <code>bitrate_kbps</code> and <code>group</code> (manifest columns).</p>\n");
        return;
    }
    for (_, points) in &mut groups {
        points.sort_by(|a, b| a.rate.total_cmp(&b.rate));
    }
    let series: Vec<Series> = groups
        .iter()
        .enumerate()
        .map(|(g, (name, points))| Series { name, points: points.iter().map(|p| (p.rate, p.quality)).collect(), id: format!("batch{n}-group{g}") })
        .collect();
    let y_label = format!("mean {score}");
    let chart = Chart { x_label: "kbps", y_label: &y_label, log_x: true, markers: true, y_include: None };
    if let Some(svg) = chart.render(&series) {
        let _ = writeln!(out, "<h3>Rate–quality ({} per group)</h3>", escape(&y_label));
        let names: Vec<&str> = series.iter().map(|s| s.name).collect();
        let ids: Vec<String> = series.iter().map(|s| s.id.clone()).collect();
        out.push_str(&html::legend(&names, &ids, &PALETTE));
        let _ = writeln!(out, "<div class=\"rate-chart\">{svg}</div>");
    }
    let anchor_name = options.anchor.as_deref().unwrap_or(groups[0].0);
    let Some((_, anchor)) = groups.iter().find(|(g, _)| *g == anchor_name) else {
        let _ = writeln!(out, "<p class=\"error\">No group {} to compare against.</p>", escape(anchor_name));
        return;
    };
    if groups.len() < 2 {
        return;
    }
    let head = vec!["group".to_owned(), "points".to_owned(), "BD-rate".to_owned(), format!("BD-{}", escape(score))];
    let rows: Vec<Vec<(String, Option<String>)>> = groups
        .iter()
        .filter(|(g, _)| *g != anchor_name)
        .map(|(group, points)| {
            let cell = |r: Result<f64, bd::BdError>, unit: &str| match r {
                Ok(v) => format!("{v:+.2}{unit}"),
                Err(e) => format!("<span class=\"error\">{}</span>", escape(&e.to_string())),
            };
            vec![
                (escape(group), None),
                (points.len().to_string(), None),
                (cell(bd::bd_rate(anchor, points), " %"), None),
                (cell(bd::bd_quality(anchor, points), ""), None),
            ]
        })
        .collect();
    let _ = writeln!(
        out,
        "<h3>Bjøntegaard deltas against {}</h3>\n<p>PCHIP interpolation over the shared range; a negative BD-rate is rate saved at equal {}.</p>",
        escape(anchor_name),
        escape(score)
    );
    out.push_str(&table(&head, &rows, false));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0, (25, 1)), "0:00.000");
        assert_eq!(timestamp(1499, (30000, 1001)), "0:50.016");
        assert_eq!(timestamp(90_000, (25, 1)), "1:00:00.000");
    }
}
