//! libvmaf's own log layouts, byte for byte (`libvmaf/src/output.c` of libvmaf
//! 3.2): the XML, JSON, CSV and subtitle files its `vmaf` tool writes, for tools
//! that read those files by position or with their own parsers. Metrics come in
//! the log's column order (the caller puts them in libvmaf's); values are printed
//! `%.6f`, or `%.16f` when more than six zeros follow the decimal point, as
//! libvmaf prints them. Nothing of ours (backend, percentiles) appears.

use std::fmt::Write;

use super::ScoreLog;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibvmafFormat {
    Xml,
    Json,
    Csv,
    Sub,
}

pub fn render(log: &ScoreLog, format: LibvmafFormat) -> String {
    match format {
        LibvmafFormat::Xml => xml(log),
        LibvmafFormat::Json => json(log),
        LibvmafFormat::Csv => csv(log),
        LibvmafFormat::Sub => sub(log),
    }
}

/// libvmaf's count of zeros between the decimal point and the first other digit
/// of the fractional part (0 when there is none). Its `(int)` cast of values past
/// `i32` leaves a fraction of 1 or more, so those count 0 as well.
fn zeros_after_point(v: f64) -> u32 {
    let x = v.abs();
    if !x.is_finite() || x >= 2_147_483_648.0 {
        return 0;
    }
    let mut fraction = x - x.trunc();
    let mut zeros = 0;
    while fraction < 1.0 && fraction != 0.0 {
        fraction *= 10.0;
        zeros += 1;
    }
    zeros
}

/// One value as libvmaf's `printf` writes it: `%.6f`, `%.16f` for small
/// fractions, and C's spelling of the values that are not finite.
fn value(v: f64) -> String {
    if v.is_nan() {
        return if v.is_sign_negative() { "-nan" } else { "nan" }.to_owned();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf" } else { "inf" }.to_owned();
    }
    if zeros_after_point(v) <= 6 { format!("{v:.6}") } else { format!("{v:.16}") }
}

/// In JSON a value that is not finite is `null`.
fn json_value(v: f64) -> String {
    if v.is_finite() { value(v) } else { "null".to_owned() }
}

/// Pooled min, max, mean and harmonic mean per metric, in column order.
fn pooled(log: &ScoreLog) -> Vec<(&str, [(&'static str, f64); 4])> {
    log.pooled()
        .into_iter()
        .zip(&log.metrics)
        .map(|((_, p), name)| {
            (name.as_str(), [("min", p.min), ("max", p.max), ("mean", p.mean), ("harmonic_mean", p.harmonic_mean)])
        })
        .collect()
}

fn rows(log: &ScoreLog) -> impl Iterator<Item = (u64, impl Iterator<Item = (&str, f64)>)> {
    log.frame_numbers
        .iter()
        .zip(&log.frames)
        .map(|(&n, row)| (n, log.metrics.iter().map(String::as_str).zip(row.iter().copied())))
}

fn xml(log: &ScoreLog) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<VMAF version=\"{}\">", log.version);
    let _ = writeln!(out, "  <params qualityWidth=\"{}\" qualityHeight=\"{}\" />", log.context.width, log.context.height);
    let _ = writeln!(out, "  <fyi fps=\"{:.2}\" />", log.fps);
    out.push_str("  <frames>\n");
    for (n, metrics) in rows(log) {
        let _ = write!(out, "    <frame frameNum=\"{n}\" ");
        for (name, v) in metrics {
            let _ = write!(out, "{name}=\"{}\" ", value(v));
        }
        out.push_str("/>\n");
    }
    out.push_str("  </frames>\n  <pooled_metrics>\n");
    for (name, stats) in pooled(log) {
        let _ = write!(out, "    <metric name=\"{name}\" ");
        for (method, v) in stats {
            let _ = write!(out, "{method}=\"{}\" ", value(v));
        }
        out.push_str("/>\n");
    }
    out.push_str("  </pooled_metrics>\n  <aggregate_metrics ");
    for (name, v) in &log.aggregates {
        let _ = write!(out, "{name}=\"{}\" ", value(*v));
    }
    out.push_str("/>\n</VMAF>\n");
    out
}

fn json(log: &ScoreLog) -> String {
    let mut out = String::from("{\n");
    let _ = writeln!(out, "  \"version\": \"{}\",", log.version);
    if log.fps.is_finite() {
        let _ = writeln!(out, "  \"fps\": {:.2},", log.fps);
    } else {
        out.push_str("  \"fps\": null,\n");
    }
    out.push_str("  \"frames\": [");
    for (n, metrics) in rows(log) {
        // libvmaf separates by the frame's number, not by its position.
        out.push_str(if n > 0 { ",\n" } else { "\n" });
        let _ = write!(out, "    {{\n      \"frameNum\": {n},\n      \"metrics\": {{\n");
        let metrics: Vec<_> = metrics.collect();
        for (j, (name, v)) in metrics.iter().enumerate() {
            let comma = if j + 1 < metrics.len() { "," } else { "" };
            if v.is_finite() {
                let _ = writeln!(out, "        \"{name}\": {}{comma}", value(*v));
            } else {
                // libvmaf ends a null without a line break.
                let _ = write!(out, "        \"{name}\": null{comma}");
            }
        }
        out.push_str("      }\n    }");
    }
    out.push_str("\n  ],\n  \"pooled_metrics\": {");
    for (i, (name, stats)) in pooled(log).into_iter().enumerate() {
        out.push_str(if i > 0 { ",\n" } else { "\n" });
        let _ = write!(out, "    \"{name}\": {{");
        for (j, (method, v)) in stats.into_iter().enumerate() {
            out.push_str(if j > 0 { ",\n" } else { "\n" });
            let _ = write!(out, "      \"{method}\": {}", json_value(v));
        }
        out.push_str("\n    }");
    }
    out.push_str("\n  },\n  \"aggregate_metrics\": {");
    for (i, (name, v)) in log.aggregates.iter().enumerate() {
        let comma = if i + 1 < log.aggregates.len() { "," } else { "" };
        let _ = write!(out, "\n    \"{name}\": {}{comma}", json_value(*v));
    }
    out.push_str("\n  }\n}\n");
    out
}

