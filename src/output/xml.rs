//! libvmaf's XML layout: `<VMAF version>` with `<params>`, `<fyi fps>`, `<frames>`
//! of `<frame frameNum … metric="value"/>`, `<pooled_metrics>` of
//! `<metric name min max mean harmonic_mean/>`, and `<aggregate_metrics/>`.

use super::{number, ScoreLog};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

pub fn render(log: &ScoreLog) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out += &format!("<VMAF version=\"{}\">\n", escape(&log.version));
    out += &format!(
        "  <params qualityWidth=\"{}\" qualityHeight=\"{}\" backend=\"{}\" />\n",
        log.context.width,
        log.context.height,
        escape(&log.context.backend)
    );
    out += &format!("  <fyi fps=\"{:.2}\" />\n  <frames>\n", log.fps);
    for (row, n) in log.frames.iter().zip(&log.frame_numbers) {
        out += &format!("    <frame frameNum=\"{n}\"");
        for (name, &v) in log.metrics.iter().zip(row) {
            out += &format!(" {}=\"{}\"", escape(name), number(v));
        }
        out += " />\n";
    }
    out += "  </frames>\n  <pooled_metrics>\n";
    for (name, p) in log.pooled() {
        out += &format!(
            "    <metric name=\"{}\" min=\"{}\" max=\"{}\" mean=\"{}\" harmonic_mean=\"{}\" p1=\"{}\" p5=\"{}\" p50=\"{}\" />\n",
            escape(&name),
            number(p.min),
            number(p.max),
            number(p.mean),
            number(p.harmonic_mean),
            number(p.p1),
            number(p.p5),
            number(p.p50)
        );
    }
    out += "  </pooled_metrics>\n  <aggregate_metrics";
    for (name, v) in &log.aggregates {
        out += &format!(" {}=\"{}\"", escape(name), number(*v));
    }
    out += " />\n</VMAF>\n";
    out
}
