//! libvmaf's JSON layout: `version`, `fps`, `frames[].frameNum`,
//! `frames[].metrics{…}`, `pooled_metrics{name:{min,max,mean,harmonic_mean}}`,
//! `aggregate_metrics`. Our extras (percentiles, backend, adapter, models) sit in
//! one extra top-level object, `tinyvmaf`, which libvmaf-log parsers ignore.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::ScoreLog;

fn finite(v: f64) -> Value {
    // JSON has no NaN/inf; libvmaf never emits them for these metrics either.
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// `frames`, serialized one frame at a time: building a `Value` per frame held
/// several KB a frame at once (memory growing with clip length). Keys come out sorted,
/// as they did from `serde_json::Map`.
struct Frames<'a>(&'a ScoreLog);

impl Serialize for Frames<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let log = self.0;
        let mut order: Vec<usize> = (0..log.metrics.len()).collect();
        order.sort_by(|&a, &b| log.metrics[a].cmp(&log.metrics[b]));
        s.collect_seq(log.frames.iter().zip(&log.frame_numbers).map(|(row, &n)| Frame {
            frame_num: n,
            metrics: Metrics { names: &log.metrics, values: row, order: &order },
        }))
    }
}

#[derive(Serialize)]
struct Frame<'a> {
    #[serde(rename = "frameNum")]
    frame_num: u64,
    metrics: Metrics<'a>,
}

struct Metrics<'a> {
    names: &'a [String],
    values: &'a [f64],
    /// Column indices in name order.
    order: &'a [usize],
}

impl Serialize for Metrics<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // null where the value is not finite, as `finite` writes it.
        s.collect_map(self.order.iter().map(|&i| (&self.names[i], self.values[i].is_finite().then_some(self.values[i]))))
    }
}

/// The document, fields in the sorted order `serde_json::Map` gave them.
#[derive(Serialize)]
struct Doc<'a> {
    aggregate_metrics: Map<String, Value>,
    fps: Value,
    frames: Frames<'a>,
    pooled_metrics: Map<String, Value>,
    tinyvmaf: Value,
    version: &'a str,
}

pub fn render(log: &ScoreLog) -> String {
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
    let doc = Doc {
        aggregate_metrics: log.aggregates.iter().map(|(name, v)| (name.clone(), finite(*v))).collect(),
        fps: finite(log.fps),
        frames: Frames(log),
        pooled_metrics,
        tinyvmaf: json!({ "context": log.context, "percentiles": percentiles }),
        version: &log.version,
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("a log serializes");
    text.push('\n');
    text
}
