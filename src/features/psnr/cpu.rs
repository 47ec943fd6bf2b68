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

/// Pass 3 (CPU, shared with the GPU path): the log step from a plane's SSE.
pub fn psnr_from_sse(sse: u64, samples: usize, bit_depth: u8) -> f64 {
    let bpc = bit_depth.clamp(8, 16) as u32;
    let peak = ((1u32 << bpc) - 1) as f64;
    let psnr_max = (6 * bpc + 12) as f64;
    let mse = sse as f64 / samples as u32 as f64;
    let v = 10.0 * (peak * peak / mse.max(1e-16)).log10();
    if v < psnr_max { v } else { psnr_max }
}
