//! libvmaf's `ciede` (feature `ciede2000`): per pixel, both pictures' Y'CbCr
//! (chroma repeated up to full size) → BT.709 R'G'B' → linear RGB → XYZ (D65) →
//! CIELAB, then the CIEDE2000 colour difference with kL = 0.65, kC = 1, kH = 4;
//! the frame's value is `45 − 20·log10(mean ΔE00)`.
//!
//! Exactness: the conversion runs in `f64` and each Lab coordinate is rounded to
//! `f32`; ΔE00 mixes `f32` variables with `f64` intermediate expressions exactly as
//! libvmaf's C does (every `f32` below is a C `float`), and calls the same C
//! library functions (`pow`, `powf`, `atan2`, `sin`, `cos`, `exp`). Squares that C
//! writes as `pow(x, 2)` are products here: the compiler turns those into
//! products too, and a square of an `f32` is exact in `f64` either way.

use std::f64::consts::PI;

use crate::io::{ChromaFormat, Frame};

/// A CIELAB colour, in single precision as libvmaf keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lab {
    pub l: f32,
    pub a: f32,
    pub b: f32,
}

/// sRGB's transfer function inverted (with libvmaf's threshold of 10/255).
fn linear(c: f64) -> f64 {
    if c > 10.0 / 255.0 { ((c + 0.055) * (1.0 / 1.055)).powf(2.4) } else { c * (1.0 / 12.92) }
}

/// CIELAB's f(t), rounded to `f32` as libvmaf returns it.
fn lab_f(t: f64) -> f32 {
    let kappa = 24389.0 / 27.0;
    let epsilon = 216.0 / 24389.0;
    if t > epsilon { t.powf(1.0 / 3.0) as f32 } else { ((kappa * t + 16.0) * (1.0 / 116.0)) as f32 }
}

/// libvmaf's `get_lab_color`: limited-range Y'CbCr samples at `bpc` bits to Lab.
pub fn lab(y: f32, u: f32, v: f32, bpc: u8) -> Lab {
    let scale = f64::from(1u32 << (bpc - 8));
    let y = (f64::from(y) - 16.0 * scale) * (1.0 / (219.0 * scale));
    let u = (f64::from(u) - 128.0 * scale) * (1.0 / (224.0 * scale));
    let v = (f64::from(v) - 128.0 * scale) * (1.0 / (224.0 * scale));
    // BT.709.
    let r = linear(y + 1.28033 * v);
    let g = linear(y - 0.21482 * u - 0.38059 * v);
    let b = linear(y + 2.12798 * u);
    let x = r * 0.4124564390896921 + g * 0.357576077643909 + b * 0.18043748326639894;
    let yy = r * 0.21267285140562248 + g * 0.715152155287818 + b * 0.07217499330655958;
    let z = r * 0.019333895582329317 + g * 0.119192025881303 + b * 0.9503040785363677;
    let (fx, fy, fz) = (f64::from(lab_f(x * (1.0 / 0.95047))), f64::from(lab_f(yy)), f64::from(lab_f(z * (1.0 / 1.08883))));
    Lab { l: (116.0 * fy - 16.0) as f32, a: (500.0 * (fx - fy)) as f32, b: (200.0 * (fy - fz)) as f32 }
}

/// Hue angle in [0, 2π), 0 for a neutral colour.
fn hue(b: f32, a: f32) -> f32 {
    if b == 0.0 && a == 0.0 {
        return 0.0;
    }
    let mut h = f64::from(b).atan2(f64::from(a)) as f32;
    if h < 0.0 {
        h = (f64::from(h) + 2.0 * PI) as f32;
    }
    h
}

/// `sqrt(x⁷ / (x⁷ + 25⁷))` in `f64` (C's `pow`).
fn g_factor(x: f32) -> f64 {
    let p = f64::from(x).powf(7.0);
    (p / (p + 6103515625.0)).sqrt()
}