fn csv(log: &ScoreLog) -> String {
    let mut out = String::from("Frame,");
    for name in &log.metrics {
        let _ = write!(out, "{name},");
    }
    out.push('\n');
    for (n, metrics) in rows(log) {
        let _ = write!(out, "{n},");
        for (_, v) in metrics {
            let _ = write!(out, "{},", value(v));
        }
        out.push('\n');
    }
    out
}

fn sub(log: &ScoreLog) -> String {
    let mut out = String::new();
    for (n, metrics) in rows(log) {
        let _ = write!(out, "{{{n}}}{{{}}}frame: {n}|", n + 1);
        for (name, v) in metrics {
            let _ = write!(out, "{name}: {}|", value(v));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_libvmaf_prints_them() {
        assert_eq!(value(20.08623640579892), "20.086236");
        assert_eq!(value(0.0), "0.000000");
        assert_eq!(value(3.0), "3.000000");
        // More than six zeros after the point: sixteen digits.
        assert_eq!(value(0.00000012), "0.0000001200000000");
        assert_eq!(value(-5.0000000001), "-5.0000000001000000");
        assert_eq!(value(0.0000012), "0.000001");
        // An exact tie rounds to even, as glibc's printf does.
        assert_eq!(value(0.0078125), "0.007812");
        assert_eq!(value(f64::NAN), "nan");
        assert_eq!(value(f64::NEG_INFINITY), "-inf");
        assert_eq!(json_value(f64::INFINITY), "null");
        assert_eq!(zeros_after_point(3e12 + 0.5), 0);
    }

    fn log() -> ScoreLog {
        ScoreLog {
            version: "3.2.0".into(),
            fps: 12.5,
            metrics: vec!["a".into(), "vmaf".into()],
            frames: vec![vec![1.0, 50.0], vec![0.5, 60.0]],
            frame_numbers: vec![0, 3],
            context: super::super::RunContext { width: 96, height: 64, ..Default::default() },
            aggregates: Vec::new(),
        }
    }

    #[test]
    fn the_four_layouts() {
        let log = log();
        assert_eq!(render(&log, LibvmafFormat::Csv), "Frame,a,vmaf,\n0,1.000000,50.000000,\n3,0.500000,60.000000,\n");
        assert_eq!(
            render(&log, LibvmafFormat::Sub),
            "{0}{1}frame: 0|a: 1.000000|vmaf: 50.000000|\n{3}{4}frame: 3|a: 0.500000|vmaf: 60.000000|\n"
        );
        let xml = render(&log, LibvmafFormat::Xml);
        assert!(xml.starts_with("<VMAF version=\"3.2.0\">\n  <params qualityWidth=\"96\" qualityHeight=\"64\" />\n  <fyi fps=\"12.50\" />\n"), "{xml}");
        assert!(xml.contains("    <frame frameNum=\"3\" a=\"0.500000\" vmaf=\"60.000000\" />\n"));
        assert!(xml.contains("    <metric name=\"vmaf\" min=\"50.000000\" max=\"60.000000\" mean=\"55.000000\" harmonic_mean=\"54.553571\" />\n"));
        let json = render(&log, LibvmafFormat::Json);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["frames"][1]["frameNum"], 3);
        assert_eq!(parsed["pooled_metrics"]["a"]["min"], 0.5);
        assert!(json.starts_with("{\n  \"version\": \"3.2.0\",\n  \"fps\": 12.50,\n  \"frames\": [\n    {\n      \"frameNum\": 0,\n"));
        assert!(json.ends_with("\n    }\n  },\n  \"aggregate_metrics\": {\n  }\n}\n"));
        let with = ScoreLog { aggregates: vec![("apsnr_y".into(), 40.5), ("apsnr_cb".into(), 50.25)], ..log };
        assert!(render(&with, LibvmafFormat::Json)
            .ends_with("\"aggregate_metrics\": {\n    \"apsnr_y\": 40.500000,\n    \"apsnr_cb\": 50.250000\n  }\n}\n"));
        assert!(render(&with, LibvmafFormat::Xml).contains("  <aggregate_metrics apsnr_y=\"40.500000\" apsnr_cb=\"50.250000\" />\n"));
    }
}
