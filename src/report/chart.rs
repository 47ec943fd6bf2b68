//! Line charts as inline SVG: no script, font or network needed to draw them, so a
//! report opens the same anywhere and can be checked by counting its points.

use std::fmt::Write;

use super::html::escape;

/// Colours for the series, in order (distinguishable, and readable on white).
pub const PALETTE: [&str; 8] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

pub struct Series<'a> {
    pub name: &'a str,
    /// (x, y); points with a non-finite coordinate are left out.
    pub points: Vec<(f64, f64)>,
    /// The element id, for the legend's show/hide boxes.
    pub id: String,
}

pub struct Chart<'a> {
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// A logarithmic x axis (bitrates).
    pub log_x: bool,
    /// A circle with a tooltip at each point (few points, as on rate curves).
    pub markers: bool,
    /// The y range always includes these (0–100 for VMAF).
    pub y_include: Option<(f64, f64)>,
}

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 44.0;

impl Chart<'_> {
    /// The `<svg>` element; `None` when no series has a finite point.
    pub fn render(&self, series: &[Series]) -> Option<String> {
        let mapped_x = |x: f64| if self.log_x { x.log10() } else { x };
        let finite = |&&(x, y): &&(f64, f64)| x.is_finite() && y.is_finite() && (!self.log_x || x > 0.0);
        let all: Vec<(f64, f64)> = series.iter().flat_map(|s| s.points.iter().filter(finite)).map(|&(x, y)| (mapped_x(x), y)).collect();
        if all.is_empty() {
            return None;
        }
        let (mut x0, mut x1) = bounds(all.iter().map(|p| p.0));
        let (mut y0, mut y1) = bounds(all.iter().map(|p| p.1));
        if let Some((lo, hi)) = self.y_include {
            (y0, y1) = (y0.min(lo), y1.max(hi));
        }
        if x1 == x0 {
            (x0, x1) = (x0 - 0.5, x1 + 0.5);
        }
        if y1 == y0 {
            (y0, y1) = (y0 - 0.5, y1 + 0.5);
        }
        let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        let sx = |x: f64| LEFT + (mapped_x(x) - x0) / (x1 - x0) * plot_w;
        let sy = |y: f64| TOP + (y1 - y) / (y1 - y0) * plot_h;

        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{} against {}" xmlns="http://www.w3.org/2000/svg">"#,
            escape(self.y_label),
            escape(self.x_label)
        );
        // Grid and tick labels.
        for y in ticks(y0, y1) {
            let py = sy(y);
            let _ = write!(svg, r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{py:.1}" y2="{py:.1}"/>"#, WIDTH - RIGHT);
            let _ = write!(svg, r#"<text class="tick" x="{}" y="{:.1}" text-anchor="end">{}</text>"#, LEFT - 6.0, py + 4.0, label(y));
        }
        // Frame numbers are whole: no tick at frame 2.5.
        let x_ticks: Vec<f64> =
            if self.log_x { log_ticks(x0, x1) } else { ticks(x0, x1).into_iter().filter(|x| x.fract() == 0.0).collect() };
        for x in x_ticks {
            let px = sx(x);
            let _ = write!(svg, r#"<line class="grid" x1="{px:.1}" x2="{px:.1}" y1="{TOP}" y2="{}"/>"#, HEIGHT - BOTTOM);
            let _ = write!(svg, r#"<text class="tick" x="{px:.1}" y="{}" text-anchor="middle">{}</text>"#, HEIGHT - BOTTOM + 16.0, label(x));
        }
        let _ = write!(
            svg,
            r#"<rect class="frame" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/><text class="axis" x="{}" y="{}" text-anchor="middle">{}</text><text class="axis" transform="translate(14 {}) rotate(-90)" text-anchor="middle">{}</text>"#,
            LEFT + plot_w / 2.0,
            HEIGHT - 6.0,
            escape(self.x_label),
            TOP + plot_h / 2.0,
            escape(self.y_label)
        );
        for (i, s) in series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let points: Vec<&(f64, f64)> = s.points.iter().filter(finite).collect();
            let _ = write!(svg, r#"<g id="{}" data-series="{}" data-points="{}">"#, escape(&s.id), escape(s.name), points.len());
            svg.push_str(r#"<polyline fill="none" stroke-width="1.5" stroke-linejoin="round" stroke=""#);
            svg.push_str(colour);
            svg.push_str(r#"" points=""#);
            for (k, &&(x, y)) in points.iter().enumerate() {
                let _ = write!(svg, "{}{:.2},{:.2}", if k == 0 { "" } else { " " }, sx(x), sy(y));
            }
            svg.push_str(r#""/>"#);
            if self.markers {
                for &&(x, y) in &points {
                    let _ = write!(
                        svg,
                        r#"<circle cx="{:.2}" cy="{:.2}" r="3.5" fill="{colour}"><title>{}: {} {}, {} {}</title></circle>"#,
                        sx(x),
                        sy(y),
                        escape(s.name),
                        escape(self.x_label),
                        label(x),
                        escape(self.y_label),
                        label(y)
                    );
                }
            }
            svg.push_str("</g>");
        }
        svg.push_str("</svg>");
        Some(svg)
    }
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// About five round tick values inside `[lo, hi]`.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let raw = (hi - lo) / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|&s| s >= raw).unwrap_or(10.0 * magnitude);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// 1, 2 and 5 times the powers of ten inside a log10 range, as plain values.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = Vec::new();
    for e in (lo.floor() as i32)..=(hi.ceil() as i32) {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powi(e);
            if (lo..=hi).contains(&v.log10()) {
                out.push(v);
            }
        }
    }
    out
}

/// A tick or tooltip number, as short as reads well.
fn label(v: f64) -> String {
    if v.abs() >= 1000.0 || v == v.trunc() {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}").trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_point_a_frame_and_round_ticks() {
        let s = Series { name: "vmaf", points: (0..50).map(|i| (f64::from(i), f64::from(i % 7) * 10.0)).collect(), id: "c0-0".into() };
        let chart = Chart { x_label: "frame", y_label: "score", log_x: false, markers: false, y_include: Some((0.0, 100.0)) };
        let svg = chart.render(&[s]).unwrap();
        let points = svg.split(" points=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(points.split(' ').count(), 50);
        assert!(svg.contains(r#"data-points="50""#));
        assert_eq!(ticks(0.0, 100.0), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(log_ticks(2.0, 3.5), [100.0, 200.0, 500.0, 1000.0, 2000.0]);
        let empty = Series { name: "x", points: vec![(f64::NAN, 1.0)], id: "e".into() };
        assert!(chart.render(&[empty]).is_none());
    }

    #[test]
    fn names_are_escaped() {
        let s = Series { name: "<script>", points: vec![(1.0, 2.0), (2.0, 3.0)], id: "a\"b".into() };
        let chart = Chart { x_label: "x&y", y_label: "y", log_x: true, markers: true, y_include: None };
        let svg = chart.render(&[s]).unwrap();
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;") && svg.contains("a&quot;b") && svg.contains("x&amp;y"));
    }
}
