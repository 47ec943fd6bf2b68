//! Integer motion (libvmaf master, 2026 pipeline): SAD of the 5-tap blurred
//! *difference* of consecutive reference luma frames, and motion2.
//!
//! Passes per frame pair (row tiles):
//! 1. [`motion_blur_v`] ([`blur_v_row`] per row) – vertical 5-tap filter of `prev - cur` (signed),
//!    `(Σ + 2^(s-1)) >> s` arithmetic shift, s = 8 for 8-bit else bit depth;
//! 2. [`motion_blur_h_sad`] ([`blur_h_sad_row`]) – horizontal 5-tap filter,
//!    `(Σ + 2^15) >> 16`, absolute value, row sum, and the row sums' u64 total
//!    ([`sad_sum`]); then [`motion_score`] – `sad / 256 / (w*h)`.
//!
//! Mirroring is reflect-101 on all four sides (master's edge fix).
//!
//! 32-bit GPU: vertical sums are `< 2^16 * 2^16` in magnitude for 16-bit input
//! → they do not fit i32 for 16-bit content; split the difference into its
//! high and low byte, filter both halves (each fits i32), and recombine with
//! `(hi << 8) + lo` before the shift (exact, the sum is linear). The
//! horizontal inputs are < 2^16 in magnitude, so i32 sums are exact. Row sums
//! (< w * 2^16) fit u32; the frame sum is a (lo, hi) u32 pair with carry.

use super::params::MotionParams;
use crate::features::tables::{MOTION_MAX, MOTION_TAPS, reflect101};
use crate::features::twin;
use crate::io::Plane;

/// Pass 1, one row: vertical blur of the signed difference for image row `row`.
///
/// The CPU sums in i32 for 8-bit input (|Σ| < 2^16 · 2^8) and in i64 above.
/// GPU twin: `shaders/motion_blur_v.wgsl`.
#[inline(always)]
pub fn blur_v_row(
    prev: &Plane,
    cur: &Plane,
    w: usize,
    h: usize,
    row: usize,
    bit_depth: u8,
    out: &mut [i32],
) {
    let shift = if bit_depth <= 8 { 8 } else { bit_depth as u32 };
    let rows = [0usize, 1, 2, 3, 4].map(|k| reflect101(row as isize + k as isize - 2, h));
    let a = rows.map(|r| &prev.data[r * prev.width..r * prev.width + w]);
    let b = rows.map(|r| &cur.data[r * cur.width..r * cur.width + w]);
    let out = &mut out[..w];
    if bit_depth <= 8 {
        let round = 1i32 << (shift - 1);
        for j in 0..w {
            let mut acc = 0i32;
            for k in 0..5 {
                acc = acc.wrapping_add(MOTION_TAPS[k] * (a[k][j] as i32 - b[k][j] as i32));
            }
            out[j] = acc.wrapping_add(round) >> shift;
        }
    } else {
        let round = 1i64 << (shift - 1);
        for j in 0..w {
            let mut acc = 0i64;
            for k in 0..5 {
                acc += MOTION_TAPS[k] as i64 * (a[k][j] as i64 - b[k][j] as i64);
            }
            out[j] = ((acc + round) >> shift) as i32;
        }
    }
}

/// Pass 2, one row: horizontal blur, absolute value and row sum.
/// GPU twin: `shaders/motion_blur_h_sad.wgsl`.
#[inline(always)]
pub fn blur_h_sad_row(w: usize, vrow: &[i32], padded: &mut Vec<i32>) -> u64 {
    padded.clear();
    padded.resize(w + 4, 0);
    padded[2..2 + w].copy_from_slice(&vrow[..w]);
    for f in 1..=2usize {
        padded[2 - f] = vrow[reflect101(-(f as isize), w)];
        padded[2 + w - 1 + f] = vrow[reflect101((w - 1 + f) as isize, w)];
    }
    let mut row_sad = 0u32;
    for j in 0..w {
        let s = &padded[j..j + 5];
        let mut acc = 0i64;
        for k in 0..5 {
            acc += MOTION_TAPS[k] as i64 * s[k] as i64;
        }
        let v = ((acc + (1 << 15)) >> 16) as i32;
        row_sad = row_sad.wrapping_add(v.unsigned_abs());
    }
    row_sad as u64
}

