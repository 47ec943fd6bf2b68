//! libvmaf's JSON layout: `version`, `fps`, `frames[].frameNum`,
//! `frames[].metrics{…}`, `pooled_metrics{name:{min,max,mean,harmonic_mean}}`,
//! `aggregate_metrics`. Our extras (percentiles, backend, adapter, models) sit in
//! one extra top-level object, `tinyvmaf`, which libvmaf-log parsers ignore.

use serde_json::{json, Map, Value};

use super::ScoreLog;

fn finite(v: f64) -> Value {
    // JSON has no NaN/inf; libvmaf never emits them for these metrics either.
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

pub fn render(log: &ScoreLog) -> String {
    let frames: Vec<Value> = log
        .frames
        .iter()
        .zip(&log.frame_numbers)
        .map(|(row, &n)| {
            let metrics: Map<String, Value> = log.metrics.iter().cloned().zip(row.iter().map(|&v| finite(v))).collect();
            json!({ "frameNum": n, "metrics": metrics })
        })
        .collect();
    let pooled = log.pooled();
    let pooled_metrics: Map<String, Value> = pooled
        .iter()
        .map(|(name, p)| {
            (
                name.clone(),
                json!({ "min": finite(p.min), "max": finite(p.max), "mean": finite(p.mean), "harmonic_mean": finite(p.harmonic_mean) }),
            )
        })
        .collect();
    let percentiles: Map<String, Value> = pooled
        .iter()
        .map(|(name, p)| (name.clone(), json!({ "p1": finite(p.p1), "p5": finite(p.p5), "p50": finite(p.p50) })))
        .collect();
    let doc = json!({
        "version": log.version,
        "fps": finite(log.fps),
        "frames": frames,
        "pooled_metrics": pooled_metrics,
        "aggregate_metrics": {},
        "tinyvmaf": { "context": log.context, "percentiles": percentiles },
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("a JSON value serializes");
    text.push('\n');
    text
}
