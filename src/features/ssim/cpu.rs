//! libvmaf's `float_ssim` (`feature/float_ssim.c`, `feature/ssim.c` and the IQA
//! code under `feature/iqa/`): SSIM of the luma plane in single precision with an
//! 11x11 Gaussian window (separable, applied only where it fits inside the
//! picture), after an optional box-filter decimation of large pictures.
//!
//! Exactness depends on doing each operation in the precision libvmaf's C does
//! it: sums of `f32` products accumulate in `f64` and are rounded to `f32` per
//! output; the squared means and variances are `f32`; the luminance and contrast
//! terms divide in `f64` with `f32` denominators; the structure term divides in
//! `f32`. Every such step below names its types.

/// libvmaf's Gaussian window, one dimension (`g_gaussian_window_h` / `_v`).
const GAUSSIAN: [f32; 11] =
    [0.001028, 0.007599, 0.036001, 0.109361, 0.213006, 0.266012, 0.213006, 0.109361, 0.036001, 0.007599, 0.001028];

/// The options of libvmaf's `float_ssim` extractor this tool supports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SsimOptions {
    /// Decimation factor: 0 chooses it from the picture size (libvmaf's default),
    /// 1 never decimates, 2–10 force one.
    pub scale: u32,
    /// Write `-10·log10(1 − ssim)` instead of SSIM.
    pub enable_db: bool,
    /// With `enable_db`: cap at the dB of an error of half a code value.
    pub clip_db: bool,
}

/// A plane as libvmaf's `picture_copy` gives it to SSIM: 8-bit samples as they
/// are, deeper ones scaled to the 8-bit range (divided by 4, 16 or 256).
pub fn to_float(samples: &[u16], bit_depth: u8) -> Vec<f32> {
    let scaler = match bit_depth {
        10 => 4.0f32,
        12 => 16.0,
        16 => 256.0,
        _ => return samples.iter().map(|&v| v as f32).collect(),
    };
    samples.iter().map(|&v| v as f32 / scaler).collect()
}

/// IQA's `_round`: halves away from zero, on `f32`.
fn round_half_away(a: f32) -> i32 {
    let t = a as i32;
    let sign = if a > 0.0 { 1 } else { -1 };
    if a - t as f32 >= 0.5 { t + sign } else { t }
}

/// The decimation factor for a `w`x`h` picture.
pub fn scale_for(w: usize, h: usize, options: &SsimOptions) -> usize {
    if options.scale > 0 {
        return options.scale as usize;
    }
    round_half_away(w.min(h) as f32 / 256.0).max(1) as usize
}

/// IQA's symmetric boundary: a coordinate outside the picture reflects about the
/// edge, the edge sample repeated (`-1` reads `0`, `w` reads `w-1`).
fn reflect(i: isize, n: usize) -> usize {
    let n = n as isize;
    let r = if i < 0 {
        -1 - i
    } else if i >= n {
        n - (i - n) - 1
    } else {
        i
    };
    r as usize
}

/// IQA's `_iqa_decimate`: every `factor`-th pixel from the top-left, filtered by
/// the `len`x`len` `kernel` (row-major) centred on it, edges reflected. Its output
/// width is `w/factor + (w&1)`, as IQA computes it.
pub fn decimate(img: &[f32], w: usize, h: usize, factor: usize, kernel: &[f32]) -> (Vec<f32>, usize, usize) {
    let len = kernel.len().isqrt();
    let (sw, sh) = (w / factor + (w & 1), h / factor + (h & 1));
    let c = (len / 2) as isize;
    // An even kernel reaches one less to the right than to the left.
    let last = c - isize::from(len.is_multiple_of(2));
    let mut out = Vec::with_capacity(sw * sh);
    for y in 0..sh {
        for x in 0..sw {
            let (cx, cy) = ((x * factor) as isize, (y * factor) as isize);
            let mut sum = 0.0f64;
            let mut weights = kernel.iter();
            for v in -c..=last {
                for u in -c..=last {
                    // Inside, IQA reads directly; at the edges through the boundary
                    // rule: both give the same sample where both apply.
                    let (px, py) = (reflect(cx + u, w), reflect(cy + v, h));
                    let weight = *weights.next().expect("len² weights");
                    sum += f64::from(img[py * w + px] * weight);
                }
            }
            out.push(sum as f32);
        }
    }
    (out, sw, sh)
}