/// Raw motion (`VMAF_integer_feature_motion_sad_score`) between the previous
/// and the current reference luma plane.
pub fn compute_motion_sad(prev: &Plane, cur: &Plane, bit_depth: u8) -> f64 {
    match (motion_extent(prev, cur), motion_sad(prev, cur, bit_depth)) {
        (Some((w, h)), Some(sad)) => motion_score(sad, w, h),
        _ => 0.0,
    }
}

/// The frame's SAD before [`motion_score`] (passes 1–3), or `None` when the compared
/// area is empty.
pub fn motion_sad(prev: &Plane, cur: &Plane, bit_depth: u8) -> Option<u64> {
    motion_sad_at(crate::simd::current(), prev, cur, bit_depth)
}

/// [`motion_sad`] compiled for the vector level `isa` (the same numbers).
pub fn motion_sad_at(isa: crate::simd::Isa, prev: &Plane, cur: &Plane, bit_depth: u8) -> Option<u64> {
    crate::simd::vectorize(isa, #[inline(always)] || motion_sad_rows(prev, cur, bit_depth))
}

#[inline(always)]
fn motion_sad_rows(prev: &Plane, cur: &Plane, bit_depth: u8) -> Option<u64> {
    let bit_depth = bit_depth.clamp(8, 16);
    let (w, h) = motion_extent(prev, cur)?;
    let mut vrow = vec![0i32; w];
    let mut padded = Vec::with_capacity(w + 4);
    let mut rows = vec![0u32; h];
    for (row, sad) in rows.iter_mut().enumerate() {
        blur_v_row(prev, cur, w, h, row, bit_depth, &mut vrow);
        if vrow.iter().any(|&v| v != 0) {
            *sad = blur_h_sad_row(w, &vrow, &mut padded) as u32;
        }
    }
    Some(sad_sum(&rows))
}

/// Pass 3: the u64 sum of the per-row u32 SADs.
pub fn sad_sum(rows: &[u32]) -> u64 {
    rows.iter().map(|&r| u64::from(r)).sum()
}

// ---- the passes over their shaders' bindings, in order (`gpu::kernel::CpuTwin`) ----

/// `shaders/motion_blur_v.wgsl`: params, prev and cur (packed as `packing` says, row pitches
/// `prev_stride` / `cur_stride`), blur_v (i32, `width x height`).
pub fn motion_blur_v(b: &mut [Vec<u32>]) {
    let [params, prev, cur, blur_v] = b else { panic!("motion_blur_v binds 4 buffers") };
    let p: MotionParams = twin::params(params);
    let (w, h) = (p.width as usize, p.height as usize);
    let prev = twin::plane(prev, p.prev_stride as usize, h, p.packing);
    let cur = twin::plane(cur, p.cur_stride as usize, h, p.packing);
    // `shift` is 8 for 8-bit input, else the bit depth: as a depth it selects the same.
    for (y, row) in twin::as_i32_mut(blur_v).chunks_exact_mut(w).take(h).enumerate() {
        blur_v_row(&prev, &cur, w, h, y, p.shift as u8, row);
    }
}

/// `shaders/motion_blur_h_sad.wgsl`: params, blur_v, row_sad (one u32 per row), sad
/// (the rows' sum added into the u64 there, lo and hi words, modulo 2^64).
pub fn motion_blur_h_sad(b: &mut [Vec<u32>]) {
    let [params, blur_v, row_sad, sad] = b else { panic!("motion_blur_h_sad binds 4 buffers") };
    let p: MotionParams = twin::params(params);
    let (w, h) = (p.width as usize, p.height as usize);
    let mut padded = Vec::with_capacity(w + 4);
    for (row, sad) in twin::as_i32(blur_v).chunks_exact(w).zip(row_sad.iter_mut()).take(h) {
        *sad = blur_h_sad_row(w, row, &mut padded) as u32;
    }
    let total = (u64::from(sad[0]) | u64::from(sad[1]) << 32).wrapping_add(sad_sum(&row_sad[..h]));
    sad[..2].copy_from_slice(&[total as u32, (total >> 32) as u32]);
}

/// The `w x h` area motion compares (the smaller plane's), or `None` when it is empty
/// or a plane holds fewer samples than its size says (the score is then 0).
pub fn motion_extent(prev: &Plane, cur: &Plane) -> Option<(usize, usize)> {
    let w = prev.width.min(cur.width);
    let h = prev.height.min(cur.height);
    if w == 0 || h == 0 || prev.data.len() < prev.width * h || cur.data.len() < cur.width * h {
        return None;
    }
    Some((w, h))
}

/// Pass 3: the frame's u64 SAD (sum of the row sums) as libvmaf's score,
/// `sad / 256 / (w·h)` in f64, capped at [`MOTION_MAX`]. Shared by the CPU and GPU paths.
pub fn motion_score(sad: u64, w: usize, h: usize) -> f64 {
    let score = sad as f64 / 256.0 / ((w * h) as u32 as f64);
    if score < MOTION_MAX {
        score
    } else {
        MOTION_MAX
    }
}

/// libvmaf's motion2 from the raw motion of every frame: the smaller of a frame's
/// raw motion and the next one's; the first frame is 0 and the last keeps its own
/// raw motion (a one-frame look-ahead, so it is computed once all raw values exist).
pub fn motion2(raw: &[f64]) -> Vec<f64> {
    let n = raw.len();
    (0..n)
        .map(|i| match i {
            0 => 0.0,
            _ if i + 1 == n => raw[i],
            _ => raw[i].min(raw[i + 1]),
        })
        .collect()
}

/// libvmaf 3.x's motion3 with its default options (blend factor 1, no moving
/// average, no five-frame window, the same cap as the raw motion): motion2 from
/// frame 1 on; frame 0, where motion2 is 0 by definition, takes frame 1's raw motion
/// (libvmaf's "stamp" value), or 0 for a one-frame clip.
pub fn motion3(raw: &[f64], motion2: &[f64]) -> Vec<f64> {
    let stamp = raw.get(1).copied().unwrap_or(0.0);
    motion2.iter().enumerate().map(|(i, &m)| if i == 0 { stamp } else { m }).collect()
}

/// libvmaf's `motion` options (`integer_motion.c`; VMAF v1's models set
/// `motion_max_val` and, for high frame rates, the five-frame window and the moving
/// average). [`Default`] is libvmaf's default, what [`motion2`] and [`motion3`] compute.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MotionOptions {
    /// The cap of the SAD score and of motion3 (`motion_max_val`, `mmxv`).
    pub max_val: f64,
    /// `motion_blend_factor` (`mbf`) and `motion_blend_offset` (`mbo`): motion3 is
    /// `m·f + (1 − f)·min(offset, m)`.
    pub blend_factor: f64,
    pub blend_offset: f64,
    /// `motion_fps_weight` (`mfw`): a factor of the SAD score.
    pub fps_weight: f64,
    /// `motion_five_frame_window` (`mffw`): the SAD compares frame i with frame i − 2.
    pub five_frame_window: bool,
    /// `motion_moving_average` (`mma`): motion3 is the mean of this frame's and the
    /// previous frame's blended motion2.
    pub moving_average: bool,
    /// `motion_force_zero` (`force_0`): every SAD score is 0 (so motion2 and motion3
    /// are), as Av1an asks of libvmaf for still-image-like scoring.
    pub force_zero: bool,
}

