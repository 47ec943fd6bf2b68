//! Bjøntegaard deltas between two rate–quality curves, with piecewise cubic Hermite
//! interpolation (PCHIP), the interpolation of the JCT-VC / JVET common test
//! conditions' spreadsheet and of the AV1 common test conditions' tools.
//!
//! BD-rate (Bjøntegaard, VCEG-M33, 2001; PCHIP per JCTVC-L1100): interpolate
//! `log10(rate)` as a function of quality for each curve, integrate both over the
//! quality range they share, and turn the mean difference into a ratio:
//!
//! ```text
//! ΔR = 10^( (∫ log10 R_test(q) dq − ∫ log10 R_anchor(q) dq) / (q_hi − q_lo) ) − 1
//! ```
//!
//! Negative means the test curve needs less rate for the same quality. BD-quality
//! (BD-PSNR, here BD-VMAF) swaps the axes: quality as a function of `log10(rate)`,
//! averaged over the shared rate range, in quality points.
//!
//! The interpolant is the Fritsch–Carlson monotone cubic with Fritsch–Butland
//! (weighted harmonic mean) slopes inside and the three-point, shape-preserving
//! slopes at the ends (what SciPy's `PchipInterpolator` computes); integrals are exact.

/// Why two curves have no Bjøntegaard delta.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BdError {
    #[error("a curve needs at least 2 points, this one has {0}")]
    TooFewPoints(usize),
    #[error("a rate or quality value is not a finite number (rates must also be above 0)")]
    NotFinite,
    #[error("two points of one curve have the same {0}: the curve is not a function of it")]
    Repeated(&'static str),
    #[error("the curves share no {0} range")]
    NoOverlap(&'static str),
}

/// One rate–quality point: rate in any unit (both curves the same), quality in any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub rate: f64,
    pub quality: f64,
}

/// BD-rate of `test` against `anchor`, in percent.
pub fn bd_rate(anchor: &[Point], test: &[Point]) -> Result<f64, BdError> {
    let curve = |points: &[Point]| Pchip::new(points.iter().map(|p| (p.quality, p.rate.log10())).collect(), "quality");
    let (a, t) = (curve(checked(anchor)?)?, curve(checked(test)?)?);
    let mean = mean_difference(&a, &t, "quality")?;
    Ok((10f64.powf(mean) - 1.0) * 100.0)
}

/// BD-quality of `test` against `anchor`: the mean quality difference at equal rate.
pub fn bd_quality(anchor: &[Point], test: &[Point]) -> Result<f64, BdError> {
    let curve = |points: &[Point]| Pchip::new(points.iter().map(|p| (p.rate.log10(), p.quality)).collect(), "rate");
    let (a, t) = (curve(checked(anchor)?)?, curve(checked(test)?)?);
    mean_difference(&a, &t, "rate")
}

fn checked(points: &[Point]) -> Result<&[Point], BdError> {
    if points.len() < 2 {
        return Err(BdError::TooFewPoints(points.len()));
    }
    if points.iter().any(|p| !p.quality.is_finite() || !p.rate.is_finite() || p.rate <= 0.0) {
        return Err(BdError::NotFinite);
    }
    Ok(points)
}

/// `(∫ test − ∫ anchor) / width` over the range both cover.
fn mean_difference(anchor: &Pchip, test: &Pchip, axis: &'static str) -> Result<f64, BdError> {
    let lo = anchor.x[0].max(test.x[0]);
    let hi = anchor.x[anchor.x.len() - 1].min(test.x[test.x.len() - 1]);
    if hi <= lo {
        return Err(BdError::NoOverlap(axis));
    }
    Ok((test.integral(lo, hi) - anchor.integral(lo, hi)) / (hi - lo))
}

/// A piecewise cubic Hermite interpolant through points sorted by `x`.
#[derive(Debug, Clone)]
pub struct Pchip {
    x: Vec<f64>,
    y: Vec<f64>,
    /// The slope at each point.
    d: Vec<f64>,
}

