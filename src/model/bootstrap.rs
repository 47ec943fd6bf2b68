//! libvmaf's bootstrap collections (`vmaf_b_v0.6.3`): the statistics
//! `predict.c`'s `vmaf_bootstrap_predict_score_at_index` takes over the sub-models'
//! scores of one frame, in its order and arithmetic.

/// The bagging score, its standard deviation and the 95% interval of one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    pub bagging: f64,
    pub stddev: f64,
    pub ci_p95_lo: f64,
    pub ci_p95_hi: f64,
}

impl Bootstrap {
    /// libvmaf's column suffixes, in its order.
    pub const SUFFIXES: [&'static str; 4] = ["_bagging", "_stddev", "_ci_p95_lo", "_ci_p95_hi"];

    pub fn values(&self) -> [f64; 4] {
        [self.bagging, self.stddev, self.ci_p95_lo, self.ci_p95_hi]
    }
}

/// The statistics of the sub-models' `raw` scores (before transform and clip):
/// mean, population standard deviation, the 2.5th and 97.5th percentiles of the
/// sorted scores; then `finish` (the model's transform and clip) of the mean and the
/// interval, and the deviation scaled by `finish`'s slope at the mean (±0.01).
pub fn statistics(raw: &[f64], finish: impl Fn(f64) -> f64) -> Bootstrap {
    let n = raw.len() as f64;
    // Sequential sums, as libvmaf's loops.
    let mut sum = 0.0;
    for &s in raw {
        sum += s;
    }
    let mean = sum / n;
    let mut ssd = 0.0;
    for &s in raw {
        // pow(x, 2) is correctly rounded: the same as x * x.
        ssd += (s - mean) * (s - mean);
    }
    let stddev = (ssd / n).sqrt();
    let mut sorted = raw.to_vec();
    sorted.sort_by(f64::total_cmp);
    let delta = 0.01;
    let slope = (finish(mean + delta) - finish(mean - delta)) / (2.0 * delta);
    Bootstrap {
        bagging: finish(mean),
        stddev: stddev * slope,
        ci_p95_lo: finish(percentile(&sorted, 2.5)),
        ci_p95_hi: finish(percentile(&sorted, 97.5)),
    }
}

/// predict.c's `percentile`: linear between the two ranks around `perc`.
fn percentile(sorted: &[f64], perc: f64) -> f64 {
    let p = perc * (sorted.len() - 1) as f64 / 100.0;
    let (lo, hi) = (p.floor(), p.ceil());
    let (l, h) = (lo as usize, hi as usize);
    if l == h { sorted[l] } else { sorted[l] * (hi - p) + sorted[h] * (p - lo) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_of_a_known_sample() {
        // 20 scores 1..=20: mean 10.5, population stddev sqrt(33.25), 2.5th percentile
        // at rank 0.475 (1.475), 97.5th at rank 18.525 (19.525).
        let raw: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        let b = statistics(&raw, |y| y);
        assert_eq!(b.bagging, 10.5);
        assert!((b.stddev - 33.25f64.sqrt()).abs() < 1e-12, "{}", b.stddev);
        assert!((b.ci_p95_lo - 1.475).abs() < 1e-12 && (b.ci_p95_hi - 19.525).abs() < 1e-12, "{b:?}");
        // The deviation follows the transform's slope; the interval is transformed.
        let doubled = statistics(&raw, |y| 2.0 * y + 1.0);
        assert_eq!(doubled.bagging, 22.0);
        assert!((doubled.stddev - 2.0 * 33.25f64.sqrt()).abs() < 1e-9, "{}", doubled.stddev);
        assert!((doubled.ci_p95_hi - 40.05).abs() < 1e-12, "{doubled:?}");
    }
}