impl Default for MotionOptions {
    fn default() -> Self {
        MotionOptions {
            max_val: MOTION_MAX,
            blend_factor: 1.0,
            blend_offset: 40.0,
            fps_weight: 1.0,
            five_frame_window: false,
            moving_average: false,
            force_zero: false,
        }
    }
}

impl MotionOptions {
    /// libvmaf's key for feature `base` (`integer_motion2`, …) computed with these options.
    pub fn key(&self, base: &str) -> String {
        use crate::features::name::{KeyOption as K, key};
        let d = MotionOptions::default();
        key(
            base,
            vec![
                K::double("motion_max_val", "mmxv", self.max_val, d.max_val),
                K::double("motion_blend_factor", "mbf", self.blend_factor, d.blend_factor),
                K::double("motion_blend_offset", "mbo", self.blend_offset, d.blend_offset),
                K::double("motion_fps_weight", "mfw", self.fps_weight, d.fps_weight),
                K::flag("motion_five_frame_window", "mffw", self.five_frame_window, d.five_frame_window),
                K::flag("motion_moving_average", "mma", self.moving_average, d.moving_average),
                K::flag("motion_force_zero", "force_0", self.force_zero, d.force_zero),
            ],
        )
    }

    /// Sets one of libvmaf's `motion` options by its name or alias, as
    /// `--motion=NAME=VALUE:…` gives it; libvmaf's ranges apply.
    pub fn set_option(o: &mut MotionOptions, option: &str, value: &str) -> Result<(), String> {
        let number = |min: f64, max: f64| -> Result<f64, String> {
            let v = value.parse::<f64>().map_err(|_| format!("motion option {option}: {value:?} is not a number"))?;
            if (min..=max).contains(&v) { Ok(v) } else { Err(format!("motion option {option}: {v} is outside [{min}, {max}]")) }
        };
        let flag = || -> Result<bool, String> {
            match value {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(format!("motion option {option}: {value:?} is not true or false")),
            }
        };
        match option {
            "motion_max_val" | "mmxv" => o.max_val = number(0.0, MOTION_MAX)?,
            "motion_blend_factor" | "mbf" => o.blend_factor = number(0.0, 1.0)?,
            "motion_blend_offset" | "mbo" => o.blend_offset = number(0.0, 1000.0)?,
            "motion_fps_weight" | "mfw" => o.fps_weight = number(0.0, 5.0)?,
            "motion_five_frame_window" | "mffw" => o.five_frame_window = flag()?,
            "motion_moving_average" | "mma" => o.moving_average = flag()?,
            "motion_force_zero" | "force_0" => o.force_zero = flag()?,
            _ => return Err(format!("motion has no option {option:?} here")),
        }
        Ok(())
    }