impl Pchip {
    /// Sorts the points by `x`; `x` must not repeat (`axis` names it in the error).
    pub fn new(mut points: Vec<(f64, f64)>, axis: &'static str) -> Result<Pchip, BdError> {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        if points.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(BdError::Repeated(axis));
        }
        let (x, y): (Vec<f64>, Vec<f64>) = points.into_iter().unzip();
        let n = x.len();
        let h: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        let delta: Vec<f64> = (0..n - 1).map(|k| (y[k + 1] - y[k]) / h[k]).collect();
        let mut d = vec![0.0; n];
        if n == 2 {
            // Two points: the straight line.
            d.fill(delta[0]);
        } else {
            for k in 1..n - 1 {
                let (d0, d1) = (delta[k - 1], delta[k]);
                // A local extremum or a flat piece: a zero slope keeps the curve
                // from overshooting (the monotone property).
                if d0 * d1 > 0.0 {
                    let w1 = 2.0 * h[k] + h[k - 1];
                    let w2 = h[k] + 2.0 * h[k - 1];
                    d[k] = (w1 + w2) / (w1 / d0 + w2 / d1);
                }
            }
            d[0] = end_slope(h[0], h[1], delta[0], delta[1]);
            d[n - 1] = end_slope(h[n - 2], h[n - 3], delta[n - 2], delta[n - 3]);
        }
        Ok(Pchip { x, y, d })
    }

    /// The interpolant's value at `x` (inside the data range).
    pub fn value(&self, x: f64) -> f64 {
        let k = self.segment(x);
        let (t, [c0, c1, c2, c3]) = (x - self.x[k], self.coefficients(k));
        c0 + t * (c1 + t * (c2 + t * c3))
    }

    /// `∫_lo^hi`, for `lo ≤ hi` inside the data range.
    pub fn integral(&self, lo: f64, hi: f64) -> f64 {
        let mut total = 0.0;
        for k in 0..self.x.len() - 1 {
            let (a, b) = (lo.max(self.x[k]), hi.min(self.x[k + 1]));
            if a < b {
                let [c0, c1, c2, c3] = self.coefficients(k);
                let antiderivative = |t: f64| t * (c0 + t * (c1 / 2.0 + t * (c2 / 3.0 + t * c3 / 4.0)));
                total += antiderivative(b - self.x[k]) - antiderivative(a - self.x[k]);
            }
        }
        total
    }

    /// The segment holding `x` (the first or last for points outside).
    fn segment(&self, x: f64) -> usize {
        self.x[1..self.x.len() - 1].partition_point(|&xk| xk <= x)
    }

    /// Segment `k` as `c0 + c1·t + c2·t² + c3·t³`, `t = x − x[k]`.
    fn coefficients(&self, k: usize) -> [f64; 4] {
        let h = self.x[k + 1] - self.x[k];
        let delta = (self.y[k + 1] - self.y[k]) / h;
        let (d0, d1) = (self.d[k], self.d[k + 1]);
        [self.y[k], d0, (3.0 * delta - 2.0 * d0 - d1) / h, (d0 + d1 - 2.0 * delta) / (h * h)]
    }
}

