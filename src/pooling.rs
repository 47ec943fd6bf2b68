//! Pooling per-frame values into one number per metric: libvmaf's four (min, max,
//! mean, harmonic mean) computed the way libvmaf does, plus percentiles, which
//! libvmaf lacks.

use serde::Serialize;

/// Pooled statistics of one metric over the frames.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pooled {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// libvmaf's definition: `n / Σ 1/(x+1) − 1`, defined for scores ≥ 0.
    pub harmonic_mean: f64,
    pub p1: f64,
    pub p5: f64,
    pub p50: f64,
}

/// Pools `values` (in frame order). `None` for an empty slice.
pub fn pool(values: &[f64]) -> Option<Pooled> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    // Summed in frame order, as libvmaf does, so means agree to the last bit.
    let mut sum = 0.0;
    let mut inverse_sum = 0.0;
    let mut min = f64::INFINITY;
    let mut max = f64::NEG_INFINITY;
    for &v in values {
        sum += v;
        inverse_sum += 1.0 / (v + 1.0);
        min = min.min(v);
        max = max.max(v);
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(Pooled {
        min,
        max,
        mean: sum / n,
        harmonic_mean: n / inverse_sum - 1.0,
        p1: percentile(&sorted, 1.0),
        p5: percentile(&sorted, 5.0),
        p50: percentile(&sorted, 50.0),
    })
}

/// Linear interpolation between closest ranks (numpy's default), on sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = p / 100.0 * (sorted.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libvmaf_definitions() {
        let p = pool(&[20.0, 40.0, 60.0]).unwrap();
        assert_eq!((p.min, p.max, p.mean), (20.0, 60.0, 40.0));
        let h = 3.0 / (1.0 / 21.0 + 1.0 / 41.0 + 1.0 / 61.0) - 1.0;
        assert!((p.harmonic_mean - h).abs() < 1e-12);
        assert_eq!(p.p50, 40.0);
        assert!((p.p5 - 22.0).abs() < 1e-12);
        assert!(pool(&[]).is_none());
    }

    #[test]
    fn zero_scores_keep_the_harmonic_mean_finite() {
        let p = pool(&[0.0, 0.0]).unwrap();
        assert_eq!(p.harmonic_mean, 0.0);
    }
}