/// IQA's box filter for SSIM's decimation: `factor`x`factor` weights of
/// `1/factor²` (`f32`).
fn box_kernel(factor: usize) -> Vec<f32> {
    vec![1.0f32 / (factor * factor) as f32; factor * factor]
}

/// IQA's `_iqa_convolve` with the separable Gaussian window, 1-D passes: the
/// output is the `(w-10)`x`(h-10)` positions where the window fits.
fn convolve(img: &[f32], w: usize, h: usize) -> Vec<f32> {
    let (dw, dh) = (w - 10, h - 10);
    // Horizontal pass over every row, into the columns the window's centre reaches.
    let mut across = vec![0.0f32; w * h];
    for y in 0..h {
        let row = &img[y * w..(y + 1) * w];
        for x in 0..dw {
            let mut sum = 0.0f64;
            for (k, &g) in GAUSSIAN.iter().enumerate() {
                sum += f64::from(row[x + k] * g);
            }
            across[y * w + x + 5] = sum as f32;
        }
    }
    let mut out = vec![0.0f32; dw * dh];
    for x in 0..dw {
        for y in 0..dh {
            let mut sum = 0.0f64;
            for (k, &g) in GAUSSIAN.iter().enumerate() {
                sum += f64::from(across[(y + k) * w + x + 5] * g);
            }
            out[y * dw + x] = sum as f32;
        }
    }
    out
}

/// SSIM of two `w`x`h` float planes (libvmaf's `compute_ssim`, default arguments).
/// Pictures smaller than the window after decimation have no SSIM (`None`).
pub fn ssim(reference: &[f32], distorted: &[f32], w: usize, h: usize, options: &SsimOptions) -> Option<f64> {
    let factor = scale_for(w, h, options);
    if factor > 1 {
        let kernel = box_kernel(factor);
        let (r, sw, sh) = decimate(reference, w, h, factor, &kernel);
        let (d, _, _) = decimate(distorted, w, h, factor, &kernel);
        return iqa_ssim(&r, &d, sw, sh).map(|m| f64::from(m.ssim));
    }
    iqa_ssim(reference, distorted, w, h).map(|m| f64::from(m.ssim))
}

/// IQA's `_iqa_ssim` with default arguments: mean SSIM and the means of its
/// luminance, contrast and structure terms, each rounded to `f32` as IQA returns them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SsimMeans {
    pub ssim: f32,
    pub l: f32,
    pub c: f32,
    pub s: f32,
}

/// `None` when the picture is smaller than the 11x11 window.
pub fn iqa_ssim(r: &[f32], d: &[f32], w: usize, h: usize) -> Option<SsimMeans> {
    if w < 11 || h < 11 {
        return None;
    }
    let (c1, c2) = ((0.01f32 * 255.0) * (0.01f32 * 255.0), (0.03f32 * 255.0) * (0.03f32 * 255.0));
    let c3 = c2 / 2.0;
    let mu_r = convolve(r, w, h);
    let mu_d = convolve(d, w, h);
    let product = |f: &dyn Fn(f32, f32) -> f32| -> Vec<f32> { r.iter().zip(d).map(|(&a, &b)| f(a, b)).collect() };
    let sigma_r = convolve(&product(&|a, _| a * a), w, h);
    let sigma_d = convolve(&product(&|_, b| b * b), w, h);
    let sigma_rd = convolve(&product(&|a, b| a * b), w, h);
    let (mut sum, mut l_sum, mut c_sum, mut s_sum) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for i in 0..mu_r.len() {
        let (mr, md) = (mu_r[i], mu_d[i]);
        // f32: variance and covariance, negative variances clamped to 0 (as C's
        // `MAX(0.0, v)`: a -0.0 stays).
        let clamp = |v: f32| if 0.0 > v { 0.0 } else { v };
        let var_r = clamp(sigma_r[i] - mr * mr);
        let var_d = clamp(sigma_d[i] - md * md);
        let cov = sigma_rd[i] - mr * md;
        // sqrt of the f32 product, in f64, rounded to f32.
        let sd = f64::from(var_r * var_d).sqrt() as f32;
        let l = (2.0 * f64::from(mr) * f64::from(md) + f64::from(c1)) / f64::from(mr * mr + md * md + c1);
        let c = (2.0 * f64::from(sd) + f64::from(c2)) / f64::from(var_r + var_d + c2);
        // A flat, identical region can leave a slightly negative covariance with a
        // zero deviation product: libvmaf counts it as 0.
        let cov = if cov < 0.0 && sd <= 0.0 { 0.0 } else { cov };
        let s = f64::from((cov + c3) / (sd + c3));
        sum += l * c * s;
        l_sum += l;
        c_sum += c;
        s_sum += s;
    }
    let n = mu_r.len() as f64;
    Some(SsimMeans { ssim: (sum / n) as f32, l: (l_sum / n) as f32, c: (c_sum / n) as f32, s: (s_sum / n) as f32 })
}

