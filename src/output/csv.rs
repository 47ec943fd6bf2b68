//! libvmaf's CSV layout: a `Frame` column, then one column per metric.

use super::{number, ScoreLog};

pub fn render(log: &ScoreLog) -> String {
    let mut out = String::from("Frame");
    for name in &log.metrics {
        out.push(',');
        out.push_str(name);
    }
    out.push('\n');
    for (row, n) in log.frames.iter().zip(&log.frame_numbers) {
        out.push_str(&n.to_string());
        for &v in row {
            out.push(',');
            out.push_str(&number(v));
        }
        out.push('\n');
    }
    out
}
