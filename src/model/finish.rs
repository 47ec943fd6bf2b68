//! libvmaf's last two steps of a prediction (`predict.c`), after the graph: the
//! score transform and the clip. They depend on the caller's flags
//! (`enable_transform`, `disable_clip`), and the bootstrap statistics need the score
//! before both, so they are not part of the graph. Float64, in predict.c's order.

use serde_json::Value;

/// What the caller asks of the steps after the graph (libvmaf's `VmafModelFlags` and
/// the model spec's `enable_transform` / `disable_clip`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// Apply the score transform even where the model does not enable it.
    pub enable_transform: bool,
    /// Leave the score unclipped.
    pub disable_clip: bool,
    /// Skip the transform even where the model enables it (the bootstrap statistics).
    pub disable_transform: bool,
}

/// A model's `score_transform`, as libvmaf's `read_json_model.c` reads it: a key
/// given as `null` or left out is off.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreTransform {
    pub enabled: bool,
    pub p0: Option<f64>,
    pub p1: Option<f64>,
    pub p2: Option<f64>,
    /// Piecewise-linear knots `(x, y)`.
    pub knots: Option<Vec<(f64, f64)>>,
    pub out_lte_in: bool,
    pub out_gte_in: bool,
}

impl ScoreTransform {
    /// Reads the sidecar's copy of the model file's object; `None` (no transform) for
    /// `null` or no object. Keys of other types are refused, as libvmaf refuses them.
    pub fn from_json(value: Option<&Value>) -> Result<Option<ScoreTransform>, String> {
        let Some(Value::Object(map)) = value else { return Ok(None) };
        let mut t = ScoreTransform::default();
        for (key, v) in map {
            let number = |v: &Value| -> Result<Option<f64>, String> {
                match v {
                    Value::Null => Ok(None),
                    Value::Number(n) => Ok(n.as_f64()),
                    _ => Err(format!("score_transform.{key} must be a number or null")),
                }
            };
            // libvmaf compares the string with "true"; the sidecar may also hold a bool.
            let truth = |v: &Value| -> Result<bool, String> {
                match v {
                    Value::String(s) => Ok(s == "true"),
                    Value::Bool(b) => Ok(*b),
                    _ => Err(format!("score_transform.{key} must be \"true\" or \"false\"")),
                }
            };
            match key.as_str() {
                "enabled" => t.enabled = v.as_bool().ok_or("score_transform.enabled must be true or false")?,
                "p0" => t.p0 = number(v)?,
                "p1" => t.p1 = number(v)?,
                "p2" => t.p2 = number(v)?,
                "knots" => t.knots = knots(v)?,
                "out_lte_in" => t.out_lte_in = truth(v)?,
                "out_gte_in" => t.out_gte_in = truth(v)?,
                other => return Err(format!("score_transform: unknown key {other:?}")),
            }
        }
        Ok(Some(t))
    }

    /// predict.c's `transform`: the polynomial, then the knots, then the rectification
    /// against the input.
    pub fn apply(&self, y_in: f64) -> f64 {
        let mut y = y_in;
        if self.p0.is_some() || self.p1.is_some() || self.p2.is_some() {
            // Summed term by term from 0, in libvmaf's order.
            let mut out = 0.0;
            if let Some(p0) = self.p0 {
                out += p0;
            }
            if let Some(p1) = self.p1 {
                out += p1 * y;
            }
            if let Some(p2) = self.p2 {
                out += p2 * y * y;
            }
            y = out;
        }
        if let Some(knots) = &self.knots {
            y = piecewise_linear(y, knots);
        }
        if self.out_lte_in && y > y_in {
            y = y_in;
        }
        if self.out_gte_in && y < y_in {
            y = y_in;
        }
        y
    }
}

fn knots(v: &Value) -> Result<Option<Vec<(f64, f64)>>, String> {
    let Value::Array(list) = v else {
        return if v.is_null() { Ok(None) } else { Err("score_transform.knots must be a list of [x, y]".to_owned()) };
    };
    let pairs = list
        .iter()
        .map(|k| match k.as_array().map(|a| a.as_slice()) {
            Some([x, y]) => x.as_f64().zip(y.as_f64()).ok_or(()),
            _ => Err(()),
        })
        .collect::<Result<Vec<_>, ()>>()
        .map_err(|()| "score_transform.knots must be a list of [x, y]".to_owned())?;
    if pairs.len() < 2 || pairs.windows(2).any(|w| !(w[0].0 < w[1].0 && w[0].1 <= w[1].1)) {
        return Err("score_transform.knots must be two or more points, x increasing, y not decreasing".to_owned());
    }
    Ok(Some(pairs))
}