/// MS-SSIM's low-pass filter for the decimation between scales (9/7 biorthogonal
/// wavelet, libvmaf's `g_lpf`): IQA's decimation filters with this 2-D table, not
/// with its separable taps.
const LPF: [[f32; 9]; 9] = [
    [0.000714, -0.000450, -0.002090, 0.007132, 0.016114, 0.007132, -0.002090, -0.000450, 0.000714],
    [-0.000450, 0.000283, 0.001316, -0.004490, -0.010146, -0.004490, 0.001316, 0.000283, -0.000450],
    [-0.002090, 0.001316, 0.006115, -0.020867, -0.047149, -0.020867, 0.006115, 0.001316, -0.002090],
    [0.007132, -0.004490, -0.020867, 0.071207, 0.160885, 0.071207, -0.020867, -0.004490, 0.007132],
    [0.016114, -0.010146, -0.047149, 0.160885, 0.363505, 0.160885, -0.047149, -0.010146, 0.016114],
    [0.007132, -0.004490, -0.020867, 0.071207, 0.160885, 0.071207, -0.020867, -0.004490, 0.007132],
    [-0.002090, 0.001316, 0.006115, -0.020867, -0.047149, -0.020867, 0.006115, 0.001316, -0.002090],
    [-0.000450, 0.000283, 0.001316, -0.004490, -0.010146, -0.004490, 0.001316, 0.000283, -0.000450],
    [0.000714, -0.000450, -0.002090, 0.007132, 0.016114, 0.007132, -0.002090, -0.000450, 0.000714],
];

/// Wang's MS-SSIM exponents per scale (luminance only at the coarsest).
const MS_ALPHAS: [f32; 5] = [0.0, 0.0, 0.0, 0.0, 0.1333];
const MS_BETAS: [f32; 5] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

/// Whether SSIM's window fits a `w`x`h` picture after its decimation.
pub fn ssim_fits(w: usize, h: usize, options: &SsimOptions) -> bool {
    let factor = scale_for(w, h, options);
    let (sw, sh) = if factor > 1 { (w / factor + (w & 1), h / factor + (h & 1)) } else { (w, h) };
    sw >= 11 && sh >= 11
}

/// Whether MS-SSIM's window fits all five scales (libvmaf's check, which halves
/// without rounding up).
pub fn ms_ssim_fits(w: usize, h: usize) -> bool {
    (0..5).all(|k| (w >> k) >= 11 && (h >> k) >= 11)
}

/// MS-SSIM of two `w`x`h` float planes (libvmaf's `compute_ms_ssim`): five scales,
/// each halved by the low-pass filter; `None` when a scale would be smaller than
/// the window (libvmaf refuses those pictures).
pub fn ms_ssim(reference: &[f32], distorted: &[f32], w: usize, h: usize) -> Option<f64> {
    if !ms_ssim_fits(w, h) {
        return None;
    }
    let lpf: Vec<f32> = LPF.iter().flatten().copied().collect();
    let (mut r, mut d, mut cw, mut ch) = (reference.to_vec(), distorted.to_vec(), w, h);
    let mut msssim = 1.0f64;
    for scale in 0..5 {
        if scale > 0 {
            let (nr, nw, nh) = decimate(&r, cw, ch, 2, &lpf);
            let (nd, _, _) = decimate(&d, cw, ch, 2, &lpf);
            (r, d, cw, ch) = (nr, nd, nw, nh);
        }
        let m = iqa_ssim(&r, &d, cw, ch)?;
        // C's pow on the f32 terms promoted to double; the gamma equals the beta.
        let (alpha, beta) = (f64::from(MS_ALPHAS[scale]), f64::from(MS_BETAS[scale]));
        msssim *= f64::from(m.l).powf(alpha) * f64::from(m.c).powf(beta) * f64::from(m.s).powf(beta);
    }
    Some(msssim)
}