/// CIEDE2000 ΔE between two Lab colours with kL = 0.65, kC = 1, kH = 4.
pub fn ciede2000(c1: Lab, c2: Lab) -> f32 {
    // C's float fields initialised from double literals.
    let (k_l, k_c, k_h) = (0.65f64 as f32, 1.0f32, 4.0f32);
    let sq = |x: f32| f64::from(x) * f64::from(x);
    let delta_l = c2.l - c1.l;
    let l_bar = (c1.l + c2.l) / 2.0;
    let chroma1 = (sq(c1.a) + sq(c1.b)).sqrt() as f32;
    let chroma2 = (sq(c2.a) + sq(c2.b)).sqrt() as f32;
    let c_bar = (chroma1 + chroma2) / 2.0;
    let a1 = (f64::from(c1.a) + f64::from(c1.a / 2.0) * (1.0 - g_factor(c_bar))) as f32;
    let a2 = (f64::from(c2.a) + f64::from(c2.a / 2.0) * (1.0 - g_factor(c_bar))) as f32;
    let cp1 = (sq(a1) + sq(c1.b)).sqrt() as f32;
    let cp2 = (sq(a2) + sq(c2.b)).sqrt() as f32;
    let cp_bar = (cp1 + cp2) / 2.0;
    let delta_cp = cp2 - cp1;
    let l50 = sq(l_bar - 50.0);
    let s_l = (1.0 + (0.015 * l50) / (20.0 + l50).sqrt()) as f32;
    let s_c = (1.0 + 0.045 * f64::from(cp_bar)) as f32;
    let h1 = hue(c1.b, a1);
    let h2 = hue(c2.b, a2);
    // libvmaf tests the unprimed chromas here.
    let delta_h = if chroma1 == 0.0 || chroma2 == 0.0 {
        0.0f32
    } else if f64::from((h1 - h2).abs()) <= PI {
        h2 - h1
    } else if h2 <= h1 {
        (f64::from(h2 - h1) + 2.0 * PI) as f32
    } else {
        (f64::from(h2 - h1) - 2.0 * PI) as f32
    };
    let delta_big_h = (2.0 * f64::from(cp1 * cp2).sqrt() * (f64::from(delta_h) / 2.0).sin()) as f32;
    let h_bar = if f64::from(h1 - h2).abs() > PI {
        ((f64::from(h1 + h2) + 2.0 * PI) / 2.0) as f32
    } else {
        (f64::from(h1 + h2) / 2.0) as f32
    };
    let hb = f64::from(h_bar);
    let t = (1.0 - 0.17 * (hb - PI / 6.0).cos() + 0.24 * (2.0 * hb).cos() + 0.32 * (3.0 * hb + PI / 30.0).cos()
        - 0.20 * (4.0 * hb - 7.0 * PI / 20.0).cos()) as f32;
    let s_h = (1.0 + 0.015 * f64::from(cp_bar) * f64::from(t)) as f32;
    let r_t = {
        let degrees = (h_bar as f64 * (180.0 / PI)) as f32;
        let degrees = ((f64::from(degrees) - 275.0) * (1.0 / 25.0)) as f32;
        let p = cp_bar.powf(7.0);
        // C's powf(25., 7), folded by the compiler: 25⁷ rounded to f32.
        let ratio = p / (p + 6103515625.0f64 as f32);
        let angle = 60.0 * (-f64::from(degrees * degrees)).exp();
        let radians = ((angle as f32) as f64 * (PI / 180.0)) as f32;
        (-2.0 * f64::from(ratio).sqrt() * f64::from(radians).sin()) as f32
    };
    let lightness = delta_l / (k_l * s_l);
    let chroma = delta_cp / (k_c * s_c);
    let hue_term = delta_big_h / (k_h * s_h);
    (sq(lightness) + sq(chroma) + sq(hue_term) + f64::from(r_t * chroma * hue_term)).sqrt() as f32
}

/// The chroma sample libvmaf's upsampling reads for luma position (`x`, `y`).
///
/// 4:4:4 reads its own sample and 4:2:0 the co-sited one. For 4:2:2 libvmaf 3.2
/// applies its 4:2:0 row rule (row `y/2`) with full-width columns (`x`), reading
/// on through the row's end into its zero padding (rows are padded to 32 samples)
/// and the next row; that is what libvmaf's numbers are made of, so it is what
/// this reads too (docs/FEATURES.md).
fn chroma_at(frame: &Frame, plane: usize, x: usize, y: usize) -> u16 {
    let p = &frame.planes[plane];
    match frame.info.chroma {
        ChromaFormat::Yuv444 => p.data[y * p.width + x],
        ChromaFormat::Yuv420 => p.data[(y / 2) * p.width + x / 2],
        ChromaFormat::Yuv422 => {
            let stride = p.width.next_multiple_of(32);
            let at = (y / 2) * stride + x;
            let (row, column) = (at / stride, at % stride);
            if column < p.width { p.data[row * p.width + column] } else { 0 }
        }
    }
}

/// `ciede2000` of a frame pair.
pub fn ciede(reference: &Frame, distorted: &Frame) -> f64 {
    let bpc = reference.info.bit_depth;
    let (w, h) = (reference.info.width, reference.info.height);
    let mut sum = 0.0f64;
    for y in 0..h {
        for x in 0..w {
            let lab_of = |f: &Frame| {
                let luma = f.planes[0].data[y * f.planes[0].width + x];
                lab(f32::from(luma), f32::from(chroma_at(f, 1, x, y)), f32::from(chroma_at(f, 2, x, y)), bpc)
            };
            sum += f64::from(ciede2000(lab_of(reference), lab_of(distorted)));
        }
    }
    45.0 - 20.0 * (sum / (w * h) as f64).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_colours_differ_by_nothing_and_grey_is_neutral() {
        let c = lab(120.0, 90.0, 170.0, 8);
        assert_eq!(ciede2000(c, c), 0.0);
        let grey = lab(126.0, 128.0, 128.0, 8);
        assert!(grey.a.abs() < 0.01 && grey.b.abs() < 0.01, "{grey:?}");
        // 10-bit samples at 4x the 8-bit code values are the same colour.
        assert_eq!(lab(480.0, 360.0, 680.0, 10), c);
        let other = lab(120.0, 100.0, 160.0, 8);
        let d = ciede2000(c, other);
        assert!(d > 0.5 && d < 20.0, "{d}");
    }
}
