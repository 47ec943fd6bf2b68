//! PSNR per plane, as libvmaf's `integer_psnr.c` (default options).
//!
//! Pass structure: [`psnr_sse_rows`] (per-row sum of squared errors, a u32
//! per row for 8-bit exactly like libvmaf; a GPU keeps u32 per row for every
//! depth when `w * max_err² < 2^32`, otherwise a (lo, hi) u32 pair with
//! carry) followed by a u64 reduction and the log.

use crate::io::{Frame, Plane};

/// Pass 1 + 2: sum of squared differences over a plane (u64 reduction of
/// per-row partials).
pub fn psnr_sse_rows(a: &Plane, b: &Plane) -> u64 {
    let w = a.width.min(b.width);
    let h = a.height.min(b.height);
    if a.data.len() < a.width * h || b.data.len() < b.width * h {
        return 0;
    }
    let mut sse = 0u64;
    for y in 0..h {
        let ra = &a.data[y * a.width..y * a.width + w];
        let rb = &b.data[y * b.width..y * b.width + w];
        let mut row = 0u64;
        for (&x, &z) in ra.iter().zip(rb) {
            let e = (x as i32 - z as i32).unsigned_abs() as u64;
            row += e * e;
        }
        sse += row;
    }
    sse
}

/// PSNR of Y, Cb, Cr. Peak is `2^b - 1`, the result is capped at `6b + 12` dB.
pub fn compute_psnr(reference: &Frame, dist: &Frame) -> [f64; 3] {
    let bit_depth = reference.info.bit_depth;
    std::array::from_fn(|p| {
        let (a, b) = (&reference.planes[p], &dist.planes[p]);
        psnr_from_sse(psnr_sse_rows(a, b), a.width * a.height, bit_depth)
    })
}

/// The options of libvmaf's `psnr` extractor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PsnrOptions {
    /// Cb and Cr too (libvmaf's default), or Y alone.
    pub enable_chroma: bool,
    /// Also write each plane's MSE (`mse_y`, …).
    pub enable_mse: bool,
    /// Also write the clip's aggregate PSNR per plane (`apsnr_y`, …: from the
    /// summed squared errors of every frame).
    pub enable_apsnr: bool,
    /// Above 8 bits, the peak is 255 scaled (`255 << (bits - 8)`) rather than
    /// `2^bits - 1`.
    pub reduced_hbd_peak: bool,
    /// When not 0: the cap is the PSNR of this sum of squared errors over a plane
    /// (rounded up), instead of `6·bits + 12`.
    pub min_sse: f64,
}

impl Default for PsnrOptions {
    fn default() -> Self {
        PsnrOptions { enable_chroma: true, enable_mse: false, enable_apsnr: false, reduced_hbd_peak: false, min_sse: 0.0 }
    }
}

/// Each plane's sum of squared errors.
pub fn plane_sse(reference: &Frame, dist: &Frame) -> [u64; 3] {
    std::array::from_fn(|p| psnr_sse_rows(&reference.planes[p], &dist.planes[p]))
}

/// libvmaf's PSNR of one plane from its SSE, with `options` (`samples` is the
/// plane's sample count, `nominal` its size as libvmaf's cap computes it: chroma
/// as `w/2`, `h/2` rounded down).
pub fn psnr_with(sse: u64, samples: usize, nominal: usize, bit_depth: u8, options: &PsnrOptions) -> (f64, f64) {
    let bpc = u32::from(bit_depth.clamp(8, 16));
    let peak = peak(bit_depth, options);
    let psnr_max = if options.min_sse != 0.0 {
        let mse = options.min_sse / nominal as f64;
        (10.0 * ((peak * peak) as f64 / mse).log10()).ceil()
    } else {
        f64::from(6 * bpc + 12)
    };
    // libvmaf's 8-bit path always takes 255 as the peak.
    let peak = if bpc == 8 { 255 } else { peak };
    let mse = sse as f64 / samples as u32 as f64;
    let v = 10.0 * ((peak * peak) as f64 / mse.max(1e-16)).log10();
    (if v < psnr_max { v } else { psnr_max }, mse)
}

fn peak(bit_depth: u8, options: &PsnrOptions) -> u32 {
    let bpc = u32::from(bit_depth.clamp(8, 16));
    if options.reduced_hbd_peak { 255 << (bpc - 8) } else { (1 << bpc) - 1 }
}

/// libvmaf's aggregate PSNR of a plane over a clip (`apsnr_*`), capped at the
/// PSNR of an error of half a code value summed over the clip's samples.
pub fn apsnr(sse: u64, samples: u64, bit_depth: u8, options: &PsnrOptions) -> f64 {
    let peak = peak(bit_depth, options);
    let square = f64::from(peak * peak);
    let v = 10.0 * (square.log10() + (samples as f64).log10() - (sse as f64).log10());
    let max = (10.0 * ((u64::from(peak * peak) * samples * 2) as f64).log10()).ceil();
    if v < max { v } else { max }
}

/// Pass 3 (CPU, shared with the GPU path): the log step from a plane's SSE.
pub fn psnr_from_sse(sse: u64, samples: usize, bit_depth: u8) -> f64 {
    psnr_with(sse, samples, samples, bit_depth, &PsnrOptions::default()).0
}