    /// The first frame with a SAD (1, or 2 with the five-frame window).
    pub fn first_frame(&self) -> usize {
        if self.five_frame_window { 2 } else { 1 }
    }

    /// libvmaf's SAD score of a `w x h` frame pair: `sad / 256 / (w·h) · fps_weight`,
    /// capped at `max_val`.
    pub fn sad_score(&self, sad: u64, w: usize, h: usize) -> f64 {
        if self.force_zero {
            return 0.0;
        }
        let score = sad as f64 / 256.0 / ((w * h) as u32 as f64) * self.fps_weight;
        if score < self.max_val { score } else { self.max_val }
    }

    fn blend(&self, m: f64) -> f64 {
        let low = if self.blend_offset < m { self.blend_offset } else { m };
        let blended = m * self.blend_factor + (1.0 - self.blend_factor) * low;
        if blended < self.max_val { blended } else { self.max_val }
    }

    /// libvmaf's motion2 and motion3 from every frame's SAD score (`sad[i]` 0 before
    /// [`Self::first_frame`]), as its `flush` computes them once the clip has ended.
    pub fn motion2_motion3(&self, sad: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let n = sad.len();
        let first = self.first_frame();
        let stride = first; // the window's step: 1, or 2 with five frames
        let motion2: Vec<f64> = (0..n)
            .map(|i| {
                if i < first {
                    return 0.0;
                }
                let (lo, hi) = (i + 1 - stride, i + 1);
                if hi >= n {
                    sad[i]
                } else if lo >= first {
                    if sad[lo] < sad[hi] { sad[lo] } else { sad[hi] }
                } else {
                    sad[hi]
                }
            })
            .collect();
        let stamp = if n > first { self.blend(sad[first]) } else { 0.0 };
        let mut previous = stamp;
        let motion3 = (0..n)
            .map(|i| {
                if i < first {
                    previous = stamp;
                    return stamp;
                }
                let processed = self.blend(motion2[i]);
                let m = if self.moving_average { (processed + previous) / 2.0 } else { processed };
                previous = processed;
                m
            })
            .collect();
        (motion2, motion3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_options_are_motion2_and_motion3() {
        let raw = [0.0, 3.0, 1.5, 7.0, 2.0];
        let (m2, m3) = MotionOptions::default().motion2_motion3(&raw);
        assert_eq!(m2, motion2(&raw));
        assert_eq!(m3, motion3(&raw, &m2));
    }

    #[test]
    fn five_frame_window_and_moving_average() {
        let o = MotionOptions { max_val: 18.0, five_frame_window: true, moving_average: true, ..Default::default() };
        // SADs start at frame 2 (frame i against frame i − 2).
        let sad = [0.0, 0.0, 4.0, 30.0, 2.0, 6.0];
        let (m2, m3) = o.motion2_motion3(&sad);
        // Frame 2 has no earlier SAD: the next one; then the smaller of i − 1 and i + 1; the last its own.
        assert_eq!(m2, vec![0.0, 0.0, 30.0, 2.0, 6.0, 6.0]);
        // Before frame 2 the stamp (frame 2's SAD, capped); then the mean with the previous capped value.
        assert_eq!(m3, vec![4.0, 4.0, (18.0 + 4.0) / 2.0, (2.0 + 18.0) / 2.0, (6.0 + 2.0) / 2.0, 6.0]);
    }
}