/// The value libvmaf logs: SSIM, or its dB form.
pub fn logged(ssim: f64, w: usize, h: usize, bit_depth: u8, options: &SsimOptions) -> f64 {
    if !options.enable_db {
        return ssim;
    }
    let max_db = if options.clip_db {
        let peak = f64::from((1u32 << bit_depth) - 1);
        // libvmaf: 0.5 / (w * h) with unsigned w * h.
        let mse = 0.5 / (w as u32).wrapping_mul(h as u32) as f64;
        (10.0 * (peak * peak / mse).log10()).ceil()
    } else {
        f64::INFINITY
    };
    (-10.0 * (1.0 - ssim).log10()).min(max_db)
}

/// `float_ssim` of a frame pair's luma planes, as libvmaf logs it.
pub fn float_ssim(reference: &crate::io::Plane, distorted: &crate::io::Plane, bit_depth: u8, options: &SsimOptions) -> Option<f64> {
    let (w, h) = (reference.width, reference.height);
    let r = to_float(&reference.data[..w * h], bit_depth);
    let d = to_float(&distorted.data[..w * h], bit_depth);
    ssim(&r, &d, w, h, options).map(|v| logged(v, w, h, bit_depth, options))
}

/// `float_ms_ssim` of a frame pair's luma planes, as libvmaf logs it (`scale` of
/// the options does not apply).
pub fn float_ms_ssim(reference: &crate::io::Plane, distorted: &crate::io::Plane, bit_depth: u8, options: &SsimOptions) -> Option<f64> {
    let (w, h) = (reference.width, reference.height);
    let r = to_float(&reference.data[..w * h], bit_depth);
    let d = to_float(&distorted.data[..w * h], bit_depth);
    ms_ssim(&r, &d, w, h).map(|v| logged(v, w, h, bit_depth, options))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_pictures_score_one_and_noise_less() {
        let mut rng = crate::test_rng::Rng(7);
        let (w, h) = (40, 30);
        let a: Vec<f32> = (0..w * h).map(|_| (rng.next() % 256) as f32).collect();
        assert_eq!(ssim(&a, &a, w, h, &SsimOptions::default()), Some(1.0));
        let b: Vec<f32> = a.iter().map(|&v| (v + (rng.next() % 31) as f32 - 15.0).clamp(0.0, 255.0)).collect();
        let s = ssim(&a, &b, w, h, &SsimOptions::default()).unwrap();
        assert!(s > 0.3 && s < 1.0, "{s}");
        assert_eq!(ssim(&a[..10 * 10], &b[..10 * 10], 10, 10, &SsimOptions::default()), None, "smaller than the window");
    }

    #[test]
    fn the_scale_follows_iqa() {
        let auto = SsimOptions::default();
        assert_eq!(scale_for(576, 324, &auto), 1);
        assert_eq!(scale_for(1280, 720, &auto), 3);
        assert_eq!(scale_for(1920, 1080, &auto), 4);
        assert_eq!(scale_for(1920, 1080, &SsimOptions { scale: 1, ..auto }), 1);
        assert!(ms_ssim_fits(176, 176) && !ms_ssim_fits(175, 176) && !ms_ssim_fits(96, 64));
        assert!(ssim_fits(11, 11, &auto) && !ssim_fits(10, 64, &auto));
        assert_eq!(reflect(-1, 5), 0);
        assert_eq!(reflect(-2, 5), 1);
        assert_eq!(reflect(5, 5), 4);
        assert_eq!(reflect(6, 5), 3);
        let (out, sw, sh) = decimate(&[1.0, 3.0, 5.0, 7.0, 9.0, 11.0], 3, 2, 2, &box_kernel(2));
        assert_eq!((sw, sh), (2, 1));
        // Centred at x=0 and x=2 (u in -1..=0, v in -1..=0), edges reflected.
        assert_eq!(out, [1.0, 4.0]);
    }

    #[test]
    fn db_values_as_libvmaf_writes_them() {
        let o = SsimOptions { enable_db: true, clip_db: true, scale: 0 };
        assert!((logged(0.99, 96, 64, 8, &o) - 20.0).abs() < 1e-9);
        // Clipped: peak 255, mse 0.5/(96*64) → ceil(10·log10(255²·12288)) = ceil(89.03) = 90.
        assert_eq!(logged(1.0, 96, 64, 8, &o), 90.0);
        assert_eq!(logged(1.0, 96, 64, 8, &SsimOptions { clip_db: false, ..o }), f64::INFINITY);
    }
}