/// The slope at an end point: the three-point estimate, made zero if it points
/// against the first secant and limited to three times that secant when the data
/// turn (so that the end piece stays monotone).
fn end_slope(h0: f64, h1: f64, delta0: f64, delta1: f64) -> f64 {
    let d = ((2.0 * h0 + h1) * delta0 - h0 * delta1) / (h0 + h1);
    if d.signum() != delta0.signum() || delta0 == 0.0 {
        0.0
    } else if delta0.signum() != delta1.signum() && d.abs() > 3.0 * delta0.abs() {
        3.0 * delta0
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(points: &[(f64, f64)]) -> Vec<Point> {
        points.iter().map(|&(rate, quality)| Point { rate, quality }).collect()
    }

    #[test]
    fn a_constant_rate_ratio_is_that_ratio() {
        let anchor = curve(&[(1000.0, 70.0), (2000.0, 80.0), (3500.0, 88.0), (6000.0, 94.0)]);
        let test: Vec<Point> = anchor.iter().map(|p| Point { rate: p.rate * 0.8, ..*p }).collect();
        assert!((bd_rate(&anchor, &test).unwrap() + 20.0).abs() < 1e-9);
        let better: Vec<Point> = anchor.iter().map(|p| Point { quality: p.quality + 2.0, ..*p }).collect();
        assert!((bd_quality(&anchor, &better).unwrap() - 2.0).abs() < 1e-9);
    }

    #[test]
    fn two_point_curves_by_hand() {
        // Anchor: log10 R rises linearly from 3 to log10 2000 over q in [80, 90]; the
        // test stays at R = 1000. Mean log difference −log10(2)/2, so the ratio is
        // 1/√2: BD-rate = (1/√2 − 1)·100.
        let anchor = curve(&[(1000.0, 80.0), (2000.0, 90.0)]);
        let test = curve(&[(1000.0, 80.0), (1000.0, 90.0)]);
        let expected = (1.0 / 2f64.sqrt() - 1.0) * 100.0;
        assert!((bd_rate(&anchor, &test).unwrap() - expected).abs() < 1e-9);
    }

    #[test]
    fn pchip_interpolates_and_integrates_exactly() {
        let p = Pchip::new(vec![(0.0, 0.0), (1.0, 1.0), (2.0, 4.0), (3.0, 9.0)], "x").unwrap();
        for (x, y) in [(0.0, 0.0), (1.0, 1.0), (2.0, 4.0), (3.0, 9.0)] {
            assert_eq!(p.value(x), y);
        }
        // Monotone data stay monotone between the points.
        let mut last = f64::NEG_INFINITY;
        for i in 0..=300 {
            let v = p.value(f64::from(i) / 100.0);
            assert!(v >= last);
            last = v;
        }
        // The integral of each piece against a fine midpoint sum.
        let fine: f64 = (0..30000).map(|i| p.value((f64::from(i) + 0.5) / 10000.0) / 10000.0).sum();
        assert!((p.integral(0.0, 3.0) - fine).abs() < 1e-6);
        assert!((p.integral(0.5, 2.5) + p.integral(0.0, 0.5) + p.integral(2.5, 3.0) - p.integral(0.0, 3.0)).abs() < 1e-12);
    }

    /// The rate–PSNR data published with the `bjontegaard` Python package (libx265
    /// at several presets; its README and `example_usage.py`), against what that
    /// package's PCHIP method (version 1.3.0, SciPy's `PchipInterpolator`, which its
    /// authors checked against the JCT-VC spreadsheet) gives for them.
    #[test]
    fn the_published_x265_example() {
        let anchor = curve(&[(9487.76, 40.037), (4593.60, 38.615), (2486.44, 36.845), (1358.24, 34.851)]);
        let test = curve(&[(9787.80, 40.121), (4469.00, 38.651), (2451.52, 36.970), (1356.24, 34.987)]);
        assert!((bd_rate(&anchor, &test).unwrap() - -4.417485350589045).abs() < 1e-9);
        assert!((bd_quality(&anchor, &test).unwrap() - 0.11969278542479489).abs() < 1e-9);
        let anchor = curve(&[(82472.76, 43.825), (26875.24, 41.404), (9487.76, 40.037), (4593.6, 38.615)]);
        let test = curve(&[(99896.96, 44.731), (33952.04, 41.875), (9787.8, 40.121), (4469.0, 38.651)]);
        assert!((bd_rate(&anchor, &test).unwrap() - -4.47218200276197).abs() < 1e-9);
        assert!((bd_quality(&anchor, &test).unwrap() - 0.08887484704747745).abs() < 1e-9);
    }

    #[test]
    fn refusals() {
        let one = curve(&[(1000.0, 80.0)]);
        let two = curve(&[(1000.0, 80.0), (2000.0, 90.0)]);
        assert_eq!(bd_rate(&one, &two), Err(BdError::TooFewPoints(1)));
        assert_eq!(bd_rate(&two, &curve(&[(1000.0, 80.0), (0.0, 90.0)])), Err(BdError::NotFinite));
        assert_eq!(bd_rate(&two, &curve(&[(1000.0, 80.0), (2000.0, 80.0)])), Err(BdError::Repeated("quality")));
        assert_eq!(bd_rate(&two, &curve(&[(1000.0, 91.0), (2000.0, 95.0)])), Err(BdError::NoOverlap("quality")));
        assert_eq!(bd_quality(&two, &curve(&[(3000.0, 91.0), (4000.0, 95.0)])), Err(BdError::NoOverlap("rate")));
    }
}