/// predict.c's `piecewise_linear_mapping` (knots checked by [`knots`]): each segment
/// that holds `x` sets the result, the first and last segments extend beyond the range.
fn piecewise_linear(x: f64, knots: &[(f64, f64)]) -> f64 {
    let mut y = 0.0;
    let n_seg = knots.len() - 1;
    for idx in 0..n_seg {
        let ((x0, y0), (x1, y1)) = (knots[idx], knots[idx + 1]);
        let inside = x0 <= x && x <= x1;
        let below = idx == 0 && x < x0;
        let above = idx == n_seg - 1 && x > x1;
        if y0 == y1 {
            if inside || below || above {
                y = y0;
            }
        } else {
            // find_linear_function_parameters
            let (slope, offset) = if x0 == 0.0 {
                ((y1 - y0) / x1, y0)
            } else {
                let slope = (y1 - y0) / (x1 - x0);
                (slope, y0 - x0 * slope)
            };
            if inside || below || above {
                y = slope * x + offset;
            }
        }
    }
    y
}

/// predict.c's `transform` then `clip` for one score.
pub fn finish(raw: f64, transform: Option<&ScoreTransform>, clip: [f64; 2], flags: Flags) -> f64 {
    let mut y = raw;
    if let Some(t) = transform
        && (t.enabled || flags.enable_transform)
        && !flags.disable_transform
    {
        y = t.apply(y);
    }
    if !flags.disable_clip {
        y = if y < clip[0] { clip[0] } else { y };
        y = if y > clip[1] { clip[1] } else { y };
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v0_6_1() -> ScoreTransform {
        let json = serde_json::json!({"p2": -0.00705305, "out_gte_in": "true", "p0": 1.70674692, "p1": 1.72643844});
        ScoreTransform::from_json(Some(&json)).unwrap().unwrap()
    }

    #[test]
    fn the_polynomial_sums_from_zero_in_libvmafs_order() {
        let t = v0_6_1();
        assert!(!t.enabled && t.out_gte_in && !t.out_lte_in);
        let y = 50.0;
        let want = ((0.0 + 1.70674692) + 1.72643844 * y) + -0.00705305 * y * y;
        assert_eq!(t.apply(y), want);
        let below = -1.0;
        assert_eq!(t.apply(below), ((0.0 + 1.70674692) + 1.72643844 * below) + -0.00705305 * below * below);
        // out_gte_in: never below the input (the polynomial gives about 64.9 at 200).
        assert_eq!(t.apply(200.0), 200.0);
    }

    #[test]
    fn transform_runs_when_the_model_or_the_caller_enables_it_and_clip_comes_after() {
        let t = v0_6_1();
        let clip = [0.0, 100.0];
        // Not enabled by the model: only the clip.
        assert_eq!(finish(120.0, Some(&t), clip, Flags::default()), 100.0);
        assert_eq!(finish(-3.0, Some(&t), clip, Flags::default()), 0.0);
        let phone = Flags { enable_transform: true, ..Flags::default() };
        assert_eq!(finish(50.0, Some(&t), clip, phone), t.apply(50.0));
        // Transform before clip: -0.5 maps to about +0.84, which the clip keeps
        // (clipping first would give the transform of 0, about 1.71).
        assert!(t.apply(-0.5) > 0.8 && t.apply(-0.5) < 0.9);
        assert_eq!(finish(-0.5, Some(&t), clip, phone), t.apply(-0.5));
        assert_eq!(finish(-3.0, Some(&t), clip, Flags { disable_clip: true, ..phone }), t.apply(-3.0));
        assert_eq!(finish(-3.0, Some(&t), clip, Flags { disable_clip: true, disable_transform: true, ..phone }), -3.0);
    }

    #[test]
    fn knots_map_piecewise_and_extend_beyond_the_range() {
        let json = serde_json::json!({"enabled": true, "knots": [[0.0, 10.0], [50.0, 60.0], [100.0, 100.0]]});
        let t = ScoreTransform::from_json(Some(&json)).unwrap().unwrap();
        assert_eq!(t.apply(25.0), 35.0);
        assert_eq!(t.apply(75.0), 80.0);
        assert_eq!(t.apply(-10.0), 0.0);
        assert_eq!(t.apply(110.0), 108.0);
    }

    #[test]
    fn malformed_transforms_are_refused() {
        for bad in [
            serde_json::json!({"p0": "1"}),
            serde_json::json!({"enabled": "yes"}),
            serde_json::json!({"knots": [[1.0, 0.0], [0.0, 1.0]]}),
            serde_json::json!({"knots": [[1.0]]}),
            serde_json::json!({"p3": 1.0}),
        ] {
            assert!(ScoreTransform::from_json(Some(&bad)).is_err(), "{bad}");
        }
        assert_eq!(ScoreTransform::from_json(Some(&Value::Null)).unwrap(), None);
    }
}
