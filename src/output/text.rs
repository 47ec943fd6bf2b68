//! The short human summary printed when no `--output` is given.

use super::ScoreLog;

/// Metrics shown in the summary when present: model scores first.
fn is_model_score(name: &str) -> bool {
    !name.starts_with("integer_") && !name.starts_with("psnr")
}

pub fn render(log: &ScoreLog) -> String {
    let mut out = format!(
        "{} frames, {}x{}, backend {}{}\n",
        log.frames.len(),
        log.context.width,
        log.context.height,
        log.context.backend,
        log.context.adapter.as_ref().map(|a| format!(" ({a})")).unwrap_or_default()
    );
    out += &format!("{:<28} {:>10} {:>10} {:>10} {:>10} {:>10}\n", "metric", "mean", "harmonic", "min", "max", "p5");
    let pooled = log.pooled();
    let (scores, features): (Vec<_>, Vec<_>) = pooled.iter().partition(|(n, _)| is_model_score(n));
    for (name, p) in scores.into_iter().chain(features) {
        out += &format!(
            "{:<28} {:>10.4} {:>10.4} {:>10.4} {:>10.4} {:>10.4}\n",
            name, p.mean, p.harmonic_mean, p.min, p.max, p.p5
        );
    }
    out
}
